"""Page 2 in a real Chromium: train with the defaults, drag and key the shift sliders, switch the fill, never retrain."""

import re

import pytest
from playwright.sync_api import expect

from bench.browsing import goto, main_text, screenshot, wait_idle
from core.lab.config import TrainConfig

pytestmark = pytest.mark.browser


def trainings(live_app) -> int:
    return live_app.server.log_text().count("training started:")


def shifted_header(page) -> str:
    return page.locator("[data-testid='stTable'] th").filter(has_text="shifted by").first.inner_text()


def feature_map_sources(page) -> list[str]:
    return [img.get_attribute("src") for img in page.locator("[data-testid='stImage'] img").all()]


def slider(page, label: str):
    """The slider's keyboard handle: a visually hidden range input inside the thumb."""
    return page.locator("[data-testid='stSlider']").filter(has_text=label).locator("input[type='range']")


def slider_thumb_and_track(page, label: str):
    block = page.locator("[data-testid='stSlider']").filter(has_text=label)
    return block.locator("input[type='range']").locator("xpath=../.."), block.locator("[role='group'] > div").first


def open_lab(page) -> None:
    goto(page, "/equivariance")
    expect(page.locator("[data-testid='stTable']")).to_be_visible(timeout=180_000)
    expect(page.get_by_text("Accuracy against shift")).to_be_visible(timeout=180_000)  # the sweep chart's title
    wait_idle(page)


def test_the_lab_loads_its_stored_defaults_says_so_and_shows_the_reference_table(live_app, browser_page):
    page = browser_page
    open_lab(page)
    text = main_text(page)
    assert "MLP" in text and "CNN" in text and re.search(r"\d+\.\d\d%", text)
    assert shifted_header(page).startswith("shifted by (2, 0)")
    log = live_app.server.log_text()
    # The warm-up froze the imports, so Streamlit's collection after every run no longer walks torch's objects.
    assert "objects left out of garbage collection" in log
    assert f"training started: mlp {TrainConfig()}" not in log and f"training started: cnn {TrainConfig()}" not in log
    assert "when they were stored in data/trained/; this server loaded them instead of training them again" in text
    screenshot(page, "equivariance")
    # The pictures are the lossless PNGs the app wrote, sent as they are (without output_format="PNG" Streamlit
    # decodes each one again and writes a JPEG, on every slider step).
    sources = feature_map_sources(page)
    assert len(sources) >= 8 and all(source.endswith(".png") for source in sources), sources
    # What the models confuse: one matrix per model at the current shift, each with its largest confusion in words.
    section = page.get_by_role("heading", name="What the models confuse")
    expect(section).to_be_visible(timeout=120_000)
    for model in ("MLP", "CNN"):
        title = f"{model}, shifted by (2, 0), zero fill"
        chart = page.locator("[data-testid='stVegaLiteChart']").filter(has_text=title)
        expect(chart.locator("svg, canvas").first).to_be_visible()
        assert re.search(rf"The {model} (most often reads|confuses no class)", main_text(page))


def test_dragging_and_keying_the_sliders_moves_everything_without_retraining(live_app, browser_page):
    page = browser_page
    open_lab(page)
    before = trainings(live_app)
    maps_before = feature_map_sources(page)

    # With the mouse: drag the dx thumb to the right end of its track.
    thumb, track = slider_thumb_and_track(page, "dx: move right")
    box, end = thumb.bounding_box(), track.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] - 2, box["y"] + box["height"] / 2, steps=12)
    page.mouse.up()
    wait_idle(page)
    expect(page.locator("[data-testid='stTable'] th").filter(has_text="shifted by (8, 0)")).to_be_visible()
    maps_after_drag = feature_map_sources(page)
    assert maps_after_drag != maps_before

    # With the keyboard: focus the dy thumb and press the arrow keys.
    slider(page, "dy: move down").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_idle(page)
    expect(page.locator("[data-testid='stTable'] th").filter(has_text="shifted by (8, 2)")).to_be_visible()
    assert feature_map_sources(page) != maps_after_drag

    assert trainings(live_app) == before
    assert page.locator("[data-testid='stProgress']").count() == 0


