"""One process's map index: the holder (its lock, its caches) and the saved index files.

``holder().current()`` is what a request asks for: the index as of the last
committed change, patched or rebuilt under the holder's lock when the change
counter moved (one primary-key lookup when it did not). The holder also keeps
what requests compute from an index (filter masks, answer bodies, built
features), keyed by the index's generation. A worker saves the index it
built (``save_index``) so that the next one to start maps it from disk
instead of reading every incident (``warm``).
"""
import json
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask import current_app

from app.incidents import policy
from app.incidents.mapindex.columns import MULTI, MapIndex, MultiColumn
from app.incidents.mapindex.loading import (MAX_PATCH, NAMES_CHANGED, TAXONOMY_CHANGED,
                                            NeedsRebuild, build_index, map_changes,
                                            patch_index, read_generation, read_state,
                                            snapshot)
from app.incidents.models import Incident
from app.ops import metrics

_MISSING = object()


class BoundedLRU(OrderedDict):
    """Entries whose sizes add up to at most ``limit``; the least recently used go first.

    ``size(value)`` is 1 per entry unless given (bytes for serialized bodies);
    a value bigger than an eighth of ``limit`` is not kept. The caller locks.
    """

    def __init__(self, limit, size=None):
        super().__init__()
        self.limit, self.size, self.total = limit, size or (lambda value: 1), 0

    def hit(self, key, default=None):
        """The value under ``key`` (now the most recently used), else ``default``."""
        if key not in self:
            return default
        self.move_to_end(key)
        return self[key]

    def keep(self, key, value):
        """Remember ``value`` under ``key`` unless it is there already or too big."""
        size = self.size(value)
        if key in self or size > self.limit // 8:
            return
        self[key] = value
        self.total += size
        while self.total > self.limit:
            self.total -= self.size(self.popitem(last=False)[1])

    def clear(self):
        super().clear()
        self.total = 0


class IndexHolder:
    """One process's index and its per-filter cache, patched when the counter moves."""

    CACHE_SIZE = 32  # filter masks are 1 byte per incident: 32 MB at 1,000,000
    BODY_BYTES = 32 * 2**20  # serialized answers kept, at most
    FEATURES = 20_000  # built features (incident, zoom) kept, at most

    def __init__(self):
        self.lock = threading.Lock()
        self.index = None
        self.applied = None  # the change counter the index is current with
        self.cache = BoundedLRU(self.CACHE_SIZE)
        self.bodies = BoundedLRU(self.BODY_BYTES, size=len)
        self.features = BoundedLRU(self.FEATURES)
        self.builds = self.patches = 0

    def current(self):
        """The index for the database's current state (patched or rebuilt if stale)."""
        index = self.index
        if index is not None and self.applied == read_generation():
            return index
        with self.lock:
            self.refresh()
            return self.index

    def refresh(self, saved_dir=None):
        """Bring the index up to the committed state (caller holds ``lock``).

        With ``saved_dir``, a process with no index first maps the index saved
        there for this database and patches it from the log; one that had to
        build saves what it built, for the next process to start.
        """
        with snapshot() as conn:
            counter, window, epoch = read_state(conn)
            if self.index is not None and counter == self.applied:
                return
            loaded = self.index is None and saved_dir and epoch is not None and \
                load_saved_index(saved_dir, epoch)
            if loaded:
                self.index, self.applied = loaded
            index = self._patched(conn, counter, window)
            if loaded and index is not None and not _count_matches(conn, index):
                index = None  # saved from another history of this database (a restore)
            if index is None:
                index = build_index(counter or 0, conn)
                self.builds += 1
                metrics.map_index_updated(built=True)
                if saved_dir and epoch is not None:
                    save_index(saved_dir, index, counter, epoch)
            else:
                self.patches += 1
                metrics.map_index_updated(built=False)
            if loaded or self.index is None:  # a new process: prepare what requests use
                for name in MULTI:
                    getattr(index, name).split(len(index))
            if index is not self.index:
                self.cache.clear()
                self.bodies.clear()
                self.features.clear()
                self.index = index
            self.applied = counter

    def _patched(self, conn, counter, window):
        """The index patched from the log, or ``None`` when only a rebuild will do."""
        applied = self.applied
        if (self.index is None or counter is None or applied is None
                or not counter - window <= applied <= counter):
            return None  # first use, or the log no longer reaches back to ``applied``
        changed = np.array(sorted(set(conn.scalars(
            sa.select(map_changes.c.incident_id).where(map_changes.c.seq > applied)))),
            dtype=np.int64)
        if len(changed) > MAX_PATCH or (changed == TAXONOMY_CHANGED).any():
            return None
        names_changed = (changed == NAMES_CHANGED).any()
        try:
            index = patch_index(self.index, changed[changed > 0], conn, counter)
        except NeedsRebuild:
            return None
        if index is self.index and names_changed:
            index = replace(index, generation=counter)
        return index

    def cached(self, key, compute):
        """``compute()`` memoised under ``key`` (callers put the generation in it)."""
        return self._memo(self.cache, key, compute)

    def cached_body(self, key, compute):
        """``compute()`` (bytes) memoised under ``key`` in an LRU bounded in bytes."""
        return self._memo(self.bodies, key, compute)

    def _memo(self, lru, key, compute):
        with self.lock:
            value = lru.hit(key, _MISSING)
        if value is _MISSING:
            value = compute()  # outside the lock: other requests go on meanwhile
            with self.lock:
                lru.keep(key, value)
        return value

    def known_features(self, key, ids):
        """``{id: feature}`` of the ``ids`` built before under ``key`` (generation, zoom)."""
        with self.lock:
            found = ((i, self.features.hit((key, i))) for i in ids)
            return {i: feature for i, feature in found if feature is not None}

    def keep_features(self, key, features):
        """Remember built ``features`` under ``key`` (the oldest go past ``FEATURES``)."""
        with self.lock:
            for feature in features:
                self.features.keep((key, feature["id"]), feature)


