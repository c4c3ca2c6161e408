"""A whole class at once, against a real server: concurrent sessions, many settings, hostile input. Prints the figures.

python bench/load.py             30 sessions open the lab, then the comparison; 12 settings, 120 hostile links
                                 (several minutes on 2 cores)
python bench/load.py --sessions 4 --settings 2 --hostile 9 --compare-images 1000      a small run
python bench/load.py --no-compare                                                     the lab only
"""

import argparse
import asyncio
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the project root, for `bench` and `core`

from bench.browser import cpu_seconds, machine_cpu_seconds, peak_memory_mb  # noqa: E402
from bench.hostile import NASTY  # noqa: E402
from bench.server import CHROMIUM, CHROMIUM_FLAGS, StreamlitServer  # noqa: E402
from core.lab.comparison import members  # noqa: E402
from core.lab.config import TrainConfig  # noqa: E402
from core.lab.weights import weights_file_name  # noqa: E402
from core.serving.stored import STORE, stored_settings  # noqa: E402

# The models a server loads from data/trained/ instead of training them.
STORED = {(kind, config) for kind, config, _ in stored_settings() if (STORE / weights_file_name(kind, config)).exists()}

TABLE = "[data-testid='stTable']"
# The comparison's last element: it shows once both tables, the chart and the sentences are drawn.
QUESTIONS = "h3:has-text('Questions learners ask')"
TRAIN_ANYWAY = "button:has-text('Train anyway')"
EXCEPTION = "[data-testid='stException']"
PAGE_1_FIELDS = ("x", "w", "b", "y", "stride", "padding", "lr")
LAB_FIELDS = (
    "dx",
    "dy",
    "fill",
    "test_image",
    "epochs",
    "seed",
    "train_size",
    "augment_shift",
    "mlp_hidden",
    "cnn_padding",
    "cnn_head",
    "cnn_downsample",
    "dataset",
)


