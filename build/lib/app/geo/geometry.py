"""Parse and validate incident geometries (pure: no Flask, no database).

Every geometry is EPSG:4326 with x = longitude and y = latitude, in degrees.
Input may be WKT, a GeoJSON geometry (text or mapping), or a latitude and
longitude pair. Errors are ``GeometryError`` with a message a person can act on.
"""
import json
import math
import re

import numpy as np
import shapely
import shapely.affinity
from shapely import validation
from shapely.geometry import shape

from app.messages import N_, Message, MessageError

ALLOWED_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                 "MultiPolygon")
MAX_VERTICES = 10_000
MAX_TEXT = 1_000_000  # characters of WKT/GeoJSON accepted before parsing
MAX_JSON_DEPTH = 8
MAX_DOCUMENT_DEPTH = 16  # nesting of a whole JSON document (a Feature with properties)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_LAT_LON = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d+(?:\.\d+)?)\s*$")
_TOO_MANY = N_("geometry has more than %(n)s vertices")
_UNSUPPORTED = N_("geometry type %(type)s is not supported; use one of %(types)s")


class GeometryError(MessageError):
    """A geometry that cannot be stored, with the reason in plain words.

    ``str()`` is English (API, CLI); ``reason()`` is a ``Message`` pages translate.
    """


