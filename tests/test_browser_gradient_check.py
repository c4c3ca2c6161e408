"""The gradient check tab in a real Chromium, on a 1024×768 projector, in the light and the dark theme."""

import pytest
from playwright.sync_api import expect

from bench.browsing import goto, main_text, screenshot, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("browser_page", [(1024, 768)], indirect=True)
def test_the_gradient_check_tab_draws_its_table_and_error_chart_in_both_themes(browser_page):
    page = browser_page
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        goto(page, "/convolution")
        page.get_by_role("tab", name="Gradient check").click()
        wait_idle(page)
        table = page.locator("[data-testid='stMain'] table", has_text="central difference")
        expect(table.locator("tbody tr")).to_have_count(8)  # w1 w2 w3, b, x1 … x4
        expect(table.locator("tbody tr").first).to_contain_text("∂L/∂w1")
        expect(table.locator("tbody tr").first).to_contain_text("44")
        chart = page.locator("[data-testid='stVegaLiteChart']")
        expect(chart.locator("canvas, svg").first).to_be_visible()
        assert "every gradient that is not 0 passes the check" in main_text(page)
        assert "At ε = 10⁻¹² rounding dominates both." in main_text(page)
        table.scroll_into_view_if_needed()
        screenshot(page, f"convolution-gradient-check-{theme}")
        chart.scroll_into_view_if_needed()
        screenshot(page, f"convolution-gradient-check-chart-{theme}")
