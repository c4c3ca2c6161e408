"""The CPU queue: one holder at a time; page redraws first, then the shortest work, and nobody starved."""

import threading
import time

import torch

from core.serving import cpu
from core.serving.cpu import Claim, CpuQueue, cpu_turn


def seconds_left(seconds):
    return lambda held: seconds


def queue_up(queue, claims: dict[str, Claim], order: list[str]) -> list[threading.Thread]:
    """Each claim waits for the CPU in its own thread, notes its name when it has it, and gives it back."""

    def take(name, claim):
        queue.acquire(claim)
        order.append(name)
        queue.release(claim)

    threads = []
    for name, claim in claims.items():
        threads.append(threading.Thread(target=take, args=(name, claim)))
        threads[-1].start()
        while queue.waiting < len(threads):  # queued in this order, so arrival order cannot explain the result
            time.sleep(0.001)
    return threads


def test_interactive_work_goes_first_then_the_shortest_then_the_longest():
    queue, order = CpuQueue(), []
    holder = Claim()
    queue.acquire(holder)
    threads = queue_up(
        queue,
        {
            "long": Claim(remaining=seconds_left(30.0)),
            "short": Claim(remaining=seconds_left(1.0)),
            "page redraw": Claim(interactive=True),
        },
        order,
    )
    queue.release(holder)
    for thread in threads:
        thread.join(5)
    assert order == ["page redraw", "short", "long"]


def test_work_done_ahead_of_need_waits_for_everything_someone_asked_for_however_short():
    queue, order = CpuQueue(), []
    holder = Claim()
    queue.acquire(holder)
    threads = queue_up(
        queue,
        {
            "next slider step": Claim(remaining=seconds_left(0.01), ahead=True),
            "long": Claim(remaining=seconds_left(30.0)),
            "page redraw": Claim(interactive=True),
        },
        order,
    )
    queue.release(holder)
    for thread in threads:
        thread.join(5)
    assert order == ["page redraw", "long", "next slider step"]


def test_a_long_job_that_has_waited_long_enough_goes_before_a_newly_arrived_short_one():
    queue, order = CpuQueue(aging=0.5), []
    holder = Claim()
    queue.acquire(holder)
    # 10 s left, but 19 s waited in earlier turns: 10 - 0.5 × 19 = 0.5 s, ahead of a fresh 1-second job.
    threads = queue_up(
        queue,
        {"short": Claim(remaining=seconds_left(1.0)), "long": Claim(remaining=seconds_left(10.0), waited=19.0)},
        order,
    )
    queue.release(holder)
    for thread in threads:
        thread.join(5)
    assert order == ["long", "short"]


def test_waiting_jobs_of_equal_size_take_the_cpu_in_the_order_they_came():
    queue, order = CpuQueue(), []
    holder = Claim()
    queue.acquire(holder)
    threads = queue_up(queue, {name: Claim(remaining=seconds_left(5.0)) for name in "abcd"}, order)
    queue.release(holder)
    for thread in threads:
        thread.join(5)
    assert order == list("abcd")


def test_a_long_job_gives_way_between_batches_to_shorter_work_and_then_carries_on():
    queue, order = CpuQueue(), []
    long_job = Claim(remaining=seconds_left(60.0))
    queue.acquire(long_job)
    queue.give_way(long_job)  # nobody waits: it keeps the CPU
    order.append("long, this batch")
    threads = queue_up(queue, {"short": Claim(remaining=seconds_left(1.0))}, order)
    queue.give_way(long_job)
    order.append("long, next batch")
    queue.release(long_job)
    threads[0].join(5)
    assert order == ["long, this batch", "short", "long, next batch"]


def test_a_short_job_keeps_the_cpu_when_only_longer_work_waits():
    queue, order = CpuQueue(), []
    short_job = Claim(remaining=seconds_left(1.0))
    queue.acquire(short_job)
    threads = queue_up(queue, {"long": Claim(remaining=seconds_left(60.0))}, order)
    queue.give_way(short_job)
    order.append("short, next batch")
    queue.release(short_job)
    threads[0].join(5)
    assert order == ["short, next batch", "long"]


def test_a_job_not_holding_the_cpu_never_gives_it_away():
    queue = CpuQueue()
    holder, bystander = Claim(remaining=seconds_left(60.0)), Claim(remaining=seconds_left(1.0))
    queue.acquire(holder)
    other = Claim()
    waiter = threading.Thread(target=lambda: (queue.acquire(other), queue.release(other)))
    waiter.start()
    while not queue.waiting:
        time.sleep(0.001)
    queue.give_way(bystander)
    assert queue.waiting == 1  # the waiter still waits: the holder has not let go
    queue.release(holder)
    waiter.join(5)


