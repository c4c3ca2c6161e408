"""Classroom conditions in a real Chromium: projector sizes, light and dark themes, and no mouse at all."""

import pytest
from playwright.sync_api import expect

from bench.browsing import goto, screenshot, wait_idle

pytestmark = pytest.mark.browser

PAGES = {"home": "/", "convolution": "/convolution", "equivariance": "/equivariance"}
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


def ready(page, path: str) -> None:
    goto(page, path)
    if path == "/equivariance":
        expect(page.get_by_text("Accuracy against shift")).to_be_visible(timeout=180_000)
        wait_idle(page)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_projector_sizes_in_both_themes(live_app, name, size, theme):
    width, height = SIZES[size]
    context = live_app.browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme)
    page = context.new_page()
    page.app_url = live_app.server.url
    try:
        ready(page, PAGES[name])
        main = page.locator("[data-testid='stMain']")
        overflow = main.evaluate("e => e.scrollWidth - e.clientWidth")
        assert overflow <= 1, f"{name} scrolls sideways by {overflow} px at {width}×{height}"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        background = page.locator("[data-testid='stApp']").evaluate("e => getComputedStyle(e).backgroundColor")
        channels = [int(c) for c in background[background.index("(") + 1 : background.index(")")].split(",")[:3]]
        assert (sum(channels) < 200) == (theme == "dark"), f"{theme} theme, background {background}"
        screenshot(page, f"{name}-{size}-{theme}")
    finally:
        context.close()


def focused_label(page) -> str:
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            if (!e) return "";
            const labelled = e.getAttribute("aria-label") || "";
            const byId = e.id ? document.querySelector(`label[for="${e.id}"]`) : null;
            return (labelled || (byId && byId.innerText) || e.innerText || e.value || "").trim();
        }"""
    )


def tab_through(page, presses: int) -> list[str]:
    page.locator("[data-testid='stMain'] h1").first.click()  # start from the page, not the browser's chrome
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(focused_label(page))
    return seen


def test_every_control_of_page_1_is_reached_with_the_tab_key(browser_page):
    page = browser_page
    goto(page, "/convolution")
    seen = " | ".join(tab_through(page, 40))
    for control in [
        "Input x",
        "Kernel w",
        "Bias b",
        "Targets y",
        "Stride s",
        "Padding p",
        "Learning rate α",
        "New exercise",
        "Classic exercise",
        "Worked solution",
        "Practice",
        "Sliding window",
        "Many steps",
    ]:
        assert control in seen, f"{control} is not reachable with Tab: {seen}"


def test_page_1_works_from_the_keyboard_alone(browser_page):
    page = browser_page
    goto(page, "/convolution")
    page.get_by_label("Bias b", exact=True).focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page.locator("table").first).to_contain_text("[13, 19]")
    page.get_by_role("tab", name="Many steps").focus()
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page.get_by_text("Steps", exact=True)).to_be_visible()


def test_every_control_of_the_lab_is_reached_with_the_tab_key(browser_page):
    page = browser_page
    ready(page, "/equivariance")
    seen = " | ".join(tab_through(page, 60))
    for control in [
        "Dataset",
        "Training images",
        "Epochs",
        "Seed",
        "Shift augmentation",
        "MLP hidden units",
        "Train",
        "dx: move right",
        "dy: move down",
        "zero",
        "wrap",
        "Test image",
        "Random image of",
        "Pick",
    ]:
        assert control in seen, f"{control} is not reachable with Tab: {seen}"
