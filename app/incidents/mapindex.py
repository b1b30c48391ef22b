"""The in-memory columnar index of published incidents behind the map.

Why: a SQL ``GROUP BY`` over 1,000,000 rows takes ~0.8 s per world view on
SQLite; the same aggregation over numpy columns takes tens of milliseconds
(bench/README.md, "## Map"). Each server process builds the index lazily from
the database once, then keeps it current from a change log: database triggers
bump ``change_counters['incidents']`` in the very transaction of every write to
incidents, their vectors or countries, and record the ids written in
``map_changes`` under the value reached (migration 0006). Each map request
reads the counter (one primary-key lookup); when it moved, the process re-reads
only the incidents logged since the value it applied and patches its columns
(milliseconds), rebuilding only on first use, when it fell further behind than
the pruned log reaches, or when the vector taxonomy changed. So no process
serves clusters older than the last committed change, whoever wrote it and
from whichever process.

The index's ``generation`` is its *content* generation: it moves only when the
published set (or an actor's name) really changed. Drafts are not in the
index, so a contributor saving a draft leaves every per-filter cache, and the
ETag of every map answer, as they were.

Only published incidents are in the index: the map shows what the public may
see (``policy.PUBLIC_STATUSES``). Filter semantics are those of
``search.filter_conditions``: actor in the list, any vector in the list, any
country in the list, the interval overlapping the period, confidence at least
the minimum; ``q`` is answered by the database. The bbox test uses each
incident's bounding box.
"""
import json
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.geo import grid
from app.incidents import policy
from app.incidents.filters import NONE, IncidentFilters
from app.incidents.models import GEO_PRECISIONS, Actor, Incident
from app.incidents.search import bbox_parts, filter_conditions
from app.ops.counters import read_counter

