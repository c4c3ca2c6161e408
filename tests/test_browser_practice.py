"""Practice mode in a real Chromium: a new exercise arrives unanswered and unsolved, and Tab reads like the page."""

import pytest
from playwright.sync_api import expect
from test_browser_layout import focused_label

from bench.browsing import goto, main_text, screenshot, wait_idle
from core.exercise.practice.questions import QUESTIONS

pytestmark = pytest.mark.browser

LABELS = [question.label for question in QUESTIONS.values()]


def open_practice(page, path: str = "/convolution") -> None:
    goto(page, path)
    page.locator("[data-testid='stButtonGroup'] button", has_text="Practice").click()
    wait_idle(page)


def test_new_exercise_empties_the_answers_and_hides_the_solution(browser_page):
    page = browser_page
    open_practice(page)
    page.get_by_label("ŷ (outputs)", exact=True).fill("14, 20")
    page.get_by_label("L (loss)", exact=True).fill("400")
    page.get_by_role("button", name="Check my answers").click()
    wait_idle(page)
    assert "is twice the answer: the loss has a ½" in main_text(page)
    screenshot(page, "convolution-practice-marked")
    page.get_by_text("Show the solution").click()
    # Wait for what the switch draws: under load the first idle can come before the click's rerun.
    expect(page.get_by_role("heading", name="1. Forward pass")).to_be_visible(timeout=60_000)
    wait_idle(page)
    page.get_by_role("button", name="New exercise").click()
    wait_idle(page)
    for label in LABELS:
        expect(page.get_by_label(label, exact=True)).to_have_value("")
    text = main_text(page)
    assert "1. Forward pass" not in text and "of 6 right" not in text
    expect(page.get_by_role("switch", name="Show the solution")).not_to_be_checked()


def test_tab_goes_through_the_answers_in_reading_order(browser_page):
    page = browser_page
    open_practice(page)
    page.get_by_label(LABELS[0], exact=True).click()
    seen = [focused_label(page)]
    for _ in LABELS[1:]:
        page.keyboard.press("Tab")
        seen.append(focused_label(page))
    assert seen == LABELS


@pytest.mark.parametrize("browser_page", [(1024, 768)], indirect=True)
def test_under_a_true_convolution_the_unflipped_kernel_is_named_and_hints_sit_under_their_fields(browser_page):
    page = browser_page
    open_practice(page, "/convolution?op=convolution")
    page.get_by_text("💡 Hints").click()
    wait_idle(page)
    page.get_by_label("ŷ (outputs)", exact=True).fill("14, 20")  # the cross-correlation's outputs
    page.get_by_label("L (loss)", exact=True).fill("148")
    page.get_by_role("button", name="Check my answers").click()
    wait_idle(page)
    text = main_text(page)
    assert "That is the cross-correlation: the kernel was not flipped." in text
    # The hint under ŷ: the first window with the flipped kernel's numbers, x₁·w₃ + x₂·w₂ + x₃·w₁ + b.
    assert "L (loss) — Right." in text and "=1⋅3+2⋅1+3⋅2+1; then" in text
    page.get_by_text("Check my answers").scroll_into_view_if_needed()
    screenshot(page, "convolution-practice-convolution-hints")
