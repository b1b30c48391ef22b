"""Stream a filtered view of incidents out, in keyset batches (bounded memory).

``iter_incidents`` reads the incidents a viewer may see with plain Core
queries, ``BATCH`` at a time by id, and yields light ``IncidentRecord``
objects that ``app.incidents.serialize`` renders exactly like ORM incidents
(THE feature shape). Writers per format live in ``*_io.py``, named by the
format registry (``formats.FORMATS``) for the CLI and the download route.
Big GeoJSON exports from a SQLite file share their id ranges with a forked
worker process (``_geojson_with_worker``, ``ATLAS_EXPORT_WORKER_ROWS``).
"""
import gc
import multiprocessing
from collections import namedtuple
from contextlib import contextmanager
from datetime import date, datetime

import numpy as np
import shapely
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.incidents import search, serialize
from app.incidents.fields import LINK_FIELDS
from app.incidents.models import Actor, Incident, Source
from app.interchange.formats import FORMATS
from app.interchange.forked import fork_available, from_worker
from app.ops import wal

BATCH = 2000
EXPORT_STATUSES = ("published",)

ActorRef = namedtuple("ActorRef", "id name type aliases")
# A reference of each links field (``vectors``: a vector) by the attributes
# writers read: its key, and for techniques the name STIX names them by.
REFS = {f.name: namedtuple(f"{f.links.model.__name__}Ref",
                           (f.links.key, "name") if f.name == "techniques" else (f.links.key,))
        for f in LINK_FIELDS}
SourceRef = namedtuple("SourceRef", "url publisher published_on archived_url")

_FIELDS = ("id", "uuid", "title", "summary", "lang", "status", "version", "start_date",
           "end_date", "time_precision", "geometry", "geo_precision", "precision_m",
           "location_name", "attribution", "confidence", "published_at", "created_at",
           "updated_at", "actor_id")


class IncidentRecord:
    """A read-only incident with the attributes ``serialize`` reads (no ORM session)."""

    __slots__ = _FIELDS + ("actor", *(f.name for f in LINK_FIELDS), "sources")

    def __init__(self, row, actor):
        (self.id, self.uuid, self.title, self.summary, self.lang, self.status, self.version,
         self.start_date, self.end_date, self.time_precision, self.geometry,
         self.geo_precision, self.precision_m, self.location_name, self.attribution,
         self.confidence, self.published_at, self.created_at, self.updated_at,
         self.actor_id) = row
        self.actor = actor
        for f in LINK_FIELDS:
            setattr(self, f.name, [])
        self.sources = []


class _Related:
    """The links fields (vectors, countries…) and sources of a batch of incidents.

    Read in one query per field per batch over the batch's id range (or its
    ids when the filters leave it sparse), straight from the DB-API rows; the
    shared references (a vector, a country…) are one object each.
    """

    def __init__(self):
        self.refs = {f.name: {} for f in LINK_FIELDS}

    def attach(self, records):
        if not records:
            return
        where = _in_batch(records)
        by_id = {r.id: r for r in records}
        for f in LINK_FIELDS:
            links, make = f.links, REFS[f.name]
            link = links.table.c
            if make._fields == (links.target.name,):  # the link column is the key
                attributes, joined = [link[links.column]], links.table
            else:
                attributes = [getattr(links.model, name) for name in make._fields]
                joined = links.table.join(links.model, links.target == link[links.column])
            self._fill(by_id, f.name, self.refs[f.name], make,
                       _plain(link.incident_id, *attributes).select_from(joined)
                       .where(where(link.incident_id))
                       .order_by(link.incident_id, attributes[0]))
        rows = _raw(_plain(Source.incident_id, Source.url, Source.publisher,
                           Source.published_on, Source.archived_url)
                    .where(where(Source.incident_id)).order_by(Source.incident_id, Source.id))
        for incident_id, url, publisher, published_on, archived_url in rows:
            record = by_id.get(incident_id)
            if record is not None:
                record.sources.append(SourceRef(url, publisher, _date(published_on),
                                                archived_url))

    @staticmethod
    def _fill(by_id, name, cache, make, stmt):
        for incident_id, *key in _raw(stmt):
            record = by_id.get(incident_id)
            if record is not None:
                key = tuple(key)
                ref = cache.get(key)
                if ref is None:
                    ref = cache[key] = make(*key)
                getattr(record, name).append(ref)


def _in_batch(records):
    """``where(column)``: ``column`` is one of the ids of ``records`` (sorted by id).

    A range when the ids are dense (a range scan of the primary key), the id
    list when filters leave them sparse; rows outside the batch are skipped.
    """
    first, last = records[0].id, records[-1].id
    if last - first < 2 * len(records):
        return lambda column: column.between(first, last)
    ids = [r.id for r in records]
    return lambda column: column.in_(ids)


