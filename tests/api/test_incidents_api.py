"""The JSON API: GeoJSON out, Bearer-token writes, 409 on stale versions, JSON errors."""
import pytest

from app.auth.service import create_token


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
