"""Background threads: started when work needs one, smallest key first, gone when the queue is empty."""

import threading
import time

from core.serving.workers import Workers


def threads_named(name: str) -> int:
    return sum(thread.name == name for thread in threading.enumerate())


def test_no_thread_is_left_once_the_queue_is_empty():
    workers, done = Workers(limit=3, name="test-idle"), []
    for index in range(5):
        workers.submit(lambda index=index: (time.sleep(0.02), done.append(index)))
    deadline = time.monotonic() + 5
    while (len(done) < 5 or threads_named("test-idle")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(done) == [0, 1, 2, 3, 4] and threads_named("test-idle") == 0


def test_tasks_queued_behind_a_busy_thread_run_smallest_key_first_then_in_the_order_they_came():
    workers, order, release = Workers(limit=1, name="test-order"), [], threading.Event()
    workers.submit(lambda: (release.wait(5), order.append("first")))
    for name, key in (("long", 9.0), ("short", 1.0), ("long too", 9.0)):
        workers.submit(lambda name=name: order.append(name), key=key)
    release.set()
    while len(order) < 4:
        time.sleep(0.01)
    assert order == ["first", "short", "long", "long too"]


def test_a_task_without_a_thread_of_its_own_waits_for_a_busy_one():
    workers, release = Workers(limit=4, name="test-wait"), threading.Event()
    workers.submit(lambda: release.wait(5))
    ran = threading.Event()
    workers.submit(ran.set, new_thread=False)
    assert not ran.wait(0.1) and threads_named("test-wait") == 1
    release.set()
    assert ran.wait(5)


def test_a_task_that_fails_does_not_stop_the_ones_behind_it():
    workers, ran = Workers(limit=1, name="test-fail"), threading.Event()
    workers.submit(lambda: 1 / 0)
    workers.submit(ran.set)
    assert ran.wait(5)