def _count_matches(conn, index):
    """Whether ``index`` holds as many incidents as the database publishes (a check
    on an index read from disk, once per process)."""
    statuses = policy.PUBLIC_STATUSES
    return conn.scalar(sa.select(sa.func.count()).select_from(Incident)
                       .where(Incident.status.in_(statuses))) == len(index)


SAVED_ARRAYS = ("ids", "lon", "lat", "x", "y", "bounds", "start", "end", "actor",
                "confidence", "precision")


def save_index(directory, index, applied, epoch, keep=2):
    """Write ``index`` under ``directory/<epoch>-<applied>/`` (``.npy`` files and
    ``meta.json``), atomically; keep the ``keep`` newest for this database."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
    tmp.mkdir()
    arrays = {name: getattr(index, name) for name in SAVED_ARRAYS}
    for column in MULTI:
        arrays[f"{column}_rows"] = getattr(index, column).rows
        arrays[f"{column}_codes"] = getattr(index, column).codes
    for name, array in arrays.items():
        np.save(tmp / f"{name}.npy", np.ascontiguousarray(array))
    (tmp / "meta.json").write_text(json.dumps({
        "epoch": epoch, "applied": applied, "generation": index.generation,
        **{name: list(getattr(index, name).labels) for name in MULTI}}))
    try:
        os.rename(tmp, directory / f"{epoch}-{applied}")
    except OSError:  # another worker saved the same state first
        shutil.rmtree(tmp, ignore_errors=True)
    # One deployment, one database: older states and other databases' files go.
    others = [d for d in directory.glob("*-*") if not d.name.startswith(f"{epoch}-")]
    for old in _saved(directory, epoch)[keep:] + others:
        shutil.rmtree(old, ignore_errors=True)


def _saved(directory, epoch):
    """This database's saved indexes, newest first."""
    found = [d for d in Path(directory).glob(f"{epoch}-*") if (d / "meta.json").exists()]
    return sorted(found, key=lambda d: int(d.name.rsplit("-", 1)[1]), reverse=True)


def load_saved_index(directory, epoch):
    """``(index, applied)`` from the newest index saved for database ``epoch``,
    memory-mapped (read-only, shared between workers), or ``None``."""
    for path in _saved(directory, epoch)[:1]:
        try:
            meta = json.loads((path / "meta.json").read_text())
            # Plain ndarray views of the mapped files (np.memmap's own indexing is
            # slow for the scalar reads of the features).
            arrays = {p.stem: np.asarray(np.load(p, mmap_mode="r"))
                      for p in path.glob("*.npy")}
            columns = {name: MultiColumn(arrays.pop(f"{name}_rows"),
                                         arrays.pop(f"{name}_codes"), tuple(meta[name]))
                       for name in MULTI}
            return MapIndex(generation=meta["generation"], **arrays, **columns), meta["applied"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # half-deleted or from another version: build instead
    return None


def warm():
    """Bring this process's index up to date now (at worker start, not at the
    first reader's request), from the saved index when there is one. Returns it."""
    current = holder()
    with current.lock:
        current.refresh(saved_dir=current_app.config.get("ATLAS_MAP_SAVED_DIR"))
        return current.index


def holder():
    """This app's ``IndexHolder`` (one per process and app)."""
    return current_app.extensions.setdefault("atlas_map_index", IndexHolder())
