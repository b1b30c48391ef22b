"""Iterate a generator in a forked worker process, for the CLI's import (``app.bulk``).

An import spends about half its CPU time reading and validating rows, work
that needs no shared state: ``from_worker(items, what)`` forks, iterates
``items`` in the child and sends each item through a pipe, while the caller
receives them in order and inserts meanwhile. The pipe's buffer keeps at most
about one item waiting. The child uses no connection it inherited (SQLite's
rule for ``fork``); it ends with the generator — at once if the caller stops
early. Never from a web request: a threaded server's child could inherit a
lock another thread held.

A ``MessageError`` raised in the child (a file's fault, shown to the user) is
raised again in the caller as itself; any other failure, or the child's death,
becomes a ``RuntimeError`` naming ``what`` worker and how it ended.
"""
import io
import multiprocessing
import pickle
import traceback
from dataclasses import dataclass

from app.bulk import checkpoint
from app.messages import MessageError


def fork_available():
    return "fork" in multiprocessing.get_all_start_methods()


@dataclass
class _Failure:
    """An exception of the child, sent to the caller to be raised there."""

    kind: type
    message: str
    params: dict

    def exception(self):
        return self.kind(self.message, **self.params)


def from_worker(items, what):
    """An iterator over what iterating ``items`` yields (never ``None``), iterated in a
    forked worker started now, so that it works while the caller does its own half.

    Closing the iterator (or dropping it) ends the worker.
    """
    received = _received(items, what)
    next(received)  # runs up to the worker's start, and arms the cleanup below
    return received


_DIED = object()  # the pipe's end, read before the worker's last message


def _received(items, what):
    checkpoint.wait()  # no thread of ours may hold a lock across the fork
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(items, sending, what), daemon=True)
    worker.start()
    sending.close()
    messages = _messages(receiving)
    try:
        yield  # started (``from_worker``)
        for item in messages:
            if item is _DIED:
                worker.join(5)
                raise RuntimeError(f"the {what} worker died (exit code {worker.exitcode})")
            if isinstance(item, _Failure):
                raise item.exception()
            if item is None:
                return
            yield item
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receiving.close()


def _messages(receiving):
    """What the worker sends, then ``_DIED`` if the pipe ends before its last message."""
    while True:
        try:
            item = pickle.loads(receiving.recv_bytes())
        except EOFError:
            yield _DIED
            return
        yield item
        if item is None or isinstance(item, _Failure):
            return


def _work(items, sending, what):
    """The child's body: send each item, then ``None``, or the exception that stopped it."""
    try:
        for item in items:
            sending.send_bytes(_dumps(item))
        sending.send_bytes(_dumps(None))
    except MessageError as exc:
        sending.send_bytes(_dumps(_Failure(type(exc), exc.message, exc.params)))
    except BaseException:  # noqa: BLE001 — anything else is a bug, reported with its trace
        sending.send_bytes(_dumps(_Failure(
            RuntimeError, f"the {what} worker failed:\n{traceback.format_exc()}", {})))


def _dumps(item):
    """``item`` pickled without a memo (``Pickler.fast``), for ``pickle.loads``.

    An item is a tree of plain values (the columns of an import chunk),
    hundreds of thousands of them: remembering each one in case it
    comes again (``Connection.send``'s pickler) cost more than pickling them, a
    few objects that do come again (an import's titles) are simply written twice.
    Fast mode refuses cycles (``ValueError``), which such an item never has.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(item)
    return buffer.getbuffer()
