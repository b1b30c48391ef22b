"""Hostile and broken files get a clear error and leave nothing behind."""
import io
import json
import sqlite3
import zipfile

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents.filters import parse_filters
from app.incidents.models import Actor, Incident
from app.interchange import sniff
from app.interchange.export import export_to_path
from app.interchange.importer import FormatError, import_stream

HEADER = "title,start_date,actor,vectors,wkt\n"


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Incident))


def _refused(stream, fmt, user, needle):
    with pytest.raises(FormatError) as info:
        import_stream(stream, fmt=fmt, user=user)
    assert needle in str(info.value)
    assert _count() == 0


def _zip(entries, **kwargs):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, **kwargs) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_zipped_csv_imports(app, make_user):
    result = import_stream(_zip([("data/incidents.csv",
                                  HEADER + "Zipped,2025-01-01,,cyber,POINT (2 48)\n")]),
                           fmt="csv", user=make_user("editor"))
    assert result.ok and result.count == 1


def test_zip_slip_paths_are_refused(app, make_user):
    user = make_user("editor")
    for name in ("../../etc/evil.csv", "/abs/evil.csv", "a/../../evil.csv"):
        _refused(_zip([(name, HEADER)]), "csv", user, "unsafe path")


def test_zip_bomb_is_refused_before_unpacking(app, make_user, monkeypatch):
    user = make_user("editor")
    bomb = _zip([("bomb.csv", HEADER + "x" * 5_000_000)])
    _refused(bomb, "csv", user, "zip bomb")
    monkeypatch.setattr(sniff, "MAX_UNZIPPED", 1000)
    _refused(_zip([("big.csv", HEADER + "y,2025-01-01,,cyber,POINT (2 48)\n" * 100)]),
             "csv", user, "zip bomb")


def test_zip_with_several_files_is_refused(app, make_user):
    _refused(_zip([("a.csv", HEADER), ("b.csv", HEADER)]), "csv", make_user("editor"),
             "exactly one data file")


@pytest.mark.parametrize("fmt,content,needle", [
    ("csv", b"SQLite format 3\x00" + b"\x00" * 100, "holds an SQLite database"),
    ("gpkg", b"title,start_date\nx,2025\n", "sent as a GeoPackage but holds text"),
    ("geojson", b"title,start_date\n", "sent as GeoJSON but holds text"),
    ("stix", b"%PDF-1.7 ...", "holds a PDF document"),
    ("geojson", b'{"type": "Point", "coordinates": [1, 2]}', "not a GeoJSON FeatureCollection"),
    ("stix", b'{"type": "FeatureCollection", "features": []}', "not a STIX 2.1 bundle"),
])
def test_content_must_match_the_claimed_format(app, make_user, fmt, content, needle):
    _refused(io.BytesIO(content), fmt, make_user("editor"), needle)


def _gpkg_with(tmp_path, app, make_incident, sql):
    make_incident(title="Carrier")
    path = tmp_path / "x.gpkg"
    export_to_path(path, "gpkg", parse_filters({}), None)
    db.session.execute(sa.delete(Incident))
    db.session.commit()
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()
    return path


def test_geopackage_with_a_trigger_is_refused(app, make_user, make_incident, tmp_path):
    path = _gpkg_with(tmp_path, app, make_incident,
                      "CREATE TABLE log(x); CREATE TRIGGER evil AFTER INSERT ON incidents "
                      "BEGIN INSERT INTO log VALUES (1); END;")
    with open(path, "rb") as stream:
        _refused(stream, "gpkg", make_user("editor"), "contains triggers (evil)")


def test_geopackage_with_a_view_is_refused(app, make_user, make_incident, tmp_path):
    path = _gpkg_with(tmp_path, app, make_incident,
                      "CREATE VIEW sneaky AS SELECT * FROM incidents;")
    with open(path, "rb") as stream:
        _refused(stream, "gpkg", make_user("editor"), "contains views (sneaky)")


def test_geopackage_is_opened_read_only(app, make_user, make_incident, tmp_path):
    from app.interchange.gpkg_io import open_defensively
    path = _gpkg_with(tmp_path, app, make_incident, "")
    conn = open_defensively(str(path))
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("DELETE FROM incidents")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("ATTACH DATABASE ':memory:' AS other")
    conn.close()


def test_csv_formula_cells_are_stored_as_text_and_exported_inert(app, make_user, tmp_path):
    stream = io.BytesIO((HEADER + '"=cmd|\' /C calc\'!A0",2025-01-01,"@SUM(1)",cyber,'
                         'POINT (2 48)\n').encode())
    result = import_stream(stream, fmt="csv", user=make_user("editor"), publish=True)
    assert result.ok, result.report()
    incident = db.session.get(Incident, result.ids[0])
    assert incident.title == "=cmd|' /C calc'!A0" and incident.actor.name == "@SUM(1)"
    out = tmp_path / "out.csv"
    export_to_path(out, "csv", parse_filters({}), None)
    row = out.read_text().splitlines()[1]
    assert row.startswith("'=cmd") and ",'@SUM(1)," in row


def test_broken_encoding_in_json_is_a_format_error(app, make_user):
    bad = b'{"type": "FeatureCollection", "features": [{"title": "Caf\xe9"}]}'
    _refused(io.BytesIO(bad), "geojson", make_user("editor"), "not UTF-8")


def test_bad_features_get_a_report_by_feature_and_nothing_is_kept(app, make_user):
    good = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2, 48]},
            "properties": {"title": "Good", "start_date": "2025-01-01", "actor": "New Guy"}}
    bad = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [200, 48]},
           "properties": {"start_date": "2025-01-01"}}
    data = {"type": "FeatureCollection", "features": [good, bad, "junk"]}
    result = import_stream(io.BytesIO(json.dumps(data).encode()), fmt="geojson",
                           user=make_user("editor"))
    assert not result.ok
    report = result.report()
    assert "feature 2: title: is required" in report
    assert "feature 2: geometry: coordinate (200, 48) is out of range" in report
    assert "feature 3: feature: is not a GeoJSON Feature" in report
    assert _count() == 0
    assert db.session.scalar(sa.select(Actor).where(Actor.name == "New Guy")) is None


def test_large_csv_is_streamed_in_chunks(app, make_user, monkeypatch):
    """A file bigger than one chunk is inserted chunk by chunk, then all rolled back on error."""
    from app.interchange import importer
    monkeypatch.setattr(importer, "CHUNK", 50)
    rows = "".join(f"Row {i},2025-01-01,,cyber,POINT ({i % 50} 48)\n" for i in range(230))
    result = import_stream(io.BytesIO((HEADER + rows).encode()), fmt="csv",
                           user=make_user("editor"))
    assert result.ok and result.count == 230 and _count() == 230
    db.session.execute(sa.delete(Incident))
    db.session.commit()
    broken = rows + "Late bad row,2025-99-01,,cyber,POINT (1 1)\n"
    result = import_stream(io.BytesIO((HEADER + broken).encode()), fmt="csv",
                           user=make_user("editor"))
    assert not result.ok and "line 232: start_date" in result.report()
    assert _count() == 0
