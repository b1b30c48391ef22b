"""GeoPackage: one ``incidents`` layer in EPSG:4326 with typed fields.

Written through pyogrio (GDAL) in Arrow batches, so memory stays bounded.
Read *without* GDAL: the file is opened with Python's ``sqlite3`` read-only,
``query_only``, ``trusted_schema=OFF`` and an authorizer that allows reads
only; a file with views, or with triggers other than those the GeoPackage
standard defines, is refused before any row is read.
"""
import json
import os
import re
import shutil
import sqlite3
import struct
import tempfile

import pyarrow as pa
import pyogrio
import shapely

from app.geo.geometry import for_output
from app.incidents.fields import FIELDS
from app.interchange.errors import FormatError
from app.messages import N_, Message

LAYER = "incidents"
SQLITE_MAGIC = b"SQLite format 3\x00"
_STANDARD_TRIGGER = re.compile(
    r"^(gpkg_tile_matrix_\w+|rtree_\w+_(insert|update\d?|delete)\d?|"
    r"trigger_(insert|delete)_feature_count_\w+|gpkg_metadata_\w+)$")
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
# The layer's columns: every field with a GeoPackage type, then the geometry.
_COLUMNS = [f for f in FIELDS if f.gpkg]
SCHEMA = pa.schema([(f.name, getattr(pa, f.gpkg)()) for f in _COLUMNS]
                   + [("geometry", pa.binary())])
# What the import page lists: the columns a person may set, then the geometry.
IMPORT_COLUMNS = tuple(f.name for f in _COLUMNS if f.label) + ("geometry",)
# Whole-number columns: a NULL one is left out of the properties read (the default).
_NUMBERS = tuple(f.name for f in _COLUMNS if f.kind == "int")


def _sources_json(record):
    return json.dumps([{"url": s.url, "publisher": s.publisher,
                        "date": s.published_on.isoformat() if s.published_on else None,
                        "archived_url": s.archived_url} for s in record.sources],
                      ensure_ascii=False)


def _column(f, records):
    """The values of field ``f`` for ``records``: lists ``;``-separated, sources as JSON."""
    if f.kind in ("actor", "campaign"):  # a record named by its name
        return [getattr(r, f.name).name if getattr(r, f.name) else None for r in records]
    if f.kind == "links":
        key = f.links.key
        return [";".join(getattr(o, key) for o in getattr(r, f.name)) for r in records]
    if f.kind == "sources":
        return [_sources_json(r) for r in records]
    return [getattr(r, f.name) for r in records]


def _table(records):
    columns = {f.name: _column(f, records) for f in _COLUMNS}
    columns["geometry"] = shapely.to_wkb(for_output([r.geometry for r in records])).tolist()
    return pa.table(columns, schema=SCHEMA)


def write(records, path, *, batch=5000):
    """Write ``records`` to a new GeoPackage at ``path``; return how many were written."""
    if os.path.exists(path):
        os.remove(path)
    written = 0
    for chunk in batches(records, batch):
        # GeoPackage 1.3, not GDAL 3.12's default 1.4: nothing here needs 1.4, and
        # GDAL 3.6 (Debian 12, QGIS 3.28 LTR builds) warns on every 1.4 file.
        pyogrio.write_arrow(_table(chunk), path, layer=LAYER, driver="GPKG",
                            geometry_name="geometry", geometry_type="Unknown",
                            crs="EPSG:4326", append=written > 0,
                            dataset_options=None if written else {"VERSION": "1.3"})
        written += len(chunk)
    return written


def batches(records, size):
    """``records`` in lists of at most ``size``: memory stays bounded whatever the count.

    No records give one empty list, so that an empty export is still a GeoPackage
    with its (empty) layer.
    """
    chunk, yielded = [], False
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk, yielded = [], True
    if chunk or not yielded:
        yield chunk


# --- reading ---------------------------------------------------------------

def _read_only_authorizer(action, *_args):
    allowed = (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_PRAGMA,
               sqlite3.SQLITE_FUNCTION)
    return sqlite3.SQLITE_OK if action in allowed else sqlite3.SQLITE_DENY