def _raw(stmt):
    """The rows of ``stmt`` (Core: no ORM result processing) in the session's transaction."""
    return db.session.connection().execute(stmt).all()


def _plain(*columns):
    """``sa.select`` of ``columns`` without per-value type processing (raw driver values)."""
    return sa.select(*[sa.type_coerce(c, sa.types.NullType()) for c in columns])


def _date(value):
    """A ``date`` from the driver's value (SQLite gives SQLAlchemy's ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _datetime(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _actors():
    return {a.id: ActorRef(a.id, a.name, a.type, tuple(a.aliases or ()))
            for a in db.session.scalars(sa.select(Actor))}


_DATE_FIELDS = [_FIELDS.index(name) for name in ("start_date", "end_date")]
_DATETIME_FIELDS = [_FIELDS.index(name) for name in ("published_at", "created_at",
                                                     "updated_at")]


def iter_incidents(filters, viewer, *, batch=BATCH):
    """Yield every incident matching ``filters`` that ``viewer`` may see, by id.

    Published incidents unless ``filters.statuses`` asks for others (still
    limited by the visibility policy). At most ``batch`` incidents are held
    at once, so exporting a million starts at once and stays small.
    """
    dialect = db.engine.dialect.name
    conditions = search.filter_conditions(filters, viewer, default_statuses=EXPORT_STATUSES)
    if dialect == "sqlite":
        # Without statistics SQLite reads the status index and sorts every
        # matching row for each batch (quadratic on a million). Filters folded
        # into one expression it cannot index make it walk the primary key
        # from the cursor instead, as a keyset scan should.
        conditions = [sa.func.coalesce(sa.and_(*conditions), sa.false())]
    # Every column comes raw from the driver and is converted per batch: the
    # geometry (WKB, or hex EWKB on PostGIS) decoded vectorised, SQLite's date
    # texts parsed by ``date.fromisoformat``, instead of value by value by the
    # column types.
    stmt = _plain(*[getattr(Incident, name) for name in _FIELDS])
    actors = _actors()
    related = _Related()
    cursor = 0
    while True:
        rows = _raw(stmt.where(*conditions, Incident.id > cursor)
                    .order_by(Incident.id).limit(batch))
        if not rows:
            return
        cursor = rows[-1][0]
        records = [IncidentRecord(_converted(row), actors.get(row[-1])) for row in rows]
        _decode_geometries(records)
        if filters.bbox:
            records = search.refine_to_bbox(records, filters.bbox, dialect)
        related.attach(records)
        yield from records
        if len(rows) < batch:
            return


class FeatureRecord:
    """An incident as the GeoJSON export needs it: id, geometry, properties as JSON text."""

    __slots__ = ("id", "geometry", "properties_json")

    def __init__(self, row):
        self.id, self.geometry, self.properties_json = row


def iter_features(filters, viewer, *, batch=BATCH):
    """``iter_incidents`` for the GeoJSON export: on SQLite, records whose properties
    SQLite renders (``serialize.SQLITE_PROPERTIES_JSON``, the same bytes); elsewhere
    ``iter_incidents`` itself."""
    dialect = db.engine.dialect.name
    if dialect != "sqlite":
        yield from iter_incidents(filters, viewer, batch=batch)
        return
    stmt, condition = _feature_query(filters, viewer)
    for records in _feature_batches(_raw, stmt, condition, filters.bbox, batch=batch):
        yield from records


def _feature_query(filters, viewer):
    """The SQLite ``(select, condition)`` of ``iter_features``: id, geometry, properties."""
    conditions = search.filter_conditions(filters, viewer, default_statuses=EXPORT_STATUSES)
    # Folded as in ``iter_incidents``: a keyset walk of the primary key.
    condition = sa.func.coalesce(sa.and_(*conditions), sa.false())
    actor = Actor.__table__.alias("export_actor")
    stmt = (_plain(Incident.id, Incident.geometry)
            .add_columns(sa.literal_column(serialize.SQLITE_PROPERTIES_JSON))
            .select_from(Incident.__table__.outerjoin(actor, actor.c.id == Incident.actor_id)))
    return stmt, condition


def _feature_batches(fetch, stmt, condition, bbox, *, after=0, upto=None, batch=BATCH):
    """Lists of ``FeatureRecord`` with ids in ``(after, upto]`` (``upto`` None: no end),
    by id, at most ``batch`` at a time; ``fetch(select)`` runs a query."""
    cursor = after
    while True:
        where = [condition, Incident.id > cursor]
        if upto is not None:
            where.append(Incident.id <= upto)
        rows = fetch(stmt.where(*where).order_by(Incident.id).limit(batch))
        if not rows:
            return
        cursor = rows[-1][0]
        records = [FeatureRecord(row) for row in rows]
        _decode_geometries(records)
        if bbox:
            records = search.refine_to_bbox(records, bbox, "sqlite")
        yield records
        if len(rows) < batch or upto is not None and cursor >= upto:
            return


def _converted(row):
    row = list(row)
    for i in _DATE_FIELDS:
        row[i] = _date(row[i])
    for i in _DATETIME_FIELDS:
        row[i] = _datetime(row[i])
    return row


def _decode_geometries(records):
    raw = np.empty(len(records), dtype=object)
    raw[:] = [bytes(r.geometry) if isinstance(r.geometry, memoryview) else r.geometry
              for r in records]
    for record, geometry in zip(records, shapely.from_wkb(raw)):
        record.geometry = geometry


@contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector for a bulk import or export.

    Both allocate millions of small containers that stay alive for a batch:
    the collector would rescan them (and the whole app) again and again,
    about a third of the time, to find nothing. Reference counting still
    frees every batch; the collector resumes when the block ends.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


# --- formats ---------------------------------------------------------------

def bundle_key(filters):
    """A stable key of the filtered view, for the STIX bundle's id."""
    from urllib.parse import urlencode

    from app.incidents.filters import to_query
    return urlencode(to_query(filters)) or "all"


