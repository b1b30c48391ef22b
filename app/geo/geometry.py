"""Parse and validate incident geometries (pure: no Flask, no database).

Every geometry is EPSG:4326 with x = longitude and y = latitude, in degrees.
Input may be WKT, a GeoJSON geometry (text or mapping), or a latitude and
longitude pair. Errors are ``GeometryError`` with a message a person can act on.
"""
import json
import math

import shapely
from shapely import validation
from shapely.geometry import shape

ALLOWED_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                 "MultiPolygon")
MAX_VERTICES = 10_000
MAX_TEXT = 1_000_000  # characters of WKT/GeoJSON accepted before parsing
MAX_JSON_DEPTH = 8


class GeometryError(ValueError):
    """A geometry that cannot be stored, with the reason in plain words."""


def parse_geometry(value):
    """Return a valid shapely geometry from WKT, GeoJSON text or mapping, or shapely.

    Raises ``GeometryError`` for anything malformed, out of range, invalid or
    over the vertex cap. The caps are checked before the expensive parse.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise GeometryError("geometry is missing")
    if isinstance(value, shapely.Geometry):  # read from a binary format (GeoPackage)
        return validate_geometry(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TEXT:
            raise GeometryError(f"geometry text is over {MAX_TEXT} characters")
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except (ValueError, RecursionError) as exc:
                raise GeometryError(f"GeoJSON is not valid JSON: {exc}") from None
        else:
            return validate_geometry(_parse_wkt(text))
    if not isinstance(value, dict):
        raise GeometryError("geometry must be WKT text or a GeoJSON geometry object")
    return validate_geometry(_parse_geojson(value))


def point_from_lat_lon(lat, lon):
    """Return a validated Point from latitude and longitude (degrees, any numeric text)."""
    try:
        y, x = float(lat), float(lon)
    except (TypeError, ValueError):
        raise GeometryError("lat and lon must be numbers") from None
    return validate_geometry(shapely.Point(x, y))


def _parse_wkt(text):
    # Count coordinate pairs cheaply: each vertex has at least one separator.
    if text.count(",") + 1 > MAX_VERTICES:
        raise GeometryError(f"geometry has more than {MAX_VERTICES} vertices")
    try:
        return shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        raise GeometryError(f"WKT is not valid: {exc}") from None


def _parse_geojson(obj):
    if obj.get("type") == "Feature":
        obj = obj.get("geometry") or {}
    gtype = obj.get("type")
    if gtype not in ALLOWED_TYPES:
        raise GeometryError(
            f"geometry type {gtype!r} is not supported; use one of {', '.join(ALLOWED_TYPES)}")
    coords = obj.get("coordinates")
    count = _count_positions(coords, depth=0)
    if count > MAX_VERTICES:
        raise GeometryError(f"geometry has more than {MAX_VERTICES} vertices")
    try:
        return shape(obj)
    except (ValueError, TypeError, IndexError, AttributeError,
            shapely.errors.ShapelyError) as exc:  # includes EmptyPartError
        raise GeometryError(f"GeoJSON {gtype} coordinates are malformed: {exc}") from None


def _count_positions(coords, depth):
    """Count positions in nested coordinate arrays, refusing silly depth."""
    if depth > MAX_JSON_DEPTH:
        raise GeometryError("GeoJSON coordinates are nested too deeply")
    if not isinstance(coords, list):
        raise GeometryError("GeoJSON coordinates must be arrays of numbers")
    if coords and not isinstance(coords[0], list):
        return 1
    return sum(_count_positions(c, depth + 1) for c in coords)


def validate_geometry(geom):
    """Check type, emptiness, vertex count, finite in-range coordinates and validity."""
    if geom is None or geom.is_empty:
        raise GeometryError("geometry is empty")
    if geom.geom_type not in ALLOWED_TYPES:
        raise GeometryError(
            f"geometry type {geom.geom_type} is not supported; "
            f"use one of {', '.join(ALLOWED_TYPES)}")
    coords = shapely.get_coordinates(geom)
    if len(coords) > MAX_VERTICES:
        raise GeometryError(f"geometry has more than {MAX_VERTICES} vertices")
    for x, y in coords:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise GeometryError("coordinates must be finite numbers (no NaN or Infinity)")
        if not -180 <= x <= 180 or not -90 <= y <= 90:
            hint = ""
            if -90 <= x <= 90 and -180 <= y <= 180:
                hint = (" (latitude and longitude look swapped: GeoJSON and WKT put "
                        "longitude first)")
            raise GeometryError(
                f"coordinate ({x:g}, {y:g}) is out of range: longitude must be within "
                f"-180..180 and latitude within -90..90{hint}")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    if not geom.is_valid:
        raise GeometryError(_explain_invalid(geom))
    return geom


def _explain_invalid(geom):
    reason = validation.explain_validity(geom)
    # GEOS says e.g. "Self-intersection[0.5 0.5]"; say it in words with lon, lat.
    if "[" in reason and reason.endswith("]"):
        what, where = reason[:-1].split("[", 1)
        parts = where.split()
        if len(parts) >= 2:
            return f"{geom.geom_type} is invalid: {what.lower()} at ({parts[0]}, {parts[1]})"
    return f"{geom.geom_type} is invalid: {reason}"


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
