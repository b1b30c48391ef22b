"""An offline gazetteer: countries and cities from ``geodata/``.

Pure (no Flask, no database). Names are matched accent- and case-insensitively
by prefix, then by substring; cities rank by population. Geometries are GeoJSON
in EPSG:4326: a country's Natural Earth 1:110m outline, a city's point.
Cities are the capitals and large cities of ``geodata/cities.csv`` (GeoNames,
derived by ``geodata/derive_map.py``), found by their English or French name.
The map reads the same data here: a country's view (``country_view_bounds``)
and the offline basemap's place names (``map_places``).
"""
import csv
import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import shapely
import shapely.geometry

from app.geo.countries import geodata_dir

MAX_RESULTS = 20


@dataclass(frozen=True)
class Place:
    """A place a contributor may pick: ``kind`` is ``country`` or ``city``."""

    kind: str
    name: str
    country: str      # ISO 3166-1 alpha-3 for countries, alpha-2 for cities
    key: str          # folded name used for matching
    population: int
    geometry: dict
    name_fr: str = ""  # the French name, when it differs

    def as_json(self, lang="en"):
        """The place for the editor's picker, named in ``lang`` ("en" or "fr")."""
        name = self.name_fr if lang == "fr" and self.name_fr else self.name
        return {"kind": self.kind, "name": name, "country": self.country,
                "geometry": self.geometry}


def fold(text):
    """Lower case without accents: ``"Göteborg"`` → ``"goteborg"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@lru_cache(maxsize=1)
def _countries():
    with open(geodata_dir() / "countries-110m.geojson", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    places = []
    for f in features:
        props = f["properties"]
        for name in {props["name_en"], props["name_fr"]}:
            places.append(Place("country", props["name_en"], props["iso_a3"], fold(name),
                                10**10, f["geometry"], props["name_fr"]))
    return tuple(places)


@lru_cache(maxsize=1)
def _cities():
    """Cities, most populous first (so a scan can stop at the first matches)."""
    with open(geodata_dir() / "cities.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    places = []
    for row in rows:
        point = {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]}
        for name in {row["name"], row["name_fr"] or row["name"]}:
            places.append(Place("city", row["name"], row["country"], fold(name),
                                int(row["population"]), point, row["name_fr"]))
    return tuple(sorted(places, key=lambda p: -p.population))


def _matches(places, key, limit):
    """Names starting with ``key`` first, then containing it; in ``places`` order."""
    starts, contains = [], []
    for place in places:
        if place.key.startswith(key):
            starts.append(place)
            if len(starts) >= limit:
                break
        elif len(contains) < limit and key in place.key:
            contains.append(place)
    return starts + contains


def search_places(query, limit=10):
    """Countries then cities whose name starts with (else contains) ``query``."""
    key = fold(query or "")
    if len(key) < 2:
        return []
    limit = max(1, min(limit, MAX_RESULTS))
    found, seen = [], set()
    for places in (_countries(), _cities()):
        for place in _matches(places, key, limit):
            if (place.kind, place.name, place.country) not in seen:
                seen.add((place.kind, place.name, place.country))
                found.append(place)
    return found[:limit]


#: Parts of a country farther than this (degrees) from its largest part are left out
#: of its view: France's view is metropolitan France, not French Guiana and Réunion.
VIEW_REACH_DEG = 5.0


def _view_bounds(geometry):
    """``[west, south, east, north]`` of the largest polygon and the parts near it."""
    shape = shapely.geometry.shape(geometry)
    parts = list(getattr(shape, "geoms", [shape]))
    main = max(parts, key=lambda p: p.area)
    reach = main.envelope.buffer(VIEW_REACH_DEG, join_style="mitre")
    near = [p for p in parts if p.intersects(reach)]
    return [round(v, 2) for v in shapely.union_all(near).bounds]


@lru_cache(maxsize=1)
def country_view_bounds():
    """``{iso_a3: [west, south, east, north]}`` (degrees, EPSG:4326): what to fit
    when a reader picks a country — its main territory, from the 1:110m outline."""
    with open(geodata_dir() / "countries-110m.geojson", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return {f["properties"]["iso_a3"]: _view_bounds(f["geometry"]) for f in features
            if f["geometry"]}


#: Cities smaller than this are not named on the basemap (unless a capital): the
#: list the browser loads stays small (about 2,100 names, ~70 kB).
LABEL_MIN_POPULATION = 300_000


@lru_cache(maxsize=2)
def map_places(lang):
    """Capitals and large cities for the offline basemap's labels, in ``lang``.

    Returns ``[[name, lon, lat, population, capital], …]`` most populous first,
    positions to 0.01° (a pixel at zoom 7): compact rows, so the browser can
    choose by zoom without another request.
    """
    with open(geodata_dir() / "cities.csv", encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.DictReader(fh)
                if row["capital"] == "1" or int(row["population"]) >= LABEL_MIN_POPULATION]
    return [[(row["name_fr"] if lang == "fr" else "") or row["name"],
             round(float(row["lon"]), 2), round(float(row["lat"]), 2),
             int(row["population"]), int(row["capital"])] for row in rows]
