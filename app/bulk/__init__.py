"""The command line's bulk loader: speed devices for big imports, used only by the CLI.

Every import validates and writes through the same code
(``app.interchange.importer``, ``app.incidents.rows``); a web upload takes the
plain path: one process, one thread, nothing else. ``flask incidents import``
passes a ``Loader``, which adds, each switchable and each measured against
the plain path in bench/README.md ("Import and export"):

- ``packed_rtree``: into an empty SQLite database, the R*Tree packed once at
  the end (``rtree``) instead of grown row by row;
- ``checkpoint``: the commit's WAL checkpoint in a background thread
  (``checkpoint``);
- ``worker``: a big file read and validated in a forked worker process while
  this one inserts (``worker``). A CLI process has no other threads (the
  checkpoint thread is joined before forking); a web worker has, which is
  why no request ever forks.
"""
import os
from contextlib import contextmanager

from app.extensions import db
from app.incidents import rows

WORKER_BYTES = 4 * 2**20  # smaller files are read in place: forking costs more than it saves


class Loader:
    """How ``importer.import_stream`` loads for the CLI; its defaults are the devices
    that earn their place (bench/README.md). Same interface as
    ``importer.PlainLoad``."""

    def __init__(self, *, packed_rtree=True, checkpoint=True, worker=True,
                 worker_bytes=WORKER_BYTES):
        self.packed_rtree = packed_rtree
        self.checkpoint, self.worker, self.worker_bytes = checkpoint, worker, worker_bytes
        self._rtree = True

    @contextmanager
    def writing(self):
        """Around the whole import, commit included: the background checkpoint
        (SQLite; no-op elsewhere or when switched off)."""
        if not self.checkpoint or db.engine.dialect.name != "sqlite":
            yield
            return
        from app.bulk import checkpoint
        connection = db.session.connection().connection.dbapi_connection
        with checkpoint.checkpoint_later(connection, checkpoint.sqlite_file(db.engine)):
            yield

    @contextmanager
    def inserting(self, *, dry_run, empty):
        """Around the inserts, before the commit: into an ``empty`` SQLite database
        the R*Tree is left alone by each batch and packed at the end; a dry run,
        rolled back anyway, never touches it. An exception skips the packing."""
        pack = self.packed_rtree and empty and not dry_run and db.engine.dialect.name == "sqlite"
        self._rtree = not (pack or dry_run and self.packed_rtree)
        try:
            yield
        finally:
            self._rtree = True
        if pack:
            from app.bulk import rtree
            cursor = db.session.connection().connection.cursor()
            rtree.pack_incidents(cursor)
            cursor.close()

    def chunks(self, chunks, stream):
        """``chunks`` (the importer's reader), computed in a forked worker for big
        files where ``fork`` exists."""
        from app.bulk import worker
        if not (self.worker and worker.fork_available()
                and remaining_bytes(stream) >= self.worker_bytes):
            return chunks
        from app.geo.countries import country_index
        country_index()  # loaded once, here, for the worker too
        return worker.from_worker(chunks, "import")

    def write(self, tables, *, ids, status):
        """``rows.write_tables``, leaving SQLite's R*Tree to ``inserting``'s packing."""
        rows.write_tables(tables, ids=ids, status=status, rtree=self._rtree)


def remaining_bytes(stream):
    """How many bytes ``stream`` has left to read (0 when it cannot tell)."""
    try:
        return os.fstat(stream.fileno()).st_size - stream.tell()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return 0
