"""A representative point per country, for things located only by a country name.

Pure: reads ``geodata/countries-50m.geojson`` (EPSG:4326) once; no Flask.
"""
import functools
import json

import shapely

from app.geo.countries import geodata_dir


@functools.cache
def _points():
    with open(geodata_dir() / "countries-50m.geojson", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    shapes = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    points = shapely.point_on_surface(shapes)
    return {f["properties"]["iso_a3"]: p for f, p in zip(features, points)}


def country_point(iso_a3):
    """A point inside the country ``iso_a3`` (lon/lat degrees), or ``None`` if it has no
    polygon of its own in the 50m boundaries."""
    return _points().get(iso_a3)
