"""Screen-space grid aggregation and class breaks."""
import numpy as np
import pytest

from app.geo import grid


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
