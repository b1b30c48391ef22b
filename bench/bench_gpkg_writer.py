"""GeoPackage writer: Arrow batches (app/interchange/gpkg_io.py) against numpy columns.

The export writes through ``pyogrio.write_arrow``, which needs pyarrow (55 MB
installed); pyogrio's plain ``raw.write`` takes numpy arrays instead. This bench
writes the same synthetic incidents both ways, checks the two files hold the same
features, and prints the times: pyarrow stays while the plain path is slower.

    .venv/bin/python bench/bench_gpkg_writer.py [N]     # default 100000
"""
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyogrio
import pyogrio.raw
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.interchange import gpkg_io  # noqa: E402

#: The plain writer's fields: name -> numpy dtype (``object``: text, None is NULL).
FIELDS = {name: {pa.string(): object, pa.int16(): "int16", pa.int32(): "int32",
                 pa.date32(): "datetime64[D]"}[field.type]
          for name, field in zip(gpkg_io.SCHEMA.names, gpkg_io.SCHEMA) if name != "geometry"}


def records(n):
    """``n`` incident-like records with every field the writer reads."""
    day = datetime.date(2024, 1, 1)
    source = SimpleNamespace(url="https://example.org/a", publisher="Example",
                             published_on=day, archived_url=None)
    vector = SimpleNamespace(slug="cyber")
    country = SimpleNamespace(iso_a3="FRA")
    for i in range(n):
        yield SimpleNamespace(
            uuid=f"00000000-0000-4000-8000-{i:012d}", title=f"Incident {i}",
            summary="A summary " * 20, lang="en", start_date=day,
            end_date=None if i % 3 else day, time_precision="day",
            actor=SimpleNamespace(name="Actor") if i % 2 else None, attribution="suspected",
            confidence=None if i % 5 == 0 else 60, vectors=[vector], countries=[country],
            techniques=[], geo_precision="exact", precision_m=None if i % 4 else 100,
            location_name="Paris", sources=[source],
            geometry=shapely.Point(2.35 + i % 100 / 100, 48.85 + i % 70 / 100))


def _columns(records):
    """``(field_data, field_mask)``: one numpy array per field, a null mask for integers."""
    table = gpkg_io._table(records)
    data, mask = [], []
    for name, dtype in FIELDS.items():
        values = table.column(name).to_pylist()
        if dtype is object:
            data.append(np.array(values, dtype=object))
            mask.append(None)
        elif dtype == "datetime64[D]":
            data.append(np.array([v or "NaT" for v in values], dtype=dtype))
            mask.append(None)
        else:
            missing = np.array([v is None for v in values])
            data.append(np.array([v or 0 for v in values], dtype=dtype))
            mask.append(missing if missing.any() else None)
    return data, mask


def write_numpy(recs, path, batch=5000):
    """The tried alternative: numpy columns through ``pyogrio.raw.write`` (no pyarrow)."""
    for n, chunk in enumerate(gpkg_io.batches(recs, batch)):
        data, mask = _columns(chunk)
        pyogrio.raw.write(path, shapely.to_wkb([r.geometry for r in chunk]), data,
                          list(FIELDS), field_mask=mask, layer=gpkg_io.LAYER, driver="GPKG",
                          geometry_type="Unknown", crs="EPSG:4326", append=n > 0)


def timed(label, fn, n, path):
    best = None
    for _ in range(3):
        if os.path.exists(path):
            os.remove(path)
        started = time.perf_counter()
        fn(records(n), path)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    print(f"| {label} | {n:,} | {best:.2f} | {os.path.getsize(path) / 2**20:.1f} |")
    return path


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        print("| writer | incidents | best of 3 (s) | file (MiB) |\n|---|---|---|---|")
        arrow = timed("Arrow batches (`pyogrio.write_arrow`, the app's)", gpkg_io.write, n,
                      os.path.join(tmp, "arrow.gpkg"))
        plain = timed("numpy columns (`pyogrio.raw.write`, no pyarrow)", write_numpy, n,
                      os.path.join(tmp, "plain.gpkg"))
        a = pyogrio.read_dataframe(plain)
        b = pyogrio.read_dataframe(arrow)
        assert len(a) == len(b) == n
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry")), "fields differ"
        assert a.geometry.geom_equals(b.geometry).all(), "geometries differ"
        print("same features in both files")


if __name__ == "__main__":
    main()
