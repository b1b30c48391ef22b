"""``worker.from_worker``: items cross the pipe pickled without a memo (``_dumps``),
all of them, in order; failures reach the caller, and closing ends the worker."""
import multiprocessing
import os
import threading
import time

import pytest

from app.bulk.worker import fork_available, from_worker
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


def test_every_item_arrives_in_order():
    before = _threads()
    texts = [f"{n}:" + "x" * (n * 997 % 300_000) for n in range(200)]  # up to 300 kB
    assert list(from_worker(iter(texts), "test")) == texts
    assert not multiprocessing.active_children() and _threads() == before


def test_closing_early_ends_the_worker():
    before = _threads()
    received = from_worker(iter(["y" * 500_000] * 50), "test")
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


@pytest.mark.parametrize("action, error, match", [
    (_message, MessageError, "a file's fault"),
    (lambda: 1 / 0, RuntimeError, "(?s)test worker failed:\n.*ZeroDivisionError"),
    (lambda: os._exit(3), RuntimeError, r"test worker died \(exit code 3\)"),
])
def test_failures_reach_the_caller(action, error, match):
    before = _threads()
    received = from_worker(_failing(action), "test")
    assert next(received) == "first"
    with pytest.raises(error, match=match):
        next(received)
    assert not multiprocessing.active_children() and _threads() == before
