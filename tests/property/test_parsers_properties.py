"""Property-based tests (hypothesis) of the two parsers every input goes through.

Whatever arrives, ``parse_geometry`` returns a valid, finite, in-range geometry
or raises ``GeometryError``; ``parse_filters`` returns filters or raises
``FilterError``; ``parse_incident`` returns fields or raises ``ValidationError``
— never another exception (which would be a 500).
"""
import math
from dataclasses import replace
from datetime import date

import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.geo.geometry import (GeometryError, crosses_antimeridian, parse_geometry,
                              parse_wkt_many, to_geojson)
from app.incidents.filters import FilterError, parse_filters, to_query
from app.incidents.schema import ValidationError, parse_incident

SETTINGS = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1000, 1000))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=40)
geometry_like = st.fixed_dictionaries({
    "type": st.sampled_from(["Point", "LineString", "Polygon", "MultiPoint",
                             "MultiLineString", "MultiPolygon", "GeometryCollection",
                             "Feature", "point", ""]),
    "coordinates": json_values})
lon = st.floats(-180, 180, allow_nan=False)
lat = st.floats(-90, 90, allow_nan=False)


def _check_sound(geom):
    assert geom.is_valid and not geom.is_empty
    for x, y in shapely.get_coordinates(geom):
        assert math.isfinite(x) and -180 <= x <= 180
        assert math.isfinite(y) and -90 <= y <= 90


@SETTINGS
@given(st.one_of(json_values, geometry_like))
def test_any_json_is_a_sound_geometry_or_a_geometry_error(value):
    try:
        geom = parse_geometry(value)
    except GeometryError:
        return
    _check_sound(geom)


@SETTINGS
@given(st.text(max_size=80) | st.builds(
    lambda kind, nums: f"{kind} ({', '.join(' '.join(map(str, p)) for p in nums)})",
    st.sampled_from(["POINT", "LINESTRING", "MULTIPOINT", "POLYGON (", "POINT Z"]),
    st.lists(st.tuples(numbers, numbers), min_size=1, max_size=5)))
def test_any_text_is_a_sound_geometry_or_a_geometry_error(text):
    try:
        geom = parse_geometry(text)
    except GeometryError:
        return
    _check_sound(geom)


near_antimeridian = st.sampled_from([-180, -179.5, -179, -170, -1, 0, 1, 170, 179, 180])


@SETTINGS
@given(st.lists(st.tuples(near_antimeridian, st.sampled_from([-90, -1, 0, 1, 5, 90])),
                min_size=3, max_size=6))
def test_rings_near_the_antimeridian_are_sound_or_refused_alike_in_bulk(points):
    """Valid or not, a ring that crosses the antimeridian is split or refused with a
    ``GeometryError`` (never GEOS's TopologyException), by both parsers alike."""
    text = "POLYGON ((" + ", ".join(f"{x} {y}" for x, y in [*points, points[0]]) + "))"
    (bulk,) = parse_wkt_many([text])
    try:
        geom = parse_geometry(text)
    except GeometryError as exc:
        assert isinstance(bulk, GeometryError) and str(bulk) == str(exc)
        return
    _check_sound(geom)
    assert shapely.to_wkb(bulk) == shapely.to_wkb(geom)


@SETTINGS
@given(st.lists(st.tuples(lon, lat), min_size=2, max_size=30, unique=True))
def test_valid_lines_round_trip_through_wkt_and_geojson(points):
    line = shapely.LineString(points)
    # Lines crossing the antimeridian are split on purpose (RFC 7946; tests/geo).
    assume(not crosses_antimeridian(line))
    from_wkt = parse_geometry(
        "LINESTRING (" + ", ".join(f"{x!r} {y!r}" for x, y in points) + ")")
    from_geojson = parse_geometry(to_geojson(line))
    assert shapely.equals_exact(from_wkt, line, 0)
    assert shapely.equals_exact(from_geojson, line, 0)


incident_fields = st.sampled_from([
    "title", "summary", "location_name", "lang", "start_date", "end_date", "time_precision",
    "geometry", "wkt", "lat", "lon", "geo_precision", "precision_m", "actor", "attribution",
    "confidence", "vectors", "countries", "techniques", "sources", "source_url"])
source_objects = st.fixed_dictionaries({}, optional={
    key: json_values for key in ("url", "archived_url", "publisher", "date")})


@SETTINGS
@given(st.dictionaries(incident_fields,
                       json_values | st.lists(source_objects, max_size=3)
                       | st.integers(min_value=-(10 ** 400), max_value=10 ** 400),
                       max_size=6),
       st.booleans())
def test_any_json_properties_are_fields_or_a_validation_error(overrides, partial):
    """Properties of an imported Feature or an API body: any JSON in any field."""
    data = {"title": "t", "start_date": "2025-01-01", "wkt": "POINT (1 2)", **overrides}
    try:
        parse_incident(data, partial=partial)
    except ValidationError as exc:
        assert exc.errors and all(isinstance(r, str) for _, r in exc.errors)


filter_names = st.sampled_from(["actor", "vector", "country", "from", "to",
                                "min_confidence", "q", "bbox", "status", "campaign",
                                "other"])


@SETTINGS
@given(st.lists(st.tuples(filter_names, st.text(max_size=30)), max_size=8))
def test_any_query_string_is_filters_or_a_filter_error(pairs):
    try:
        filters = parse_filters(MultiDict(pairs))
    except FilterError:
        return
    _check_permalink(filters)


def _check_permalink(filters):
    """Filters parse again from their own URL: equal up to bbox rounding (1e-6°), then
    exactly stable."""
    again = parse_filters(MultiDict(to_query(filters)))
    assert again == replace(filters, bbox=again.bbox)
    if filters.bbox:
        assert all(abs(a - b) <= 5e-7 for a, b in zip(again.bbox, filters.bbox))
    assert parse_filters(MultiDict(to_query(again))) == again


@SETTINGS
@given(st.fixed_dictionaries({}, optional={
    "vector": st.sampled_from(["cyber", "information", "economic"]),
    "country": st.sampled_from(["FRA", "deu", "EST"]),
    # Dates run from 1900 to a year ahead (app/inputs.py); others are refused.
    "from": st.dates(min_value=date(1900, 1, 1), max_value=date.today()).map(
        lambda d: d.isoformat()),
    "min_confidence": st.integers(0, 100).map(str),
    "bbox": st.tuples(lon, lat, lon, lat).filter(lambda b: b[1] <= b[3]).map(
        lambda b: ",".join(map(repr, b))),
    # Well-formed: no NUL, which the parser refuses by design (PostgreSQL cannot hold it).
    "q": st.text(st.characters(exclude_characters="\x00"), min_size=1,
                 max_size=20).filter(str.strip)}))
def test_well_formed_filters_always_parse_and_round_trip(args):
    filters = parse_filters(args)
    _check_permalink(filters)
    if "country" in args:
        assert filters.countries == (args["country"].upper(),)
    if "min_confidence" in args:
        assert filters.min_confidence == int(args["min_confidence"])