def test_switching_the_fill_to_wrap_changes_the_table(live_app, browser_page):
    page = browser_page
    open_lab(page)
    page.locator("[data-testid='stButtonGroup'] button", has_text="wrap").click()
    wait_idle(page)
    expect(page.locator("[data-testid='stTable'] th").filter(has_text="circular wrap")).to_be_visible(timeout=120_000)
    assert "wraps" in main_text(page) or "circular" in main_text(page)


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e99999"])
def test_numbers_that_are_not_finite_in_the_lab_url_fall_back_to_the_defaults(live_app, browser_page, value):
    # Streamlit itself turns a bound number field's URL value into an int, which fails on inf and nan.
    page = browser_page
    open_lab(page)  # the default models, trained once
    trainings_before = trainings(live_app)
    query = "&".join(
        f"{field}={value}"
        for field in ("dx", "dy", "test_image", "image", "epochs", "seed", "augment_shift", "augment")
    )
    goto(page, f"/equivariance?{query}")
    expect(page.locator("[data-testid='stTable']")).to_be_visible(timeout=180_000)
    wait_idle(page)
    assert shifted_header(page).startswith("shifted by (2, 0)")
    assert "MNIST: 16,000 training images, 1 epoch." in main_text(page)
    assert trainings(live_app) == trainings_before  # the defaults, already trained


def test_a_long_training_asks_first_then_shows_its_progress_without_the_question(browser_page):
    page = browser_page
    goto(page, "/equivariance?train_size=60000&epochs=10&seed=5")
    button = page.get_by_role("button", name=re.compile(r"Train anyway \("))
    expect(button).to_be_visible()
    assert "Training takes about" in page.locator("[data-testid='stSidebar']").inner_text()
    assert page.locator("[data-testid='stTable']").count() == 0  # nothing trains before the click
    button.click()
    expect(page.locator("[data-testid='stProgress']")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile(r"Training the (MLP|CNN).*left"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Train anyway"))).to_have_count(0)  # no stale question


# Every text of the accuracy-against-shift chart (legend entries, titles), with its box and the chart's.
CHART_TEXTS = """() => {
    const chart = [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
        .find(e => e.innerText.includes("Accuracy against shift") || e.textContent.includes("Accuracy against shift"));
    const box = chart.getBoundingClientRect();
    const texts = [...chart.querySelectorAll("svg text")].map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, left: r.left, right: r.right};
    });
    return {left: box.left, right: box.right, texts};
}"""


@pytest.mark.parametrize("browser_page", [(1024, 768)], indirect=True)
def test_the_shift_charts_legend_is_whole_on_a_1024_by_768_projector(browser_page):
    page = browser_page
    open_lab(page)
    chart = page.evaluate(CHART_TEXTS)
    texts = {entry["text"]: entry for entry in chart["texts"]}
    for label in ("MLP", "CNN", "horizontal (dx)", "vertical (dy)"):
        assert label in texts, sorted(texts)
        assert chart["left"] - 1 <= texts[label]["left"] and texts[label]["right"] <= chart["right"] + 1, (label, chart)


def test_a_link_with_values_out_of_range_is_corrected_in_the_address_bar_too(browser_page):
    page = browser_page
    goto(page, "/equivariance?dx=999&fill=nope&test_image=-3&dy=2.6")
    expect(page.locator("[data-testid='stTable']")).to_be_visible(timeout=180_000)
    wait_idle(page)
    assert "The link asked for dx = 999" in main_text(page)
    query = page.url.split("?", 1)[1] if "?" in page.url else ""
    assert sorted(query.split("&")) == ["dx=8", "dy=3"], page.url  # fill and test_image: their defaults, left out
    page.reload()
    expect(page.locator("[data-testid='stTable']")).to_be_visible(timeout=180_000)
    wait_idle(page)
    assert shifted_header(page).startswith("shifted by (8, 3)")
    assert "The link asked for" not in main_text(page)
