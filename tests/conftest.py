"""Shared test helpers: pages in Streamlit's AppTest, and the app served to a real Chromium."""

import atexit
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from bench.browsing import ConsoleWatch, assert_page_is_clean, goto
from bench.server import CHROMIUM, CHROMIUM_FLAGS, OfflineNamespace, StreamlitServer

APP = Path(__file__).resolve().parents[1] / "app.py"
IN_CI = os.environ.get("CONVLAB_CI") == "1"
# Tests never see datasets a developer downloaded earlier, and never leave any behind.
os.environ["CONVLAB_CACHE"] = tempfile.mkdtemp(prefix="convlab-test-cache-")
atexit.register(shutil.rmtree, os.environ["CONVLAB_CACHE"], ignore_errors=True)


# Page 1's and the worksheets' browser tests share one live server, the lab's and the journeys' another: two worker
# processes, each with its server and Chromium, instead of every browser test queued behind one. The comparison's and
# your own digit's tests need no lab model trained before them: they run beside page 1's, for balance.
PAGE_1_BROWSER_TESTS = {
    "test_browser_convolution",
    "test_browser_gradient_check",
    "test_browser_matrix",
    "test_browser_practice",
    "test_browser_shift_bridge",
    "test_browser_worksheets",
    "test_browser_compare",
    "test_browser_own_digit",
}


def pytest_collection_modifyitems(items):
    """Each test of a shared live server in its server's xdist group: one worker runs the group, with one server.

    The load test's smoke run starts a server of its own: it runs beside them.
    """
    for item in items:
        if "live_app" in getattr(item, "fixturenames", ()):
            group = "browser-page-1" if item.module.__name__ in PAGE_1_BROWSER_TESTS else "browser-lab"
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True)
def navigation_mode(monkeypatch):
    """AppTest resets Streamlit's old `pages/` mode before every run; a real server leaves it after the first.

    Without this, every AppTest run would go through pages.through_app_navigation's one-off rerun,
    which drops button clicks. A real server turns the old mode off at its start (navigation_from_the_start).
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
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "code",
        "latex",
    ):
        parts += [str(element.value) for element in at.get(kind)]
    return "\n".join(parts)


class LiveApp:
    """The served app and the browser that looks at it."""

    def __init__(self, server: StreamlitServer, browser, namespace: OfflineNamespace | None):
        self.server, self.browser, self.namespace = server, browser, namespace
        self.offline = namespace is not None
        self.first_visit: dict = {}

    def visit(self, path: str) -> dict:
        """Open a page in a fresh tab and note what it shows and how long the first complete render took."""
        context = self.browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        watch = ConsoleWatch(page)
        started = time.monotonic()
        page.app_url = self.server.url
        goto(page, path)
        seen = {
            "seconds": time.monotonic() - started,
            "navigation": page.locator("[data-testid='stSidebarNav']").inner_text(),
            "title": page.locator("h1").first.inner_text(),
            "errors": list(watch.errors),
        }
        context.close()
        return seen


@pytest.fixture(scope="session")
def chromium() -> str:
    """Chromium's path; without it a browser test is skipped, except in CI, where it fails."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"CI needs Chromium at {CHROMIUM} for the browser tests")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CONVLAB_CHROMIUM)")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_app(chromium):
    """`streamlit run app.py` on a free port (offline when possible) and Chromium, for the whole test run."""
    from playwright.sync_api import sync_playwright

    offline = OfflineNamespace.possible()
    if IN_CI and not offline:
        pytest.fail("CI runs the browser tests offline, which needs root and iproute2 (ip netns)")
    namespace = OfflineNamespace() if offline else None
    with tempfile.TemporaryDirectory() as scratch, namespace or contextlib.nullcontext():
        executable = namespace.chromium_wrapper(Path(scratch)) if namespace else CHROMIUM
        with StreamlitServer(namespace) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_FLAGS)
            app = LiveApp(server, browser, namespace)
            # The very first visitor of a fresh server comes straight to a page's URL.
            app.first_visit = app.visit("/convolution")
            yield app
            browser.close()


@pytest.fixture
def browser_page(live_app, request):
    """A fresh browser tab (its own session); after the test, the page must be clean."""
    width, height = getattr(request, "param", (1440, 900))
    context = live_app.browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    watch = ConsoleWatch(page)
    page.app_url = live_app.server.url
    yield page
    try:
        assert_page_is_clean(page, watch)
    finally:
        context.close()
