"""The shift tab in a real Chromium, on a 1024×768 projector: move x, read what moved, then follow the link to the lab."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect
from test_browser_lab import slider

from bench.browsing import goto, main_text, screenshot, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("browser_page", [(1024, 768)], indirect=True)
def test_moving_the_shift_redraws_what_moved_and_the_lab_link_opens_the_lab_at_that_shift(browser_page):
    page = browser_page
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        goto(page, "/convolution")
        page.get_by_role("tab", name="Shift the input").click()
        wait_idle(page)
        assert "ŷ′2 simply moved (green). ŷ′1 is new at the left border (red)" in main_text(page)
        chart = page.locator("[data-testid='stVegaLiteChart']")
        expect(chart.locator("canvas, svg").first).to_be_visible()
        assert chart.bounding_box()["x"] + chart.bounding_box()["width"] <= 1024
        chart.scroll_into_view_if_needed()
        screenshot(page, f"convolution-shift-{theme}")

    page.get_by_role("button", name="Shift by k = 3").click()
    wait_idle(page)
    assert "A shift of 3 positions to the right is 3 output steps (stride 1)" in main_text(page)
    handle = slider(page, "Shift x by")
    handle.focus()
    for _ in range(4):  # 3 → −1: one position to the left, one rerun at a time (a busy machine drops none)
        page.keyboard.press("ArrowLeft")
        wait_idle(page)
    expect(page.locator("[data-testid='stMain']")).to_contain_text("A shift of 1 position to the left")
    text = main_text(page)
    assert "A shift of 1 position to the left is 1 output step (stride 1)" in text
    assert "ŷ′1 simply moved (green). ŷ′2 is new at the right border (red)" in text

    link = page.get_by_role("link", name="Open the lab at dx = −1, zero fill")
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_url("**/equivariance?**", timeout=120_000)
    expect(page.locator("[data-testid='stTable']")).to_be_visible(timeout=180_000)
    wait_idle(page)
    query = parse_qs(urlparse(page.url).query)
    assert urlparse(page.url).path.endswith("/equivariance")
    assert query["dx"] == ["-1"] and query.get("fill", ["zero"]) == ["zero"]
    expect(page.locator("[data-testid='stTable'] th").filter(has_text="shifted by (−1, 0)")).to_be_visible()
