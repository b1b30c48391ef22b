"""Gazetteer look-ups: the editor's "find a place" (app.geo.gazetteer.search_places).

Compares the shipped search (cities sorted once by population, one pass that stops
at the first ``limit`` prefix matches) with a naive one (two full passes over every
place, then a sort), on the same queries, and checks both answer the same.

    .venv/bin/python bench/bench_gazetteer.py
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.geo import gazetteer  # noqa: E402

QUERIES = ["paris", "ber", "san", "kyiv", "vilnius", "lon", "st", "москва", "goteborg",
           "warsz", "al", "new y", "mar", "tallinn", "bel"]


def naive(query, limit=10):
    """Prefix then substring matches by population, two full scans per place list."""
    key = gazetteer.fold(query)
    found = []
    for places in (gazetteer._countries(), gazetteer._cities()):
        starts = [p for p in places if p.key.startswith(key)]
        contains = [p for p in places if key in p.key and not p.key.startswith(key)]
        for place in (sorted(starts, key=lambda p: -p.population)
                      + sorted(contains, key=lambda p: -p.population)):
            if all((place.kind, place.name, place.country) != (p.kind, p.name, p.country)
                   for p in found):
                found.append(place)
    return found[:limit]


def timed(search, repeat=5):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for q in QUERIES:
            search(q)
        runs.append((time.perf_counter() - start) / len(QUERIES) * 1000)
    return min(runs), statistics.median(runs)


def main():
    start = time.perf_counter()
    gazetteer._countries(), gazetteer._cities()
    print(f"load: {time.perf_counter() - start:.2f} s ({len(gazetteer._cities())} cities)")
    differ = [q for q in QUERIES
              if [p.name for p in naive(q)] != [p.name for p in gazetteer.search_places(q)]]
    for name, search in (("naive", naive), ("shipped", gazetteer.search_places)):
        best, median = timed(search)
        print(f"{name}: best {best:.1f} ms, median {median:.1f} ms per query")
    print(f"same answers on {len(QUERIES) - len(differ)} of {len(QUERIES)} queries; "
          f"different: {differ}")


if __name__ == "__main__":
    main()
