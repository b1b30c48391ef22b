"""The JSON API: GeoJSON out, Bearer-token writes, 409 on stale versions, JSON errors."""
import pytest
import sqlalchemy as sa

from app.auth.service import create_token
from app.extensions import db
from app.incidents.models import Incident


@pytest.fixture
def token(app, make_user):
    def make(role="contributor"):
        user = make_user(role)
        return user, {"Authorization": "Bearer " + create_token(user)}
    return make


FEATURE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
           "properties": {"title": "Bot network", "start_date": "2025-04-01",
                          "vectors": ["information"], "actor": "Someone", "confidence": 60,
                          "sources": [{"url": "https://example.org/x", "publisher": "X"}]}}


def test_list_is_geojson_of_published_incidents(client, make_incident):
    make_incident(title="Public")
    make_incident(title="Hidden draft", status="draft")
    body = client.get("/api/v1/incidents").get_json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["title"] for f in body["features"]] == ["Public"]
    feature = body["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.35, 48.86]}
    assert feature["properties"]["countries"] == ["FRA"]


def test_post_creates_a_draft_and_patch_needs_the_current_version(client, token):
    user, headers = token("contributor")
    created = client.post("/api/v1/incidents", json=FEATURE, headers=headers)
    assert created.status_code == 201, created.get_json()
    feature = created.get_json()
    assert feature["properties"]["status"] == "draft"
    assert feature["properties"]["countries"] == ["FRA"]
    iid, version = feature["id"], feature["properties"]["version"]
    # Invisible to the public.
    assert client.get(f"/api/v1/incidents/{iid}").status_code == 404
    ok = client.patch(f"/api/v1/incidents/{iid}", headers=headers,
                      json={"properties": {"title": "Renamed", "version": version}})
    assert ok.status_code == 200, ok.get_json()
    stale = client.patch(f"/api/v1/incidents/{iid}",
                         headers={**headers, "If-Match": f'"{version}"'},
                         json={"properties": {"title": "Lost update"}})
    assert stale.status_code == 409
    assert stale.get_json()["changes"]["title"] == ["Bot network", "Renamed"]


def test_writes_need_a_token(client):
    assert client.post("/api/v1/incidents", json=FEATURE).status_code == 401
    bad = client.post("/api/v1/incidents", json=FEATURE,
                      headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert "unknown or revoked" in bad.get_json()["error"]


def test_invalid_feature_gets_every_reason(client, token):
    _, headers = token("contributor")
    bad = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.5, 95]},
           "properties": {"start_date": "soon", "confidence": 500}}
    response = client.post("/api/v1/incidents", json=bad, headers=headers)
    assert response.status_code == 400
    fields = {f["field"] for f in response.get_json()["fields"]}
    assert fields == {"title", "start_date", "confidence", "geometry"}


def test_bad_filter_is_a_json_400(client):
    response = client.get("/api/v1/incidents?bbox=1,2,3")
    assert response.status_code == 400
    assert "four numbers" in response.get_json()["error"]


