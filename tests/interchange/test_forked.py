"""``forked.from_worker``: items cross the pipe pickled without a memo (``_dumps``);
with ``ahead`` a thread receives the worker's items while the caller works — same
items, same order, same failures, and closing ends both."""
import multiprocessing
import os
import threading
import time

import pytest

from app.interchange import forked
from app.interchange.forked import fork_available, from_worker
from app.messages import MessageError

pytestmark = pytest.mark.skipif(not fork_available(), reason="needs fork")


def _items():
    title = "shared title"
    ids = [1, 2]
    yield {"rows": [(1, title, b"k", False)], "columns": {"title": [title], "ids": [ids, ids]}}
    yield ("text", 3.5, None, {"nested": [[ids]]})


def test_items_arrive_equal_shared_values_and_all():
    assert list(from_worker(_items(), "test")) == list(_items())


def _cyclic():
    item = []
    item.append(item)
    yield item


def test_an_item_that_cannot_be_pickled_fails_the_worker():
    with pytest.raises(RuntimeError, match="the test worker failed"):
        list(from_worker(_cyclic(), "test"))


def _threads():
    return {t for t in threading.enumerate() if t.is_alive()}


@pytest.mark.parametrize("ahead", [0, 1, 3])
def test_every_item_arrives_in_order(ahead):
    before = _threads()
    texts = [f"{n}:" + "x" * (n * 997 % 300_000) for n in range(200)]  # up to 300 kB
    assert list(from_worker(iter(texts), "test", ahead=ahead)) == texts
    assert not multiprocessing.active_children() and _threads() == before


@pytest.mark.parametrize("ahead, all_sent", [(0, False), (8, True)])
def test_the_worker_runs_ahead_while_the_caller_is_busy(ahead, all_sent):
    def stamped():  # 3 MB in all: more than the pipe holds
        for _ in range(6):
            yield time.monotonic(), "z" * 500_000
    received = from_worker(stamped(), "test", ahead=ahead)
    time.sleep(0.5)  # the caller's own work
    busy_until = time.monotonic()
    stamps = [stamp for stamp, _ in received]
    assert all(stamp < busy_until for stamp in stamps) == all_sent


def test_closing_early_ends_the_worker_and_the_thread():
    before = _threads()
    received = from_worker(iter(["y" * 500_000] * 50), "test", ahead=2)
    assert next(received) == "y" * 500_000
    time.sleep(0.2)  # the buffer fills up, the worker waits on a full pipe
    received.close()
    assert not multiprocessing.active_children() and _threads() == before


def _failing(action):
    yield "first"
    action()
    yield "never"


def _message():
    raise MessageError("a file's fault")


@pytest.mark.parametrize("ahead", [0, 2])
@pytest.mark.parametrize("action, error, match", [
    (_message, MessageError, "a file's fault"),
    (lambda: 1 / 0, RuntimeError, "(?s)test worker failed:\n.*ZeroDivisionError"),
    (lambda: os._exit(3), RuntimeError, r"test worker died \(exit code 3\)"),
])
def test_failures_reach_the_caller(ahead, action, error, match):
    before = _threads()
    received = from_worker(_failing(action), "test", ahead=ahead)
    assert next(received) == "first"
    with pytest.raises(error, match=match):
        next(received)
    assert not multiprocessing.active_children() and _threads() == before


def test_the_pipe_is_widened_where_linux_allows():
    fcntl = pytest.importorskip("fcntl")
    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("no pipe sizes here")
    receiving, sending = multiprocessing.Pipe(duplex=False)
    try:
        forked._widen(sending)
        assert fcntl.fcntl(receiving.fileno(), fcntl.F_GETPIPE_SZ) == forked.PIPE_SIZE
    finally:
        receiving.close()
        sending.close()


def test_closing_gives_up_on_a_thread_still_reading(monkeypatch):
    monkeypatch.setattr(forked._Prefetched, "CLOSING", 0.2)
    released = threading.Event()

    def endless():  # a pipe another process still holds: no end in sight
        yield "first"
        released.wait()
    prefetched = forked._Prefetched(endless(), 2)
    assert next(prefetched) == "first"
    started = time.monotonic()
    assert prefetched.close() is False and time.monotonic() - started < 2
    released.set()  # the pipe ends after all: the thread stops
    prefetched._thread.join(2)
    assert prefetched.close() is True
