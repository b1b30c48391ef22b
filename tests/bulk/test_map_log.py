"""An import leaves the public map's counter and change log alone unless it publishes.

The map triggers log a write only when it touches a published incident
(migration 0011). The CLI's loader drops them for a batch and replays their
work once; the replay must keep their condition, on every path: the plain one
(web uploads), the CLI's, dry runs.
"""
import io

import sqlalchemy as sa

from app.extensions import db
from app.interchange.importer import import_stream
from app.ops.counters import read_counter

HEADER = "title,start_date,actor,vectors,wkt\n"


def _body(title):
    return HEADER + "".join(f"{title} {i},2025-01-0{1 + i},,cyber,\"POINT ({i} 48)\"\n"
                            for i in range(3))


def _map_state():
    """The public map's counter and change log, as committed."""
    db.session.rollback()
    return read_counter("incidents"), db.session.execute(sa.text(
        "SELECT seq, incident_id FROM map_changes ORDER BY seq, incident_id")).all()


def _plain(user, title="Draft", **options):
    return import_stream(io.BytesIO(_body(title).encode()), fmt="csv", user=user, **options)


def _cli(runner, tmp_path, user, *flags, title="Draft"):
    path = tmp_path / f"{title}.csv"
    path.write_text(_body(title), encoding="utf-8")
    out = runner.invoke(args=["incidents", "import", str(path), "--as", user.email, *flags])
    assert out.exit_code == 0, out.output
    return out.output


def test_a_plain_import_of_drafts_leaves_the_public_map_alone(app, make_user, make_incident):
    make_incident(title="Already public")
    editor = make_user("editor")
    before = _map_state()
    result = _plain(editor)
    assert result.ok and result.count == 3, result.report()
    assert _map_state() == before
    assert _plain(editor, "Preview", publish=True, dry_run=True).count == 3
    assert _map_state() == before


def test_a_cli_import_of_drafts_leaves_the_public_map_alone(app, runner, tmp_path, make_user,
                                                           make_incident):
    make_incident(title="Already public")
    editor = make_user("editor")
    before = _map_state()
    assert "Imported 3 incidents as draft" in _cli(runner, tmp_path, editor)
    assert _map_state() == before
    assert "Dry run: 3" in _cli(runner, tmp_path, editor, "--publish", "--dry-run",
                               title="Preview")
    assert _map_state() == before


def test_a_cli_import_of_drafts_into_an_empty_database_leaves_the_map_alone(
        app, runner, tmp_path, make_user):
    editor = make_user("editor")
    before = _map_state()
    assert "Imported 3 incidents as draft" in _cli(runner, tmp_path, editor)
    assert _map_state() == before


def test_a_cli_import_that_publishes_bumps_once_and_logs_every_incident(
        app, runner, tmp_path, make_user, make_incident):
    make_incident(title="Already public")
    editor = make_user("editor")
    counter, logged = _map_state()
    assert "Imported 3 incidents as published" in _cli(runner, tmp_path, editor, "--publish")
    after, now_logged = _map_state()
    ids = db.session.execute(sa.text(
        "SELECT id FROM incidents WHERE title LIKE 'Draft %'")).scalars().all()
    assert after != counter
    assert set(ids) <= {incident_id for seq, incident_id in now_logged if seq == after}