def stream_text(fmt, filters, viewer):
    """Yield the export of a text format (geojson, csv, stix) chunk by chunk."""
    with paused_gc():
        yield from _text(fmt, filters, viewer, _Counted(()))


def export_to_path(path, fmt, filters, viewer):
    """Write the export of ``filters`` as seen by ``viewer`` to ``path``; return the count."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    with paused_gc():
        if FORMATS[fmt].to_path:
            counted = _Counted(_records(fmt, filters, viewer))
            FORMATS[fmt].writer(counted, path)
            return counted.count
        counted = _Counted(())
        with open(path, "w", encoding="utf-8", newline="") as out:
            for chunk in _text(fmt, filters, viewer, counted):
                out.write(chunk)
    return counted.count


def _text(fmt, filters, viewer, counted):
    """The text chunks of an export; ``counted.count`` ends as the number of records."""
    if fmt == "geojson":
        blocks = _worker_blocks()
        if blocks:
            yield from _geojson_with_worker(filters, viewer, blocks, counted)
            return
    counted.iterable = _records(fmt, filters, viewer)
    yield from _text_chunks(fmt, counted, filters)


def _records(fmt, filters, viewer):
    return (iter_features if fmt == "geojson" else iter_incidents)(filters, viewer)


def _text_chunks(fmt, records, filters):
    if fmt == "stix":
        return FORMATS[fmt].writer(records, bundle_key=bundle_key(filters))
    return FORMATS[fmt].writer(records)


class _Counted:
    """An iterator wrapper that counts what passed through."""

    def __init__(self, iterable):
        self.iterable, self.count = iterable, 0

    def __iter__(self):
        for item in self.iterable:
            self.count += 1
            yield item


# --- the GeoJSON export on two cores -----------------------------------------

def _worker_blocks():
    """Id ranges ``(after, upto]`` to share with a worker process, or None (no worker).

    Only for SQLite file databases holding at least ``ATLAS_EXPORT_WORKER_ROWS``
    incidents (0: never), where ``fork`` exists. Each range spans the ids of
    about ``BATCH`` incidents; the last one has no end (``upto`` None), so that
    the export ends where a single process would. Three cheap queries: the
    primary key's ends and the table's row count.
    """
    threshold = current_app.config.get("ATLAS_EXPORT_WORKER_ROWS", 0)
    if not threshold or wal.sqlite_file(db.engine) is None or not fork_available():
        return None
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Incident.__table__))
    if rows < threshold:
        return None
    first = db.session.scalar(sa.select(sa.func.min(Incident.id)))
    last = db.session.scalar(sa.select(sa.func.max(Incident.id)))
    span = max(1, (last - first + 1) * BATCH // rows)
    blocks = [(after, after + span) for after in range(first - 1, last, span)]
    blocks[-1] = (blocks[-1][0], None)
    return blocks


AHEAD = 8  # messages (a batch's text, a range's end) the worker may send before asked
RANGE = "range"  # ``(RANGE, number)``: the worker's mark after the range ``number``
HELD = 4  # ranges this process may render ahead of writing them (``_in_order``)


class _Claims:
    """Which process renders which id range: each takes the next range nobody has.

    Counters shared with the forked worker (created before the fork). Neither
    process is given a fixed half: this one also writes every range (and either
    may get less of the machine), so the faster one simply takes more ranges.
    ``sent`` is the last range the worker has sent, so that this process knows
    whether waiting for the worker's next range would be waiting for its rendering.
    """

    def __init__(self):
        context = multiprocessing.get_context("fork")
        self._next = context.Value("q", 0)
        self._sent = context.RawValue("q", -1)  # one writer: the worker

    def next(self):
        """The number of the first range nobody has taken, now the caller's.

        The lock is held for an instant; if the other process died holding
        it (killed right then), waiting longer would hang the export.
        """
        lock = self._next.get_lock()
        if not lock.acquire(timeout=10):
            raise RuntimeError("the export's range counter stayed locked (a process died?)")
        try:
            number = self._next.value
            self._next.value = number + 1
        finally:
            lock.release()
        return number

    def sent(self):
        return self._sent.value

    def mark_sent(self, number):
        self._sent.value = number


def _geojson_with_worker(filters, viewer, blocks, counted):
    """The GeoJSON export's chunks, the id ranges shared with a forked worker.

    About three quarters of the export's CPU time is SQLite reading rows and
    rendering their properties: the worker (``forked.from_worker``) renders
    the ranges it claims (``_Claims``) on its own SQLite connection, this
    process the others, and writes every range in order (``_in_order``), so
    the bytes are those of ``geojson_io.write``. A thread receives the
    worker's text while this process renders (up to ``AHEAD`` messages), so
    the worker need not wait for it.
    """
    from app.interchange import geojson_io
    stmt, condition = _feature_query(filters, viewer)
    claims = _Claims()
    received = from_worker(_worker_ranges(db.engine.url, stmt, condition, filters.bbox,
                                          blocks, claims), "export", ahead=AHEAD)

    def own(number):
        return _range_texts(_raw, stmt, condition, filters.bbox, blocks[number])
    lead = ""
    try:
        yield geojson_io.HEAD
        for text, count in _in_order(len(blocks), claims, own, received):
            counted.count += count
            yield lead + text
            lead = ","
        if next(received, None) is not None:
            raise RuntimeError("the export worker sent more ranges than asked")
    finally:
        received.close()
    yield geojson_io.TAIL


def _in_order(count, claims, own, received):
    """The ``(text, count)`` pieces of ranges ``0 .. count - 1`` in order: those this
    process claims rendered by ``own(number)``, the others ``received`` from the worker.

    Rather than wait for a range the worker is still rendering, this process
    claims the next free one and renders it ahead, holding up to ``HELD``
    rendered ranges; it waits only with none free or that many held. The
    worker's ranges below the last one claimed here are the ranges not held.
    """
    written, held, claimed = 0, {}, -1
    while written < count:
        if written in held:
            yield from held.pop(written)
            written += 1
        elif claimed >= count or written < claimed and (claims.sent() >= written
                                                        or len(held) >= HELD):
            yield from _one_range(received, written)
            written += 1
        else:
            claimed = min(claims.next(), count)
            if claimed < count:
                held[claimed] = list(own(claimed))


def _one_range(received, number):
    """``(text, count)`` pieces of the worker's range ``number``, until its end mark."""
    for message in received:
        if message[0] == RANGE:
            if message[1] != number:
                raise RuntimeError(f"the export worker sent range {message[1]}, "
                                   f"not {number}")
            return
        yield message
    raise RuntimeError("the export worker ended mid-range")


def _range_texts(fetch, stmt, condition, bbox, block):
    """``(text, count)`` per non-empty batch of the id range ``block`` ``(after, upto]``."""
    from app.interchange import geojson_io
    after, upto = block
    for records in _feature_batches(fetch, stmt, condition, bbox, after=after, upto=upto):
        if records:
            yield geojson_io.features_text(records), len(records)


def _worker_ranges(url, stmt, condition, bbox, blocks, claims):
    """The worker's side: for each range it claims, its ``_range_texts``, then
    ``(RANGE, number)``.

    It opens its own SQLite connection, in one read transaction, and never
    touches the connections it inherited (SQLite's rule for ``fork``).
    """
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout=10000")
            connection.exec_driver_sql("BEGIN")

            def fetch(select):
                return connection.execute(select).all()
            while (number := claims.next()) < len(blocks):
                yield from _range_texts(fetch, stmt, condition, bbox, blocks[number])
                yield RANGE, number
                claims.mark_sent(number)  # resumed: the mark is in the pipe
    finally:
        engine.dispose()
