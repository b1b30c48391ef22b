"""Public reads carry validators and answer 304; CORS is open for public GETs only."""
from app.auth.service import create_token


def test_incident_has_etag_and_last_modified_and_answers_304(client, make_incident):
    incident = make_incident(title="Cached")
    first = client.get(f"/api/v1/incidents/{incident.id}")
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "public" in first.headers["Cache-Control"] and "max-age=60" in first.headers["Cache-Control"]
    again = client.get(f"/api/v1/incidents/{incident.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get(f"/api/v1/incidents/{incident.id}",
                       headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    stale = client.get(f"/api/v1/incidents/{incident.id}", headers={"If-None-Match": '"0"'})
    assert stale.status_code == 200


def test_list_etag_changes_when_the_data_changes(client, make_incident):
    make_incident(title="One")
    first = client.get("/api/v1/incidents")
    etag = first.headers["ETag"]
    assert client.get("/api/v1/incidents", headers={"If-None-Match": etag}).status_code == 304
    make_incident(title="Two")
    changed = client.get("/api/v1/incidents", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["count"] == 2


def test_personal_answers_are_private(client, make_user, make_incident):
    user = make_user("editor")
    make_incident(title="Draft", status="draft", author=user)
    response = client.get("/api/v1/incidents",
                          headers={"Authorization": "Bearer " + create_token(user)})
    assert response.get_json()["count"] == 1
    assert "private" in response.headers["Cache-Control"]
    assert "Authorization" in response.headers["Vary"]


def test_cors_is_open_for_public_gets_only(client, make_user):
    assert client.get("/api/v1/incidents").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/openapi.json").headers["Access-Control-Allow-Origin"] == "*"
    user = make_user("contributor")
    post = client.post("/api/v1/incidents", json={}, headers={
        "Authorization": "Bearer " + create_token(user), "Origin": "https://elsewhere.example"})
    assert post.status_code == 400
    assert "Access-Control-Allow-Origin" not in post.headers
    preflight = client.open("/api/v1/incidents", method="OPTIONS",
                            headers={"Origin": "https://elsewhere.example",
                                     "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