def parse_geometry(value):
    """Return a valid shapely geometry from WKT, GeoJSON text or mapping, or shapely.

    Raises ``GeometryError`` for anything malformed, out of range, invalid or
    over the vertex cap. The caps are checked before the expensive parse.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise GeometryError(N_("geometry is missing"))
    if isinstance(value, shapely.Geometry):  # read from a binary format (GeoPackage)
        return validate_geometry(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TEXT:
            raise GeometryError(N_("geometry text is over %(n)s characters"), n=MAX_TEXT)
        pair = _LAT_LON.match(text)
        if pair:
            return point_from_lat_lon(pair[1], pair[2])
        if text.startswith("{"):
            check_json_text(text, max_depth=MAX_DOCUMENT_DEPTH)
            try:
                value = json.loads(text)
            except (ValueError, RecursionError) as exc:
                raise GeometryError(N_("GeoJSON is not valid JSON: %(detail)s"), detail=exc) from None
        else:
            return validate_geometry(_parse_wkt(text))
    if not isinstance(value, dict):
        raise GeometryError(N_("geometry must be WKT text or a GeoJSON geometry object"))
    return validate_geometry(_parse_geojson(value))


def json_depth(text):
    """Deepest nesting of ``[``/``{`` in JSON ``text``, strings ignored (no parse)."""
    depth = deepest = 0
    for char in _STRINGS.sub('""', text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def check_json_text(text, *, max_depth=MAX_DOCUMENT_DEPTH, max_chars=MAX_TEXT):
    """Refuse JSON ``text`` that is oversized or nested too deeply, before parsing it.

    A parser would recurse once per level; a few kilobytes of ``[[[[…`` are
    enough to exhaust the stack, so the depth is measured by a plain scan.
    """
    if len(text) > max_chars:
        raise GeometryError(N_("JSON is over %(n)s characters"), n=max_chars)
    if json_depth(text) > max_depth:
        raise GeometryError(N_("JSON is nested more than %(n)s levels deep"), n=max_depth)


def point_from_lat_lon(lat, lon):
    """Return a validated Point from latitude and longitude (degrees, any numeric text)."""
    try:
        y, x = float(lat), float(lon)
    except (TypeError, ValueError):
        raise GeometryError(N_("lat and lon must be numbers")) from None
    return validate_geometry(shapely.Point(x, y))


def _parse_wkt(text):
    # Count coordinate pairs cheaply: each vertex has at least one separator.
    if text.count(",") + 1 > MAX_VERTICES:
        raise GeometryError(_TOO_MANY, n=MAX_VERTICES)
    try:
        return shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        if "closed linestring" in str(exc):
            raise GeometryError(N_("a polygon ring is not closed: its last point must "
                                   "repeat its first")) from None
        if "0 or >1 elements" in str(exc):
            raise GeometryError(N_("a line needs at least 2 points")) from None
        raise GeometryError(N_("WKT is not valid: %(detail)s"), detail=exc) from None


def _parse_geojson(obj):
    if obj.get("type") == "Feature":
        obj = obj.get("geometry") or {}
    gtype = obj.get("type")
    if gtype not in ALLOWED_TYPES:
        raise GeometryError(_UNSUPPORTED, type=repr(gtype), types=", ".join(ALLOWED_TYPES))
    coords = obj.get("coordinates")
    count = _count_positions(coords, depth=0)
    if count > MAX_VERTICES:
        raise GeometryError(_TOO_MANY, n=MAX_VERTICES)
    _check_geojson_parts(gtype, coords)
    try:
        return shape(obj)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError,
            shapely.errors.ShapelyError) as exc:  # e.g. EmptyPartError: a [] part
        raise GeometryError(N_("GeoJSON %(type)s coordinates are malformed: %(detail)s"),
                            type=gtype, detail=exc) from None


def _count_positions(coords, depth):
    """Count positions in nested coordinate arrays, refusing silly depth."""
    if depth > MAX_JSON_DEPTH:
        raise GeometryError(N_("GeoJSON coordinates are nested too deeply"))
    if not isinstance(coords, list):
        raise GeometryError(N_("GeoJSON coordinates must be arrays of numbers"))
    if coords and not isinstance(coords[0], list):
        if len(coords) < 2 or not all(_is_number(v) for v in coords):
            raise GeometryError(N_("a GeoJSON position is an array of numbers [lon, lat]"))
        return 1
    return sum(_count_positions(c, depth + 1) for c in coords)


def _check_geojson_parts(gtype, coords):
    """Lines need 2 positions; rings 4, closed (RFC 7946 3.1.4 and 3.1.6)."""
    if gtype in ("LineString", "MultiLineString"):
        lines = [coords] if gtype == "LineString" else coords
        for i, line in enumerate(_arrays(lines, Message(N_("lines"))), 1):
            line = _arrays(line, Message(N_("line %(i)s"), i=i))
            if len(line) < 2:
                raise GeometryError(N_("line %(i)s has %(n)s position(s); a line needs "
                                       "at least 2"), i=i, n=len(line))
    if gtype in ("Polygon", "MultiPolygon"):
        polygons = [coords] if gtype == "Polygon" else coords
        for p, rings in enumerate(_arrays(polygons, Message(N_("polygons"))), 1):
            for r, ring in enumerate(_arrays(rings, Message(N_("polygon %(p)s"), p=p)), 1):
                where = _ring(r, p, gtype == "MultiPolygon")
                ring = _arrays(ring, where)
                if len(ring) < 4:
                    raise GeometryError(
                        N_("%(where)s has %(n)s positions; a ring needs at least 4 "
                           "(3 corners and the first repeated to close it)"),
                        where=where, n=len(ring))
                if ring[0] != ring[-1]:
                    raise GeometryError(N_("%(where)s is not closed: its last position must "
                                           "repeat its first"), where=where)


def _ring(r, p, numbered):
    """"ring 2", or "ring 2 of polygon 3" when the polygons are numbered."""
    if numbered:
        return Message(N_("ring %(r)s of polygon %(p)s"), r=r, p=p)
    return Message(N_("ring %(r)s"), r=r)


def _arrays(value, what):
    """``value`` when it is an array (of arrays), else a ``GeometryError`` naming ``what``."""
    if not isinstance(value, list) or any(not isinstance(v, list) for v in value):
        raise GeometryError(N_("GeoJSON %(what)s: expected an array of arrays"), what=what)
    return value


def _check_ring_corners(geom):
    """Each ring needs 3 distinct corners, whatever the input format."""
    polygons = getattr(geom, "geoms", [geom])
    for p, poly in enumerate(polygons, 1):
        for r, ring in enumerate([poly.exterior, *poly.interiors], 1):
            corners = {tuple(c) for c in shapely.get_coordinates(ring)}
            if len(corners) < 3:
                raise GeometryError(N_("%(where)s has %(n)s distinct corner(s); a ring "
                                       "needs at least 3"),
                                    where=_ring(r, p, len(polygons) > 1), n=len(corners))
def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_geometry(geom):
    """Check type, emptiness, vertex count, finite in-range coordinates and validity."""
    if geom is None or geom.is_empty:
        raise GeometryError(N_("geometry is empty"))
    if geom.geom_type not in ALLOWED_TYPES:
        raise GeometryError(_UNSUPPORTED, type=geom.geom_type,
                            types=", ".join(ALLOWED_TYPES))
    coords = shapely.get_coordinates(geom)
    if len(coords) > MAX_VERTICES:
        raise GeometryError(_TOO_MANY, n=MAX_VERTICES)
    for x, y in coords:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise GeometryError(N_("coordinates must be finite numbers (no NaN or Infinity)"))
        if not -180 <= x <= 180 or not -90 <= y <= 90:
            message = N_("coordinate (%(x)s, %(y)s) is out of range: longitude must be "
                         "within -180..180 and latitude within -90..90")
            if -90 <= x <= 90 and -180 <= y <= 180:
                message = N_("coordinate (%(x)s, %(y)s) is out of range: longitude must be "
                             "within -180..180 and latitude within -90..90 (latitude and "
                             "longitude look swapped: GeoJSON and WKT put longitude first)")
            raise GeometryError(message, x=f"{x:g}", y=f"{y:g}")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        _check_ring_corners(geom)
    geom = split_antimeridian(geom)
    if not geom.is_valid:
        raise _explain_invalid(geom)
    return geom


def _explain_invalid(geom):
    reason = validation.explain_validity(geom)
    # GEOS says e.g. "Self-intersection[0.5 0.5]"; say it in words with lon, lat.
    if "[" in reason and reason.endswith("]"):
        what, where = reason[:-1].split("[", 1)
        parts = where.split()
        if len(parts) >= 2:
            return GeometryError(N_("%(type)s is invalid: %(what)s at (%(x)s, %(y)s)"),
                                 type=geom.geom_type, what=what.lower(),
                                 x=_longitude(parts[0]), y=parts[1])
    return GeometryError(N_("%(type)s is invalid: %(what)s"), type=geom.geom_type,
                         what=reason)


def _longitude(text):
    """GEOS's x as a longitude: past 180° only in a shape ``_shift_east`` moved, so
    moved back; otherwise GEOS's own text, unchanged."""
    try:
        x = float(text)
    except ValueError:
        return text
    return f"{x - 360:.15g}" if x > 180 else text


def crosses_antimeridian(geom):
    """True when some edge of ``geom`` jumps more than 180° of longitude.

    RFC 7946 (3.1.9) reads such an edge as crossing the antimeridian, the short
    way round, rather than spanning the whole world.
    """
    parts = getattr(geom, "geoms", [geom])
    for part in parts:
        rings = ([part.exterior, *part.interiors] if part.geom_type == "Polygon"
                 else [part])
        for ring in rings:
            xs = shapely.get_coordinates(ring)[:, 0]
            if len(xs) > 1 and (abs(xs[1:] - xs[:-1]) > 180).any():
                return True
    return False


def _split_line(coords):
    """Split one line's coordinates at ±180°, interpolating the crossing latitude."""
    pieces, current = [], [tuple(coords[0])]
    for (x1, y1), (x2, y2) in zip(coords[:-1], coords[1:]):
        if abs(x2 - x1) > 180:
            edge = 180.0 if x1 > 0 else -180.0
            x2_shifted = x2 + 360 if x1 > 0 else x2 - 360
            t = (edge - x1) / (x2_shifted - x1)
            y = y1 + t * (y2 - y1)
            current.append((edge, y))
            pieces.append(current)
            current = [(-edge, y)]
        current.append((x2, y2))
    pieces.append(current)
    return [p for p in pieces if len(set(p)) > 1]


def _shift_east(geom):
    """Move negative longitudes by +360° so a crossing shape is contiguous."""
    return shapely.transform(geom, lambda c: c + [[360.0, 0.0]] * (c[:, :1] < 0))


def split_antimeridian(geom):
    """Split lines and polygons that cross the antimeridian into Multi parts.

    Returns ``geom`` unchanged when it does not cross. Points never cross.
    Raises ``GeometryError`` for a crossing polygon that is invalid once its
    western longitudes are moved east, the message an invalid polygon gets
    anywhere else.
    """
    if geom.geom_type in ("Point", "MultiPoint") or not crosses_antimeridian(geom):
        return geom
    if geom.geom_type in ("LineString", "MultiLineString"):
        lines = [shapely.get_coordinates(g) for g in getattr(geom, "geoms", [geom])]
        return shapely.MultiLineString([p for line in lines for p in _split_line(line)])
    shifted = _shift_east(geom)
    if not shifted.is_valid:
        # The polygon as RFC 7946 reads it is invalid: GEOS's overlay fails on
        # some such rings ("side location conflict") and quietly reshapes others.
        raise _explain_invalid(shifted)
    west = shapely.intersection(shifted, shapely.box(-180, -90, 180, 90))
    east = shapely.affinity.translate(
        shapely.intersection(shifted, shapely.box(180, -90, 540, 90)), xoff=-360)
    polygons = [p for g in (west, east) for p in getattr(g, "geoms", [g])
                if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.MultiPolygon(polygons)


def rep_points(geometries):
    """``(n, 2)`` array of a representative point (lon, lat) inside each geometry.

    A point is its own representative; lines and polygons get a point that lies
    on them, unlike the centroid of a C-shaped polygon or a bent line.
    """
    return shapely.get_coordinates(shapely.point_on_surface(geometries))


def bounds_and_rep(geom):
    """Return ``(min_x, min_y, max_x, max_y, rep_x, rep_y)`` in degrees."""
    min_x, min_y, max_x, max_y = geom.bounds
    (rep_x, rep_y), = rep_points([geom])
    return min_x, min_y, max_x, max_y, float(rep_x), float(rep_y)


def to_geojson(geom):
    """Return the GeoJSON mapping of ``geom`` (RFC 7946 lon/lat order)."""
    return json.loads(shapely.to_geojson(geom))


# Types whose validity needs no per-geometry rule beyond GEOS's (``validate_geometry``
# only adds ring checks for polygons and the antimeridian split for lines);
# ``_screen`` also proves polygons without holes.
_SIMPLE_TYPES = np.array([shapely.GeometryType.POINT, shapely.GeometryType.LINESTRING,
                          shapely.GeometryType.MULTIPOINT])


def parse_wkt_many(texts):
    """Parse many WKT texts at once: a geometry or a ``GeometryError`` per text.

    Exactly what ``parse_geometry`` gives for each text, faster: texts that look
    like WKT are parsed and screened in bulk (shapely 2 vectorised), and every
    geometry the screen cannot prove valid and unchanged goes through
    ``validate_geometry`` itself; texts that are not plain WKT (lat/lon pairs,
    GeoJSON, oversized) go through ``parse_geometry``.
    """
    out = [None] * len(texts)
    bulk, bulk_texts = [], []
    for i, text in enumerate(texts):
        stripped = text.strip() if isinstance(text, str) else ""
        if stripped[:1].isalpha() and stripped.isascii() and len(stripped) <= MAX_TEXT \
                and stripped.count(",") < MAX_VERTICES:
            bulk.append(i)
            bulk_texts.append(stripped)
        else:
            out[i] = _parsed_or_error(text)
    geoms = shapely.from_wkt(np.array(bulk_texts, dtype=object), on_invalid="ignore")
    fine = _screen(geoms)
    for i, geom, ok, text in zip(bulk, geoms, fine, bulk_texts):
        if ok:
            out[i] = geom
        elif geom is None:
            out[i] = _parsed_or_error(text)  # not WKT: the parser's own message
        else:
            out[i] = _parsed_or_error(geom)
    return out


def _parsed_or_error(value):
    try:
        return parse_geometry(value)
    except GeometryError as exc:
        return exc


def _screen(geoms):
    """True where ``validate_geometry`` would accept a geometry and return it unchanged."""
    n = len(geoms)
    if not n:
        return np.zeros(0, dtype=bool)
    types = shapely.get_type_id(geoms)  # -1 where missing
    ok = np.isin(types, _SIMPLE_TYPES)
    # A polygon's one rule of its own is ``_check_ring_corners``: a polygon
    # without holes whose ring encloses an area has at least 3 distinct corners.
    polygons = np.flatnonzero(types == shapely.GeometryType.POLYGON)
    ok[polygons] = ((shapely.get_num_interior_rings(geoms[polygons]) == 0)
                    & (shapely.area(geoms[polygons]) > 0))
    ok &= ~shapely.is_empty(geoms) & ~shapely.has_z(geoms)
    ok &= shapely.get_num_coordinates(geoms) <= MAX_VERTICES
    coords, index = shapely.get_coordinates(geoms[ok], return_index=True)
    rows = np.flatnonzero(ok)[index]
    bad = ~(np.isfinite(coords).all(axis=1) & (np.abs(coords[:, 0]) <= 180)
            & (np.abs(coords[:, 1]) <= 90))
    # An edge jumping over 180° of longitude is split at the antimeridian.
    jump = (rows[1:] == rows[:-1]) & (np.abs(np.diff(coords[:, 0])) > 180)
    ok[rows[bad]] = False
    ok[rows[1:][jump]] = False
    ok[ok] = shapely.is_valid(geoms[ok])
    return ok
