"""The offline basemap's 1:10m tiles (app/geo/basemap.py), on the committed data."""
import json

import pytest
import shapely

from app.geo import basemap
from app.geo.countries import geodata_dir


@pytest.fixture(scope="module")
def fine():
    return basemap.fine_basemap(geodata_dir())


def _tile_of(lon, lat):
    """The grid tile holding ``lon, lat``."""
    return next((x, y) for x in range(2 ** basemap.TILE_ZOOM)
                for y in range(2 ** basemap.TILE_ZOOM)
                if basemap.tile_bounds(x, y)[0] <= lon < basemap.tile_bounds(x, y)[2]
                and basemap.tile_bounds(x, y)[1] <= lat < basemap.tile_bounds(x, y)[3])


def _shapes(text):
    body = json.loads(text)
    assert body["type"] == "FeatureCollection"
    return {f["properties"]["kind"]: shapely.geometry.shape(f["geometry"])
            for f in body["features"]}


def test_tile_bounds_follow_web_mercator():
    assert basemap.tile_bounds(0, 0, zoom=0) == pytest.approx((-180, -85.0511, 180, 85.0511),
                                                              abs=1e-4)
    west, south, east, north = basemap.tile_bounds(32, 21)  # zoom 6: 5.625° wide
    assert (west, east) == (0.0, 5.625)
    assert 48.9 < south < north < 52.5
    assert basemap.in_grid(63, 63) and not basemap.in_grid(64, 0) and not basemap.in_grid(-1, 0)


def test_a_coastal_tile_has_land_and_a_fine_coast(fine):
    """Brittany: land and edges clipped to the tile (with its small margin), and a
    coastline far finer than the 1:110m outline's."""
    x, y = _tile_of(-3.5, 48.2)
    west, south, east, north = basemap.tile_bounds(x, y)
    shapes = _shapes(fine.tile(x, y))
    assert set(shapes) == {"land", "edges"}
    land, edges = shapes["land"], shapes["edges"]
    assert land.geom_type == "MultiPolygon" and edges.geom_type == "MultiLineString"
    margin = basemap.MARGIN + basemap.GRID
    lx0, ly0, lx1, ly1 = land.bounds
    assert west - margin <= lx0 and lx1 <= east + margin
    assert south - margin <= ly0 and ly1 <= north + margin
    assert land.contains(shapely.Point(-3.0, 48.0))      # inland Brittany
    assert not land.contains(shapely.Point(-5.0, 47.5))  # the Bay of Biscay
    with open(geodata_dir() / "countries-110m.geojson", encoding="utf-8") as fh:
        coarse = shapely.union_all([shapely.geometry.shape(f["geometry"])
                                    for f in json.load(fh)["features"]])
    coarse_coast = shapely.clip_by_rect(coarse.boundary, west, south, east, north)
    assert shapely.get_num_coordinates(edges) > 10 * shapely.get_num_coordinates(coarse_coast)
    # Coordinates are written at the stored precision, 4 decimals.
    assert all(len(repr(c).split(".")[-1]) <= 4 for c in edges.geoms[0].coords[0])


def test_open_sea_tile_is_empty(fine):
    x, y = _tile_of(-40.0, 35.0)  # mid-Atlantic, far from the Azores
    assert json.loads(fine.tile(x, y)) == {"type": "FeatureCollection", "features": []}


def test_tiles_overlap_their_neighbours_so_no_seam_shows(fine):
    """Two tiles side by side over land both cover the strip along their common edge."""
    x, y = _tile_of(10.0, 50.0)  # Germany, inland on both sides of 11.25°E
    _, _, east, _ = basemap.tile_bounds(x, y)
    left, right = _shapes(fine.tile(x, y))["land"], _shapes(fine.tile(x + 1, y))["land"]
    edge = shapely.Point(east, 50.5)
    assert left.buffer(1e-9).contains(edge) and right.buffer(1e-9).contains(edge)
    assert left.intersection(right).area > 0
