"""Shared test helpers: open a page of the app in Streamlit's AppTest."""

from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture(autouse=True)
def navigation_mode(monkeypatch):
    """AppTest resets Streamlit's old `pages/` mode before every run; a real server leaves it after the first.

    Without this, every AppTest run would go through pages.through_app_navigation's one-off rerun,
    which drops button clicks. The browser tests cover that rerun on a fresh server.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def open_page():
    """Run app.py, switched to a page, optionally with a URL query; importing torch can take a while."""

    def run(page: str, query: dict[str, str] | None = None, timeout: float = 60) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        if query:
            at.query_params.update(query)
        at.switch_page(page)
        return at.run()

    return run


def shown_text(at: AppTest) -> str:
    """Everything a learner can read on the page, as one string."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "code", "latex"):
        parts += [str(element.value) for element in at.get(kind)]
    return "\n".join(parts)
