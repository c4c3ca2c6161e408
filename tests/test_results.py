"""What is computed from a trained model: once, in the background if asked ahead, giving way to shorter work."""

import gc
import threading
import time

from fake_training import trained_job

from core.serving.cpu import CPU, Claim, cpu_turn
from core.serving.results import Results


def test_derived_results_are_computed_once_even_when_asked_for_concurrently():
    results, job = Results(), trained_job()
    calls = []

    def slow_sweep(model):
        calls.append(1)
        time.sleep(0.2)
        return [1, 2, 3]

    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(results.derived(job, "sweep", slow_sweep))) for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and answers == [[1, 2, 3]] * 10


def test_the_same_name_on_another_model_is_computed_again():
    results = Results()
    first, second = trained_job(), trained_job()
    assert results.derived(first, "sweep", lambda model: "first") == "first"
    assert results.derived(second, "sweep", lambda model: "second") == "second"


def test_prepare_computes_in_the_background_and_peek_never_blocks():
    results, job = Results(), trained_job()
    results.prepare(job, "sweep", lambda model: (time.sleep(0.2), "ready")[1])
    assert results.peek(job, "sweep") is None and results.progress(job, "sweep") == 0.0
    deadline = time.monotonic() + 5
    while results.peek(job, "sweep") is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert results.peek(job, "sweep") == "ready" and results.progress(job, "sweep") is None


def test_a_long_computation_reports_progress_and_lets_waiting_page_work_take_the_cpu_between_steps():
    results, job = Results(), trained_job()
    step = results.stepper(job, "sweep")
    seen = []
    quick_one_asked, quick_one_done = threading.Event(), threading.Event()

    def quick_one():
        quick_one_asked.set()
        with cpu_turn(threads=1):
            quick_one_done.set()

    def long_sweep(model):
        for index in range(1, 6):
            if index == 2:
                threading.Thread(target=quick_one).start()
                quick_one_asked.wait()
                time.sleep(0.05)  # the quick one is now queued for the CPU
            step(index / 5)
            seen.append(results.progress(job, "sweep"))
            if index == 3:  # the page's work had the CPU at the next step, not after the whole sweep
                assert quick_one_done.wait(5)
        return "swept"

    assert results.derived(job, "sweep", long_sweep) == "swept"
    assert seen == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert results.progress(job, "sweep") is None  # nothing under way any more


def test_a_sweep_under_way_gives_way_to_a_shorter_job_but_not_to_a_longer_one():
    results, job = Results(), trained_job()
    step = results.stepper(job, "sweep")
    order = []

    def other(name, seconds_left):
        with cpu_turn(claim=Claim(remaining=lambda held: seconds_left)):
            order.append(name)

    def sweep(model):
        time.sleep(0.1)  # 0.1 s for the first tenth: at this pace 0.9 s are left
        step(0.1)
        for name, seconds_left in (("an hour-long training", 3600.0), ("a 0.1-second training", 0.1)):
            threading.Thread(target=other, args=(name, seconds_left)).start()
        while CPU.waiting < 2:
            time.sleep(0.001)
        step(0.2)
        order.append("sweep, next step")
        return "swept"

    results.derived(job, "sweep", sweep)
    while len(order) < 3:
        time.sleep(0.01)
    assert order == ["a 0.1-second training", "sweep, next step", "an hour-long training"]


def test_quick_derived_work_that_does_not_use_the_cpu_does_not_queue_behind_a_sweep():
    results, job = Results(), trained_job()
    with cpu_turn(claim=Claim(remaining=lambda held: 60.0)):  # a sweep holds the CPU
        started = time.monotonic()
        assert results.derived(job, "weights file", lambda model: b"weights", uses_cpu=False) == b"weights"
        assert time.monotonic() - started < 1


def test_computations_under_way_are_listed_with_their_seconds_left_at_the_pace_kept_so_far():
    results, job = Results(), trained_job("cnn")
    started = threading.Event()
    release = threading.Event()
    step = results.stepper(job, ("sweep", "zero"))

    def sweep(model):
        time.sleep(0.1)
        step(0.25)
        started.set()
        release.wait(5)
        return "swept"

    results.prepare(job, ("sweep", "zero"), sweep)
    started.wait(5)
    [(model, name, seconds_left)] = results.under_way()
    assert model is job and name == ("sweep", "zero")
    assert 0.25 < seconds_left < 1.0  # a quarter took 0.1 s and more: about three times that is left
    release.set()
    while results.peek(job, ("sweep", "zero")) is None:
        time.sleep(0.01)
    assert results.under_way() == []


def test_a_models_results_are_forgotten_once_nobody_can_ask_for_that_model():
    results, job = Results(), trained_job()
    results.derived(job, "grid", lambda model: "grid")
    del job
    gc.collect()
    assert len(results._shelves) == 0
