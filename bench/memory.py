"""The server's memory through a typical session, with any venv's python: peak, now, and which step raised it.

    python bench/memory.py                      # the app on /work/cpuvenv (CPU-only torch)
    python bench/memory.py --python .venv/bin/python --env MALLOC_ARENA_MAX=2

Playwright drives Chromium from this interpreter; only the server runs on --python. Every 0.1 s a thread reads the
server's VmRSS and VmHWM from /proc, so each step of the session is charged with what it added to the peak.
"""

import argparse
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the project root, for `bench` and `core`

from bench.browser import lab_ready  # noqa: E402
from bench.browsing import goto, wait_idle  # noqa: E402
from bench.server import CHROMIUM, CHROMIUM_FLAGS, StreamlitServer  # noqa: E402

CPU_PYTHON = "/work/cpuvenv/bin/python"
SAMPLE_S = 0.1
MB = 1024  # /proc reports kB


def status_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return tuple(int(re.search(rf"{key}:\s+(\d+) kB", status).group(1)) / MB for key in ("VmRSS", "VmHWM"))


class RssSampler(threading.Thread):
    """Reads a process's resident and peak memory every SAMPLE_S seconds, charging each sample to the current step."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.step = "start-up"
        self.samples: list[tuple[float, str, float, float]] = []  # (seconds, step, rss, hwm)
        self.stopped = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                rss, hwm = status_mb(self.pid)
            except (OSError, AttributeError):
                return
            self.samples.append((time.monotonic() - self.started_at, self.step, rss, hwm))
            self.stopped.wait(SAMPLE_S)

    def steps(self) -> list[dict]:
        """Per step, in order: its seconds, the highest RSS seen, RSS at its end, and how much it raised the peak."""
        rows: list[dict] = []
        peak = 0.0
        for t, step, rss, hwm in self.samples:
            if not rows or rows[-1]["step"] != step:
                rows.append({"step": step, "from_s": t, "max_rss_mb": rss, "raised_peak_mb": 0.0})
            row = rows[-1]
            row.update(to_s=t, end_rss_mb=rss, peak_mb=hwm, max_rss_mb=max(row["max_rss_mb"], rss))
            row["raised_peak_mb"] += hwm - peak
            peak = hwm
        return [{k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()} for row in rows]


def torch_version(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True, check=True
    ).stdout.strip()


def torch_import_mb(python: str) -> float:
    """What a bare interpreter holds once torch, numpy and streamlit are imported: the floor under the server."""
    probe = (
        "import re, torch, numpy, streamlit; "
        "print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout
    return round(int(out.split()[-1]) / MB, 1)


def typical_session_memory(python: str = CPU_PYTHON, env: dict | None = None) -> dict:
    """Start the app on `python`, run a typical session in Chromium, and say what the server held.

    The session: the lab at its defaults until complete, the wrap fill, page 1, the comparison page until its
    tables show, the lab again. Returns torch's version, the server's peak RSS (VmHWM) and RSS now, the RSS once
    the first page had rendered, and each step's share of the peak.
    """
    from playwright.sync_api import sync_playwright

    result = {"python": python, "torch": torch_version(python), "torch_import_mb": torch_import_mb(python)}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        with StreamlitServer(None, env=env or {}, python=python) as server:
            sampler = RssSampler(server.process.pid)
            sampler.start()
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            page.app_url = server.url

            def step(name: str) -> None:
                sampler.step = name

            step("lab, first render")
            page.goto(server.url + "/equivariance")
            page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=120_000)
            result["first_page_mb"] = status_mb(server.process.pid)[0]  # torch imported, the lab's work begun
            step("lab, training and sweep")
            lab_ready(page)
            result["lab_complete_mb"] = status_mb(server.process.pid)[0]
            step("lab, wrap fill")
            page.locator("[data-testid='stButtonGroup'] button", has_text="wrap").click()
            lab_ready(page)
            step("page 1 (/convolution)")
            goto(page, "/convolution")
            page.locator("table").first.wait_for()
            step("comparison (/compare)")
            page.goto(server.url + "/compare")
            page.get_by_text("Questions learners ask").wait_for(timeout=600_000)
            page.locator("[data-testid='stTable']").first.wait_for()
            wait_idle(page, timeout=120_000)
            step("lab again")
            goto(page, "/equivariance")
            lab_ready(page)
            step("idle")
            time.sleep(1)
            result["now_mb"], result["peak_mb"] = status_mb(server.process.pid)
            sampler.stopped.set()
            sampler.join()
            result["steps"] = sampler.steps()
            result["trainings"] = server.log_text().count("training started:")
            result["timeline"] = [(round(t, 1), name, round(rss)) for t, name, rss, _ in sampler.samples]
            result["server_log"] = str(server.log_path)
        browser.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=CPU_PYTHON, help="the interpreter that runs the server")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="for the server")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    result = typical_session_memory(args.python, env)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"{result['python']}: torch {result['torch']} {' '.join(args.env)}")
    print(f"  torch + streamlit imported, bare python: {result['torch_import_mb']:.0f} MB")
    print(f"  server after the first page rendered:   {result['first_page_mb']:.0f} MB")
    print(f"  server once the lab was complete:       {result['lab_complete_mb']:.0f} MB")
    print(f"  server peak (VmHWM):                    {result['peak_mb']:.0f} MB")
    print(f"  server now (VmRSS):                     {result['now_mb']:.0f} MB")
    print(f"  trainings started:                      {result['trainings']}")
    for row in result["steps"]:
        print(
            f"    {row['step']:<26} {row['to_s'] - row['from_s']:6.1f} s  max RSS {row['max_rss_mb']:5.0f} MB"
            f"  end {row['end_rss_mb']:5.0f} MB  raised the peak by {row['raised_peak_mb']:5.0f} MB"
        )


if __name__ == "__main__":
    main()
