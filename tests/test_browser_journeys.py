"""A learner's journeys across the app in a real Chromium: pages kept as left, Back and Forward, reload, links, two tabs."""

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect
from test_browser_convolution import agrees, answers_table, torch_answers

from bench.browsing import ConsoleWatch, assert_page_is_clean, goto, wait_idle

pytestmark = pytest.mark.browser

# Every kind of page-1 setting: typed fields, the dilation, and both convention switches.
EXERCISE = {"x": "3, -1, 2, 0.5, 4", "w": "1 -2", "b": "0.5", "y": "1, 2, 3", "padding": "0", "dilation": "2"}
EXERCISE_LINK = "/convolution?x=3,+-1,+2,+0.5,+4&w=1+-2&b=0.5&y=1,+2,+3&padding=0&dilation=2&op=convolution&loss=sum"
EXPECTED = torch_answers(
    [3, -1, 2, 0.5, 4], [1, -2], 0.5, [1, 2, 3], 0.01, dilation=2, operation="convolution", loss="sum"
)
SWITCHES = {"True convolution", "Σ"}
LABELS = {
    "x": "Input x",
    "w": "Kernel w",
    "b": "Bias b",
    "y": "Targets y",
    "padding": "Padding p",
    "dilation": "Dilation d",
}
LAB = {"dx": "3", "fill": "wrap", "seed": "1"}


HEADINGS = {"Home": "ConvLab"}


def nav(page, title: str) -> None:
    """Follow the sidebar's link to a page, as a learner does."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).click()
    page.locator("[data-testid='stMain'] h1", has_text=HEADINGS.get(title, title)).wait_for(timeout=60_000)
    wait_idle(page, settle=1)


def history(page, direction: str) -> None:
    page.go_back() if direction == "back" else page.go_forward()
    wait_idle(page, settle=1)


def assert_no_error_shown(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, "an exception is shown"
    assert page.locator("[data-testid='stAlertContentError']").count() == 0, page.locator(
        "[data-testid='stMain']"
    ).inner_text()


def assert_exercise_as_left(page) -> None:
    page.locator("[data-testid='stMain'] h1", has_text="Convolution by hand").wait_for()
    for name, text in EXERCISE.items():
        expect(page.get_by_label(LABELS[name], exact=True)).to_have_value(text)
    active = page.locator(
        "[data-testid='stMain'] [data-testid='stButtonGroup'] button[aria-checked='true'], "
        "[data-testid='stMain'] [data-testid='stButtonGroup'] button[kind*='Active']"
    ).all_inner_texts()
    assert SWITCHES <= {text.strip() for text in active}, active
    shown = answers_table(page)
    for name, values in EXPECTED.items():
        assert agrees(shown[name], values), (name, shown[name], values)
    assert_no_error_shown(page)


def lab_table_header(page) -> str:
    header = page.locator("[data-testid='stTable'] th").filter(has_text="shifted by").first
    header.wait_for(timeout=180_000)
    return header.inner_text()


def lab_state(page) -> dict[str, str]:
    """What the lab's controls show: dx, the fill chosen, the seed."""
    page.locator("[data-testid='stMain'] h1", has_text="Equivariance lab").wait_for()
    expect(page.locator("[data-testid='stTable']")).to_be_visible(timeout=180_000)
    dx = page.locator("[data-testid='stSlider']").filter(has_text="dx: move right").locator("input[type='range']")
    fill = page.locator(
        "[data-testid='stButtonGroup'] button[aria-checked='true'], "
        "[data-testid='stButtonGroup'] button[kind*='Active']"
    ).first
    return {
        "dx": dx.get_attribute("aria-valuenow") or dx.input_value(),
        "fill": fill.inner_text().strip(),
        "seed": page.get_by_label("Seed", exact=True).input_value(),
    }


def assert_lab_as_left(page) -> None:
    # The controls as the page settles after a fresh load: read again for a few seconds before judging.
    deadline = time.monotonic() + 15
    while (state := lab_state(page)) != LAB and time.monotonic() < deadline:
        time.sleep(0.5)
    assert state == LAB
    assert lab_table_header(page).startswith("shifted by (3, 0), circular wrap")
    expect(page.get_by_text("1 epoch", exact=False).first).to_be_visible()
    assert_no_error_shown(page)


def set_up_the_lab(page) -> None:
    """Change the fill, dx and one training setting (the seed: a new, quick training)."""
    lab_table_header(page)
    page.locator("[data-testid='stButtonGroup'] button", has_text="wrap").click()
    wait_idle(page)
    page.locator("[data-testid='stSlider']").filter(has_text="dx: move right").locator("input[type='range']").focus()
    page.keyboard.press("ArrowRight")
    wait_idle(page)
    seed = page.get_by_label("Seed", exact=True)
    seed.fill("1")
    page.get_by_role("button", name="Train").click()
    wait_idle(page, timeout=180_000, settle=1)
    expect(page.locator("[data-testid='stProgress']")).to_have_count(0, timeout=180_000)
    wait_idle(page)


def test_a_learner_moves_between_the_pages_and_finds_each_as_they_left_it(browser_page):
    page = browser_page
    goto(page, EXERCISE_LINK)
    assert_exercise_as_left(page)

    nav(page, "Equivariance lab")
    set_up_the_lab(page)
    assert_lab_as_left(page)
    lab_url = page.url
    assert parse_qs(urlparse(lab_url).query) == {"dx": ["3"], "fill": ["wrap"], "seed": ["1"]}

    nav(page, "Convolution by hand")
    assert_exercise_as_left(page)
    nav(page, "Equivariance lab")
    assert_lab_as_left(page)

    history(page, "back")
    assert_exercise_as_left(page)
    history(page, "forward")
    assert_lab_as_left(page)
    page.reload()
    wait_idle(page, settle=1)
    assert_lab_as_left(page)