async def open_and_wait(
    browser, url: str, ready: str, timeout_ms: float, must_show: str | None = None, confirmed: list | None = None
) -> tuple[float, bool, str]:
    """A fresh session (its own browser context): seconds until `ready` shows, whether it did, and any fault seen
    (among them `must_show` missing once the page is ready). With `confirmed` (a list), a "Train anyway" question is
    answered as a student would, and counted in it."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    started = time.monotonic()
    try:
        # Thirty tabs loading the app's scripts on two cores can take longer than Playwright's default 30 s for
        # the load event; what counts is when the table shows, within the caller's timeout.
        await page.goto(url, wait_until="commit", timeout=timeout_ms)
        await page.locator(ready).first.wait_for(timeout=timeout_ms)
        if confirmed is not None and await page.locator(TRAIN_ANYWAY).count():
            confirmed.append(url)
            await page.locator(TRAIN_ANYWAY).first.click(timeout=timeout_ms)
            await page.locator(must_show).first.wait_for(timeout=timeout_ms)
        await page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
        fault = ""
        if must_show and not await page.locator(must_show).count():
            fault = f"{must_show} not shown: {(await page.locator('body').inner_text())[:120]!r}"
        elif await page.locator(EXCEPTION).count():
            fault = "exception shown"
        elif "Traceback (most recent call last)" in await page.locator("body").inner_text():
            fault = "traceback shown"
        return time.monotonic() - started, True, fault
    except Exception as error:  # a timeout is a failure to report, not a crash of the load test
        return time.monotonic() - started, False, f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
    finally:
        await context.close()


async def class_at_once(browser, server, sessions: int) -> dict:
    """Every student opens the lab in the same moment, with the default settings."""
    before = server.log_text().count("training started:")
    server_cpu, machine_cpu = cpu_seconds(server.process.pid), machine_cpu_seconds()
    results = await asyncio.gather(
        *[open_and_wait(browser, server.url + "/equivariance", TABLE, 900_000) for _ in range(sessions)]
    )
    server_cpu, machine_cpu = cpu_seconds(server.process.pid) - server_cpu, machine_cpu_seconds() - machine_cpu
    return {
        "server_cpu_s": server_cpu,
        "others_cpu_s": max(0.0, machine_cpu - server_cpu),
        "sessions": sessions,
        "shown": sum(ok for _, ok, fault in results if not fault),
        "last_s": max(seconds for seconds, _, _ in results),
        "trainings": server.log_text().count("training started:") - before,
        "faults": [fault for _, ok, fault in results if fault or not ok],
    }


def trainings_started(log: str) -> Counter:
    """How many times each model (kind and configuration, as the server logs it) started training."""
    return Counter(re.findall(r"training started: (.+)$", log, flags=re.MULTILINE))


async def class_compares(browser, server, sessions: int, images: int) -> dict:
    """Then the teacher says "open the comparison": every student opens it in the same moment, with this budget."""
    before = trainings_started(server.log_text())
    server_cpu, machine_cpu = cpu_seconds(server.process.pid), machine_cpu_seconds()
    url = f"{server.url}/compare?{urlencode({'compare_images': images})}"
    # Where this server estimates the trainings at over 30 s (its speed measured while the class's tabs load), the
    # page asks first: each student then clicks "Train anyway", and the trainings are still shared.
    ready, confirmed = f"{QUESTIONS}, {TRAIN_ANYWAY}", []
    results = await asyncio.gather(
        *[open_and_wait(browser, url, ready, 900_000, QUESTIONS, confirmed) for _ in range(sessions)]
    )
    server_cpu, machine_cpu = cpu_seconds(server.process.pid) - server_cpu, machine_cpu_seconds() - machine_cpu
    started = trainings_started(server.log_text())
    default = TrainConfig()
    chosen = members(images, default.epochs, 1)
    variants = {f"{m.kind} {m.config}": m.variant.name for m in chosen}
    once = {f"{m.kind} {m.config}": 0 if (m.kind, m.config) in STORED else 1 for m in chosen}
    shown = [seconds for seconds, ok, fault in results if ok and not fault]
    return {
        "sessions": sessions,
        "images": images,
        "shown": len(shown),
        "median_s": statistics.median(shown) if shown else float("nan"),
        "worst_s": max(seconds for seconds, _, _ in results),
        "server_cpu_s": server_cpu,
        "others_cpu_s": max(0.0, machine_cpu - server_cpu),
        "trainings": (started - before).total(),
        "confirmed": len(confirmed),
        "variants": len(variants),
        # every variant's model trained once so far (by this phase, or by the lab's before it: the plain CNN and MLP
        # at the lab's default budget are the lab's own models), or never where the server loaded it from data/trained/
        "trained_once": sum(started[config] == expected for config, expected in once.items()),
        "not_once": [
            f"{variants[config]}: trained {started[config]} times, {expected} expected"
            for config, expected in once.items()
            if started[config] != expected
        ],
        "faults": [fault for _, ok, fault in results if fault or not ok],
    }


async def many_settings(browser, server, count: int, concurrency: int = 4) -> dict:
    """Students who each change the settings: every one a different model to train, within the cache's budget."""
    queries = [{"seed": str(seed), "train_size": "4000"} for seed in range(1, count + 1)]
    semaphore = asyncio.Semaphore(concurrency)

    async def one(query):
        async with semaphore:
            return await open_and_wait(browser, f"{server.url}/equivariance?{urlencode(query)}", TABLE, 900_000)

    results = await asyncio.gather(*[one(q) for q in queries])
    log = server.log_text()
    return {
        "settings": count,
        "shown": sum(ok for _, ok, fault in results if not fault),
        "evicted": log.count("evicted from the cache:"),
        "largest_after_eviction_mb": max((float(mb) for mb in re.findall(r"cache now ([\d.]+) MB", log)), default=0.0),
        "faults": [fault for _, ok, fault in results if fault or not ok],
    }


def hostile_links(count: int, rng: random.Random) -> list[tuple[str, str, int]]:
    """(path with query, what must appear, how many values it tries)."""
    links = []
    for index in range(count):
        if index % 3 == 2:
            query = {field: rng.choice(NASTY) for field in rng.sample(LAB_FIELDS, rng.randint(1, 4))}
            # The lab shows its table, or asks first when the link names a long training (epochs=1e6 → 10 epochs).
            links.append((f"/equivariance?{urlencode(query)}", f"{TABLE}, {TRAIN_ANYWAY}", len(query)))
        else:
            query = {field: rng.choice(NASTY) for field in rng.sample(PAGE_1_FIELDS, rng.randint(1, 7))}
            # Page 1 shows either its answers or a message beside a bad field.
            links.append(
                (
                    f"/convolution?{urlencode(query)}",
                    "table, [data-testid='stAlertContentError'], [data-testid='stAlert']",
                    len(query),
                )
            )
    return links