def test_a_claim_counts_the_seconds_it_waited_and_held():
    queue = CpuQueue()
    first, second = Claim(), Claim()
    queue.acquire(first)
    waiter = threading.Thread(target=lambda: (queue.acquire(second), time.sleep(0.05), queue.release(second)))
    waiter.start()
    time.sleep(0.1)
    assert first.held_seconds() >= 0.1  # the turn under way counts
    queue.release(first)
    waiter.join(5)
    assert second.waited >= 0.09 and 0.05 <= second.held < 0.5


def test_cpu_turn_sets_torchs_threads_only_once_it_holds_the_cpu(monkeypatch):
    calls = []
    monkeypatch.setattr(cpu.torch, "get_num_threads", lambda: 2)
    # Only the redraw's own calls: an earlier test's background work may still take a free core meanwhile.
    monkeypatch.setattr(
        cpu.torch,
        "set_num_threads",
        lambda threads: calls.append(threads) if threading.current_thread().name == "redraw" else None,
    )
    holder = Claim(remaining=seconds_left(5.0))
    cpu.CPU.acquire(holder)

    def one_image():
        with cpu_turn(threads=1):
            calls.append("one image")

    redraw = threading.Thread(target=one_image, name="redraw")
    redraw.start()
    while not cpu.CPU.waiting:
        time.sleep(0.001)
    time.sleep(0.02)
    assert calls == []  # waiting for the CPU, it has not touched the holder's thread count
    cpu.CPU.release(holder)
    redraw.join(5)
    assert calls == [1, "one image"]


def test_a_turn_for_all_cores_uses_one_torch_thread_per_core():
    with cpu_turn():
        assert torch.get_num_threads() == cpu.cpu_count()


def acquire_in_thread(queue: CpuQueue, claim: Claim) -> threading.Thread:
    """The claim waits for the CPU in a thread of its own; returns once it is queued or holding."""
    thread = threading.Thread(target=queue.acquire, args=(claim,))
    thread.start()
    while not (claim.cores or queue.waiting):
        time.sleep(0.001)
    return thread


def test_a_training_alone_has_every_core_and_lends_all_but_one_to_a_second_between_batches():
    queue = CpuQueue(cores=2)
    first, second = Claim(remaining=seconds_left(5.0), shares=True), Claim(remaining=seconds_left(9.0), shares=True)
    queue.acquire(first)
    assert first.cores == 2
    waiter = acquire_in_thread(queue, second)
    assert second.cores == 0  # it waits for the first one's next batch
    queue.give_way(first)
    waiter.join(5)
    assert (first.cores, second.cores) == (1, 1)  # side by side, one torch thread each
    queue.release(second)
    queue.give_way(first)  # alone again: every core back
    assert first.cores == 2
    queue.release(first)


def test_a_training_lends_a_core_to_a_page_redraw_and_keeps_the_other():
    queue = CpuQueue(cores=2)
    training, redraw = Claim(remaining=seconds_left(30.0), shares=True), Claim(interactive=True, threads=1)
    queue.acquire(training)
    waiter = acquire_in_thread(queue, redraw)
    queue.give_way(training)
    waiter.join(5)
    assert (training.cores, redraw.cores) == (1, 1)
    queue.release(redraw)
    queue.release(training)


def test_work_that_needs_every_core_waits_for_both_trainings_and_takes_no_core_it_cannot_use():
    queue, order = CpuQueue(cores=2), []
    first = Claim(remaining=seconds_left(5.0), shares=True)
    second = Claim(remaining=seconds_left(6.0), shares=True)
    queue.acquire(first)
    acquire_in_thread(queue, second)
    queue.give_way(first)
    whole = Claim(remaining=seconds_left(60.0))  # longer than both: it waits for them
    threads = queue_up(queue, {"all cores": whole}, order)
    queue.give_way(first)
    assert (first.cores, second.cores, whole.cores) == (1, 1, 0)
    queue.release(first)
    assert whole.cores == 0 and queue.waiting == 1  # one core free is not enough for it
    queue.release(second)
    threads[0].join(5)
    assert order == ["all cores"]


def test_a_lone_training_keeps_every_core_while_only_work_that_needs_them_all_waits():
    queue = CpuQueue(cores=2)
    training = Claim(remaining=seconds_left(1.0), shares=True)
    queue.acquire(training)
    whole = Claim(remaining=seconds_left(60.0))
    acquire_in_thread(queue, whole)
    queue.give_way(training)  # a lent core would sit idle: the waiting work needs two
    assert training.cores == 2 and whole.cores == 0
    queue.release(training)
    while not whole.cores:
        time.sleep(0.001)
    assert whole.cores == 2
    queue.release(whole)