def test_back_goes_through_the_pages_visited_not_through_every_change(browser_page):
    page = browser_page
    goto(page, EXERCISE_LINK)
    nav(page, "Equivariance lab")
    lab_table_header(page)
    slider = page.locator("[data-testid='stSlider']").filter(has_text="dx: move right").locator("input[type='range']")
    slider.focus()
    for _ in range(3):  # three changes on one page: one history entry
        page.keyboard.press("ArrowRight")
        wait_idle(page)
    nav(page, "Convolution by hand")
    nav(page, "Home")
    history(page, "back")
    assert_exercise_as_left(page)
    history(page, "back")
    assert "shifted by (5, 0)" in lab_table_header(page)
    history(page, "back")
    assert_exercise_as_left(page)  # the link the journey started from
    history(page, "forward")
    history(page, "forward")
    history(page, "forward")
    page.locator("[data-testid='stMain'] h1", has_text="ConvLab").wait_for()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def switch_button(page, label: str):
    """A segmented control's button by its whole label ("Σ" is not "½Σ")."""
    return page.locator("[data-testid='stMain'] [data-testid='stButtonGroup'] button").filter(
        has_text=re.compile(f"^{re.escape(label)}$")
    )


def test_the_shift_tabs_link_opens_the_lab_at_its_shift_and_back_finds_the_exercise_as_left(browser_page):
    page = browser_page
    goto(page, EXERCISE_LINK)
    exercise_url = page.url
    page.get_by_role("tab", name="↔️ Shift the input").click()
    wait_idle(page)
    page.locator("[data-testid='stPageLink'] a", has_text="Open the lab at dx = 1, zero fill").click()
    assert lab_table_header(page).startswith("shifted by (1, 0), zero fill")  # the lab's settings from the link
    assert query(page) == {"dx": ["1"]}  # the lab's defaults leave its URL
    history(page, "back")
    assert page.url == exercise_url  # not the lab's parameters, not a bare /convolution
    page.get_by_role("tab", name="📖 Worked solution").click()
    wait_idle(page)
    assert_exercise_as_left(page)
    history(page, "forward")
    assert lab_table_header(page).startswith("shifted by (1, 0), zero fill")


def test_back_from_the_worksheets_to_page_1_brings_none_of_their_settings_into_its_link(browser_page):
    page = browser_page
    goto(page, "/worksheets")
    page.locator("[data-testid='stSelectbox']").filter(has_text="Level").click()
    page.get_by_role("option", name="With dilation").click()
    wait_idle(page)
    switch_button(page, "Σ").click()  # page 1's label for the loss, the key in the URL
    wait_idle(page)
    sheet = {"sheet_level": ["dilation"], "sheet_loss": ["sum"]}
    assert query(page) == sheet
    nav(page, "Convolution by hand")
    switch_button(page, "True convolution").click()
    wait_idle(page)
    nav(page, "Worksheets")
    assert query(page) == sheet
    history(page, "back")
    assert urlparse(page.url).path == "/convolution" and query(page) == {"op": ["convolution"]}
    expect(switch_button(page, "True convolution")).to_have_attribute("aria-checked", "true")


def test_a_shared_link_opened_in_a_fresh_browser_shows_the_same_exercise_and_lab(live_app, browser_page):
    page = browser_page
    goto(page, EXERCISE_LINK)
    exercise_url = page.url
    nav(page, "Equivariance lab")
    set_up_the_lab(page)
    lab_url = page.url

    context = live_app.browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        fresh = context.new_page()
        fresh.set_default_timeout(60_000)
        watch = ConsoleWatch(fresh)
        fresh.app_url = live_app.server.url
        fresh.goto(exercise_url)
        wait_idle(fresh, timeout=120_000, settle=1)
        assert_exercise_as_left(fresh)
        fresh.goto(lab_url)
        wait_idle(fresh, timeout=120_000, settle=1)
        assert_lab_as_left(fresh)
        assert_page_is_clean(fresh, watch)
    finally:
        context.close()


def test_two_tabs_of_one_browser_do_not_disturb_each_other(live_app, browser_page):
    first = browser_page
    goto(first, EXERCISE_LINK)
    second = first.context.new_page()
    second.set_default_timeout(60_000)
    second.app_url = live_app.server.url
    goto(second, "/convolution")
    field = second.get_by_label("Bias b", exact=True)
    field.click()
    field.press("Control+a")
    field.type("7", delay=15)
    field.press("Enter")
    wait_idle(second)
    assert answers_table(second)["outputs"] == [20, 26]
    nav(second, "Equivariance lab")
    lab_table_header(second)

    first.reload()
    wait_idle(first, settle=1)
    assert_exercise_as_left(first)
    nav(first, "Equivariance lab")
    assert lab_table_header(first).startswith("shifted by (2, 0), zero fill")
    nav(second, "Convolution by hand")
    expect(second.get_by_label("Bias b", exact=True)).to_have_value("7")
    second.close()


def test_an_old_lab_link_with_the_former_names_still_opens_its_settings(browser_page):
    page = browser_page
    goto(page, "/equivariance?padding=circular&image=5&head=bogus")
    lab_table_header(page)
    expect(page.get_by_label("circular", exact=True)).to_be_checked()
    expect(page.get_by_label("Test image", exact=True)).to_have_value("5")
    expect(page.get_by_label("flatten", exact=True)).to_be_checked()  # an unreadable value: the default, no error
    assert_no_error_shown(page)
    assert "padding" not in parse_qs(urlparse(page.url).query)
