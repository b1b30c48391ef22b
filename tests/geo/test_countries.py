"""Country assignment: the countries an incident's geometry touches, or the coast it lies off.

These tests use the committed ``geodata/`` files and no Flask application.
"""
import csv

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod

from app.geo import countries
from app.geo.countries import (SEA_RADIUS_KM, CountryIndex, assign_countries,
                               assign_countries_naive, geodata_dir, load_countries,
                               pair_distances_km)

EUROPE = (-25.0, 30.0, 50.0, 72.0)  # Europe and its neighbourhood, lon/lat degrees


def assign_one(geometry):
    return assign_countries([geometry])[0]


def test_point_in_paris_is_france():
    assert assign_one(shapely.Point(2.35, 48.86)) == ["FRA"]


def test_line_across_the_border_gets_both_countries():
    """Suwałki (PL) to Druskininkai (LT) crosses the Polish-Lithuanian border."""
    line = shapely.LineString([(22.93, 54.10), (23.97, 54.02)])
    assert assign_one(line) == ["LTU", "POL"]


def test_line_paris_berlin_gets_every_country_crossed():
    """The straight lon/lat line clips southern Belgium and Luxembourg on its way."""
    line = shapely.LineString([(2.35, 48.86), (13.40, 52.52)])
    assert assign_one(line) == ["BEL", "DEU", "FRA", "LUX"]


def test_polygon_at_sea_east_of_bornholm_gets_denmark():
    """~23 km off Bornholm (DK), farther from Poland (~61 km) and Sweden (~78 km)."""
    polygon = shapely.box(15.5, 55.0, 16.0, 55.3)
    assert not shapely.intersects(polygon, _unsplit_countries()).any()
    assert assign_one(polygon) == ["DNK"]


def test_mid_atlantic_point_gets_no_country():
    assert assign_one(shapely.Point(-45.0, 35.0)) == []


def test_sea_radius_is_measured_in_km_not_degrees():
    """East of Jan Mayen (NO) at 71° N a degree of longitude is only ~36 km.

    4° east is ~148 km away, so Norway; 6.6° east is ~234 km, so nothing.
    """
    assert assign_one(shapely.Point(-3.9, 71.0)) == ["NOR"]
    assert assign_one(shapely.Point(-1.5, 71.0)) == []


def test_nearest_country_at_sea_is_nearest_in_km():
    """In the Barents Sea, Russia is nearest in degrees but Norway is nearer in km."""
    point = shapely.Point(32.86, 70.8)
    frame = pyogrio.read_dataframe(geodata_dir() / "countries-50m.geojson")
    nearest_in_degrees = frame["iso_a3"][shapely.STRtree(frame.geometry.values)
                                         .query_nearest(point)[0]]
    assert nearest_in_degrees == "RUS"
    assert assign_one(point) == ["NOR"]


def test_sea_distance_matches_a_geodesic_computation():
    """The km distance agrees with pyproj's WGS 84 geodesic (sphere vs ellipsoid < 1 %)."""
    point = shapely.Point(-3.9, 71.0)
    index = countries.country_index()
    near = index.boundary_pieces[index.boundary_tree.query(shapely.buffer(point, 6.0))]
    ours = pair_distances_km(np.array([point] * len(near)), near).min()
    lon, lat = shapely.get_coordinates(near).T
    _, _, metres = Geod(ellps="WGS84").inv(np.full(lon.shape, -3.9), np.full(lat.shape, 71.0),
                                            lon, lat)
    assert 140 < ours < SEA_RADIUS_KM
    assert ours == pytest.approx(metres.min() / 1000, rel=0.01)


def test_narrow_strait_gets_both_shores():
    """In the Øresund, Sweden (~1.4 km) and Denmark (~3.2 km) are equally near."""
    assert assign_one(shapely.Point(12.66, 56.04)) == ["DNK", "SWE"]


def test_empty_missing_and_invalid_coordinates_get_no_country():
    geometries = [None, shapely.Point(), shapely.Polygon(), shapely.LineString(),
                  shapely.Point(float("nan"), float("nan")), shapely.Point(190.0, 10.0)]
    assert assign_countries(geometries) == [[]] * len(geometries)


def test_answers_keep_input_order_and_multi_geometries():
    geometries = [shapely.MultiPoint([(2.35, 48.86), (13.40, 52.52)]),
                  shapely.Point(13.40, 52.52), None, shapely.Point(2.35, 48.86)]
    assert assign_countries(geometries) == [["DEU", "FRA"], ["DEU"], [], ["FRA"]]


