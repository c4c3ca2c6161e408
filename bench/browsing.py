"""Driving a page the way a person does, in Chromium through Playwright, and checking what it shows."""

import os
import re
import time
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
DOCS = Path(__file__).resolve().parents[1] / "docs"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Streamlit's frontend looks for its endpoints under the page's path before the root (/convolution/_stcore/…):
# those two 404s are how it finds its base URL, not a fault of the app.
BASE_URL_PROBE = re.compile(r"/[\w-]+/_stcore/(host-config|health)$")
# A picture of a run that a newer run replaced while it was still loading (a slider moved, a page left): Streamlit
# drops the old run's media files, so the old request ends in a 404 that nobody sees; what counts is that every
# picture on the page at the end has loaded (assert_page_is_clean checks that).
SUPERSEDED_MEDIA = re.compile(r"/media/[0-9a-f]+\.(jpg|png)\b")


def wait_idle(page, timeout: float = 60_000, settle: float = 0.3) -> None:
    """Wait until Streamlit has finished running the script and the page has stopped changing."""
    time.sleep(settle)
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(200)


def goto(page, path: str) -> None:
    """Open a page of the app and wait for its first complete render (its title drawn, the script idle)."""
    page.goto(page.app_url + path)
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)


def type_into(page, label: str, text: str) -> None:
    """Click the field, select what is there, type the new value and press Enter, as a person does."""
    field = page.get_by_label(label, exact=True)
    field.click()
    field.press("Control+a")
    field.type(text, delay=15)
    field.press("Enter")
    wait_idle(page)


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


class ConsoleWatch:
    """Collects the page's console errors and failed requests, leaving out Streamlit's base-URL probe."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if "Failed to load resource" in message.text and (BASE_URL_PROBE.search(url) or SUPERSEDED_MEDIA.search(url)):
            return
        if "Image source error" in message.text and SUPERSEDED_MEDIA.search(message.text):
            return
        self.errors.append(f"{message.text} ({url})")


def assert_page_is_clean(page, watch: ConsoleWatch) -> None:
    """No exception element, no traceback text, no console error."""
    assert page.locator("[data-testid='stException']").count() == 0, "an exception is shown on the page"
    assert "Traceback (most recent call last)" not in page.locator("body").inner_text()
    assert not watch.errors, f"console errors: {watch.errors}"
    broken = page.evaluate(
        "Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)"
    )
    assert not broken, f"pictures on the page that did not load: {broken}"


def screenshot(page, name: str) -> Path:
    """Written to test-artifacts/ for inspection; with CONVLAB_UPDATE_DOCS=1 also to docs/ for the README."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("CONVLAB_UPDATE_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"))
    return path
