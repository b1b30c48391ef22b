"""Stream a filtered view of incidents out, in keyset batches (bounded memory).

``iter_incidents`` reads the incidents a viewer may see with plain Core
queries, ``BATCH`` at a time by id, and yields light ``IncidentRecord``
objects that ``app.incidents.serialize`` renders exactly like ORM incidents
(THE feature shape). Writers per format live in ``*_io.py``, named by the
format registry (``formats.FORMATS``) for the CLI and the download route. An
export is one point in time: every batch is read in one transaction on one
snapshot (``one_snapshot``), in this process.
"""
import gc
from collections import namedtuple
from contextlib import contextmanager
from datetime import date, datetime

import numpy as np
import shapely
import sqlalchemy as sa

from app.extensions import db
from app.incidents import search, serialize
from app.incidents.fields import LINK_FIELDS
from app.incidents.models import Actor, Campaign, Incident, Source
from app.interchange.formats import FORMATS
from app.ops import metrics

BATCH = 2000
EXPORT_STATUSES = ("published",)

ActorRef = namedtuple("ActorRef", "id name type aliases")
# A reference of each links field (``vectors``: a vector) by the attributes
# writers read: its key, and for techniques the name STIX names them by.
REFS = {f.name: namedtuple(f"{f.links.model.__name__}Ref",
                           (f.links.key, "name") if f.name == "techniques" else (f.links.key,))
        for f in LINK_FIELDS}
SourceRef = namedtuple("SourceRef", "url publisher published_on archived_url")
CampaignRef = namedtuple("CampaignRef", "name")

_FIELDS = ("id", "uuid", "title", "summary", "lang", "status", "version", "start_date",
           "end_date", "time_precision", "geometry", "geo_precision", "precision_m",
           "location_name", "attribution", "confidence", "published_at", "created_at",
           "updated_at", "campaign_id", "actor_id")


class IncidentRecord:
    """A read-only incident with the attributes ``serialize`` reads (no ORM session)."""

    __slots__ = _FIELDS + ("actor", "campaign", *(f.name for f in LINK_FIELDS), "sources")

    def __init__(self, row, actor):
        (self.id, self.uuid, self.title, self.summary, self.lang, self.status, self.version,
         self.start_date, self.end_date, self.time_precision, self.geometry,
         self.geo_precision, self.precision_m, self.location_name, self.attribution,
         self.confidence, self.published_at, self.created_at, self.updated_at,
         self.campaign_id, self.actor_id) = row
        self.actor, self.campaign = actor, None
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
        campaigns = {r.campaign_id for r in records} - {None}
        if campaigns:
            names = dict(_raw(_plain(Campaign.id, Campaign.name)
                              .where(Campaign.id.in_(campaigns))))
            for record in records:
                if record.campaign_id in names:
                    record.campaign = CampaignRef(names[record.campaign_id])
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
    """Every actor, read on the export's connection (``_raw``: its snapshot)."""
    rows = db.session.connection().execute(
        sa.select(Actor.id, Actor.name, Actor.type, Actor.aliases))
    return {id_: ActorRef(id_, name, kind, tuple(aliases or ()))
            for id_, name, kind, aliases in rows}


_DATE_FIELDS = [_FIELDS.index(name) for name in ("start_date", "end_date")]
_DATETIME_FIELDS = [_FIELDS.index(name) for name in ("published_at", "created_at",
                                                     "updated_at")]


def iter_incidents(filters, viewer, *, batch=None):
    """Yield every incident matching ``filters`` that ``viewer`` may see, by id.

    Published incidents unless ``filters.statuses`` asks for others (still
    limited by the visibility policy). At most ``batch`` (``BATCH``) incidents
    are held at once, so exporting a million starts at once and stays small.
    """
    batch = batch or BATCH
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


def iter_features(filters, viewer, *, batch=None):
    """``iter_incidents`` for the GeoJSON export: on SQLite, records whose properties
    SQLite renders (``serialize.SQLITE_PROPERTIES_JSON``, the same bytes); elsewhere
    ``iter_incidents`` itself."""
    dialect = db.engine.dialect.name
    if dialect != "sqlite":
        yield from iter_incidents(filters, viewer, batch=batch)
        return
    stmt, condition = _feature_query(filters, viewer)
    for records in _feature_batches(stmt, condition, filters.bbox, batch=batch):
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


def _feature_batches(stmt, condition, bbox, *, batch=None):
    """Lists of ``FeatureRecord`` by id, at most ``batch`` (``BATCH``) at a time."""
    batch = batch or BATCH
    cursor = 0
    while True:
        rows = _raw(stmt.where(condition, Incident.id > cursor)
                    .order_by(Incident.id).limit(batch))
        if not rows:
            return
        cursor = rows[-1][0]
        records = [FeatureRecord(row) for row in rows]
        _decode_geometries(records)
        if bbox:
            records = search.refine_to_bbox(records, bbox, "sqlite")
        yield records
        if len(rows) < batch:
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
def one_snapshot():
    """Inside the block the session reads the database as of one moment, so that
    an export is one point in time however long it streams.

    Ends the session's transaction first (an export writes nothing) and begins
    one that reads a single snapshot: PostgreSQL in REPEATABLE READ (its
    default, READ COMMITTED, takes a new snapshot per statement); SQLite in a
    deferred read transaction (``atlas_read_only``: no write lock, even from
    the CLI), which sees the database as of its first read until it ends.
    Both take their snapshot at the first read: one here, so that the export
    is the database as it was when the export began. Every query of the
    export goes through this connection (``_raw``). The transaction ends with
    the block.
    """
    db.session.rollback()
    options = {"atlas_read_only": True}
    if db.engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    db.session.connection(execution_options=options).execute(
        sa.select(Incident.id).limit(1)).all()
    try:
        yield
    finally:
        db.session.rollback()


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
    metrics.export_started(fmt)
    with paused_gc(), one_snapshot():
        yield from _text(fmt, filters, viewer, _Counted(()))


def export_to_path(path, fmt, filters, viewer):
    """Write the export of ``filters`` as seen by ``viewer`` to ``path``; return the count."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    metrics.export_started(fmt)
    with paused_gc(), one_snapshot():
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
