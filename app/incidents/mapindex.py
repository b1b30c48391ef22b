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
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.geo import grid
from app.incidents import policy
from app.incidents.filters import NONE, IncidentFilters
from app.incidents.models import GEO_PRECISIONS, Actor, Incident
from app.incidents.search import bbox_parts, filter_conditions

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
    """A many-valued column: entry ``k`` says row ``rows[k]`` has label ``labels[codes[k]]``."""

    rows: np.ndarray
    codes: np.ndarray
    labels: tuple

    def any_of(self, keys, n):
        """Boolean mask of the ``n`` rows having at least one of ``keys``."""
        wanted = np.zeros(len(self.labels) + 1, dtype=bool)
        positions = {label: i for i, label in enumerate(self.labels)}
        for key in keys:
            if key in positions:
                wanted[positions[key]] = True
        out = np.zeros(n, dtype=bool)
        out[self.rows[wanted[self.codes]]] = True
        return out

    def none_of(self, n):
        """Boolean mask of the ``n`` rows with no label at all."""
        out = np.ones(n, dtype=bool)
        out[self.rows] = False
        return out

    def patched(self, new_pos, rows, codes):
        """This column after a patch: old rows moved to ``new_pos`` (-1: gone), plus
        entries ``(rows, codes)`` for the rows written anew."""
        pos = new_pos[self.rows]
        kept = pos >= 0
        return MultiColumn(np.concatenate([pos[kept], rows]).astype(np.int32),
                           np.concatenate([self.codes[kept], codes]).astype(np.int32),
                           self.labels)

    def labels_of(self, rows, n):
        """``[sorted labels]`` of each of ``rows`` (positions among ``n`` rows).

        One pass over the entries (a few ms at 1,000,000), so the few incidents
        a view draws one by one need no query for their vectors or countries.
        """
        wanted = np.full(n, -1, dtype=np.int64)
        wanted[rows] = np.arange(len(rows))
        at = wanted[self.rows]
        hit = np.flatnonzero(at >= 0)
        out = [[] for _ in rows]
        for i, code in zip(at[hit].tolist(), self.codes[hit].tolist()):
            out[i].append(self.labels[code])
        return [sorted(labels) for labels in out]

    def counts(self, mask):
        """``{label: rows in mask having it}``, for labels with at least one row."""
        found = np.bincount(self.codes[mask[self.rows]], minlength=len(self.labels))
        return {self.labels[i]: int(found[i]) for i in np.flatnonzero(found)}


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
    """The current value of the incidents change counter (``None`` if never set)."""
    return db.session.scalar(sa.select(change_counters.c.value)
                             .where(change_counters.c.name == "incidents"))


def _read_state(conn):
    """``(counter, window)``: the change counter and how far back the log reaches."""
    values = dict(conn.execute(sa.select(change_counters.c.name, change_counters.c.value)
                               .where(change_counters.c.name.in_(
                                   ("incidents", "map_changes_window")))).all())
    return values.get("incidents"), values.get("map_changes_window", DEFAULT_WINDOW)


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


def patch_index(index, changed, conn, generation):
    """``index`` with the incidents ``changed`` re-read: the published ones (re)placed,
    the others removed. Returns ``index`` itself when none of them is or was published.

    ``changed``: sorted unique incident ids. Milliseconds for a few changes at
    1,000,000 (each column is copied once).
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
    keep = np.ones(len(old), dtype=bool)
    keep[removed] = False
    kept = int(keep.sum())
    ins = np.searchsorted(old[keep], fresh["ids"])
    new_pos = np.full(len(old), -1, dtype=np.int64)
    new_pos[keep] = np.arange(kept) + np.searchsorted(ins, np.arange(kept), side="right")
    fresh_pos = ins + np.arange(len(ins))
    cols = {name: np.insert(getattr(index, name)[keep], ins, values)
            for name, values in fresh.items() if name != "bounds"}
    cols["bounds"] = np.insert(index.bounds[:, keep], ins, fresh["bounds"], axis=1)
    vectors = index.vectors.patched(new_pos, *_new_codes(
        *_vector_pairs(conn, list(index.vectors.labels), fresh["ids"]), fresh["ids"],
        fresh_pos))
    countries = index.countries.patched(new_pos, *_new_codes(
        *_country_pairs(conn, np.array(index.countries.labels, dtype="U3"), fresh["ids"]),
        fresh["ids"], fresh_pos))
    return MapIndex(generation=generation, vectors=vectors, countries=countries, **cols)


class IndexHolder:
    """One process's index and its per-filter cache, patched when the counter moves."""

    CACHE_SIZE = 32  # filter masks are 1 byte per incident: 32 MB at 1,000,000
    BODY_BYTES = 32 * 2**20  # serialized answers kept, at most

    def __init__(self):
        self.lock = threading.Lock()
        self.index = None
        self.applied = None  # the change counter the index is current with
        self.cache = OrderedDict()
        self.bodies = OrderedDict()
        self.body_bytes = 0
        self.builds = self.patches = 0

    def current(self):
        """The index for the database's current state (patched or rebuilt if stale)."""
        index = self.index
        if index is not None and self.applied == read_generation():
            return index
        with self.lock:
            self.refresh()
            return self.index

    def refresh(self):
        """Bring the index up to the committed state (caller holds ``lock``)."""
        with snapshot() as conn:
            counter, window = _read_state(conn)
            if self.index is not None and counter == self.applied:
                return
            index = self._patched(conn, counter, window)
            if index is None:
                index = build_index(counter or 0, conn)
                self.builds += 1
            else:
                self.patches += 1
            if index is not self.index:
                self.cache.clear()
                self.bodies.clear()
                self.body_bytes = 0
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
        with self.lock:
            if key in self.cache:
                self.cache.move_to_end(key)
                return self.cache[key]
        value = compute()
        with self.lock:
            self.cache[key] = value
            while len(self.cache) > self.CACHE_SIZE:
                self.cache.popitem(last=False)
        return value


    def cached_body(self, key, compute):
        """``compute()`` (bytes) memoised under ``key`` in an LRU bounded in bytes."""
        with self.lock:
            if key in self.bodies:
                self.bodies.move_to_end(key)
                return self.bodies[key]
        body = compute()
        with self.lock:
            if key not in self.bodies and len(body) <= self.BODY_BYTES // 8:
                self.bodies[key] = body
                self.body_bytes += len(body)
                while self.body_bytes > self.BODY_BYTES:
                    self.body_bytes -= len(self.bodies.popitem(last=False)[1])
        return body


def warm():
    """Bring this process's index up to date now (at worker start, not at the
    first reader's request). Returns the index."""
    current = holder()
    with current.lock:
        current.refresh()
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
        counts = getattr(index, column).counts(mask)
        empty = index.no_vector if column == "vectors" else index.no_country
        none = int(np.count_nonzero(mask & empty))
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

    present = np.bincount(index.actor[groups["base"]] + 1)  # [0]: no actor
    counted = np.bincount(index.actor[groups["actor"]] + 1, minlength=len(present))
    return {
        "actors": {(int(a) - 1 if a else NONE): int(counted[a])
                   for a in np.flatnonzero(present)},
        "vectors": with_zeros("vectors", "vector"),
        "countries": with_zeros("countries", "country"),
    }


def without_view(filters):
    """``filters`` with no bbox: the cache key of what does not change when panning."""
    return replace(filters, bbox=None, statuses=())
