"""The "As a matrix" tab in a real Chromium: a highlight lights the same terms, in both themes, and the largest
layer still fits a projector's column."""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect
from test_browser_layout import FORMULAS_CUT, LONGEST, open_context

from bench.browsing import ConsoleWatch, assert_page_is_clean, goto, main_text, screenshot, wait_idle
from core.exercise.views.matrix_typeset import weight_colour

pytestmark = pytest.mark.browser

# KaTeX writes \textcolor{#F58518}{…} as an inline colour, which the browser reports in rgb().
W2 = "rgb({}, {}, {})".format(*(int(weight_colour(1)[i : i + 2], 16) for i in (1, 3, 5)))
COLOURED_CELLS = f"""() => [...document.querySelectorAll("[data-testid='stMain'] .katex span")]
    .filter(e => !e.children.length && getComputedStyle(e).color === "{W2}")
    .map(e => e.innerText.replace(/\\u200b/g, "").trim())
    .filter(text => text)"""

# The tab's formulas, charts and paragraphs running past the column (the page's own controls are checked elsewhere).
PAST_THE_COLUMN = """() => {
    const column = document.querySelector("[data-testid='stMainBlockContainer']");
    const right = column.getBoundingClientRect().right - parseFloat(getComputedStyle(column).paddingRight);
    const parts = document.querySelectorAll(
        "[role='tabpanel'] .katex-display, [role='tabpanel'] [data-testid='stVegaLiteChart'], [role='tabpanel'] p"
    );
    return [...parts].filter(e => e.getBoundingClientRect().right > right + 1).map(e => e.innerText.slice(0, 40));
}"""

# Whether the page's background is dark (the app's own dark theme) when `dark`, light otherwise.
BACKGROUND_IS = """dark => {
    const rgb = getComputedStyle(document.querySelector("[data-testid='stApp']")).backgroundColor.match(/\\d+/g);
    return (Number(rgb[0]) + Number(rgb[1]) + Number(rgb[2]) < 200) === dark;
}"""


def tab_faults(page) -> list[str]:
    sideways = page.locator("[data-testid='stMain']").evaluate("e => e.scrollWidth - e.clientWidth")
    return (
        page.evaluate(FORMULAS_CUT)
        + page.evaluate(PAST_THE_COLUMN)
        + [f"scrolls sideways by {sideways} px"] * (sideways > 1)
    )


def open_matrix_tab(page, query: dict[str, str], pick: str, shows: str) -> None:
    """Open the tab on an exercise, pick an output or a weight, and wait for what that highlight writes."""
    goto(page, "/convolution?" + urlencode(query))
    page.get_by_role("tab", name="As a matrix").click()
    button = page.locator("[data-testid='stButtonGroup'] button", has_text=re.compile(f"^{pick}$"))
    button.click()
    expect(page.locator("[data-testid='stMain']")).to_contain_text(shows)
    wait_idle(page)


def test_the_matrix_tab_lights_a_weights_cells_and_fits_1024_in_both_themes_up_to_32_inputs(live_app):
    context, page = open_context(live_app, "1024x768", "light")
    watch = ConsoleWatch(page)
    try:
        open_matrix_tab(page, {}, "w2", "12·2 + 16·3 = 72")
        assert "(1, 2), (2, 3)" in main_text(page)
        for theme in ("light", "dark"):
            page.emulate_media(color_scheme=theme)  # Streamlit follows the system's theme as it changes
            page.wait_for_function(BACKGROUND_IS, arg=theme == "dark")
            # w₂ in both rows of W, its value 1 there and in both columns of Wᵀ, the inputs 2 and 3 it meets.
            assert sorted(page.evaluate(COLOURED_CELLS)) == sorted(["w", "2", "w", "2", "1", "1", "2", "3", "1", "1"])
            assert tab_faults(page) == [], theme
            page.get_by_text("With the numbers").scroll_into_view_if_needed()
            screenshot(page, f"convolution-matrix-{theme}")
        # 32 inputs with 16 zeros of padding at each end: W is 64 × 64, drawn as a grid chart.
        open_matrix_tab(page, {**LONGEST, "padding": "16"}, "ŷ3", "Row 3 of W is ŷ3's window")
        assert page.locator("[data-testid='stVegaLiteChart']").count() == 1
        assert tab_faults(page) == []
        page.locator("[data-testid='stVegaLiteChart']").scroll_into_view_if_needed()
        screenshot(page, "convolution-matrix-32-inputs-dark")
        assert_page_is_clean(page, watch)
    finally:
        context.close()
