"""A class shares one server fairly: a small training is never stuck behind a large one (a real server, real trainings)."""

import re
import time

import pytest

from bench.browsing import goto
from bench.server import StreamlitServer

pytestmark = pytest.mark.browser

FINISHED = re.compile(
    r"training finished: (\w+) TrainConfig\((.*?)\) in ([\d.]+) s of training, ([\d.]+) s after it was asked for"
)


def finished(log: str, **fields) -> dict[str, float]:
    """Model kind → seconds from asking to finished, for the trainings whose settings include these fields."""
    found = {}
    for kind, config, _, wall in FINISHED.findall(log):
        if all(f"{name}={value!r}" in config for name, value in fields.items()):
            found[kind] = float(wall)
    return found


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def open_lab(browser, server, query: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.app_url = server.url
    page.goto(server.url + "/equivariance?" + query)
    return page


def test_a_default_size_training_finishes_within_twice_its_time_alone_while_a_large_one_runs(live_app):
    # A server of its own (the suite's is busy with other tests), in the suite's network namespace and browser.
    # The suite's own server must be quiet too: its warm-up (trainings and sweeps) would share the two cores.
    wait_for(lambda: "warm-up finished" in live_app.server.log_text(), 180, "the suite server's warm-up")
    with StreamlitServer(live_app.namespace) as server:
        browser = live_app.browser
        home = browser.new_page()
        home.app_url = server.url
        goto(home, "/")  # the first visitor starts the warm-up: let it finish before measuring
        wait_for(lambda: "warm-up finished" in server.log_text(), 180, "the warm-up")
        home.context.close()

        alone_page = open_lab(browser, server, "seed=3")
        alone = wait_for(
            lambda: len(finished(server.log_text(), seed=3)) == 2 and finished(server.log_text(), seed=3),
            120,
            "the default-size training alone",
        )
        alone_page.context.close()

        large_page = open_lab(browser, server, "train_size=60000&epochs=3")
        confirm = large_page.get_by_role("button", name=re.compile("Train anyway"))
        started = re.compile(r"training started: cnn .*train_size=60000")
        wait_for(
            lambda: started.search(server.log_text()) or (confirm.count() and confirm.click()),
            120,
            "the large training to start",
        )
        wait_for(lambda: started.search(server.log_text()), 60, "the large training to start")
        time.sleep(2)  # well under way

        shared_page = open_lab(browser, server, "seed=4")
        beside = wait_for(
            lambda: len(finished(server.log_text(), seed=4)) == 2 and finished(server.log_text(), seed=4),
            120,
            "the default-size training beside the large one",
        )
        large = finished(server.log_text(), train_size=60000)
        assert "cnn" not in large, f"the large CNN ended first ({large}): nothing was shared"
        for kind in ("mlp", "cnn"):
            assert beside[kind] <= 2 * alone[kind] + 1.0, (kind, beside, alone)
        shared_page.context.close()
        large_page.context.close()  # nobody watches the large training any more: it is cancelled
