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
    ('{"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}', "ring 1 has 2 positions"),
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


# --- issue 4: the remaining validation cases --------------------------------

def test_line_crossing_the_antimeridian_is_split_per_rfc7946():
    geom = parse_geometry("LINESTRING (170 10, -170 20)")
    assert geom.geom_type == "MultiLineString"
    west, east = [list(g.coords) for g in geom.geoms]
    assert west == [(170.0, 10.0), (180.0, 15.0)]
    assert east == [(-180.0, 15.0), (-170.0, 20.0)]


def test_westward_crossing_is_split_too():
    geom = parse_geometry({"type": "LineString", "coordinates": [[-175, 0], [175, 10]]})
    assert [list(g.coords) for g in geom.geoms] == [[(-175.0, 0.0), (-180.0, 5.0)],
                                                    [(180.0, 5.0), (175.0, 10.0)]]


def test_polygon_crossing_the_antimeridian_becomes_two_polygons():
    geom = parse_geometry({"type": "Polygon", "coordinates": [
        [[170, 0], [-170, 0], [-170, 10], [170, 10], [170, 0]]]})
    assert geom.geom_type == "MultiPolygon"
    assert sorted(round(p.area) for p in geom.geoms) == [100, 100]
    assert geom.bounds == (-180.0, 0.0, 180.0, 10.0)


def test_line_near_but_not_across_the_antimeridian_is_kept():
    assert parse_geometry("LINESTRING (170 10, 179 20)").geom_type == "LineString"


@pytest.mark.parametrize("value, message", [
    ("POLYGON ((0 0, 0 1, 179 -1, -170 0, 0 0))", r"self-intersection at \(89\.5, 0\)"),
    ({"type": "Polygon", "coordinates": [[[0, 5], [0, 0], [170, 90], [-179, 0], [0, 5]]]},
     "self-intersection at"),
    ("POLYGON ((180 5, -179 0, 0 1, 0 0, 180 5))", "self-intersection at"),
    # Located east of the antimeridian: the longitude is given back in -180..180.
    ("POLYGON ((179 -1, -179 1, 179 -1, -179 5, 179 -1))",
     r"self-intersection at \(-179, 5\)"),
    ("POLYGON ((179 -1, 179 0, -179 90, 170 1, 179 1, 179 -1))",
     r"ring self-intersection at \(179, 0\)"),
])
def test_invalid_polygon_across_the_antimeridian_is_refused_like_any_other(value, message):
    """GEOS cannot split an invalid ring ("TopologyException: side location
    conflict"): validity is checked on the shape as RFC 7946 reads it, first."""
    with pytest.raises(GeometryError, match="^Polygon is invalid: " + message):
        parse_geometry(value)


def test_crossing_polygon_is_refused_like_the_same_shape_elsewhere():
    """A bow-tie across the antimeridian gets the message it gets 100° further west."""
    with pytest.raises(GeometryError) as across:
        parse_geometry("POLYGON ((170 0, -170 10, -170 0, 170 10, 170 0))")
    with pytest.raises(GeometryError) as west:
        parse_geometry("POLYGON ((70 0, 90 10, 90 0, 70 10, 70 0))")
    assert str(west.value) == "Polygon is invalid: self-intersection at (80, 5)"
    assert str(across.value) == "Polygon is invalid: self-intersection at (180, 5)"


@pytest.mark.parametrize("value, message", [
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]},
     "ring 1 has 3 positions; a ring needs at least 4"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
     "ring 1 is not closed"),
    ({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]],
                                              [[[5, 5], [6, 6], [5, 5]]]]},
     "ring 1 of polygon 2 has 3 positions"),
    ("POLYGON ((0 0, 1 1, 0 0))", "ring 1 has 2 distinct corner"),
    ("POLYGON ((0 0, 1 1, 1 1, 0 0))", "ring 1 has 2 distinct corner"),
    ("POLYGON ((0 0, 1 0, 1 1))", "ring is not closed"),
    ({"type": "LineString", "coordinates": [[0, 0]]}, "line 1 has 1 position"),
    ("LINESTRING (0 0)", "a line needs at least 2 points"),
])
def test_rings_and_lines_with_too_few_points(value, message):
    with pytest.raises(GeometryError, match=message):
        parse_geometry(value)


def test_deeply_nested_json_text_refused_before_parsing():
    text = '{"type": "Point", "coordinates": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(GeometryError, match="nested more than 16 levels"):
        parse_geometry(text)


def test_brackets_inside_strings_do_not_count_as_nesting():
    from app.geo.geometry import json_depth
    assert json_depth('{"a": "[[[[[[[[[[[[[[[[[[[[[[", "b": [1, [2]]}') == 3


def test_oversized_json_text_refused():
    from app.geo.geometry import MAX_TEXT
    with pytest.raises(GeometryError, match="over"):
        parse_geometry('{"type": "Point", "coordinates": [1, 2]' + " " * MAX_TEXT + "}")


def test_pasted_latitude_longitude_pair_is_a_point():
    assert parse_geometry("48.86, 2.35").coords[0] == (2.35, 48.86)
    assert parse_geometry("-33.9 18.4").coords[0] == (18.4, -33.9)
    with pytest.raises(GeometryError, match="out of range"):
        parse_geometry("120, 10")


def test_multi_geometry_with_an_empty_part_is_a_clear_error():
    """Found by schemathesis: an empty component used to escape as a 500."""
    import pytest

    from app.geo.geometry import GeometryError, parse_geometry
    with pytest.raises(GeometryError, match="line 1 has 0 position|coordinates are malformed"):
        parse_geometry({"type": "MultiLineString", "coordinates": [[], [[1, 2], [3, 4]]]})