def test_antimeridian_is_handled():
    """Chukotka straddles 180°: both sides are Russia, and the sea off it too."""
    assert assign_countries([shapely.Point(179.9, 65.5), shapely.Point(-179.9, 65.5),
                             shapely.Point(-179.0, 62.0)]) == [["RUS"], ["RUS"], ["RUS"]]


@pytest.fixture(scope="module")
def random_points():
    rng = np.random.default_rng(20240601)
    west, south, east, north = EUROPE
    return shapely.points(rng.uniform(west, east, 20_000), rng.uniform(south, north, 20_000))


def test_fast_method_matches_naive_on_random_points(random_points):
    """Pieces and the cell lookup give exactly the answers of the unsplit countries."""
    fast = assign_countries(random_points)
    assert fast == assign_countries_naive(random_points)
    sizes = np.bincount([len(codes) for codes in fast])
    assert sizes[0] > 1000 and sizes[1] > 10_000 and sizes[2:].sum() > 10  # all cases seen


def test_fast_method_matches_naive_near_coasts():
    """Points within a few km of a coast or border, where cells are hardest to resolve."""
    rng = np.random.default_rng(7)
    coords = shapely.get_coordinates(countries.country_index().boundary_pieces)
    near = coords[rng.integers(0, len(coords), 10_000)] + rng.normal(0, 0.03, (10_000, 2))
    points = shapely.points(np.clip(near, [-180, -90], [180, 90]))
    assert assign_countries(points) == assign_countries_naive(points)


def test_fast_method_matches_naive_on_random_lines_and_polygons():
    rng = np.random.default_rng(11)
    west, south, east, north = EUROPE
    n = 2_000
    start = np.column_stack((rng.uniform(west, east, n), rng.uniform(south, north, n)))
    lines = shapely.linestrings(np.stack((start, start + rng.normal(0, 0.5, (n, 2))), axis=1))
    polygons = shapely.buffer(shapely.points(start), rng.uniform(0.01, 0.3, n), quad_segs=4)
    geometries = np.concatenate((lines, polygons))
    assert assign_countries(geometries) == assign_countries_naive(geometries)


def test_index_without_lookup_gives_the_same_answers(random_points):
    """The cell lookup is only a shortcut: the pieces and distances alone agree with it."""
    plain = CountryIndex.from_directory(geodata_dir(), lookup=False)
    sample = random_points[:3000]
    assert plain.assign(sample) == assign_countries(sample)


def test_reference_table_has_codes_and_names():
    table = {row.iso_a3: row for row in load_countries()}
    france, germany = table["FRA"], table["DEU"]
    assert (france.iso_a2, france.iso_num, france.name_en, france.name_fr) == (
        "FR", "250", "France", "France")
    assert (germany.iso_num, germany.name_en, germany.name_fr) == ("276", "Germany", "Allemagne")
    assert table["AFG"].iso_num == "004"  # ISO numeric keeps its leading zeros
    assert table["XKX"].iso_a2 == "XK" and table["XKX"].iso_num is None
    assert table["RUS"].name_fr == "Russie"
    assert table["SLB"].name_fr == "Îles Salomon"
    assert table["GIB"].has_geometry is False and france.has_geometry is True
    assert len(table) == len(load_countries()) == 250


def test_every_assignable_code_is_in_the_reference_table():
    table = {row.iso_a3 for row in load_countries() if row.has_geometry}
    assert set(countries.country_index().codes) == table


def test_load_countries_returns_a_fresh_list():
    first = load_countries()
    first.clear()
    assert len(load_countries()) == 250


def test_geodata_directory_can_be_overridden(tmp_path, monkeypatch):
    with open(tmp_path / "countries.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["iso_a3", "iso_a2", "iso_num", "name_en", "name_fr", "has_geometry"])
        writer.writerow(["FRA", "FR", "250", "France (test)", "France (test)", "1"])
    monkeypatch.setenv("ATLAS_GEODATA", str(tmp_path))
    assert geodata_dir() == tmp_path
    assert [row.name_en for row in load_countries()] == ["France (test)"]


def _unsplit_countries():
    frame = pyogrio.read_dataframe(geodata_dir() / "countries-50m.geojson")
    return frame.geometry.values
