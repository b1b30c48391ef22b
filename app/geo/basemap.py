"""The offline basemap's closest zooms: 1:10m land, coasts and borders, cut into tiles.

Pure (numpy and shapely; no Flask). ``geodata/basemap-10m.npz``
(``geodata/derive_map.py``) holds the 1:10m countries as one polygon coverage
simplified together. A tile is the part of them inside one Web Mercator tile of
zoom ``TILE_ZOOM`` (5.6° wide), as GeoJSON with two features: ``land``, the
polygons clipped to the tile (to be filled, never stroked: their cut edges along
the tile are not coasts), and ``edges``, the coasts and borders clipped to it (to
be stroked). The browser asks for the tiles in view from its ``FINE_ZOOM``
(``static/js/basemap.js``); coarser zooms draw the whole 1:110m and 1:50m files.
"""
from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import shapely

#: The zoom of the tile grid, and the map zoom from which the browser uses it.
TILE_ZOOM = 6
FINE_ZOOM = 8
#: Coordinates are stored as int32 in 1/SCALE degrees, and written at that precision.
SCALE = 10_000
GRID = 1 / SCALE
#: Tiles are cut this much wider (degrees, ~100 m) so neighbours overlap: no seam.
MARGIN = 0.001


def tile_bounds(x: int, y: int, zoom: int = TILE_ZOOM) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` in degrees of Web Mercator tile ``zoom/x/y``."""
    n = 2 ** zoom

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))
    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def in_grid(x: int, y: int, zoom: int = TILE_ZOOM) -> bool:
    """Whether ``zoom/x/y`` names a tile of the grid."""
    return 0 <= x < 2 ** zoom and 0 <= y < 2 ** zoom


class FineBasemap:
    """The 1:10m land and edges, indexed by polygon for tile cuts."""

    def __init__(self, path: Path):
        with np.load(path, allow_pickle=False) as data:
            coords = data["coords"] / SCALE
            offsets = (data["ring_offsets"], data["polygon_offsets"], data["part_offsets"])
        shapes = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)
        # One polygon per entry: a country's boxes would be as wide as its islands.
        self.land = shapely.get_parts(shapes)
        self.edges = shapely.boundary(self.land)
        self.tree = shapely.STRtree(self.land)

    def tile(self, x: int, y: int) -> str:
        """The GeoJSON FeatureCollection text of tile ``TILE_ZOOM/x/y`` (empty at sea)."""
        west, south, east, north = tile_bounds(x, y)
        west, south, east, north = west - MARGIN, south - MARGIN, east + MARGIN, north + MARGIN
        hits = np.sort(self.tree.query(shapely.box(west, south, east, north)))
        features = []
        for kind, shapes in (("land", self.land[hits]), ("edges", self.edges[hits])):
            cut = shapely.clip_by_rect(shapes, west, south, east, north)
            cut = cut[~shapely.is_empty(cut)]
            if len(cut):
                merged = shapely.set_precision(shapely.geometrycollections(list(cut)), GRID,
                                               mode="pointwise")
                features.append(_feature(kind, merged))
        return json.dumps({"type": "FeatureCollection", "features": features},
                          separators=(",", ":"))


def _feature(kind, collection):
    """A feature of ``kind`` whose geometry is the Multi- of the collection's parts."""
    parts = shapely.get_parts(shapely.get_parts(collection))
    if kind == "land":
        parts = parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON]
        geometry = shapely.multipolygons(parts)
    else:
        parts = parts[shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING]
        geometry = shapely.multilinestrings(parts)
    return {"type": "Feature", "properties": {"kind": kind},
            "geometry": json.loads(shapely.to_geojson(geometry))}


@cache
def fine_basemap(directory: Path) -> FineBasemap:
    """The 1:10m basemap of ``directory`` (``geodata/``), loaded once per process."""
    return FineBasemap(Path(directory) / "basemap-10m.npz")