change_counters = sa.Table(
    "change_counters", db.metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

map_changes = sa.Table(
    "map_changes", db.metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("incident_id", sa.BigInteger, primary_key=True),
)

EPOCH = np.datetime64("1970-01-01", "D")
DEFAULT_WINDOW = 100_000  # counter steps the log keeps (migration 0006)
MAX_PATCH = 20_000        # more changed incidents than this: a rebuild is as quick
NAMES_CHANGED = 0         # map_changes sentinels (migration 0006)
TAXONOMY_CHANGED = -1


def day_number(value):
    """Days since 1970-01-01 for a ``date`` (the index's time unit)."""
    return int((np.datetime64(value, "D") - EPOCH).astype(np.int64))


@dataclass(frozen=True)
class MultiColumn:
    """A many-valued column: entry ``k`` says row ``rows[k]`` has label ``labels[codes[k]]``.

    Entries are sorted by row (``labels_of`` searches them)."""

    rows: np.ndarray
    codes: np.ndarray
    labels: tuple

    def split(self, n):
        """``(first, extra_rows, extra)``: for each of the ``n`` rows, its first label
        code + 2 (1: no label) in one dense array; and the entries beyond each row's
        first, with codes + 1.

        Most incidents have one country and one or two vectors, so counting and
        selecting work on the dense array plus a few extra entries, and count by
        ``bincount(codes * mask)`` (bucket 0: outside the mask) — a boolean
        selection of a random half of 1,000,000 rows costs four times more.
        Computed once per column (columns are immutable).
        """
        cached = self.__dict__.get("_split")
        if cached is not None and len(cached[0]) == n:
            return cached
        starts = np.ones(len(self.rows), dtype=bool)
        starts[1:] = self.rows[1:] != self.rows[:-1]  # entries are sorted by row
        first = np.ones(n, dtype=np.int32)
        first[self.rows[starts]] = self.codes[starts] + 2
        cached = (first, self.rows[~starts], self.codes[~starts] + 1)
        self.__dict__["_split"] = cached
        return cached

    def any_of(self, keys, n):
        """Boolean mask of the ``n`` rows having at least one of ``keys``."""
        wanted = np.zeros(len(self.labels) + 2, dtype=bool)  # by code + 2, as ``split``
        positions = {label: i for i, label in enumerate(self.labels)}
        for key in keys:
            if key in positions:
                wanted[positions[key] + 2] = True
        first, extra_rows, extra = self.split(n)
        out = wanted[first]
        out[extra_rows[wanted[extra + 1]]] = True
        return out

    def none_of(self, n):
        """Boolean mask of the ``n`` rows with no label at all."""
        return self.split(n)[0] == 1

    def patched(self, new_pos, rows, codes):
        """This column after a patch: old rows moved to ``new_pos`` (-1: gone), plus
        entries ``(rows, codes)`` for the rows written anew; still sorted by row."""
        pos = new_pos[self.rows]
        kept = pos >= 0
        kept_rows, kept_codes = pos[kept], self.codes[kept]
        order = np.argsort(rows, kind="stable")
        at = np.searchsorted(kept_rows, rows[order], side="right")
        return MultiColumn(np.insert(kept_rows, at, rows[order]).astype(np.int32),
                           np.insert(kept_codes, at, codes[order]).astype(np.int32),
                           self.labels)

    def labels_of(self, rows):
        """``[sorted labels]`` of each of ``rows``: two binary searches per row in the
        entries (kept sorted by row), so a view's few incidents cost no query."""
        lo = np.searchsorted(self.rows, rows, side="left").tolist()
        hi = np.searchsorted(self.rows, rows, side="right").tolist()
        codes = self.codes
        return [sorted(self.labels[c] for c in codes[a:b].tolist()) for a, b in zip(lo, hi)]

    def counts(self, mask, *, with_none=False):
        """``{label: rows in mask having it}``, for labels with at least one row (and,
        ``with_none``, the number of rows in mask having no label)."""
        first, extra_rows, extra = self.split(len(mask))
        found = np.bincount(first * mask, minlength=len(self.labels) + 2)
        none, found = int(found[1]), found[2:]
        found += np.bincount(extra * mask[extra_rows], minlength=len(self.labels) + 1)[1:]
        counts = {self.labels[i]: int(found[i]) for i in np.flatnonzero(found)}
        return (counts, none) if with_none else counts


@dataclass(frozen=True)
class MapIndex:
    """Columns of the published incidents, sorted by id (positions are row numbers)."""

    generation: int
    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    bounds: np.ndarray      # (4, n): min_x, min_y, max_x, max_y in degrees
    start: np.ndarray       # day numbers
    end: np.ndarray
    actor: np.ndarray       # actor id, -1 for none
    confidence: np.ndarray
    precision: np.ndarray   # index into GEO_PRECISIONS
    vectors: MultiColumn
    countries: MultiColumn

    def __len__(self):
        return len(self.ids)

    @cached_property
    def no_vector(self):
        """Rows with no vector (for ``vector=none``)."""
        return self.vectors.none_of(len(self))

    @cached_property
    def no_country(self):
        """Rows with no target country (for ``country=none``)."""
        return self.countries.none_of(len(self))


# --- building ----------------------------------------------------------------

def read_generation():
    """The committed value of the incidents change counter (``None`` if never set)."""
    return read_counter("incidents")


def _read_state(conn):
    """``(counter, window, epoch)``: the change counter, how far back the log reaches,
    and the database's random identity (``None`` if unset: no saved index used)."""
    values = dict(conn.execute(sa.select(change_counters.c.name, change_counters.c.value)
                               .where(change_counters.c.name.in_(
                                   ("incidents", "map_changes_window", "map_epoch")))).all())
    return (values.get("incidents"), values.get("map_changes_window", DEFAULT_WINDOW),
            values.get("map_epoch"))


@contextmanager
def snapshot():
    """A read-only connection that sees one committed state of the database.

    REPEATABLE READ on PostgreSQL (the counter, the log and the rows read
    together); on SQLite a deferred transaction is already one snapshot, and
    ``atlas_read_only`` keeps it from taking the write lock outside requests.
    """
    options = {"atlas_read_only": True}
    if db.engine.dialect.name == "postgresql":
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with db.engine.connect().execution_options(**options) as conn, conn.begin():
        yield conn


def _fetch(conn, sql):
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _id_list(ids):
    """``ids`` as SQL literals (integers only; ``-1``, matching nothing, when empty)."""
    return ", ".join(str(int(i)) for i in ids) or "-1"


def _incident_sql(dialect, ids=None):
    """All-numeric columns of the published incidents (of ``ids`` only, if given),
    so numpy converts them in C."""
    if dialect == "postgresql":
        days, table = "({0} - DATE '1970-01-01')", "incidents"
    else:
        # NOT INDEXED: one sequential scan beats the status index's random row
        # lookups and sort (34 s -> 13 s at 1,000,000 on a busy machine).
        days = "CAST(julianday({0}) - 2440587.5 AS INTEGER)"
        table = "incidents NOT INDEXED" if ids is None else "incidents"
    precision = " ".join(f"WHEN '{p}' THEN {i}" for i, p in enumerate(GEO_PRECISIONS))
    statuses = ", ".join(f"'{s}'" for s in policy.PUBLIC_STATUSES)
    only = "" if ids is None else f" AND id IN ({_id_list(ids)})"
    return (f"SELECT id, rep_x, rep_y, min_x, min_y, max_x, max_y, "
            f"{days.format('start_date')}, {days.format('end_date')}, "
            f"COALESCE(actor_id, -1), confidence, CASE geo_precision {precision} ELSE 0 END "
            f"FROM {table} WHERE status IN ({statuses}){only} ORDER BY id")


def _multi(incident_ids, codes, ids, labels):
    """A ``MultiColumn`` from parallel ``incident_ids``/``codes``, keeping indexed rows."""
    if not len(incident_ids) or not len(ids):
        return MultiColumn(np.zeros(0, np.int32), np.zeros(0, np.int32), tuple(labels))
    pos = np.minimum(np.searchsorted(ids, incident_ids), len(ids) - 1)
    keep = (ids[pos] == incident_ids) & (codes >= 0)
    return MultiColumn(pos[keep].astype(np.int32), codes[keep].astype(np.int32),
                       tuple(labels))


def _column(conn, sql, dtype):
    rows = _fetch(conn, sql)
    return np.array(rows, dtype=dtype).reshape(len(rows))


def _pairs_sql(table, key, ids):
    where = "" if ids is None else f" WHERE incident_id IN ({_id_list(ids)})"
    return f"SELECT {{}} FROM {table}{where} ORDER BY incident_id, {key}"


def _vector_pairs(conn, labels, ids=None):
    """``(incident_ids, codes)`` of incident_vectors, codes indexing ``labels``."""
    slugs = dict(_fetch(conn, "SELECT id, slug FROM vectors"))
    lookup = np.full(max(slugs, default=0) + 1, -1, dtype=np.int32)
    for vid, slug in slugs.items():
        if slug in labels:
            lookup[vid] = labels.index(slug)
    sql = _pairs_sql("incident_vectors", "vector_id", ids)
    incident_ids = _column(conn, sql.format("incident_id"), np.int64)
    vector_ids = _column(conn, sql.format("vector_id"), np.int64)
    return incident_ids, lookup[vector_ids]


def _country_pairs(conn, isos, ids=None):
    """``(incident_ids, codes)`` of incident_countries, codes indexing ``isos`` (sorted)."""
    sql = _pairs_sql("incident_countries", "iso_a3", ids)
    incident_ids = _column(conn, sql.format("incident_id"), np.int64)
    codes = _column(conn, sql.format("iso_a3"), "U3")
    found = np.minimum(np.searchsorted(isos, codes), max(len(isos) - 1, 0))
    known = isos[found] == codes if len(isos) else np.zeros(len(codes), bool)
    return incident_ids, np.where(known, found, -1)


def _columns(conn, ids=None):
    """The scalar columns of the published incidents (of ``ids``), sorted by id."""
    rows = _fetch(conn, _incident_sql(db.engine.dialect.name, ids))
    cols = np.array(rows, dtype=np.float64).reshape(len(rows), 12).T
    x, y = grid.lonlat_to_unit(cols[1], cols[2])
    return dict(
        ids=cols[0].astype(np.int64), lon=cols[1].copy(), lat=cols[2].copy(), x=x, y=y,
        bounds=cols[3:7].copy(), start=cols[7].astype(np.int32),
        end=cols[8].astype(np.int32), actor=cols[9].astype(np.int64),
        confidence=cols[10].astype(np.int16), precision=cols[11].astype(np.int8))


def build_index(generation, conn=None):
    """Load the published incidents into a new ``MapIndex`` (seconds at 1,000,000)."""
    if conn is None:
        with snapshot() as conn:
            return build_index(generation, conn)
    cols = _columns(conn)
    ids = cols["ids"]
    labels = sorted(r[0] for r in _fetch(conn, "SELECT slug FROM vectors"))
    isos = np.array(sorted(r[0] for r in _fetch(conn, "SELECT iso_a3 FROM countries")),
                    dtype="U3")
    return MapIndex(generation=generation, **cols,
                    vectors=_multi(*_vector_pairs(conn, labels), ids, labels),
                    countries=_multi(*_country_pairs(conn, isos), ids, isos.tolist()))


class NeedsRebuild(Exception):
    """A change the patch cannot express (a vector unknown to the index)."""


def _new_codes(incident_ids, codes, fresh_ids, fresh_pos):
    """Entries of the rows written anew: positions in the patched index, and codes."""
    if (codes < 0).any():
        raise NeedsRebuild("a vector or country the index does not know")
    at = np.searchsorted(fresh_ids, incident_ids)
    return fresh_pos[at], codes


def _replaced(index, rows, fresh):
    """Columns with ``rows`` overwritten by ``fresh`` (same ids, same order): a column
    whose values did not change is shared with ``index``, the others are copied."""
    cols = {}
    for name, values in fresh.items():
        current = getattr(index, name)
        if np.array_equal(current[..., rows], values):
            cols[name] = current
        else:
            cols[name] = current.copy()
            cols[name][..., rows] = values
    return cols


def _multi_patched(column, new_pos, pairs, fresh_ids, fresh_pos, same_rows):
    """``column`` patched with ``pairs`` (``(incident_ids, codes)`` of the rows written
    anew); shared unchanged when those rows kept exactly their labels."""
    rows, codes = _new_codes(*pairs, fresh_ids, fresh_pos)
    if same_rows:
        before = column.labels_of(fresh_pos)
        after = [[] for _ in fresh_pos]
        for row, code in zip(np.searchsorted(fresh_pos, rows).tolist(), codes.tolist()):
            after[row].append(column.labels[code])
        if before == [sorted(labels) for labels in after]:
            return column
    return column.patched(new_pos, rows, codes)


def patch_index(index, changed, conn, generation):
    """``index`` with the incidents ``changed`` re-read: the published ones (re)placed,
    the others removed. Returns ``index`` itself when none of them is or was published.

    ``changed``: sorted unique incident ids. An edit that keeps an incident
    published rewrites only the columns whose values changed (a title edit
    copies none); a publish or an unpublish copies each column once.
    """
    if not len(changed):
        return index
    fresh = _columns(conn, changed)
    old = index.ids
    at = np.searchsorted(old, changed)
    inside = at < len(old)
    removed = at[inside][old[at[inside]] == changed[inside]]
    if not len(removed) and not len(fresh["ids"]):
        return index
    same_rows = np.array_equal(old[removed], fresh["ids"])
    if same_rows:  # edits only: every row stays where it is
        fresh_pos = removed
        new_pos_removed = np.arange(len(old))
        new_pos_removed[removed] = -1
        cols = _replaced(index, removed, fresh)
    else:
        keep = np.ones(len(old), dtype=bool)
        keep[removed] = False
        kept = int(keep.sum())
        ins = np.searchsorted(old[keep], fresh["ids"])
        new_pos_removed = np.full(len(old), -1, dtype=np.int64)
        new_pos_removed[keep] = np.arange(kept) + np.searchsorted(ins, np.arange(kept),
                                                                  side="right")
        fresh_pos = ins + np.arange(len(ins))
        cols = {name: np.insert(getattr(index, name)[..., keep], ins, values, axis=-1)
                for name, values in fresh.items()}
    vectors = _multi_patched(
        index.vectors, new_pos_removed,
        _vector_pairs(conn, list(index.vectors.labels), fresh["ids"]),
        fresh["ids"], fresh_pos, same_rows)
    countries = _multi_patched(
        index.countries, new_pos_removed,
        _country_pairs(conn, np.array(index.countries.labels, dtype="U3"), fresh["ids"]),
        fresh["ids"], fresh_pos, same_rows)
    return MapIndex(generation=generation, vectors=vectors, countries=countries, **cols)


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
            counter, window, epoch = _read_state(conn)
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
                if saved_dir and epoch is not None:
                    save_index(saved_dir, index, counter, epoch)
            else:
                self.patches += 1
            if loaded or self.index is None:  # a new process: prepare what requests use
                index.vectors.split(len(index))
                index.countries.split(len(index))
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
    for column in ("vectors", "countries"):
        arrays[f"{column}_rows"] = getattr(index, column).rows
        arrays[f"{column}_codes"] = getattr(index, column).codes
    for name, array in arrays.items():
        np.save(tmp / f"{name}.npy", np.ascontiguousarray(array))
    (tmp / "meta.json").write_text(json.dumps({
        "epoch": epoch, "applied": applied, "generation": index.generation,
        "vectors": list(index.vectors.labels), "countries": list(index.countries.labels)}))
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
                       for name in ("vectors", "countries")}
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