def open_defensively(path):
    """A read-only, defensive ``sqlite3`` connection to the file at ``path``."""
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise FormatError(N_("the file is not a GeoPackage (no SQLite header)"))
    uri = "file:" + os.path.abspath(path).replace("?", "%3f").replace("#", "%23") + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA trusted_schema=OFF")
        conn.execute("PRAGMA cell_size_check=ON")
        conn.set_authorizer(_read_only_authorizer)
        _refuse_active_schema(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise FormatError(N_("the file is not a readable GeoPackage: %(error)s"), error=exc) from None
    except FormatError:
        conn.close()
        raise
    return conn


def _refuse_active_schema(conn):
    rows = conn.execute("SELECT type, name FROM sqlite_master "
                        "WHERE type IN ('view', 'trigger')").fetchall()
    views = [name for kind, name in rows if kind == "view"]
    triggers = [name for kind, name in rows
                if kind == "trigger" and not _STANDARD_TRIGGER.match(name)]
    if views:
        raise FormatError(N_("the GeoPackage contains views (%(names)s); "
                             "refused: export plain feature tables only"),
                          names=", ".join(views[:5]))
    if triggers:
        raise FormatError(N_("the GeoPackage contains triggers (%(names)s); "
                             "refused: export plain feature tables only"),
                          names=", ".join(triggers[:5]))


def _feature_table(conn):
    try:
        layers = conn.execute(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
            "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
            "WHERE c.data_type = 'features' ORDER BY c.table_name = ? DESC, c.table_name",
            (LAYER,)).fetchall()
    except sqlite3.DatabaseError:
        raise FormatError(N_("the file is SQLite but not a GeoPackage (no gpkg_contents)")) from None
    if not layers:
        raise FormatError(N_("the GeoPackage has no feature layer"))
    table, column, srs = layers[0]
    kind = conn.execute("SELECT type, sql FROM sqlite_master WHERE name = ?",
                        (table,)).fetchone()
    # A virtual table (FTS5, R*Tree…) is "table" too, but runs a module's code.
    if not kind or kind[0] != "table" or (kind[1] or "").lstrip().upper().startswith(
            "CREATE VIRTUAL"):
        raise FormatError(N_("layer %(table)r is not a plain table"), table=table)
    if srs != 4326:
        raise FormatError(N_("layer %(table)r is in SRS %(srs)s; reproject it to EPSG:4326"),
                          table=table, srs=srs)
    return table, column


def gpkg_geometry(blob):
    """The WKB inside a GeoPackage geometry blob (``None`` for an empty geometry)."""
    if blob is None:
        return None
    blob = bytes(blob)
    if blob[:2] != b"GP" or len(blob) < 8:
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    if flags & 0b100000:
        raise ValueError("extended GeoPackage geometry types are not supported")
    envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError("bad envelope code in the geometry header")
    if flags & 0b10000:
        return None
    return blob[8 + envelope:]


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def _materialise(stream):
    """A filesystem path for ``stream`` (uploads are copied to a temporary file)."""
    name = getattr(stream, "name", None)
    if isinstance(name, str) and os.path.isfile(name):
        return name, None
    tmp = tempfile.NamedTemporaryFile(suffix=".gpkg", delete=False)
    with tmp:
        shutil.copyfileobj(stream, tmp)
    return tmp.name, tmp.name


def read_rows(stream, *, batch=5000):
    """Yield ``(feature_number, properties)`` from a GeoPackage's feature layer."""
    path, cleanup = _materialise(stream)
    try:
        conn = open_defensively(path)
        try:
            yield from _rows(conn, batch)
        finally:
            conn.close()
    finally:
        if cleanup:
            os.remove(cleanup)


def _rows(conn, batch):
    table, geom_col = _feature_table(conn)
    try:
        names = [r[1] for r in conn.execute(f"PRAGMA table_info({_quote(table)})")]
        cursor = conn.execute(f"SELECT {', '.join(map(_quote, names))} FROM {_quote(table)}")
    except sqlite3.DatabaseError as exc:
        raise FormatError(N_("the GeoPackage is damaged: %(error)s"), error=exc) from None
    number = 0
    while True:
        try:
            rows = cursor.fetchmany(batch)
        except sqlite3.DatabaseError as exc:
            raise FormatError(N_("the GeoPackage is damaged: %(error)s"), error=exc) from None
        if not rows:
            return
        for row in rows:
            number += 1
            yield number, _properties(dict(zip(names, row)), geom_col)


def _properties(row, geom_col):
    try:
        wkb = gpkg_geometry(row.pop(geom_col))
        row["geometry"] = shapely.from_wkb(wkb) if wkb else None
    except (ValueError, shapely.errors.GEOSException) as exc:
        return {"__error__": ("geometry", str(exc))}
    if isinstance(row.get("sources"), str) and row["sources"]:
        try:
            row["sources"] = json.loads(row["sources"])
        except ValueError:
            return {"__error__": ("sources", Message(N_("is not a JSON list of sources")))}
    elif "sources" in row:
        row.pop("sources")
    for name in _NUMBERS:
        if row.get(name) is None:
            row.pop(name, None)
    return row