def test_delete_archives(client, token, make_incident):
    editor, headers = token("editor")
    incident = make_incident(author=editor)
    response = client.delete(f"/api/v1/incidents/{incident.id}", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["properties"]["status"] == "archived"
    assert client.get(f"/api/v1/incidents/{incident.id}").status_code == 404


# --- issue 4: every rule holds through the API, every 4xx is JSON with a message --

def test_wrong_content_type_is_a_json_415(client, token):
    _, headers = token("contributor")
    response = client.post("/api/v1/incidents", data="title=x", headers=headers,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "application/json" in response.get_json()["error"]


def test_oversized_body_is_a_json_413(client, token):
    from app.api.routes import MAX_BODY
    _, headers = token("contributor")
    body = {**FEATURE, "properties": {**FEATURE["properties"], "summary": "x" * MAX_BODY}}
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 413
    assert "kB" in response.get_json()["error"]


def test_deeply_nested_body_is_refused_before_parsing(client, token):
    _, headers = token("contributor")
    text = '{"type": "Feature", "properties": {"x": ' + "[" * 50_000 + "]" * 50_000 + "}}"
    response = client.post("/api/v1/incidents", data=text, headers=headers,
                           content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.get_json()["error"]


@pytest.mark.parametrize("geometry, message", [
    ({"type": "Point", "coordinates": [48.86, 120]}, "look swapped"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
     "self-intersection at (0.5, 0.5)"),
    ({"type": "LineString", "coordinates": [[0, 0]]}, "at least 2"),
])
def test_bad_geometry_is_a_400_and_nothing_stored(client, token, geometry, message):
    _, headers = token("contributor")
    response = client.post("/api/v1/incidents", json={**FEATURE, "geometry": geometry},
                           headers=headers)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    _, editor = token("editor")
    listed = client.get("/api/v1/incidents?status=draft", headers=editor).get_json()
    assert listed["features"] == []


def test_antimeridian_line_is_stored_split(client, token):
    _, headers = token("contributor")
    line = {"type": "LineString", "coordinates": [[170, -17], [-178, -18]]}
    feature = client.post("/api/v1/incidents", json={**FEATURE, "geometry": line},
                          headers=headers).get_json()
    assert feature["geometry"]["type"] == "MultiLineString"


def test_workflow_through_patch_status(client, token):
    _, author = token("contributor")
    _, editor = token("editor")
    feature = client.post("/api/v1/incidents", json=FEATURE, headers=author).get_json()
    url = f"/api/v1/incidents/{feature['id']}"
    version = feature["properties"]["version"]
    submitted = client.patch(url, json={"status": "submitted", "version": version},
                             headers=author)
    assert submitted.get_json()["properties"]["status"] == "submitted"
    version = submitted.get_json()["properties"]["version"]
    refused = client.patch(url, json={"status": "published", "version": version},
                           headers=author)
    assert refused.status_code == 403 and "editors" in refused.get_json()["error"]
    rejected = client.patch(url, json={"status": "rejected", "version": version},
                            headers=editor)
    assert rejected.status_code == 400
    assert "reason" in rejected.get_json()["error"]
    published = client.patch(url, json={"status": "published", "version": version},
                             headers=editor)
    assert published.get_json()["properties"]["status"] == "published"
    assert client.get(url).status_code == 200  # now public
    stale = client.patch(url, json={"status": "archived", "version": version},
                         headers=editor)
    assert stale.status_code == 409 and stale.get_json()["error"]


def test_every_api_4xx_has_a_json_message(client, token):
    _, headers = token("contributor")
    for response in (client.get("/api/v1/incidents/999999"),
                     client.delete("/api/v1/incidents/1"),
                     client.put("/api/v1/incidents/1", headers=headers),
                     client.get("/api/v1/incidents?limit=abc"),
                     client.get("/api/v1/nothing-here")):
        assert 400 <= response.status_code < 500
        assert response.is_json and response.get_json()["error"].strip()


@pytest.mark.parametrize("props, field", [
    ({"source_url": 5}, "source_url"),
    ({"source_url": {"url": "https://example.org/x"}}, "source_url"),
    ({"vectors": [5]}, "vectors"), ({"countries": [["FRA"]]}, "countries"),
    ({"sources": [{"url": "https://example.org/x", "publisher": {"n": 1}}]}, "sources[0]"),
    ({"confidence": 10 ** 400}, "confidence")])
def test_wrong_json_types_are_a_400_naming_the_field(client, token, props, field):
    """Not a 500: ``parse_incident`` refuses them like any other bad value."""
    _, headers = token("contributor")
    properties = {k: v for k, v in FEATURE["properties"].items() if k != "sources"}
    feature = {**FEATURE, "properties": {**properties, **props}}
    response = client.post("/api/v1/incidents", json=feature, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert [f["field"] for f in response.get_json()["fields"]] == [field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def test_invalid_polygon_across_the_antimeridian_is_a_400(client, token):
    _, headers = token("contributor")
    feature = {**FEATURE, "geometry": {"type": "Polygon", "coordinates": [
        [[0, 0], [0, 1], [179, -1], [-170, 0], [0, 0]]]}}
    response = client.post("/api/v1/incidents", json=feature, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)
    (problem,) = response.get_json()["fields"]
    assert problem["field"] == "geometry"
    assert problem["reason"].startswith("Polygon is invalid")