# --- filtering ---------------------------------------------------------------

@dataclass(frozen=True)
class Masks:
    """Boolean masks over the index, one per filter group (``None``: no condition)."""

    base: np.ndarray
    actor: np.ndarray | None
    vector: np.ndarray | None
    country: np.ndarray | None

    def all(self, *, without=None):
        """Rows passing every group but ``without`` (for facet counts)."""
        out = self.base.copy()
        for name in ("actor", "vector", "country"):
            mask = getattr(self, name)
            if name != without and mask is not None:
                out &= mask
        return out


def _actor_ids(actors):
    ids = {a for a in actors if isinstance(a, int)}
    names = [a.lower() for a in actors if isinstance(a, str) and a != NONE]
    if names:
        ids |= set(db.session.scalars(
            sa.select(Actor.id).where(sa.func.lower(Actor.name).in_(names))))
    return sorted(ids)


def _text_ids(q):
    """Ids of published incidents matching the free-text ``q`` (asked of the database)."""
    conds = filter_conditions(IncidentFilters(q=q), None)
    return np.array(sorted(db.session.scalars(sa.select(Incident.id).where(*conds))),
                    dtype=np.int64)


def _campaign_ids(campaigns):
    """Ids of published incidents of ``campaigns`` (asked of the database, by its index).

    A campaign holds a few hundred incidents at most, so asking beats a column
    of the index that every load and patch would have to carry.
    """
    conds = filter_conditions(IncidentFilters(campaigns=campaigns), None)
    return np.array(sorted(db.session.scalars(sa.select(Incident.id).where(*conds))),
                    dtype=np.int64)


