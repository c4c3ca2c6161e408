"""The worksheets page in a real Chromium: a shared link shows its sheet, and the PDF downloaded is that sheet."""

from urllib.parse import parse_qsl, urlsplit

import pypdfium2 as pdfium
import pytest

from bench.browsing import ARTIFACTS, goto, main_text, screenshot, wait_idle
from core.exercise.practice.worksheet import SheetSettings, make_worksheet, settings_from_link, sheet_pdf

pytestmark = pytest.mark.browser

QUERY = "sheet_count=3&sheet_level=input_gradient&sheet_op=convolution&sheet_loss=sum&sheet_seed=12&sheet_paper=Letter"


@pytest.mark.parametrize("browser_page", [(1024, 768)], indirect=True)
def test_a_shared_link_shows_the_preview_and_downloads_that_sheet_as_pdf(browser_page, tmp_path):
    page = browser_page
    goto(page, f"/worksheets?{QUERY}")
    # Both first pages arrive as pictures, a page wide enough to read (the preview is drawn at 110 ppi).
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid='stImage'] img")]
            .filter((img) => img.complete && img.naturalWidth > 800).length === 2"""
    )
    text = main_text(page)
    assert "Student sheet, page 1" in text and "Answer key, page 1" in text
    # The switches speak as page 1 does; the address bar and the link keep the short keys.
    active = page.locator("[data-testid='stButtonGroup'] button[aria-checked='true']").all_inner_texts()
    assert [text.strip() for text in active] == ["True convolution", "Σ", "Letter"]
    assert dict(parse_qsl(urlsplit(page.url).query)) == dict(parse_qsl(QUERY))
    link = page.locator("[data-testid='stCode']").inner_text().strip()
    assert link.endswith(f"/worksheets?{QUERY}")
    settings, notes = settings_from_link(dict(parse_qsl(urlsplit(link).query)))
    assert settings == SheetSettings(3, "input_gradient", "convolution", "sum", 12, "Letter") and not notes
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "worksheets-1024x768.png"))  # a look at the small screen, not for the README
    # For the README: the whole page at once, the previews included.
    page.set_viewport_size({"width": 1440, "height": 1320})
    wait_idle(page)
    screenshot(page, "worksheets")

    with page.expect_download() as download:
        page.get_by_role("button", name="Student sheet (PDF)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "convlab-worksheet-input_gradient-seed12-student.pdf"
    # The file is the sheet the link makes, to the byte, on Letter paper with its three exercises.
    assert saved.read_bytes() == sheet_pdf(make_worksheet(settings), key=False, link=link)
    document = pdfium.PdfDocument(saved.read_bytes())
    assert tuple(round(side) for side in document[0].get_size()) == (612, 792)
    printed = "".join(page.get_textpage().get_text_bounded() for page in document)
    assert all(f"Exercise {number}" in printed for number in (1, 2, 3)) and "Exercise 4" not in printed
