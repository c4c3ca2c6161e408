"""The app as a class meets it: server start to first complete render, redraws after a slider move or an edit, memory."""

import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the project root, for `bench` and `core`

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from bench.browsing import goto, wait_idle  # noqa: E402
from bench.server import CHROMIUM, CHROMIUM_FLAGS, StreamlitServer  # noqa: E402

# The time of the last visible change: any DOM mutation, or an image that finished loading (or failed to).
CHANGE_WATCH = """() => {
    const mark = () => { window.__lastChange = performance.now(); };
    mark();
    new MutationObserver(mark).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    document.addEventListener("load", event => { if (event.target.tagName === "IMG") mark(); }, true);
    document.addEventListener("error", event => { if (event.target.tagName === "IMG") mark(); }, true);
}"""
# Settled: every image complete and nothing changed for `quietMs`, counted from the last change or from `since`
# (when the script run was seen to end), whichever is later. Answers the time of the last change.
SETTLED = """([since, quietMs]) => {
    const last = window.__lastChange;
    const images = Array.from(document.images).every(image => image.complete);
    return images && performance.now() - Math.max(last, since) >= quietMs && {last};
}"""
QUIET_MS = 300
ANSWER_S = 15  # an action that started no script run in this time was lost (Chromium busy): it is done once more
SETTLE_MS = 30_000  # a page that never stops changing for QUIET_MS is a failure, not a hang


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 0.95)}


def script_times(log: str, name: str) -> list[float]:
    return [float(ms) for ms in re.findall(rf"script {re.escape(name)} ([\d.]+) ms", log)]


def peak_memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, in MB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()

    def megabytes(key: str) -> float:
        return int(re.search(rf"{key}:\s+(\d+) kB", status).group(1)) / 1024

    return megabytes("VmRSS"), megabytes("VmHWM")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time every process on this machine has used so far (all cores), from /proc/stat."""
    user, nice, system = (int(v) for v in Path("/proc/stat").read_text().split()[1:4])
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def lab_ready(page, timeout: float = 300_000) -> None:
    page.get_by_text("Accuracy against shift").wait_for(timeout=timeout)
    wait_idle(page, timeout=timeout)


def script_runs(server, name: str) -> Callable[[], int]:
    """How many runs of script `name` the server has logged so far, as a function to call again."""
    return lambda: len(script_times(server.log_text(), name))


def timed_action(page, action: Callable[[], None], runs: Callable[[], int], attempts: int = 2) -> float:
    """Milliseconds from just before the action to the last change on the page it caused, as a learner sees it.

    Needs CHANGE_WATCH installed in the page. Waits for the server to log one more script run (`runs`), then
    for the page to settle: Streamlit's script-state attribute can miss a fast run, and a text field can start
    the run on the fill before Enter is pressed, so neither is waited for.
    """
    for attempt in range(attempts):
        before = runs()
        t0 = page.evaluate("performance.now()")
        action()
        deadline = time.monotonic() + ANSWER_S
        while runs() == before and time.monotonic() < deadline:
            time.sleep(0.01)
        if runs() == before:
            if attempt == attempts - 1:
                raise TimeoutError(f"no script run in {ANSWER_S} s after the action, {attempts} times")
            continue
        since = page.evaluate("performance.now()")
        try:
            settled = page.wait_for_function(SETTLED, arg=[since, QUIET_MS], timeout=SETTLE_MS).json_value()
        except PlaywrightTimeout:
            raise TimeoutError(f"the page did not stop changing for {QUIET_MS} ms within {SETTLE_MS} ms") from None
        if settled["last"] <= t0:
            raise RuntimeError("the script ran but nothing on the page changed")
        return settled["last"] - t0


def measure(moves: int = 32, edits: int = 20, smoke: bool = False) -> dict:
    """Everything that needs a real server and browser, each start on a fresh server."""
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)

        def new_page(server):
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.app_url = server.url
            return page

        # First complete render of page 1, the first visitor coming straight to it.
        started = time.monotonic()
        with StreamlitServer(None, env={"CONVLAB_TIMINGS": "1"}) as server:
            page = new_page(server)
            goto(page, "/convolution")
            page.locator("table").first.wait_for()
            results["start_convolution_s"] = time.monotonic() - started
            results["server_ready_s"] = server.ready_after

            # Page 1 redraws: type a new bias, as a person does, again and again.
            page.evaluate(CHANGE_WATCH)
            field = page.get_by_label("Bias b", exact=True)

            def type_bias(text: str) -> None:
                field.fill(text)  # may start the run itself, before the Enter
                field.press("Enter")

            runs = script_runs(server, "page convolution")
            browser_ms = [timed_action(page, partial(type_bias, str(value % 7)), runs) for value in range(edits)]
            results["convolution_redraw_script_ms"] = summary(
                script_times(server.log_text(), "page convolution")[-edits:]
            )
            results["convolution_redraw_browser_ms"] = summary(browser_ms)

        # The lab when the default models were trained at start-up: the first visitor opens the home page
        # (which starts the warm-up), and the lab is opened once the warm-up has finished.
        started = time.monotonic()
        with StreamlitServer(None, env={"CONVLAB_TIMINGS": "1"}) as server:
            page = new_page(server)
            goto(page, "/")
            while "warm-up finished" not in server.log_text():
                if time.monotonic() - started > 300:
                    raise TimeoutError(f"the warm-up did not finish in 300 s:\n{server.log_text()}")
                time.sleep(0.1)
            results["warm_up_s"] = time.monotonic() - started
            opened = time.monotonic()
            goto(page, "/equivariance")
            lab_ready(page)
            results["lab_after_warm_up_s"] = time.monotonic() - opened

        # First complete render of the lab (training and the sweep included), on a fresh server.
        started = time.monotonic()
        with StreamlitServer(None, env={"CONVLAB_TIMINGS": "1"}) as server:
            page = new_page(server)
            page.goto(server.url + "/equivariance")
            page.get_by_role("heading", name="Why?").wait_for(timeout=300_000)  # drawn after the table and the maps
            results["lab_usable_s"] = time.monotonic() - started
            lab_ready(page)
            results["start_equivariance_s"] = time.monotonic() - started

            # Slider moves after training: the dx thumb by keyboard, across its whole range and back.
            page.evaluate(CHANGE_WATCH)
            handle = (
                page.locator("[data-testid='stSlider']")
                .filter(has_text="dx: move right")
                .locator("input[type='range']")
            )
            handle.focus()
            keys = (["ArrowRight"] * 6 + ["ArrowLeft"] * 16 + ["ArrowRight"] * 10)[:moves]
            runs = script_runs(server, "fragment lab-shift-explorer")
            before = runs()
            trainings_before = server.log_text().count("training started:")
            browser_ms = [timed_action(page, partial(page.keyboard.press, key), runs) for key in keys]
            results["lab_redraw_script_ms"] = summary(
                script_times(server.log_text(), "fragment lab-shift-explorer")[before:]
            )
            results["lab_redraw_browser_ms"] = summary(browser_ms)
            results["trainings_during_moves"] = server.log_text().count("training started:") - trainings_before

            # A typical session: the other fill (a second sweep), page 1, the lab again.
            if not smoke:
                page.locator("[data-testid='stButtonGroup'] button", has_text="wrap").click()
                lab_ready(page)
                goto(page, "/convolution")
                goto(page, "/equivariance")
                lab_ready(page)
            results["memory_now_mb"], results["memory_peak_mb"] = peak_memory_mb(server.process.pid)
        browser.close()
    return results
