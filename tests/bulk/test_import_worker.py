"""The CLI loader reads big files in a forked worker process: same result as the plain path."""
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Incident, Revision
from app.bulk import Loader
from app.bulk import worker as bulk_worker
from app.interchange import importer
from app.interchange.importer import FormatError, import_stream
from tests.helpers import count_calls

HEADER = "title,start_date,actor,vectors,countries,wkt\n"
ROWS = [
    "Cable cut,2025-01-02,Jade Typhoon,cyber,,POINT (2.35 48.86)",
    "Leaflets,2025-01-03,jade typhoon,information,POL,POINT (21 52)",
    "Cable cut,2025-01-02,,cyber,,POINT (2.35 48.86)",  # repeats the first row
    "Pipeline,2025-01-04,,energy,,\"LINESTRING (10 54, 11 55)\"",
    "Drone,2025-01-05,,sabotage,,POINT (13.4 52.5)",
]


@pytest.fixture
def worker(app, monkeypatch):
    """Every import goes through the worker, in chunks of two rows; counts its runs."""
    monkeypatch.setattr(importer, "CHUNK", 2)
    return count_calls(monkeypatch, bulk_worker, "from_worker")


def _import(rows, user, **options):
    body = (HEADER + "".join(row + "\n" for row in rows)).encode()
    return import_stream(io.BytesIO(body), fmt="csv", user=user,
                         loader=Loader(worker_bytes=1), **options)


def _indexes(backend):
    """SQLite's index definitions (a bulk import leaves them as they were)."""
    if backend != "sqlite":
        return set()
    return set(db.session.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())


def _assert_rtree_mirrors_incidents(backend):
    """SQLite's R*Tree (packed at the end of an import into an empty database) holds
    every incident's box, and SQLite finds it sound."""
    if backend != "sqlite":
        return
    unmatched = db.session.execute(sa.text(
        "SELECT count(*) FROM incidents i LEFT JOIN incident_rtree r ON r.id = i.id "
        "WHERE r.id IS NULL OR r.min_x > i.min_x OR r.max_x < i.max_x "
        "OR r.min_y > i.min_y OR r.max_y < i.max_y")).scalar()
    extra = db.session.execute(sa.text(
        "SELECT count(*) FROM incident_rtree WHERE id NOT IN (SELECT id FROM incidents)")).scalar()
    check = db.session.execute(sa.text("SELECT rtreecheck('incident_rtree')")).scalar()
    assert (unmatched, extra, check) == (0, 0, "ok")


def _stored():
    db.session.expire_all()
    return sorted((i.title, i.actor.name if i.actor else None, [c.iso_a3 for c in i.countries])
                  for i in db.session.scalars(sa.select(Incident)))


def test_the_worker_imports_what_reading_in_place_imports(app, backend, make_user, worker):
    editor = make_user("editor")
    indexes = _indexes(backend)
    result = _import(ROWS, editor, publish=True)
    assert worker and result.ok, result.report()
    assert _indexes(backend) == indexes
    assert result.count == 4 and result.duplicates == [(4, "Cable cut")]
    assert _stored() == [("Cable cut", "Jade Typhoon", ["FRA"]),
                         ("Drone", None, ["DEU"]), ("Leaflets", "Jade Typhoon", ["POL"]),
                         ("Pipeline", None, ["DEU"])]
    revisions = db.session.scalar(sa.select(sa.func.count()).select_from(Revision))
    assert revisions == 4
    _assert_rtree_mirrors_incidents(backend)
    # Against stored incidents too: the second import only repeats.
    again = _import(ROWS[:2], editor)
    assert again.ok and again.count == 0 and again.duplicates == [(2, "Cable cut"),
                                                                  (3, "Leaflets")]
    # A chunk with a stored duplicate among new rows inserts the new rows only.
    mixed = _import([ROWS[0], "Blockade,2025-02-01,,political,,POINT (24 56)"], editor)
    assert mixed.ok and mixed.count == 1 and mixed.duplicates == [(2, "Cable cut")]
    new, = (db.session.get(Incident, i) for i in mixed.ids)
    assert new.title == "Blockade" and [v.slug for v in new.vectors] == ["political"]


def test_a_refusal_from_the_worker_reports_every_row_and_stores_nothing(app, backend,
                                                                          make_user, worker):
    editor = make_user("editor")
    indexes = _indexes(backend)
    rows = [*ROWS[:2], "Bad,2025-13-01,,cyber,,POINT (1 1)", *ROWS[3:],
            "Unknown,2025-01-06,,no-such-vector,,POINT (2 2)"]
    result = _import(rows, editor)
    assert worker and not result.ok
    # Both stages report: the bad date and, further down, the unknown vector.
    assert [(line, field) for line, field, _ in result.errors] == [
        (4, "start_date"), (7, "vectors")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
    assert _indexes(backend) == indexes
    _assert_rtree_mirrors_incidents(backend)


def test_a_format_error_in_the_worker_reaches_the_caller(app, backend, make_user, worker):
    editor = make_user("editor")
    indexes = _indexes(backend)
    body = (HEADER + ROWS[0] + "\n").encode() + b"\xff\xfe broken,2025-01-01,,,,POINT (1 1)\n"
    with pytest.raises(FormatError, match="not UTF-8"):
        import_stream(io.BytesIO(body), fmt="csv", user=editor, loader=Loader(worker_bytes=1))
    assert worker
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
    assert _indexes(backend) == indexes and len(indexes) > 10 or backend != "sqlite"
