"""One upload reports every problem of every row: no stage hides another's findings."""
import io

import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Incident
from app.interchange.importer import import_stream

HEADER = "title,start_date,end_date,vectors,platforms,countries,confidence,wkt\n"


def _csv(*rows):
    return io.BytesIO((HEADER + "".join(r + "\n" for r in rows)).encode())


def _problems(result):
    return {(pos, field) for pos, field, _ in result.errors}


def _alone(user, row):
    return _problems(import_stream(_csv(row), fmt="csv", user=user))


ROWS = (
    # a bad date beside unknown references: the references are checked all the same
    "Bad date,2025-13-01,,teleportation,,XXX,50,POINT (2 48)",
    # every reference field unknown: each is named, not only the first
    "Refs,2025-01-02,,cyber;warp,pigeon-post,ZZZ,50,POINT (2 48)",
    # no title, a confidence out of range, an end before the start, an unknown vector
    ",2025-02-02,2025-01-01,sabotage;nope,,,150,POINT (3 49)",
)


def test_a_three_row_bad_file_lists_all_its_problems_at_once(app, make_user):
    editor = make_user("editor")
    result = import_stream(_csv(*ROWS), fmt="csv", user=editor)
    assert not result.ok
    assert _problems(result) == {
        (2, "start_date"), (2, "vectors"), (2, "countries"),
        (3, "vectors"), (3, "platforms"), (3, "countries"),
        (4, "title"), (4, "confidence"), (4, "end_date"), (4, "vectors")}
    # What each row says alone is what it said among the others (line 2 each time).
    together = _problems(result)
    for line, row in enumerate(ROWS, start=2):
        alone = _alone(editor, row)
        assert {(line, field) for _, field in alone} == {p for p in together if p[0] == line}
    reasons = {(pos, field): str(reason) for pos, field, reason in result.errors}
    assert "warp" in reasons[(3, "vectors")] and "cyber" not in reasons[(3, "vectors")]
    assert "nope" in reasons[(4, "vectors")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def test_a_stale_update_is_reported_beside_another_rows_problem(app, make_user,
                                                                 make_incident, tmp_path):
    """A row naming a stored incident at an old version is refused even when another
    row of the file is invalid (before, only the invalid row was listed)."""
    import json

    from app.incidents.filters import parse_filters
    from app.interchange.export import export_to_path
    stored = make_incident(title="Stored")
    editor = make_user("editor")
    path = tmp_path / "out.stix"
    export_to_path(path, "stix", parse_filters({}), editor)
    bundle = json.loads(path.read_text())
    incident = next(o for o in bundle["objects"] if o["type"] == "incident")
    broken = {**incident, "id": "incident--0f2f5d64-3c1f-4b8e-9d8c-2a9d1b6e7f10",
              "name": ""}
    bundle["objects"].append(broken)
    stored.title = "Changed meanwhile"
    db.session.commit()  # the bundle's version of it is stale now
    path.write_text(json.dumps(bundle))
    with open(path, "rb") as stream:
        result = import_stream(stream, fmt="stix", user=editor)
    assert not result.ok
    fields = [field for _, field, _ in result.errors]
    assert "id" in fields and "title" in fields
    assert "someone else saved it first" in result.report()
