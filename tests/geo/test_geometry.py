"""Parsing and validating geometries: what contributors paste must round-trip or be refused clearly."""
import json

import pytest
import shapely

from app.geo.geometry import (MAX_VERTICES, GeometryError, bounds_and_rep, parse_geometry,
                              point_from_lat_lon, to_geojson)


@pytest.mark.parametrize("text", [
    "POINT (2.35 48.86)",
    "LINESTRING (22.93 54.10, 23.97 54.02)",
    "POLYGON ((15.5 55, 16 55, 16 55.3, 15.5 55.3, 15.5 55))",
    "MULTIPOINT ((1 1), (2 2))",
    "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))",
    "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 1, 0 0)))",
])
def test_wkt_round_trips_through_geojson(text):
    """Every allowed type parses from WKT and comes back identical through GeoJSON."""
    geom = parse_geometry(text)
    again = parse_geometry(json.dumps(to_geojson(geom)))
    assert shapely.equals_exact(geom, again, tolerance=0)
    assert again.geom_type == geom.geom_type


def test_geojson_feature_and_mapping_accepted():
    feature = {"type": "Feature", "properties": {},
               "geometry": {"type": "Point", "coordinates": [2.35, 48.86]}}
    assert parse_geometry(feature).equals(shapely.Point(2.35, 48.86))
    assert parse_geometry(feature["geometry"]).equals(shapely.Point(2.35, 48.86))


def test_lat_lon_make_a_point_in_lon_lat_order():
    point = point_from_lat_lon("48.86", "2.35")
    assert (point.x, point.y) == (2.35, 48.86)


def test_swapped_coordinates_get_a_hint():
    with pytest.raises(GeometryError, match="look swapped"):
        parse_geometry("POINT (48.86 120.5)")


@pytest.mark.parametrize("value, message", [
    ("", "missing"),
    ("POINT EMPTY", "empty"),
    ("POINT (nan 1)", "finite"),
    ('{"type": "Point", "coordinates": [1, Infinity]}', "finite"),
    ("POINT (200 10)", "out of range"),
    ("GEOMETRYCOLLECTION (POINT (1 1))", "not supported"),
    ("NOT WKT", "WKT is not valid"),
    ('{"type": "Point"', "not valid JSON"),
    ('{"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}', "malformed"),
])
def test_bad_input_is_refused_with_a_reason(value, message):
    with pytest.raises(GeometryError, match=message):
        parse_geometry(value)


def test_self_intersection_is_located():
    bowtie = "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"
    with pytest.raises(GeometryError, match=r"self-intersection at \(0\.5, 0\.5\)"):
        parse_geometry(bowtie)


def test_vertex_cap_refused_before_parsing():
    coords = ", ".join(f"{i % 90} {i % 45}" for i in range(MAX_VERTICES + 5))
    with pytest.raises(GeometryError, match="more than"):
        parse_geometry(f"LINESTRING ({coords})")
    geo = {"type": "LineString", "coordinates": [[0, 0]] * (MAX_VERTICES + 1)}
    with pytest.raises(GeometryError, match="more than"):
        parse_geometry(geo)


def test_deeply_nested_coordinates_refused():
    nested = [0, 0]
    for _ in range(20):
        nested = [nested]
    with pytest.raises(GeometryError, match="nested too deeply"):
        parse_geometry({"type": "MultiPolygon", "coordinates": nested})


def test_representative_point_lies_on_the_geometry():
    c_shape = parse_geometry("POLYGON ((0 0, 3 0, 3 1, 1 1, 1 2, 3 2, 3 3, 0 3, 0 0))")
    min_x, min_y, max_x, max_y, rx, ry = bounds_and_rep(c_shape)
    assert (min_x, min_y, max_x, max_y) == (0, 0, 3, 3)
    assert c_shape.intersects(shapely.Point(rx, ry))


def test_multi_geometry_with_an_empty_part_is_a_clear_error():
    """Found by schemathesis: an empty component used to escape as a 500."""
    import pytest

    from app.geo.geometry import GeometryError, parse_geometry
    with pytest.raises(GeometryError, match="MultiLineString coordinates are malformed"):
        parse_geometry({"type": "MultiLineString", "coordinates": [[], [[1, 2], [3, 4]]]})
