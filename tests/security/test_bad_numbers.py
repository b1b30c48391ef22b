"""Finding 8: bad input is a clear 4xx and changes nothing — never a 500.

Numbers from requests go through ``app/inputs.whole_number`` (ASCII digits,
range-checked), ids in paths through the app's ``int`` converter (ASCII, at
most 2⁶³−1), texts through ``text_problem``; each case below used to be a 500.
"""
import pytest

from app.tips.models import Tip
from app.extensions import db
from tests.security.conftest import FEATURE, stored
from tests.tips.conftest import TIP, csrf_token

SUPERSCRIPT = "\u00b2"
HUGE = "9" * 30


@pytest.mark.parametrize("query", [
    f"limit={SUPERSCRIPT}", f"cursor={SUPERSCRIPT}", f"limit={HUGE}", f"cursor={HUGE}",
    "limit=-1", "limit=+5", "limit=1_0", "limit= 5", "limit=\u0665",
    f"min_confidence={SUPERSCRIPT}", f"actor={HUGE}", f"actor={SUPERSCRIPT}"])
def test_bad_numbers_in_the_incident_list_are_400(client, query):
    response = client.get(f"/api/v1/incidents?{query}")
    assert response.status_code == 400, (query, response.status_code)
    assert "expected a whole number" in response.get_json()["error"]


@pytest.mark.parametrize("path", [
    f"/api/v1/map?zoom={SUPERSCRIPT}", f"/api/v1/map?zoom={HUGE}",
    f"/embed/map.png?width={SUPERSCRIPT}", f"/embed/map.png?height={HUGE}",
    f"/export/incidents.geojson?actor={HUGE}", f"/export/incidents.csv?actor={HUGE}",
    f"/feeds/incidents.atom?actor={HUGE}", f"/barometer?actor={HUGE}"])
def test_bad_numbers_elsewhere_are_400(client, path):
    response = client.get(path)
    response.get_data()
    assert response.status_code == 400, (path, response.status_code)


@pytest.mark.parametrize("path", [f"/incidents/{SUPERSCRIPT}", f"/incidents/{HUGE}",
                                  f"/api/v1/incidents/{HUGE}", f"/tips/{HUGE}"])
def test_ids_that_are_no_ids_are_404(client, path):
    assert client.get(path).status_code == 404


def _draft(client, headers):
    response = client.post("/api/v1/incidents", json=FEATURE, headers=headers)
    assert response.status_code == 201
    return response.get_json()["id"]


@pytest.mark.parametrize("version", [SUPERSCRIPT, HUGE, "1.0", True, [1], {"v": 1}, -1])
def test_bad_versions_on_patch_are_400_and_change_nothing(client, token, version):
    _, headers = token("contributor")
    incident_id = _draft(client, headers)
    before = stored()
    response = client.patch(f"/api/v1/incidents/{incident_id}", headers=headers,
                            json={"properties": {"title": "x", "version": version}})
    assert response.status_code == 400, (version, response.get_json())
    assert stored() == before


@pytest.mark.parametrize("if_match", ["*", SUPERSCRIPT, "abc", HUGE, '"1", "2"'])
def test_bad_if_match_on_delete_is_400_and_changes_nothing(client, token, if_match):
    _, headers = token("editor")
    incident_id = _draft(client, headers)
    before = stored()
    response = client.delete(f"/api/v1/incidents/{incident_id}",
                             headers={**headers, "If-Match": if_match})
    assert response.status_code == 400, (if_match, response.get_json())
    assert stored() == before


@pytest.mark.parametrize("wkt", ["CIRCULARSTRING (0 0, 1 1, 2 0)",
                                 "COMPOUNDCURVE ((0 0, 1 1))", "TRIANGLE ((0 0, 1 0, 0 1, 0 0))"])
def test_curved_and_exotic_wkt_is_400(client, token, wkt):
    _, headers = token("contributor")
    body = {"type": "Feature", "geometry": None,
            "properties": {**FEATURE["properties"], "wkt": wkt}}
    before = stored()
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 400, response.get_json()
    assert stored() == before


def test_a_lone_surrogate_in_a_title_is_400(client, token):
    _, headers = token("contributor")
    response = client.post("/api/v1/incidents", data=(
        '{"type":"Feature","geometry":{"type":"Point","coordinates":[2,48]},'
        '"properties":{"title":"a\\ud800b","start_date":"2025-01-01"}}'),
        headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("ids", [HUGE, f"1,{SUPERSCRIPT}", "\u0661\u0662", "-3", "1e9"])
def test_report_picks_with_bad_numbers_are_400(client, auth, make_user, ids):
    auth.login(make_user("editor").email)
    token = csrf_token(client, "/reports/2025-Q2")
    response = client.post("/reports/2025-Q2/picks", data={"csrf_token": token,
                                                            "incident_ids": ids})
    assert response.status_code == 400, ids


@pytest.mark.parametrize("into", [HUGE, SUPERSCRIPT, "\u0661", "-1"])
def test_tip_merges_with_bad_numbers_are_400(client, auth, make_user, into):
    assert client.post("/api/v1/tips", json=TIP).status_code == 202
    tip = db.session.scalar(db.select(Tip))
    auth.login(make_user("editor").email)
    page = f"/tips/triage/{tip.id}"
    response = client.post(f"{page}/merge", data={"csrf_token": csrf_token(client, page),
                                                 "into": into})
    assert response.status_code == 400, into
    db.session.refresh(tip)
    assert tip.status == "received"


def test_a_geopackage_whose_layer_is_an_fts5_table_is_refused_with_a_message(
        app, runner, tmp_path, make_user):
    import sqlite3
    path = tmp_path / "fts.gpkg"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE gpkg_contents (table_name TEXT, data_type TEXT);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, srs_id INT);
        CREATE VIRTUAL TABLE incidents USING fts5(title, geom);
        INSERT INTO gpkg_contents VALUES ('incidents', 'features');
        INSERT INTO gpkg_geometry_columns VALUES ('incidents', 'geom', 4326);
        INSERT INTO incidents VALUES ('x', NULL);""")
    conn.close()
    user = make_user("editor")
    before = stored()
    result = runner.invoke(args=["incidents", "import", str(path), "--as", user.email])
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit), result.output
    assert "not a plain table" in result.output
    assert stored() == before
