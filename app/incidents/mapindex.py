"""The in-memory columnar index of published incidents behind the map.

Why: a SQL ``GROUP BY`` over 1,000,000 rows takes ~0.8 s per world view on
SQLite; the same aggregation over numpy columns takes tens of milliseconds
(bench/README.md, "## Map"). Each server process builds the index lazily from
the database and keeps it only while ``change_counters['incidents']`` — bumped
by database triggers in the very transaction of every write to incidents,
their vectors or countries (migration 0002) — still has the value read before
the build. So no process serves clusters older than the last committed change,
whoever wrote it and from whichever process.

Only published incidents are in the index: the map shows what the public may
see (``policy.PUBLIC_STATUSES``). Filter semantics are those of
``search.filter_conditions``: actor in the list, any vector in the list, any
country in the list, the interval overlapping the period, confidence at least
the minimum; ``q`` is answered by the database. The bbox test uses each
incident's bounding box.
"""
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.geo import grid
from app.incidents import policy
from app.incidents.filters import IncidentFilters
from app.incidents.models import GEO_PRECISIONS, Actor, Incident
from app.incidents.search import bbox_parts, filter_conditions

change_counters = sa.Table(
    "change_counters", db.metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

EPOCH = np.datetime64("1970-01-01", "D")


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


# --- building ----------------------------------------------------------------

def read_generation():
    """The current value of the incidents change counter (``None`` if never set)."""
    return db.session.scalar(sa.select(change_counters.c.value)
                             .where(change_counters.c.name == "incidents"))


def _fetch(sql):
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _incident_sql(dialect):
    """All-numeric columns of the published incidents, so numpy converts them in C."""
    if dialect == "postgresql":
        days, table = "({0} - DATE '1970-01-01')", "incidents"
    else:
        # NOT INDEXED: one sequential scan beats the status index's random row
        # lookups and sort (34 s -> 13 s at 1,000,000 on a busy machine).
        days = "CAST(julianday({0}) - 2440587.5 AS INTEGER)"
        table = "incidents NOT INDEXED"
    precision = " ".join(f"WHEN '{p}' THEN {i}" for i, p in enumerate(GEO_PRECISIONS))
    statuses = ", ".join(f"'{s}'" for s in policy.PUBLIC_STATUSES)
    return (f"SELECT id, rep_x, rep_y, min_x, min_y, max_x, max_y, "
            f"{days.format('start_date')}, {days.format('end_date')}, "
            f"COALESCE(actor_id, -1), confidence, CASE geo_precision {precision} ELSE 0 END "
            f"FROM {table} WHERE status IN ({statuses}) ORDER BY id")


def _multi(incident_ids, codes, ids, labels):
    """A ``MultiColumn`` from parallel ``incident_ids``/``codes``, keeping indexed rows."""
    if not len(incident_ids) or not len(ids):
        return MultiColumn(np.zeros(0, np.int64), np.zeros(0, np.int32), tuple(labels))
    pos = np.minimum(np.searchsorted(ids, incident_ids), len(ids) - 1)
    keep = (ids[pos] == incident_ids) & (codes >= 0)
    return MultiColumn(pos[keep], codes[keep].astype(np.int32), tuple(labels))


def _column(sql, dtype):
    rows = _fetch(sql)
    return np.array(rows, dtype=dtype).reshape(len(rows))


def _vectors(ids):
    slugs = dict(_fetch("SELECT id, slug FROM vectors"))
    labels = sorted(slugs.values())
    lookup = np.full(max(slugs, default=0) + 1, -1, dtype=np.int32)
    for vid, slug in slugs.items():
        lookup[vid] = labels.index(slug)
    order = " ORDER BY incident_id, vector_id"
    incident_ids = _column("SELECT incident_id FROM incident_vectors" + order, np.int64)
    vector_ids = _column("SELECT vector_id FROM incident_vectors" + order, np.int64)
    return _multi(incident_ids, lookup[vector_ids], ids, labels)


def _countries(ids):
    isos = np.array(sorted(r[0] for r in _fetch("SELECT iso_a3 FROM countries")), dtype="U3")
    order = " ORDER BY incident_id, iso_a3"
    incident_ids = _column("SELECT incident_id FROM incident_countries" + order, np.int64)
    codes = _column("SELECT iso_a3 FROM incident_countries" + order, "U3")
    return _multi(incident_ids, np.searchsorted(isos, codes), ids, isos.tolist())


def build_index(generation):
    """Load the published incidents into a new ``MapIndex`` (seconds at 1,000,000)."""
    rows = _fetch(_incident_sql(db.engine.dialect.name))
    cols = np.array(rows, dtype=np.float64).reshape(len(rows), 12).T
    ids = cols[0].astype(np.int64)
    x, y = grid.lonlat_to_unit(cols[1], cols[2])
    return MapIndex(
        generation=generation, ids=ids, lon=cols[1].copy(), lat=cols[2].copy(), x=x, y=y,
        bounds=cols[3:7].copy(), start=cols[7].astype(np.int32),
        end=cols[8].astype(np.int32), actor=cols[9].astype(np.int64),
        confidence=cols[10].astype(np.int16), precision=cols[11].astype(np.int8),
        vectors=_vectors(ids), countries=_countries(ids))


class IndexHolder:
    """One process's index and its per-filter cache, rebuilt when the counter moves."""

    CACHE_SIZE = 32  # filter masks are 1 byte per incident: 32 MB at 1,000,000

    def __init__(self):
        self.lock = threading.Lock()
        self.index = None
        self.cache = OrderedDict()

    def current(self):
        """The index for the database's current generation (rebuilt if stale)."""
        generation = read_generation()
        index = self.index
        if index is not None and index.generation == generation:
            return index
        with self.lock:
            if self.index is None or self.index.generation != generation:
                self.cache.clear()
                self.index = build_index(generation)
            return self.index

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
    names = [a.lower() for a in actors if isinstance(a, str)]
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
    actor = np.isin(index.actor, _actor_ids(filters.actors)) if filters.actors else None
    vector = index.vectors.any_of(filters.vectors, n) if filters.vectors else None
    country = index.countries.any_of(filters.countries, n) if filters.countries else None
    return Masks(base, actor, vector, country)


def bbox_mask(index, bbox):
    """Rows whose bounding box meets ``bbox`` (W, S, E, N; W > E crosses 180°)."""
    out = np.zeros(len(index), dtype=bool)
    b = index.bounds
    for west, south, east, north in bbox_parts(bbox):
        out |= (b[2] >= west) & (b[0] <= east) & (b[3] >= south) & (b[1] <= north)
    return out


def facets(index, m):
    """Layer counts: each group counted under the *other* groups' filters.

    So an unticked actor still shows how many incidents ticking it would add.
    Every actor, vector and country with an incident under the base filters
    (period, confidence, text) is listed, with 0 when the other groups leave
    it nothing: a layer never vanishes from the control because another was
    switched off.
    """
    def with_zeros(listed, counts):
        return {key: counts.get(key, 0) for key in listed}

    actors = index.actor[m.base]
    listed = np.unique(actors[actors >= 0])
    counted = np.bincount(index.actor[m.all(without="actor") & (index.actor >= 0)],
                          minlength=int(listed.max()) + 1 if len(listed) else 0)
    return {
        "actors": {int(a): int(counted[a]) for a in listed},
        "vectors": with_zeros(index.vectors.counts(m.base),
                              index.vectors.counts(m.all(without="vector"))),
        "countries": with_zeros(index.countries.counts(m.base),
                                index.countries.counts(m.all(without="country"))),
    }


def without_view(filters):
    """``filters`` with no bbox: the cache key of what does not change when panning."""
    return replace(filters, bbox=None, statuses=())
