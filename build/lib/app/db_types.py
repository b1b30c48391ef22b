"""Column types that work on both SQLite and PostgreSQL+PostGIS.

Geometry is EPSG:4326 lon/lat. On PostgreSQL it is a PostGIS ``geometry``
column (GiST-indexed by the migration); on SQLite, which here cannot load
SpatiaLite, it is WKB in a BLOB and exact predicates run in shapely, with an
R*Tree virtual table over the bounding boxes doing the index's job.
"""
import json

import shapely
from sqlalchemy import LargeBinary, Text
from sqlalchemy.types import TypeDecorator, UserDefinedType

SRID = 4326


class PostGISGeometry(UserDefinedType):
    """The raw PostGIS type, ``geometry(Geometry,4326)``."""

    cache_ok = True

    def get_col_spec(self, **_kw):
        return f"geometry(Geometry,{SRID})"


class Geometry(TypeDecorator):
    """A shapely geometry in Python; PostGIS geometry or WKB blob in the database."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostGISGeometry())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, (bytes, str)):
            return value  # already encoded by ``encode_many`` (bulk inserts)
        if dialect.name == "postgresql":
            # Hex EWKB is accepted by PostGIS's geometry input function.
            return shapely.to_wkb(shapely.set_srid(value, SRID), hex=True,
                                  include_srid=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return shapely.from_wkb(value)
        return shapely.from_wkb(bytes(value))


def encode_many(geometries, dialect_name):
    """Encode many geometries at once for ``Geometry`` columns (vectorised shapely).

    WKB for SQLite, hex EWKB with SRID 4326 for PostGIS: what
    ``Geometry.process_bind_param`` would produce one by one.
    """
    if dialect_name == "postgresql":
        return shapely.to_wkb(shapely.set_srid(geometries, SRID), hex=True,
                              include_srid=True).tolist()
    return shapely.to_wkb(geometries).tolist()


class JSONList(TypeDecorator):
    """A JSON list stored as text (aliases, tactic ids): portable and small."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return json.dumps(list(value or []), ensure_ascii=False)

    def process_result_value(self, value, dialect):
        return json.loads(value) if value else []


class JSONDict(TypeDecorator):
    """A JSON object stored as text (revision snapshots and diffs)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, str):
            return value  # already JSON text (bulk inserts write snapshots as text)
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    def process_result_value(self, value, dialect):
        return json.loads(value) if value else None
