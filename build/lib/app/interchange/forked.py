"""Iterate a generator in a forked worker process, for the import and the export.

Both spend about half their CPU time on work that needs no shared state (the
import's reading and validating, the export's rendering of about half the id
ranges): ``from_worker(items, what)`` forks, iterates ``items`` in the child
and sends each item through a pipe, while the caller receives them in order
and does its own half meanwhile. The pipe's small buffer keeps at most about
one item waiting; with ``ahead`` a thread of the caller receives up to that
many more meanwhile, through a wider pipe, so that the worker need not wait
for the caller between items. The child uses no connection it inherited
(SQLite's rule for ``fork``); it ends with the generator — at once if the
caller stops early.

A ``MessageError`` raised in the child (a file's fault, shown to the user) is
raised again in the caller as itself; any other failure, or the child's death,
becomes a ``RuntimeError`` naming ``what`` worker and how it ended.
"""
import io
import multiprocessing
import pickle
import queue
import threading
import time
import traceback
from dataclasses import dataclass

from app.messages import MessageError
from app.ops import wal


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


def from_worker(items, what, *, ahead=0):
    """An iterator over what iterating ``items`` yields (never ``None``), iterated in a
    forked worker started now, so that it works while the caller does its own half.

    ``ahead``: how many items may wait, received, beyond the pipe's buffer (0: none).
    Closing the iterator (or dropping it) ends the worker.
    """
    received = _received(items, what, ahead)
    next(received)  # runs up to the worker's start, and arms the cleanup below
    return received


_DIED = object()  # the pipe's end, read before the worker's last message


def _received(items, what, ahead):
    wal.wait()  # no thread of ours may hold a lock across the fork
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    if ahead:
        _widen(sending)
    worker = context.Process(target=_work, args=(items, sending, what), daemon=True)
    worker.start()
    sending.close()
    messages = _Prefetched(_messages(receiving), ahead) if ahead else _messages(receiving)
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
        # After the worker: a receiving thread meets the pipe's end. One still
        # reading (a process forked meanwhile holds the pipe) keeps it open.
        if not ahead or messages.close():
            receiving.close()


PIPE_SIZE = 1 << 20  # Linux's limit for an unprivileged process (fs.pipe-max-size)


def _widen(connection):
    """Make the pipe of ``connection`` hold ``PIPE_SIZE`` bytes, where Linux allows.

    A send of a megabyte through the default 64 KiB buffer takes a write and a
    wakeup of the reader per 64 KiB: five times the sender's CPU time of a
    1 MiB buffer (measured, 1.4 MB texts). Elsewhere, or if refused, it stays.
    """
    try:
        import fcntl  # POSIX only
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass


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


class _Prefetched:
    """Iterate ``items`` in a thread, up to ``size`` items ahead of the consumer.

    The thread spends its time in ``recv`` (the pipe's reads release the GIL),
    so the worker's sends complete while the caller renders its own part
    instead of when it next asks. An exception of ``items`` is raised to the
    consumer in turn. ``close`` stops the thread once ``items`` stops (the
    caller ends the worker first, so the pipe ends), or gives up after
    ``CLOSING`` seconds.
    """

    CLOSING = 5

    def __init__(self, items, size):
        self._queue = queue.Queue(size)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, args=(items,), daemon=True)
        self._thread.start()

    def _pump(self, items):
        try:
            for item in items:
                self._queue.put((item, None))
                if self._stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 — the consumer raises it
            self._queue.put((None, exc))
        self._queue.put((None, StopIteration()))

    def __iter__(self):
        return self

    def __next__(self):
        item, exc = self._queue.get()
        if exc is not None:
            raise exc
        return item

    def close(self):
        """Stop the thread; whether it has ended."""
        self._stop.set()
        deadline = time.monotonic() + self.CLOSING
        while self._thread.is_alive() and time.monotonic() < deadline:
            try:  # a put waiting for room takes it, then the thread stops
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        return not self._thread.is_alive()


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

    An item is a tree of plain values (columns of an import chunk, a range of an
    export), hundreds of thousands of them: remembering each one in case it
    comes again (``Connection.send``'s pickler) cost more than pickling them, a
    few objects that do come again (an import's titles) are simply written twice.
    Fast mode refuses cycles (``ValueError``), which such an item never has.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(item)
    return buffer.getbuffer()
