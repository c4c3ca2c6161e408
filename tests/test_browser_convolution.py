"""Page 1 in a real Chromium: typed like a person types, checked against PyTorch, offline."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
import torch
from conftest import IN_CI
from playwright.sync_api import expect

from bench.browsing import goto, main_text, screenshot, type_into, wait_idle

pytestmark = pytest.mark.browser


def answers_table(page) -> dict[str, list[float]]:
    """The Answers table as numbers: {"outputs": [14.0, 20.0], "loss": [200.0], …}."""
    # The page may still be drawing (a first visit renders twice): wait for the last row before reading any.
    page.locator("table").first.locator("tbody tr", has_text="new loss").wait_for()
    rows = page.locator("table").first.locator("tbody tr")
    table = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        table[cells[0].strip()] = [shown_number(*found) for found in re.findall(NUMBER, cells[2])]
    return table


class Shown(float):
    """A number as the page writes it; `rounded` when it ends in "…" (exact otherwise)."""

    rounded: bool
    places: int


# A number as written outside LaTeX: the true minus sign, thousands grouped by narrow no-break spaces (1 234.5, in a
# list too, where ", " separates the entries), an ellipsis when rounded.
NUMBER = r"([-−]?\d{1,3}(?:\u202f\d{3})+(?:\.(\d+))?|[-−]?\d+(?:\.(\d+))?)(…)?"


def shown_number(text: str, grouped_decimals: str, decimals: str, ellipsis: str) -> Shown:
    number = Shown(text.replace("−", "-").replace("\u202f", ""))
    decimals = grouped_decimals or decimals
    number.rounded, number.places = bool(ellipsis), len(decimals)
    return number


def agrees(shown: list[Shown], values: list[float]) -> bool:
    """Exact numbers agree to float precision; a rounded one to within one unit of its last written place."""
    return len(shown) == len(values) and all(
        s == pytest.approx(v, rel=1e-9, abs=10.0**-s.places if s.rounded else 1e-12) for s, v in zip(shown, values)
    )


def torch_answers(x, w, b, y, lr, stride=1, padding=0, dilation=1, operation="correlation", loss="half"):
    """The exercise in PyTorch autograd (float64): conv1d with its dilation, the kernel flipped for a true convolution,
    the loss ½Σ, Σ or the mean."""
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b = torch.tensor([b], dtype=torch.float64, requires_grad=True)
    target = torch.tensor(y, dtype=torch.float64)

    def conv(w_, b_):
        kernel = w_.flip(0) if operation == "convolution" else w_
        return torch.nn.functional.conv1d(
            x.view(1, 1, -1), kernel.view(1, 1, -1), b_, stride=stride, padding=padding, dilation=dilation
        ).view(-1)

    def squared_error(y_hat):
        total = ((y_hat - target) ** 2).sum()
        return {"half": 0.5 * total, "sum": total, "mean": total / len(y)}[loss]

    y_hat = conv(w, b)
    value = squared_error(y_hat)
    value.backward()
    with torch.no_grad():
        w_new, b_new = w - lr * w.grad, b - lr * b.grad
        y_new = conv(w_new, b_new)
        new_loss = squared_error(y_new)
    values = {
        "outputs": y_hat,
        "loss": value,
        "weight gradient": w.grad,
        "bias gradient": b.grad,
        "input gradient": x.grad,
        "new weights": w_new,
        "new bias": b_new,
        "new outputs": y_new,
        "new loss": new_loss,
    }
    return {name: tensor.detach().reshape(-1).tolist() for name, tensor in values.items()}


def test_the_first_visitor_of_a_fresh_server_gets_the_app_navigation(live_app):
    seen = live_app.first_visit
    assert "Convolution by hand" in seen["navigation"] and "Home" in seen["navigation"]
    assert "convolution" not in seen["navigation"].split("\n")  # not the bare file names of the pages/ folder
    assert "Convolution by hand" in seen["title"] and not seen["errors"]
    # app.py's start-up sends even the first run through the navigation: no run of the page alone, then again.
    assert "a first run outside app.py's navigation" not in live_app.server.log_text()


def test_the_browser_suite_runs_without_any_network(live_app):
    if not IN_CI and not live_app.offline:
        pytest.skip("not root: the server and browser run with the machine's network")
    assert live_app.offline and not live_app.namespace.can_reach_outside()


def test_default_page_shows_the_classic_answers(browser_page):
    page = browser_page
    goto(page, "/convolution")
    table = answers_table(page)
    assert table["outputs"] == [14, 20] and table["loss"] == [200] and table["new weights"] == [1.56, 0.28, 2]
    assert table["new loss"] == [61.064]
    screenshot(page, "convolution")


def test_typed_values_give_the_numbers_pytorch_gives_and_go_into_the_url(browser_page):
    page = browser_page
    goto(page, "/convolution")
    type_into(page, "Input x", "3, -1, 2, 0.5, 4")
    type_into(page, "Kernel w", "1 -2")
    type_into(page, "Bias b", "0.5")
    type_into(page, "Targets y", "1, 2, 3, 4")
    shown = answers_table(page)
    expected = torch_answers([3, -1, 2, 0.5, 4], [1, -2], 0.5, [1, 2, 3, 4], 0.01)
    for name, values in expected.items():
        assert agrees(shown[name], values), (name, shown[name], values)
    query = parse_qs(urlparse(page.url).query)
    assert query["x"] == ["3, -1, 2, 0.5, 4"] and query["w"] == ["1 -2"] and query["y"] == ["1, 2, 3, 4"]


def test_a_bad_value_gets_its_message_beside_the_field_and_the_page_keeps_working(browser_page):
    page = browser_page
    goto(page, "/convolution")
    type_into(page, "Bias b", "abc")
    column = page.locator("[data-testid='stColumn']").filter(has=page.get_by_label("Bias b", exact=True))
    # Waits for the rerun the typed value starts (once, in CI, the column was read before it had drawn the message).
    expect(column).to_contain_text("'abc' is not a number")
    assert "Fix the field marked above" in main_text(page)
    type_into(page, "Bias b", "2")
    assert answers_table(page)["outputs"] == [15, 21]


def test_a_shared_link_brings_the_exercise_back(browser_page):
    page = browser_page
    goto(page, "/convolution?x=1,2,3,4,5,6&w=1,0,-1&b=0&y=0,0&stride=2&padding=0&lr=0.05")
    expect(page.get_by_label("Input x", exact=True)).to_have_value("1,2,3,4,5,6")
    expect(page.get_by_label("Stride s", exact=True)).to_have_value("2")
    wait_idle(page)
    assert answers_table(page)["outputs"] == [-2, -2]
    assert "dilated by the stride" in main_text(page)


def test_practice_mode_marks_the_answers(browser_page):
    page = browser_page
    goto(page, "/convolution")
    page.locator("[data-testid='stButtonGroup'] button", has_text="Practice").click()
    # the click's rerun may not have started when the page first reads idle: wait for what practice draws
    expect(page.get_by_role("button", name="Check my answers")).to_be_visible()
    wait_idle(page)
    assert "1. Forward pass" not in main_text(page)
    for label, value in [("ŷ (outputs)", "14, 20"), ("L (loss)", "200"), ("∂L/∂w", "44, 70, 100")]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Check my answers").click()
    wait_idle(page)
    text = main_text(page)
    assert "2 of 6 right" in text and "check entry 2" in text
    screenshot(page, "convolution-practice")


EXERCISE = ([1, 2, 3, 4, 5, 6], [2, 1, 3], 1, [1, -1], 0.01)  # x, w, b, y, lr


def test_a_link_with_both_conventions_and_dilation_gives_pytorchs_numbers_and_a_switch_rewrites_the_url(browser_page):
    page = browser_page
    goto(page, "/convolution?op=convolution&loss=mean&dilation=2&x=1,2,3,4,5,6&y=1,-1")
    shown = answers_table(page)
    expected = torch_answers(
        [1, 2, 3, 4, 5, 6], [2, 1, 3], 1, [1, -1], 0.01, dilation=2, operation="convolution", loss="mean"
    )
    for name, values in expected.items():
        assert agrees(shown[name], values), (name, shown[name], values)
    assert "Not the classic convention" in main_text(page) and "here a true convolution" in main_text(page)
    page.locator("[data-testid='stButtonGroup'] button", has_text="Σ").filter(has_not_text="½").click()
    expect(page).to_have_url(re.compile(r"[?&]loss=sum(&|$)"))  # the URL keeps the plain name, not the label
    wait_idle(page)
    query = parse_qs(urlparse(page.url).query)
    assert query["op"] == ["convolution"] and query["dilation"] == ["2"] and query["x"] == ["1,2,3,4,5,6"]
    expected = torch_answers(*EXERCISE, dilation=2, operation="convolution", loss="sum")
    assert agrees(answers_table(page)["weight gradient"], expected["weight gradient"])
    page.locator("[data-testid='stButtonGroup'] button", has_text="Cross-correlation").click()
    expect(page).not_to_have_url(re.compile(r"[?&]op="))  # the classic value leaves the link
    wait_idle(page)
    screenshot(page, "convolution-conventions")
