"""``for_output``: the one normaliser of every geometry the app emits (RFC 7946)."""
import shapely

from app.geo.geometry import for_output, geojson_texts, to_geojson

CW_SQUARE = shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])  # clockwise exterior
HOLED = shapely.Polygon([(0, 0), (0, 4), (4, 4), (4, 0)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])


def test_rings_follow_the_right_hand_rule():
    """Exteriors counterclockwise, holes clockwise, whatever winding was stored."""
    square, holed = for_output([CW_SQUARE, shapely.MultiPolygon([HOLED])])
    assert square.exterior.is_ccw
    polygon = holed.geoms[0]
    assert polygon.exterior.is_ccw and not polygon.interiors[0].is_ccw
    assert square.equals(CW_SQUARE)  # the same shape, only the winding changed


def test_a_shape_crossing_the_antimeridian_is_split():
    """A line stored with an edge from 179° to -179° comes out as two parts."""
    line = shapely.LineString([(179, 0), (-179, 1)])
    out = to_geojson(line)
    assert out["type"] == "MultiLineString"
    assert all(-180 <= x <= 180 for part in out["coordinates"] for x, _ in part)
    assert {x for part in out["coordinates"] for x, _ in part} >= {180.0, -180.0}


def test_points_and_an_empty_batch_pass_unchanged():
    assert geojson_texts([]) == []
    assert to_geojson(shapely.Point(2.35, 48.86)) == {"type": "Point",
                                                     "coordinates": [2.35, 48.86]}
