"""CSV import: all or nothing, countries derived, actors created, a report of every bad row."""
import io

import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Actor, Incident, Revision
from app.interchange.importer import FormatError, import_stream

HEADER = "title,summary,start_date,end_date,actor,vectors,countries,wkt,geo_precision,confidence,source_url\n"


def _csv(*rows, header=HEADER):
    return io.BytesIO((header + "".join(r + "\n" for r in rows)).encode())


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_good_file_imports_as_drafts_with_countries_derived(app, make_user):
    editor = make_user("editor")
    stream = _csv(
        'Cable cut,Fibre cut near Paris,2025-01-02,,New Actor,sabotage;cyber,,POINT (2.35 48.86),exact,80,https://example.org/a',
        'Border push,,2025-02,2025-03,,migration,POL;LTU,"LINESTRING (22.93 54.10, 23.97 54.02)",region,40,',
    )
    result = import_stream(stream, fmt="csv", user=editor)
    assert result.ok, result.report()
    first, second = (db.session.get(Incident, i) for i in result.ids)
    assert first.status == "draft"
    assert [c.iso_a3 for c in first.countries] == ["FRA"]
    assert sorted(v.slug for v in first.vectors) == ["cyber", "sabotage"]
    assert first.actor.name == "New Actor" and first.actor.type == "unknown"
    assert first.sources[0].url == "https://example.org/a"
    assert first.end_date == first.start_date
    assert str(second.start_date) == "2025-02-01" and str(second.end_date) == "2025-03-31"
    assert [c.iso_a3 for c in second.countries] == ["LTU", "POL"]
    revision = db.session.scalar(sa.select(Revision).where(Revision.incident_id == first.id))
    assert revision.action == "import" and revision.snapshot["title"] == "Cable cut"


def test_publish_flag_needs_an_editor(app, make_user):
    contributor = make_user("contributor")
    stream = _csv('A,,2025-01-02,,,cyber,,POINT (2 48),exact,50,')
    try:
        import_stream(stream, fmt="csv", user=contributor, publish=True)
    except Exception as exc:  # PermissionDenied
        assert "editors" in str(exc)
    else:
        raise AssertionError("a contributor published on import")
    assert _count(Incident) == 0


def test_bad_rows_refuse_the_whole_file_with_a_report(app, make_user):
    editor = make_user("editor")
    stream = _csv(
        'Good row,,2025-01-02,,Fresh Actor,cyber,,POINT (2.35 48.86),exact,80,',
        ',,2025-13-01,,,cyber,,POINT (2 48),exact,50,',
        'Bad geometry,,2025-01-02,,,cyber,,"POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))",exact,50,',
        'Bad refs,,2025-01-02,,,teleportation,XXX,POINT (2 48),exact,150,ftp://x',
    )
    result = import_stream(stream, fmt="csv", user=editor)
    assert not result.ok
    report = result.report()
    assert "line 3: title: is required" in report
    assert "line 3: start_date:" in report and "2025-13-01" in report
    assert "line 4: geometry: Polygon is invalid: self-intersection at (0.5, 0.5)" in report
    assert "line 5: confidence: must be between 0 and 100" in report
    assert "line 5: sources[0]: 'ftp://x' is not an http(s) URL" in report
    assert _count(Incident) == 0
    assert db.session.scalar(sa.select(Actor).where(Actor.name == "Fresh Actor")) is None


def test_unknown_vector_and_country_are_reported(app, make_user):
    editor = make_user("editor")
    stream = _csv('Refs,,2025-01-02,,Someone,teleportation,XXX,POINT (2 48),exact,50,')
    result = import_stream(stream, fmt="csv", user=editor)
    assert not result.ok
    assert "line 2: vectors: unknown vector teleportation" in result.report()
    assert _count(Incident) == 0
    assert db.session.scalar(sa.select(Actor).where(Actor.name == "Someone")) is None


def test_lat_lon_columns_replace_wkt(app, make_user):
    editor = make_user("editor")
    stream = _csv("Point,2025-05-05,cyber,52.52,13.40",
                  header="title,start_date,vectors,lat,lon\n")
    result = import_stream(stream, fmt="csv", user=editor)
    assert result.ok, result.report()
    incident = db.session.get(Incident, result.ids[0])
    assert (incident.geometry.x, incident.geometry.y) == (13.40, 52.52)
    assert [c.iso_a3 for c in incident.countries] == ["DEU"]


def test_header_without_geometry_is_a_format_error(app, make_user):
    editor = make_user("editor")
    try:
        list(import_stream(_csv("x,2025-01-01", header="title,start_date\n"), fmt="csv",
                           user=editor).ids)
    except FormatError as exc:
        assert "wkt (or lat and lon)" in str(exc)
    else:
        raise AssertionError("a file without geometry columns was accepted")


def test_broken_encoding_is_a_format_error(app, make_user):
    editor = make_user("editor")
    stream = io.BytesIO(HEADER.encode() + b"Caf\xe9,,2025-01-01,,,cyber,,POINT (2 48),exact,50,\n")
    try:
        import_stream(stream, fmt="csv", user=editor)
    except FormatError as exc:
        assert "not UTF-8" in str(exc)
    else:
        raise AssertionError("a Latin-1 file was accepted")
    assert _count(Incident) == 0


def test_cli_import_prints_the_report_and_exits_nonzero(runner, app, make_user, tmp_path):
    make_user("admin")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "No date,,,,,cyber,,POINT (2 48),exact,50,\n")
    result = runner.invoke(args=["incidents", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 2: start_date: is required" in result.output
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "Fine,,2025-01-01,,,cyber,,POINT (2 48),exact,50,\n")
    result = runner.invoke(args=["incidents", "import", str(good), "--format", "csv",
                                 "--publish"])
    assert result.exit_code == 0, result.output
    assert "Imported 1 incidents as published" in result.output


def test_new_geometry_rules_hold_for_imports(app, make_user):
    """Rings with too few points and swapped coordinates are reported; a line across
    the antimeridian would be split (so the one good row is not the problem)."""
    editor = make_user("editor")
    stream = _csv(
        'Pacific cable,,2025-01-02,,,sabotage,FJI,"LINESTRING (178 -17, -179 -18)",exact,50,',
        'Thin ring,,2025-01-02,,,cyber,,"POLYGON ((0 0, 1 1, 0 0))",exact,50,',
        'Swapped,,2025-01-02,,,cyber,,POINT (48.86 120),exact,50,',
    )
    result = import_stream(stream, fmt="csv", user=editor)
    report = result.report()
    assert "line 3: geometry: ring 1 has 2 distinct corner(s)" in report
    assert "line 4: geometry:" in report and "look swapped" in report
    assert "line 2" not in report
    assert _count(Incident) == 0


def test_read_rows_gives_what_dict_reader_and_restore_give():
    """Cells starting with ``neutralise``'s apostrophe are restored wherever they are."""
    import csv

    from app.interchange import csv_io
    text = (HEADER + "'=1+1,a,'@x,,'-y,\"multi\n'=line\",'',',''',\"'\t\",'+9\n"
            "plain,it's,fine,,,,,,,,\nshort,'=z\n\n'-a,'b,'=c,,,,,,,,'@d\n")
    want = [{k: csv_io.restore(v or "") for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text))]
    got = [props for _, props in csv_io.read_rows(io.BytesIO(text.encode()))]
    assert got == want
    assert got[0]["title"] == "=1+1" and got[0]["summary"] == "a"
    assert got[0]["vectors"] == "multi\n'=line" and got[3]["source_url"] == "@d"