async def hostile_input(browser, server, count: int, concurrency: int = 4) -> dict:
    links = hostile_links(count, random.Random(0))
    semaphore = asyncio.Semaphore(concurrency)

    async def one(link):
        async with semaphore:
            return await open_and_wait(browser, server.url + link[0], link[1], 300_000)

    results = await asyncio.gather(*[one(link) for link in links])
    faults = [
        f"{link[0][:80]}: {fault or 'nothing shown'}" for link, (_, ok, fault) in zip(links, results) if fault or not ok
    ]
    return {"links": len(links), "values": sum(link[2] for link in links), "faults": faults}


async def main_async(args) -> int:
    from playwright.async_api import async_playwright

    env = {"CONVLAB_CACHE_BUDGET_MB": str(args.budget_mb)}
    with StreamlitServer(None, env=env) as server:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            crowd = await class_at_once(browser, server, args.sessions)
            compared = (
                await class_compares(browser, server, args.sessions, args.compare_images) if args.compare else None
            )
            settings = await many_settings(browser, server, args.settings)
            hostile = await hostile_input(browser, server, args.hostile)
            await browser.close()
        now_mb, peak_mb = peak_memory_mb(server.process.pid)
        tracebacks = len(re.findall(r"Traceback \(most recent call last\)", server.log_text()))
    failures = crowd["faults"] + settings["faults"] + hostile["faults"]
    if compared:
        failures += [f"comparison: {fault}" for fault in compared["faults"] + compared["not_once"]]
    failures += [f"{tracebacks} tracebacks in the server log"] if tracebacks else []
    expected = sum((kind, TrainConfig()) not in STORED for kind in ("mlp", "cnn"))
    if crowd["trainings"] != expected:
        failures.append(f"{crowd['trainings']} trainings for the default setting ({expected} expected)")
    print("| figure | measured |\n|---|---|")
    print(f"| sessions opening the lab at once | {crowd['sessions']} |")
    print(f"| sessions that showed the table | {crowd['shown']} of {crowd['sessions']} |")
    print(f"| time until the last one showed it | {crowd['last_s']:.1f} s |")
    print(
        f"| CPU time they took: the server / everything else (the headless Chromium tabs, on the same 2 cores) "
        f"| {crowd['server_cpu_s']:.1f} s / {crowd['others_cpu_s']:.1f} s |"
    )
    print(
        "| trainings run for them (none where data/trained/ holds the default models, else the MLP and the CNN once) "
        f"| {crowd['trainings']} |"
    )
    if compared:
        print(
            f"| then the same sessions opening the comparison at once ({compared['images']:,} training images "
            f"per model) | {compared['sessions']} |"
        )
        print(
            f'| sessions that showed its tables (down to "Questions learners ask") | {compared["shown"]} of {compared["sessions"]} |'
        )
        print(
            f"| time until they showed them, median / worst | {compared['median_s']:.1f} s / {compared['worst_s']:.1f} s |"
        )
        print(
            f"| CPU time it took: the server / everything else | "
            f"{compared['server_cpu_s']:.1f} s / {compared['others_cpu_s']:.1f} s |"
        )
        print(
            f"| sessions asked to confirm a long training first (they clicked Train anyway) | {compared['confirmed']} |"
        )
        print(f"| trainings run for the comparison | {compared['trainings']} |")
        print(
            "| variants whose model trained exactly once (never, where data/trained/ holds it) "
            f"| {compared['trained_once']} of {compared['variants']} |"
        )
    print(
        f"| sessions with other settings, 4 at a time | {settings['settings']} ({settings['shown']} showed the table) |"
    )
    print(f"| models evicted to stay within the {args.budget_mb} MB cache budget | {settings['evicted']} |")
    print(f"| largest cache size after an eviction | {settings['largest_after_eviction_mb']:.1f} MB |")
    print(f"| server memory at the end, now / peak | {now_mb:.0f} MB / {peak_mb:.0f} MB |")
    print(f"| hostile links opened (values tried) | {hostile['links']} ({hostile['values']}) |")
    print(f"| failures (exceptions, tracebacks, pages that showed nothing) | {len(failures)} |")
    for failure in failures:
        print(f"  - {failure}")
    return 1 if failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--settings", type=int, default=12)
    parser.add_argument("--hostile", type=int, default=120)
    parser.add_argument("--budget-mb", type=float, default=8, help="cache budget, small so that eviction happens")
    parser.add_argument(
        "--compare",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="after the lab, every session opens the comparison of the fixes too",
    )
    parser.add_argument(
        "--compare-images",
        type=int,
        default=TrainConfig().train_size,
        help="the comparison's training images per model",
    )
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
