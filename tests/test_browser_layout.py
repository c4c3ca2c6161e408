"""Classroom conditions in a real Chromium: projector sizes, light and dark themes, the longest inputs, no mouse."""

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from bench.browsing import goto, screenshot, wait_idle

pytestmark = pytest.mark.browser

# The lab with its (dx, dy) heat maps shown: the widest thing it draws.
PAGES = {"home": "/", "convolution": "/convolution", "equivariance": "/equivariance?show_grid=true"}
SIZES = {"1024x768": (1024, 768), "720p": (1280, 720), "1080p": (1920, 1080)}
# What a learner would see go wrong, measured in the page (empty when all is well):
# (a) a chart, picture, table, button or message running past the right edge of its column;
# (b) a label, button, page link, table cell or message cut short (clipped, ellipsis) or a word broken across two lines;
# (c) a picture lying over a caption.
LAYOUT_FAULTS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    const faults = [];
    const named = e => {
        const text = (e.innerText || e.textContent || e.getAttribute("alt") || "").trim().replace(/\\s+/g, " ");
        return `${e.getAttribute("data-testid") || e.tagName.toLowerCase()} "${text.slice(0, 40)}"`;
    };
    const shown = e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && e.checkVisibility({ visibilityProperty: true });
    };
    const columnRight = e => {
        const c = e.closest("[data-testid='stColumn']") || e.closest("[data-testid='stMainBlockContainer']");
        return c.getBoundingClientRect().right - parseFloat(getComputedStyle(c).paddingRight);
    };
    for (const e of main.querySelectorAll(
        "canvas, svg, img, table, button, [data-testid='stVegaLiteChart'], [data-testid='stAlertContainer']"
    )) {
        if (!shown(e)) continue;
        const past = e.getBoundingClientRect().right - columnRight(e);
        if (past > 1) faults.push(`${named(e)} runs ${Math.round(past)} px past its column`);
    }
    const readable = main.querySelectorAll(
        "[data-testid='stWidgetLabel'], button, th, td, [data-testid='stAlertContainer'], [data-baseweb='select'], "
        + "[data-testid='stImageCaption'], [data-testid='stPageLink']"
    );
    for (const block of readable) {
        if (!shown(block)) continue;
        for (const e of [block, ...block.querySelectorAll("*")]) {
            const style = getComputedStyle(e);
            if (!shown(e) || !(e.innerText || "").trim() || e.closest(".katex")) continue;  // KaTeX clips by design
            const clipsX = style.overflowX !== "visible" || style.textOverflow === "ellipsis";
            if (clipsX && e.scrollWidth > e.clientWidth + 1) faults.push(`${named(e)} is cut short`);
            if (style.overflowY !== "visible" && e.scrollHeight > e.clientHeight + 1 && e.tagName !== "TABLE")
                faults.push(`${named(e)} is cut off below`);
        }
        const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.textContent.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                const rects = [...range.getClientRects()].filter(r => r.width > 0);
                if (rects.some(r => r.top >= rects[0].bottom - 2))
                    faults.push(`"${word[0]}" is broken across lines in ${named(block)}`);
            }
        }
    }
    const captions = [...main.querySelectorAll("[data-testid='stImageCaption']")].filter(shown);
    for (const img of main.querySelectorAll("[data-testid='stImage'] img")) {
        const a = img.getBoundingClientRect();
        for (const caption of captions) {
            const b = caption.getBoundingClientRect();
            const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const tall = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (overlap > 1 && tall > 1) faults.push(`a picture covers the caption ${named(caption)}`);
        }
    }
    return [...new Set(faults)];
}"""

# The mean brightness (0 black … 255 white) of each picture on the page, as drawn over the page's background.
PICTURE_BRIGHTNESS = """() => {
    const rgb = getComputedStyle(document.querySelector("[data-testid='stApp']")).backgroundColor.match(/\\d+/g).map(Number);
    const background = (rgb[0] + rgb[1] + rgb[2]) / 3;
    return [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stImage'] img")].map(img => {
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const context = canvas.getContext("2d");
        context.drawImage(img, 0, 0);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0;
        for (let i = 0; i < pixels.length; i += 4) {
            const alpha = pixels[i + 3] / 255;
            sum += alpha * (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3 + (1 - alpha) * background;
        }
        return sum / (pixels.length / 4);
    });
}"""


def layout_faults(page) -> list[str]:
    return page.evaluate(LAYOUT_FAULTS)


def ready(page, path: str) -> None:
    goto(page, path)
    if path.startswith("/equivariance"):
        expect(page.get_by_text("Accuracy against shift")).to_be_visible(timeout=180_000)
        if "show_grid" in path:
            expect(page.get_by_text("CNN: accuracy over (dx, dy)")).to_be_visible(timeout=180_000)
        wait_idle(page)


def open_context(live_app, size: str, theme: str = "light"):
    width, height = SIZES[size]
    context = live_app.browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.app_url = live_app.server.url
    return context, page


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_projector_sizes_in_both_themes(live_app, name, size, theme):
    context, page = open_context(live_app, size, theme)
    try:
        ready(page, PAGES[name])
        main = page.locator("[data-testid='stMain']")
        overflow = main.evaluate("e => e.scrollWidth - e.clientWidth")
        assert overflow <= 1, f"{name} scrolls sideways by {overflow} px at {size}"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        background = page.locator("[data-testid='stApp']").evaluate("e => getComputedStyle(e).backgroundColor")
        channels = [int(c) for c in background[background.index("(") + 1 : background.index(")")].split(",")[:3]]
        assert (sum(channels) < 200) == (theme == "dark"), f"{theme} theme, background {background}"
        assert layout_faults(page) == [], f"{name} at {size}, {theme}"
        if theme == "dark":
            brightness = page.evaluate(PICTURE_BRIGHTNESS)
            assert all(b < 100 for b in brightness), f"bright pictures on the dark page: {brightness}"
        screenshot(page, f"{name}-{size}-{theme}")  # equivariance-1024x768-dark is also the README's (docs/)
        if name == "equivariance":  # the pictures, further down
            page.get_by_text("Feature maps: do they move with the image?").scroll_into_view_if_needed()
            screenshot(page, f"{name}-{size}-{theme}-pictures")
    finally:
        context.close()


# The longest inputs page 1 accepts (core/exercise/layer/fields.py: 32 numbers), with fractions and decimals.
LONGEST = {
    "x": ", ".join(["-2.75", "1/3", "12", "-1", "0.5", "7/4", "-10", "3"] * 4),
    "w": "0.5, -1/4, 2",
    "y": ", ".join(["1", "-2.5", "1/3"] * 10),
}
# A class's long exercise: 32 small integers, so that every term is short and many fit on a line.
SMALL_INTEGERS = {
    "x": "3, -1, 4, 1, -5, 9, 2, -6, 5, 3, -5, 8, 9, -7, 9, 3, 2, -3, 8, 4, -6, 2, 6, -4, 3, 3, 8, -3, 2, 7, 9, 5",
    "w": "1, 2, -1",
    "y": ", ".join(str(v) for v in range(30)),
}
BAD_FIELDS = {
    "x": "1, two, 3",
    "w": "",
    "b": "one",
    "y": "1/0",
    "stride": "0",
    "padding": "-1",
    "dilation": "0",
    "lr": "0",
}
# A message beside a field, in the narrowest column at 1024 px, stays a few lines tall (the whole explanation of a
# kernel too wide for x, about 480 px there, goes in the box under the fields).
MESSAGE_HEIGHT = 200
TABS = ["Worked solution", "Sliding window", "As a matrix", "Gradient check", "Shift the input", "Many steps", "Export"]
# Formulas a learner cannot read whole: any part of a KaTeX formula drawn past the box that clips it, be it a
# box that hides it or one the learner would have to scroll sideways, formula by formula.
FORMULAS_CUT = """() => {
    const faults = [];
    for (const formula of document.querySelectorAll("[data-testid='stMain'] .katex")) {
        let box = formula.parentElement;
        while (box && getComputedStyle(box).overflowX === "visible") box = box.parentElement;
        if (!box) continue;
        const edge = box.getBoundingClientRect();
        for (const part of formula.querySelectorAll(".katex-html > .base")) {
            const r = part.getBoundingClientRect();
            const cut = Math.max(r.right - edge.right, edge.left - r.left);
            if (r.width > 0 && cut > 3)
                faults.push(`"${formula.innerText.replace(/\\s+/g, " ").slice(0, 40)}" is cut by ${Math.round(cut)} px`);
        }
    }
    return faults;
}"""


def page_1_faults(page) -> list[str]:
    """layout_faults, and the two a long exercise risks: formulas cut short, the page scrolling sideways."""
    main = page.locator("[data-testid='stMain']")
    sideways = main.evaluate("e => e.scrollWidth - e.clientWidth")
    return layout_faults(page) + page.evaluate(FORMULAS_CUT) + ([f"scrolls sideways by {sideways} px"] * (sideways > 1))


@pytest.mark.parametrize("size", list(SIZES))
def test_page_1_with_the_longest_inputs_and_every_field_wrong_fits_each_size(live_app, size):
    context, page = open_context(live_app, size)
    try:
        goto(page, "/convolution?" + urlencode(LONGEST))
        for tab in TABS:
            page.get_by_role("tab", name=tab).click()
            wait_idle(page)
            assert page_1_faults(page) == [], f"{tab} tab at {size}"
            if tab == "Sliding window":
                chart = page.locator("[data-testid='stVegaLiteChart']").first
                chart_right = chart.evaluate("e => e.getBoundingClientRect().right")
                assert chart_right <= page.locator("[data-testid='stMainBlockContainer']").evaluate(
                    "e => e.getBoundingClientRect().right"
                )
                if size == "1024x768":
                    chart.scroll_into_view_if_needed()
                    screenshot(page, "convolution-32-inputs")
        goto(page, "/convolution?" + urlencode(SMALL_INTEGERS))  # the worked solution is the tab that opens
        assert page_1_faults(page) == [], f"32 small integers, worked solution at {size}"
        if size == "1024x768":
            page.get_by_text("1. Forward pass").scroll_into_view_if_needed()
            screenshot(page, "convolution-32-inputs-solution")
        page.locator("[data-testid='stButtonGroup'] button", has_text="Practice").click()
        wait_idle(page)
        assert page_1_faults(page) == [], f"32 small integers, practice at {size}"
        goto(page, "/convolution?" + urlencode(BAD_FIELDS))
        assert page.locator("[data-testid='stAlertContainer']").count() >= len(BAD_FIELDS)
        assert layout_faults(page) == [], f"error messages at {size}"
        goto(page, "/convolution?dilation=2")  # 3 weights dilated by 2 span 5 inputs, x has 4: w and d are marked
        assert layout_faults(page) == [], f"a kernel too wide for x at {size}"
        beside_fields = page.locator("[data-testid='stColumn'] [data-testid='stAlertContainer']")
        heights = beside_fields.evaluate_all("alerts => alerts.map(a => a.getBoundingClientRect().height)")
        assert len(heights) == 2 and max(heights) < MESSAGE_HEIGHT, f"messages {heights} px tall at {size}"
        if size == "1024x768":
            screenshot(page, "convolution-dilation-too-wide")
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
