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
    ``(west, south, east, north)`` in degrees, shape ``(k, 4)``; ``kinds``, when
    the members had a kind (see :func:`aggregate`), counts each cell's members
    per kind, shape ``(k, kinds)``.
    """

    count: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    same_place: np.ndarray
    single: np.ndarray
    bbox: np.ndarray
    kinds: np.ndarray | None = None

    def __len__(self):
        return len(self.count)

    def take(self, which):
        """The cells selected by ``which`` (a boolean mask or positions)."""
        return Cells(self.count[which], self.lon[which], self.lat[which],
                     self.same_place[which], self.single[which], self.bbox[which],
                     None if self.kinds is None else self.kinds[which])

    def meeting(self, parts):
        """Boolean mask of the cells whose area meets any of the ``(W, S, E, N)`` parts."""
        b = self.bbox
        out = np.zeros(len(self), dtype=bool)
        for west, south, east, north in parts:
            out |= (b[:, 2] >= west) & (b[:, 0] <= east) & (b[:, 3] >= south) & (
                b[:, 1] <= north)
        return out


def aggregate(lon, lat, x, y, zoom, *, cell_px=64, kind=None, kinds=0):
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
    kind : ndarray of int, optional
        A code per point in ``0 .. kinds - 1`` (``-1``: none), e.g. its first
        vector; each cell then counts its members per code (``Cells.kinds``).
    kinds : int
        How many codes ``kind`` may take.

    Returns
    -------
    Cells
        One entry per occupied cell; counts sum to ``len(lon)``.
    """
    n = len(lon)
    if n == 0:
        empty = np.zeros(0)
        return Cells(empty.astype(np.int64), empty, empty, empty.astype(bool),
                     empty.astype(np.int64), np.zeros((0, 4)),
                     None if kind is None else np.zeros((0, kinds), dtype=np.int64))
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
                 np.column_stack([west, south, east, north]),
                 None if kind is None else _kind_counts(counts, key, kind, kinds))


def _kind_counts(counts, key, kind, kinds):
    """``(occupied cells, kinds)`` member counts per kind; ``key`` indexes ``counts``."""
    rank = np.cumsum(counts > 0) - 1   # a key's position among the occupied cells
    has = kind >= 0
    flat = np.bincount(rank[key[has]] * kinds + kind[has],
                       minlength=int(rank[-1] + 1) * kinds)
    return flat.reshape(-1, kinds)


def separate(cells, zoom, icon_px, *, rounds=4):
    """Merge cells whose icons would overlap on screen at ``zoom``.

    ``icon_px(count)`` is the diameter (px) of the icon drawn for a cell of
    ``count`` members. The most populous cells are placed first; a cell whose
    icon meets a placed one joins it (counts, kinds and bboxes add up, the
    position is the members' mean). Merging moves and grows icons, so this
    repeats until nothing meets (at most ``rounds`` times).
    """
    for _ in range(rounds):
        owner = _overlaps(cells, zoom, icon_px)
        if owner is None:
            break
        cells = _merged(cells, owner)
    return cells


def _overlaps(cells, zoom, icon_px):
    """``owner[i]``: the placed cell that cell ``i`` joins (itself if none); None
    when no icons meet."""
    n = len(cells)
    if n < 2:
        return None
    x, y = lonlat_to_unit(cells.lon, cells.lat)
    px, py = (x * TILE_PX * 2.0 ** zoom).tolist(), (y * TILE_PX * 2.0 ** zoom).tolist()
    radius = (np.asarray(icon_px(cells.count), dtype=np.float64) / 2).tolist()
    size = 2 * max(radius)
    owner, placed, moved = list(range(n)), {}, False
    for i in np.argsort(-cells.count, kind="stable").tolist():
        bx, by = int(px[i] // size), int(py[i] // size)
        hit = next((j for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                    for j in placed.get((bx + dx, by + dy), ())
                    if (px[i] - px[j]) ** 2 + (py[i] - py[j]) ** 2
                    < (radius[i] + radius[j]) ** 2), None)
        if hit is None:
            placed.setdefault((bx, by), []).append(i)
        else:
            owner[i], moved = hit, True
    return np.asarray(owner) if moved else None


def _merged(cells, owner):
    """Cells grouped by ``owner`` (see :func:`_overlaps`)."""
    groups, group = np.unique(owner, return_inverse=True)
    count = np.bincount(group, weights=cells.count).astype(np.int64)

    def mean(values):
        return np.bincount(group, weights=values * cells.count) / count

    members = np.bincount(group)
    b = cells.bbox
    bbox = np.column_stack([np.full(len(groups), np.inf), np.full(len(groups), np.inf),
                            np.full(len(groups), -np.inf), np.full(len(groups), -np.inf)])
    np.minimum.at(bbox[:, 0], group, b[:, 0])
    np.minimum.at(bbox[:, 1], group, b[:, 1])
    np.maximum.at(bbox[:, 2], group, b[:, 2])
    np.maximum.at(bbox[:, 3], group, b[:, 3])
    kinds = None
    if cells.kinds is not None:
        kinds = np.zeros((len(groups), cells.kinds.shape[1]), dtype=np.int64)
        np.add.at(kinds, group, cells.kinds)
    alone = members == 1
    return Cells(count, mean(cells.lon), mean(cells.lat),
                 np.where(alone, cells.same_place[groups], False),
                 np.where(alone, cells.single[groups], -1), bbox, kinds)


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
