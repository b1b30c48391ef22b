"""Screen-space grid aggregation and class breaks for the map (pure numpy).

Positions are lon/lat degrees (EPSG:4326). Cells are squares of ``cell_px``
pixels in Web Mercator at a zoom level, so clusters look the same size at
every latitude, as Leaflet draws them. No Flask, no database.
"""
from dataclasses import dataclass

import numpy as np

MAX_LAT = 85.05112878  # Web Mercator's limit
TILE_PX = 256
SAME_PLACE_DEG2 = 1e-9  # positional variance (degrees²) under which members coincide


def lonlat_to_unit(lon, lat):
    """Web Mercator ``(x, y)`` in ``[0, 1]`` (x east, y south) for degree arrays."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LAT, MAX_LAT)
    x = (lon + 180.0) / 360.0
    s = np.sin(np.radians(lat))
    y = 0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi)
    return x, y


def unit_to_lonlat(x, y):
    """Degrees for Web Mercator unit coordinates (inverse of :func:`lonlat_to_unit`)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return x * 360.0 - 180.0, np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * y))))


def cells_per_unit(zoom, cell_px):
    """How many grid cells span the world's width at ``zoom``."""
    return (TILE_PX * 2.0 ** zoom) / cell_px


@dataclass(frozen=True)
class Cells:
    """Occupied grid cells: member count, mean position, and whether all coincide.

    ``single`` holds, for cells of one member, that member's position in the
    input arrays (``-1`` for other cells); ``bbox`` is each cell's
    ``(west, south, east, north)`` in degrees, shape ``(k, 4)``.
    """

    count: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    same_place: np.ndarray
    single: np.ndarray
    bbox: np.ndarray

    def __len__(self):
        return len(self.count)

    def take(self, which):
        """The cells selected by ``which`` (a boolean mask or positions)."""
        return Cells(self.count[which], self.lon[which], self.lat[which],
                     self.same_place[which], self.single[which], self.bbox[which])

    def meeting(self, parts):
        """Boolean mask of the cells whose area meets any of the ``(W, S, E, N)`` parts."""
        b = self.bbox
        out = np.zeros(len(self), dtype=bool)
        for west, south, east, north in parts:
            out |= (b[:, 2] >= west) & (b[:, 0] <= east) & (b[:, 3] >= south) & (
                b[:, 1] <= north)
        return out


def aggregate(lon, lat, x, y, zoom, *, cell_px=64):
    """Group points into grid cells of ``cell_px`` pixels at ``zoom``.

    Parameters
    ----------
    lon, lat : ndarray of float
        Positions in degrees.
    x, y : ndarray of float
        The same positions by :func:`lonlat_to_unit` (precomputed by callers
        that aggregate often).
    zoom : int
        Leaflet zoom level.

    Returns
    -------
    Cells
        One entry per occupied cell; counts sum to ``len(lon)``.
    """
    n = len(lon)
    if n == 0:
        empty = np.zeros(0)
        return Cells(empty.astype(np.int64), empty, empty, empty.astype(bool),
                     empty.astype(np.int64), np.zeros((0, 4)))
    scale = cells_per_unit(zoom, cell_px)
    cell_x = np.floor(np.asarray(x) * scale)
    cell_y = np.floor(np.asarray(y) * scale)
    x0, y0 = cell_x.min(), cell_y.min()
    cx = (cell_x - x0).astype(np.int64)
    cy = (cell_y - y0).astype(np.int64)
    width = int(cx.max()) + 1
    key = cy * width + cx
    cells = None
    if width * (int(cy.max()) + 1) > 4 * n + 1_000_000:
        # A sparse grid (huge box at high zoom): compact the keys first.
        cells, key = np.unique(key, return_inverse=True)
    counts = np.bincount(key)
    occupied = np.flatnonzero(counts)
    count = counts[occupied]
    cell_keys = occupied if cells is None else cells[occupied]

    def mean(values):
        return np.bincount(key, weights=values)[occupied] / count

    mlon, mlat = mean(lon), mean(lat)
    spread = (mean(lon * lon) - mlon ** 2) + (mean(lat * lat) - mlat ** 2)
    first = np.bincount(key, weights=np.arange(n, dtype=np.float64))[occupied]
    single = np.where(count == 1, first, -1).astype(np.int64)
    # A cell's column and row, back from its key.
    col, row = cell_keys % width + x0, cell_keys // width + y0
    west, north = unit_to_lonlat(col / scale, row / scale)
    east, south = unit_to_lonlat((col + 1) / scale, (row + 1) / scale)
    # Variance below ~(3 m)² counts as one spot: well above float rounding error.
    return Cells(count, mlon, mlat, spread < SAME_PLACE_DEG2, single,
                 np.column_stack([west, south, east, north]))


def quantile_breaks(values, classes=5):
    """Upper bounds of up to ``classes`` quantile classes of the positive ``values``.

    Returns sorted distinct integers; the last one is the maximum. Empty when
    no value is positive (nothing to shade).
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[values > 0]
    if values.size == 0:
        return []
    qs = np.quantile(values, np.linspace(0, 1, classes + 1)[1:], method="inverted_cdf")
    return sorted({int(q) for q in qs})
