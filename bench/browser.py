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
# Installed before a page loads: the wall-clock time (ms since the epoch) of its last visible change, and of the first
# moment the lab showed its table and the "Why?" heading (drawn after the feature maps) with every picture loaded.
FIRST_LOAD_WATCH = """(() => {
    window.__marks = {};
    const now = () => performance.timeOrigin + performance.now();
    const mark = () => {
        window.__marks.last = now();
        if (!window.__marks.usable && document.querySelector("[data-testid='stTable']")
            && Array.from(document.querySelectorAll("h1, h2, h3")).some(h => h.textContent.trim().startsWith("Why?"))
            && Array.from(document.images).every(image => image.complete)) {
            window.__marks.usable = now();
        }
    };
    document.addEventListener("DOMContentLoaded", () => new MutationObserver(mark).observe(document.body,
        {subtree: true, childList: true, attributes: true, characterData: true}));
    document.addEventListener("load", event => { if (event.target.tagName === "IMG") mark(); }, true);
})()"""
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


def slider_handle(page, label: str):
    return page.locator("[data-testid='stSlider']").filter(has_text=label).locator("input[type='range']")


def key_steps(steps: int, low: int, high: int, start: int) -> list[str]:
    """Arrow keys that walk a slider from `start` to its top, down to its bottom and back up: `steps` of them."""
    up, down = ["ArrowRight"] * (high - start), ["ArrowLeft"] * (high - low)
    return (up + down + ["ArrowRight"] * (high - low))[:steps]


def slider_steps(page, server, label: str, keys: list[str], fragment: str) -> list[float]:
    """Milliseconds from each arrow key on the slider to the last visible change it caused."""
    slider_handle(page, label).focus()
    runs = script_runs(server, fragment)
    return [timed_action(page, partial(page.keyboard.press, key), runs) for key in keys]


def typed_values(page, server, label: str, values: list[str], script: str) -> list[float]:
    """Milliseconds from each Enter in the field to the last visible change, as a learner types numbers."""
    field = page.get_by_label(label, exact=True)

    def type_value(text: str) -> None:
        field.fill(text)  # may start the run itself, before the Enter
        field.press("Enter")

    runs = script_runs(server, script)
    return [timed_action(page, partial(type_value, value), runs) for value in values]


def floor(browser, steps: int) -> dict:
    """Streamlit's own floor on this machine: bench/floor_app.py's text field and slider."""
    with StreamlitServer(None, app=ROOT / "bench" / "floor_app.py") as server:
        page = new_page(browser, server)
        page.goto(server.url)
        page.get_by_label("Text", exact=True).wait_for(timeout=60_000)
        wait_idle(page)
        page.evaluate(CHANGE_WATCH)
        edits = typed_values(page, server, "Text", [f"word {i}" for i in range(steps)], "floor")
        moves = slider_steps(page, server, "Value", key_steps(steps, 0, 40, 20), "floor")
        page.close()  # left open, a page whose server has stopped keeps trying to reconnect, on the CPU measured next
    return {"edit": summary(edits), "step": summary(moves)}


def new_page(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.app_url = server.url
    return page


def measure(steps: int = 20, smoke: bool = False) -> dict:
    """Everything that needs a real server and browser, each redraw beside Streamlit's floor measured in the same run."""
    from playwright.sync_api import sync_playwright

    results = {"steps": steps}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        results["floor"] = floor(browser, steps)

        # A cold server, the lab opened first (what Community Cloud's first visitor after a sleep sees): the times of
        # the page's own changes, read from the page once it is idle (waiting in Python would add its polling).
        started = time.time()
        with StreamlitServer(None, env={"CONVLAB_TIMINGS": "1"}) as server:
            results["server_ready_s"] = server.ready_after
            page = new_page(browser, server)
            page.add_init_script(FIRST_LOAD_WATCH)
            page.goto(server.url + "/equivariance")
            lab_ready(page)
            marks = page.evaluate("window.__marks")
            results["cold_lab_usable_s"] = marks["usable"] / 1000 - started
            results["cold_lab_complete_s"] = marks["last"] / 1000 - started
            results["cold_lab_trainings"] = server.log_text().count("training started:")

            # The lab's redraws: dx and dy steps by keyboard, then other test images typed in.
            page.evaluate(CHANGE_WATCH)
            trainings_before = server.log_text().count("training started:")
            fragment = "fragment lab-shift-explorer"
            before = len(script_times(server.log_text(), fragment))
            lab = {
                "dx": slider_steps(page, server, "dx: move right", key_steps(steps, -8, 8, 2), fragment),
                "dy": slider_steps(page, server, "dy: move down", key_steps(steps, -8, 8, 0), fragment),
                "image": typed_values(page, server, "Test image", [str(i) for i in range(1, steps + 1)], fragment),
            }
            results["lab"] = {name: summary(values) for name, values in lab.items()}
            results["lab_script_ms"] = summary(script_times(server.log_text(), fragment)[before:])
            results["trainings_during_moves"] = server.log_text().count("training started:") - trainings_before

            # The comparison view at its default budget, then dx steps.
            goto(page, "/compare")
            page.get_by_text("Questions learners ask").wait_for(timeout=600_000)
            wait_idle(page)
            page.evaluate(CHANGE_WATCH)
            fragment = "fragment compare-view"
            before = len(script_times(server.log_text(), fragment))
            compare = slider_steps(page, server, "dx: move right", key_steps(steps, -8, 8, 2), fragment)
            results["compare"] = summary(compare)
            results["compare_script_ms"] = summary(script_times(server.log_text(), fragment)[before:])

            # Page 1: a new bias typed on every tab.
            goto(page, "/convolution")
            page.evaluate(CHANGE_WATCH)
            results["convolution"] = {}
            before = len(script_times(server.log_text(), "page convolution"))
            typed = 0  # the biases typed so far: each differs from the one before (the page starts at b = 1)
            for tab in TABS[:2] if smoke else TABS:
                page.get_by_role("tab", name=tab).click()
                wait_idle(page)
                values = [str(2 + (typed + i) % 6) for i in range(steps)]
                typed += steps
                edits = typed_values(page, server, "Bias b", values, "page convolution")
                results["convolution"][tab] = summary(edits)
            results["convolution_script_ms"] = summary(script_times(server.log_text(), "page convolution")[before:])

            # The rest of a typical session: the other fill, back to the lab.
            goto(page, "/equivariance")
            page.locator("[data-testid='stButtonGroup'] button", has_text="wrap").click()
            lab_ready(page)
            results["memory_now_mb"], results["memory_peak_mb"] = peak_memory_mb(server.process.pid)
            page.close()

        # Page 1 opened first on a cold server, to its last visible change.
        started = time.time()
        with StreamlitServer(None, env={"CONVLAB_TIMINGS": "1"}) as server:
            page = new_page(browser, server)
            page.add_init_script(FIRST_LOAD_WATCH)
            goto(page, "/convolution")
            page.locator("table").first.wait_for()
            wait_idle(page)
            results["start_convolution_s"] = page.evaluate("window.__marks.last") / 1000 - started
            page.close()
        browser.close()
    return results


TABS = ["Worked solution", "Sliding window", "As a matrix", "Gradient check", "Shift the input", "Many steps", "Export"]