def masks(index, filters):
    """The filter masks of ``filters`` (bbox excluded) over ``index``."""
    n = len(index)
    base = np.ones(n, dtype=bool)
    if filters.date_from:
        base &= index.end >= day_number(filters.date_from)
    if filters.date_to:
        base &= index.start <= day_number(filters.date_to)
    if filters.min_confidence is not None:
        base &= index.confidence >= filters.min_confidence
    if filters.q:
        base &= np.isin(index.ids, _text_ids(filters.q), assume_unique=True)
    if filters.campaigns:
        base &= np.isin(index.ids, _campaign_ids(filters.campaigns), assume_unique=True)
    actor = vector = country = None
    if filters.actors:
        actor = np.isin(index.actor, _actor_ids(filters.actors)
                        + [-1] * (NONE in filters.actors))
    if filters.vectors:
        vector = index.vectors.any_of(filters.vectors, n)
        if NONE in filters.vectors:
            vector |= index.no_vector
    if filters.countries:
        country = index.countries.any_of(filters.countries, n)
        if NONE in filters.countries:
            country |= index.no_country
    return Masks(base, actor, vector, country)


def bbox_mask(index, bbox):
    """Rows whose bounding box meets ``bbox`` (W, S, E, N; W > E crosses 180°)."""
    out = np.zeros(len(index), dtype=bool)
    b = index.bounds
    for west, south, east, north in bbox_parts(bbox):
        out |= (b[2] >= west) & (b[0] <= east) & (b[3] >= south) & (b[1] <= north)
    return out


