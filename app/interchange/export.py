"""Stream a filtered view of incidents out, in keyset batches (bounded memory).

``iter_incidents`` reads the incidents a viewer may see with plain Core
queries, ``BATCH`` at a time by id, and yields light ``IncidentRecord``
objects that ``app.incidents.serialize`` renders exactly like ORM incidents
(THE feature shape). Writers per format live in ``*_io.py``; ``FORMATS``
names them for the CLI and the download route.
"""
from collections import namedtuple

import numpy as np
import shapely
import sqlalchemy as sa

from app.extensions import db
from app.incidents import search
from app.incidents.models import (Actor, Incident, Source, Technique, Vector,
                                  incident_countries, incident_techniques,
                                  incident_vectors)

BATCH = 2000
EXPORT_STATUSES = ("published",)

ActorRef = namedtuple("ActorRef", "id name type aliases")
VectorRef = namedtuple("VectorRef", "slug")
CountryRef = namedtuple("CountryRef", "iso_a3")
TechniqueRef = namedtuple("TechniqueRef", "id name")
SourceRef = namedtuple("SourceRef", "url publisher published_on archived_url")

_FIELDS = ("id", "uuid", "title", "summary", "lang", "status", "version", "start_date",
           "end_date", "time_precision", "geometry", "geo_precision", "precision_m",
           "location_name", "attribution", "confidence", "published_at", "created_at",
           "updated_at", "actor_id")


class IncidentRecord:
    """A read-only incident with the attributes ``serialize`` reads (no ORM session)."""

    __slots__ = _FIELDS + ("actor", "vectors", "countries", "techniques", "sources")

    def __init__(self, row, actor):
        for name, value in zip(_FIELDS, row):
            setattr(self, name, value)
        self.actor = actor
        self.vectors, self.countries, self.techniques, self.sources = [], [], [], []


def _grouped(stmt, ids, make):
    """``{incident_id: [make(row)…]}`` for a two-or-more column ``stmt``."""
    out = {}
    for row in db.session.execute(stmt):
        out.setdefault(row[0], []).append(make(*row[1:]))
    return out


def _related(ids):
    """Vectors, countries, techniques and sources of the incidents ``ids``."""
    vectors = _grouped(sa.select(incident_vectors.c.incident_id, Vector.slug)
                       .join(Vector, Vector.id == incident_vectors.c.vector_id)
                       .where(incident_vectors.c.incident_id.in_(ids))
                       .order_by(incident_vectors.c.incident_id, Vector.slug), ids, VectorRef)
    countries = _grouped(sa.select(incident_countries.c.incident_id,
                                   incident_countries.c.iso_a3)
                         .where(incident_countries.c.incident_id.in_(ids))
                         .order_by(incident_countries.c.incident_id,
                                   incident_countries.c.iso_a3), ids, CountryRef)
    techniques = _grouped(sa.select(incident_techniques.c.incident_id, Technique.id,
                                    Technique.name)
                          .join(Technique, Technique.id == incident_techniques.c.technique_id)
                          .where(incident_techniques.c.incident_id.in_(ids))
                          .order_by(incident_techniques.c.incident_id, Technique.id),
                          ids, TechniqueRef)
    sources = _grouped(sa.select(Source.incident_id, Source.url, Source.publisher,
                                 Source.published_on, Source.archived_url)
                       .where(Source.incident_id.in_(ids))
                       .order_by(Source.incident_id, Source.id), ids, SourceRef)
    return vectors, countries, techniques, sources


def _actors():
    return {a.id: ActorRef(a.id, a.name, a.type, tuple(a.aliases or ()))
            for a in db.session.scalars(sa.select(Actor))}


def iter_incidents(filters, viewer, *, batch=BATCH):
    """Yield every incident matching ``filters`` that ``viewer`` may see, by id.

    Published incidents unless ``filters.statuses`` asks for others (still
    limited by the visibility policy). At most ``batch`` incidents are held
    at once, so exporting a million starts at once and stays small.
    """
    dialect = db.engine.dialect.name
    conditions = search.filter_conditions(filters, viewer, default_statuses=EXPORT_STATUSES)
    # Geometry comes raw (WKB, or hex EWKB on PostGIS) and is decoded per batch,
    # vectorised, instead of row by row by the column type.
    columns = [sa.type_coerce(Incident.geometry, sa.types.NullType()) if name == "geometry"
               else getattr(Incident, name) for name in _FIELDS]
    actors = _actors()
    cursor = 0
    while True:
        rows = db.session.execute(sa.select(*columns).where(*conditions, Incident.id > cursor)
                                  .order_by(Incident.id).limit(batch)).all()
        if not rows:
            return
        cursor = rows[-1][0]
        records = [IncidentRecord(row, actors.get(row[-1])) for row in rows]
        _decode_geometries(records)
        if filters.bbox:
            records = search.refine_to_bbox(records, filters.bbox, dialect)
        _attach(records)
        yield from records
        if len(rows) < batch:
            return


def _decode_geometries(records):
    raw = np.empty(len(records), dtype=object)
    raw[:] = [bytes(r.geometry) if isinstance(r.geometry, memoryview) else r.geometry
              for r in records]
    for record, geometry in zip(records, shapely.from_wkb(raw)):
        record.geometry = geometry


def _attach(records):
    ids = [r.id for r in records]
    if not ids:
        return
    vectors, countries, techniques, sources = _related(ids)
    for record in records:
        record.vectors = vectors.get(record.id, [])
        record.countries = countries.get(record.id, [])
        record.techniques = techniques.get(record.id, [])
        record.sources = sources.get(record.id, [])


# --- formats ---------------------------------------------------------------

EXPORT_FORMATS = ("geojson", "csv", "gpkg", "stix")
EXTENSIONS = {"geojson": "geojson", "csv": "csv", "gpkg": "gpkg", "stix": "stix.json"}


def _writer(fmt):
    from app.interchange import csv_io, geojson_io, stix_io
    return {"geojson": geojson_io, "csv": csv_io, "stix": stix_io}[fmt]


def bundle_key(filters):
    """A stable key of the filtered view, for the STIX bundle's id."""
    from urllib.parse import urlencode

    from app.incidents.filters import to_query
    return urlencode(to_query(filters)) or "all"


def media_type(fmt):
    """The Content-Type of an export in ``fmt``."""
    from app.interchange import gpkg_io
    return gpkg_io.MEDIA_TYPE if fmt == "gpkg" else _writer(fmt).MEDIA_TYPE


def stream_text(fmt, filters, viewer):
    """Yield the export of a text format (geojson, csv, stix) chunk by chunk."""
    return _text_chunks(fmt, iter_incidents(filters, viewer), filters)


def export_to_path(path, fmt, filters, viewer):
    """Write the export of ``filters`` as seen by ``viewer`` to ``path``; return the count."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    counted = _Counted(iter_incidents(filters, viewer))
    if fmt == "gpkg":
        from app.interchange import gpkg_io
        gpkg_io.write(counted, path)
        return counted.count
    with open(path, "w", encoding="utf-8", newline="") as out:
        for chunk in _text_chunks(fmt, counted, filters):
            out.write(chunk)
    return counted.count


def _text_chunks(fmt, records, filters):
    if fmt == "stix":
        return _writer(fmt).write(records, bundle_key=bundle_key(filters))
    return _writer(fmt).write(records)


class _Counted:
    """An iterator wrapper that counts what passed through."""

    def __init__(self, iterable):
        self.iterable, self.count = iterable, 0

    def __iter__(self):
        for item in self.iterable:
            self.count += 1
            yield item
