"""Import options: dry run, duplicates skipped and listed, drafts unless an editor publishes."""
import io

import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Actor, Incident

from app.interchange.importer import import_stream

HEADER = "title,start_date,actor,vectors,wkt\n"


def _csv(*rows):
    return io.BytesIO((HEADER + "".join(r + "\n" for r in rows)).encode())


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Incident))


def test_dry_run_previews_and_changes_nothing(app, make_user):
    result = import_stream(_csv("A,2025-01-01,Brand New,cyber,POINT (2 48)",
                                "B,2025-01-02,,cyber,POINT (3 48)"),
                           fmt="csv", user=make_user("editor"), dry_run=True)
    assert result.ok and result.dry_run and result.count == 2
    assert _count() == 0
    assert db.session.scalar(sa.select(Actor).where(Actor.name == "Brand New")) is None


def test_duplicates_are_skipped_and_listed(app, make_user, make_incident):
    make_incident(title="Known", start_date="2025-03-01", wkt="POINT (2.35 48.86)")
    result = import_stream(_csv("Known,2025-03-01,,cyber,POINT (2.35 48.86)",
                                "Known,2025-03-02,,cyber,POINT (2.35 48.86)",
                                "Twice,2025-01-01,,cyber,POINT (1 1)",
                                "Twice,2025-01-01,,cyber,POINT (1 1)"),
                           fmt="csv", user=make_user("editor"))
    assert result.ok, result.report()
    assert result.count == 2
    assert result.duplicates == [(2, "Known"), (5, "Twice")]
    assert "line 5: duplicate of an existing incident: Twice" in result.duplicate_report()
    assert _count() == 3


def test_contributor_imports_drafts(app, make_user):
    result = import_stream(_csv("Mine,2025-01-01,,cyber,POINT (2 48)"), fmt="csv",
                           user=make_user("contributor"))
    assert db.session.get(Incident, result.ids[0]).status == "draft"


def test_cli_dry_run_and_duplicates(runner, app, make_user, tmp_path):
    make_user("admin")
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "Same,2025-01-01,,cyber,POINT (2 48)\n"
                    "Same,2025-01-01,,cyber,POINT (2 48)\n")
    result = runner.invoke(args=["incidents", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: 1 incidents would be imported as draft" in result.output
    assert "line 3: duplicate" in result.output
    assert _count() == 0


def test_incidents_created_after_an_import_get_fresh_ids(app, make_user, make_incident):
    """Bulk inserts choose ids themselves; the database's id sequence must follow."""
    result = import_stream(_csv("Imported,2025-01-01,,cyber,POINT (2 48)"), fmt="csv",
                           user=make_user("editor"))
    created = make_incident(title="Made afterwards")
    assert created.id > result.ids[0]


def test_one_upload_reports_every_problem_of_every_row(app, make_user):
    """A bad date in one row does not hide an unknown vector in another: the
    reference check runs for the report even once the file is refused."""
    result = import_stream(_csv("A,2025-13-01,X,cyber,POINT (2 48)",
                                "B,2025-01-02,X,no-such-vector,POINT (3 48)",
                                "C,2025-01-03,X,cyber,POINT (4 48)"),
                           fmt="csv", user=make_user("editor"), dry_run=True)
    assert not result.ok
    assert [(line, field) for line, field, _ in result.errors] == [
        (2, "start_date"), (3, "vectors")]
    assert _count() == 0
