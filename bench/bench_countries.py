"""Benchmark country assignment: naive (one STRtree of unsplit countries) vs fast.

Run from the repository root::

    .venv/bin/python bench/bench_countries.py [--quick]

Random geometries in a Europe-and-neighbourhood box (lon -25..45, lat 34..72, about
half land, half sea): points (100k and 1M), short lines and small polygons. Each
method is timed on the same geometries and the answers are checked to be identical.
Prints a Markdown table for ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.geo import countries  # noqa: E402

BOX = (-25.0, 34.0, 45.0, 72.0)  # west, south, east, north (degrees, EPSG:4326)


def random_points(rng, n):
    """``n`` uniform random points in :data:`BOX`."""
    west, south, east, north = BOX
    return shapely.points(rng.uniform(west, east, n), rng.uniform(south, north, n))


def random_lines(rng, n):
    """Two-vertex lines from a random point, about 0-100 km long."""
    start = shapely.get_coordinates(random_points(rng, n))
    end = start + rng.normal(0, 0.4, start.shape)
    return shapely.linestrings(np.stack((start, end), axis=1))


def random_polygons(rng, n):
    """16-sided polygons of radius 0.02-0.3 degree around random points."""
    return shapely.buffer(random_points(rng, n), rng.uniform(0.02, 0.3, n), quad_segs=4)


def timed(function, geometries, repeat):
    """Best wall-clock time of ``repeat`` runs, and the last answer."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        answer = function(geometries)
        best = min(best, time.perf_counter() - started)
    return best, answer


def intersects_only(geometries):
    """The plain baseline: one STRtree of the unsplit countries, no sea rule."""
    tree, _ = countries._unsplit_countries(countries.geodata_dir())
    return tree.query(geometries, predicate="intersects")


def pieces_only(geometries):
    """The pieces' STRtree alone: intersection test, no lookup, no sea rule."""
    return countries.country_index().tree.query(geometries, predicate="intersects")


def resolved_by_lookup(index, geometries):
    """Share of geometries answered by the cell lookup alone."""
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    known, _ = index._from_lookup(geometries, present)
    return known.mean()


def machine():
    """CPU model name and core count (from lscpu when available)."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args(argv)
    scale = 100 if args.quick else 1
    rng = np.random.default_rng(42)

    started = time.perf_counter()
    index = countries.country_index()
    load_s = time.perf_counter() - started
    countries.assign_countries_naive([shapely.Point(0, 0)])  # load the unsplit countries

    cases = [
        ("points", random_points(rng, 100_000 // scale)),
        ("points", random_points(rng, 1_000_000 // scale)),
        ("lines", random_lines(rng, 50_000 // scale)),
        ("polygons", random_polygons(rng, 50_000 // scale)),
    ]
    print(f"machine: {machine()}; date: {datetime.date.today()}; "
          f"python {platform.python_version()}, shapely {shapely.__version__}, "
          f"numpy {np.__version__}")
    print(f"index load: {load_s:.2f} s ({len(index.pieces)} pieces)\n")
    print("| geometries | count | land test only: unsplit STRtree /s | land test only: pieces "
          "STRtree /s | naive /s | fast /s | fast vs naive | answered by lookup | identical |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for kind, geometries in cases:
        plain_s, _ = timed(intersects_only, geometries, repeat=1)
        pieces_s, _ = timed(pieces_only, geometries, repeat=3)
        naive_s, naive = timed(countries.assign_countries_naive, geometries, repeat=1)
        fast_s, fast = timed(countries.assign_countries, geometries, repeat=3)
        share = resolved_by_lookup(index, geometries)
        print(f"| {kind} | {len(geometries):,} | {len(geometries) / plain_s:,.0f} "
              f"| {len(geometries) / pieces_s:,.0f} "
              f"| {len(geometries) / naive_s:,.0f} "
              f"| {len(geometries) / fast_s:,.0f} | {naive_s / fast_s:.0f}x | {share:.1%} "
              f"| {'yes' if fast == naive else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
