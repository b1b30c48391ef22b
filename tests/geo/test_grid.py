"""Screen-space grid aggregation and class breaks."""
import numpy as np
import pytest

from app.geo import grid
from app.geo.grid import aggregate, lonlat_to_unit, separate


def _agg(points, zoom, **kw):
    lon, lat = np.array(points, dtype=float).T
    x, y = grid.lonlat_to_unit(lon, lat)
    return grid.aggregate(lon, lat, x, y, zoom, **kw)


def test_mercator_round_trip():
    lon = np.array([-179.0, 0.0, 24.1, 179.9])
    lat = np.array([-60.0, 0.0, 56.95, 80.0])
    back_lon, back_lat = grid.unit_to_lonlat(*grid.lonlat_to_unit(lon, lat))
    assert np.allclose(back_lon, lon) and np.allclose(back_lat, lat)


def test_counts_sum_to_input_and_lone_points_are_singles():
    cells = _agg([(2.35, 48.86), (2.36, 48.87), (13.4, 52.52)], zoom=3)
    assert sorted(cells.count.tolist()) == [1, 2]
    assert cells.count.sum() == 3
    lone = int(np.flatnonzero(cells.count == 1)[0])
    assert cells.single[lone] == 2
    assert cells.single[cells.count == 2].tolist() == [-1]


def test_cluster_position_is_the_mean_and_bbox_contains_members():
    cells = _agg([(2.0, 48.0), (2.2, 48.2)], zoom=2)
    assert len(cells) == 1
    assert cells.lon[0] == pytest.approx(2.1) and cells.lat[0] == pytest.approx(48.1)
    west, south, east, north = cells.bbox[0]
    assert west <= 2.0 and east >= 2.2 and south <= 48.0 and north >= 48.2
    assert not cells.same_place[0]


def test_same_place_is_detected():
    same = _agg([(24.1, 56.95)] * 4, zoom=18)
    assert same.count.tolist() == [4] and same.same_place.tolist() == [True]
    near = _agg([(24.1, 56.95)] * 2 + [(24.1003, 56.95)], zoom=17)
    assert near.count.tolist() == [3] and near.same_place.tolist() == [False]


def test_higher_zoom_splits_cells():
    pts = [(2.35, 48.86), (2.45, 48.86)]
    assert len(_agg(pts, zoom=4)) == 1
    assert len(_agg(pts, zoom=12)) == 2


def test_sparse_grid_is_compacted():
    cells = _agg([(-170, -60), (170, 70)], zoom=20)
    assert cells.count.tolist() == [1, 1]


def test_empty_input():
    assert len(_agg(np.zeros((0, 2)), zoom=4)) == 0


def test_quantile_breaks():
    assert grid.quantile_breaks([0, 0]) == []
    assert grid.quantile_breaks([5]) == [5]
    breaks = grid.quantile_breaks(list(range(1, 101)), classes=4)
    assert breaks == [25, 50, 75, 100]


def test_cells_count_their_members_per_kind():
    lon = np.array([2.0, 2.001, 2.002, 40.0])
    lat = np.array([48.0, 48.001, 48.002, 10.0])
    x, y = lonlat_to_unit(lon, lat)
    cells = aggregate(lon, lat, x, y, 4, kind=np.array([1, 1, -1, 0]), kinds=2)
    by_count = {int(c): k.tolist() for c, k in zip(cells.count, cells.kinds)}
    assert by_count == {3: [0, 2], 1: [1, 0]}  # the kindless member counts in no kind
    assert cells.take(cells.count > 1).kinds.tolist() == [[0, 2]]


def _icons_overlap(cells, zoom, icon_px):
    x, y = lonlat_to_unit(cells.lon, cells.lat)
    px, py = x * 256 * 2 ** zoom, y * 256 * 2 ** zoom
    r = np.asarray(icon_px(cells.count)) / 2
    d2 = (px[:, None] - px[None, :]) ** 2 + (py[:, None] - py[None, :]) ** 2
    near = d2 < (r[:, None] + r[None, :]) ** 2
    np.fill_diagonal(near, False)
    return near.any()


def test_separate_merges_cells_whose_icons_would_overlap():
    """Cell means near a shared cell edge would draw overlapping icons: they merge,
    nothing is lost (counts, kinds) and no two icons meet afterwards."""
    rng = np.random.default_rng(7)
    lon = rng.uniform(0, 20, 3000)
    lat = rng.uniform(40, 55, 3000)
    x, y = lonlat_to_unit(lon, lat)
    kind = rng.integers(-1, 3, 3000)
    cells = aggregate(lon, lat, x, y, 6, kind=kind, kinds=3)

    def icon_px(count):
        return np.where(np.asarray(count) > 1, 30 + 8 * np.log10(np.maximum(count, 1)), 22)
    assert _icons_overlap(cells, 6, icon_px)
    apart = separate(cells, 6, icon_px)
    assert not _icons_overlap(apart, 6, icon_px)
    assert apart.count.sum() == 3000 and len(apart) < len(cells)
    assert apart.kinds.sum() == (kind >= 0).sum()
    assert (apart.single[apart.count > 1] == -1).all()
    lone = apart.single >= 0
    assert (cells.single[np.isin(cells.single, apart.single[lone])] >= 0).all()
    # Every member still lies in its (merged) cell's bbox.
    for w, s, e, n in apart.bbox[apart.count > 1][:50]:
        assert w <= e and s <= n