def group_masks(m):
    """``{None: every group, "actor": all but actor, …, "base": base filters only}``.

    Equal masks are the same array, so counting them twice can be skipped
    (``facets``' memo): with no layer filter, five countings become one.
    """
    full = m.all()
    out = {None: full}
    for name in ("actor", "vector", "country"):
        out[name] = full if getattr(m, name) is None else m.all(without=name)
    unfiltered = all(getattr(m, name) is None for name in ("actor", "vector", "country"))
    out["base"] = full if unfiltered else m.base
    return out


def count_rows(index, column, mask, memo):
    """``{label: rows}`` of ``column`` (``"vectors"``/``"countries"``) under ``mask``,
    with ``NONE`` for rows having none; memoised in ``memo`` by mask identity."""
    key = (column, id(mask))
    if key not in memo:
        counts, none = getattr(index, column).counts(mask, with_none=True)
        memo[key] = counts | ({NONE: none} if none else {})
    return memo[key]


def facets(index, m, *, groups=None, memo=None):
    """Layer counts: each group counted under the *other* groups' filters.

    So an unticked actor still shows how many incidents ticking it would add.
    Every actor, vector and country with an incident under the base filters
    (period, confidence, text) is listed, with 0 when the other groups leave
    it nothing: a layer never vanishes from the control because another was
    switched off. ``NONE`` ("none") counts the incidents with no actor, no
    vector or no country, so the layers reach every incident.
    """
    groups = groups or group_masks(m)
    memo = {} if memo is None else memo

    def with_zeros(column, without):
        counts = count_rows(index, column, groups[without], memo)
        return {key: counts.get(key, 0) for key in count_rows(index, column,
                                                              groups["base"], memo)}

    # Actor id + 2 times the mask: bucket 0 is outside the mask, 1 no actor.
    shifted = index.actor + 2
    present = np.bincount(shifted * groups["base"])
    counted = np.bincount(shifted * groups["actor"], minlength=len(present))
    return {
        "actors": {(int(a) - 2 if a > 1 else NONE): int(counted[a])
                   for a in np.flatnonzero(present[1:]) + 1},
        "vectors": with_zeros("vectors", "vector"),
        "countries": with_zeros("countries", "country"),
    }


def without_view(filters):
    """``filters`` with no bbox: the cache key of what does not change when panning."""
    return replace(filters, bbox=None, statuses=())
