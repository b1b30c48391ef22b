"""Oversized and deeply nested JSON: a clear 4xx, no 500, nothing stored."""
import json

import pytest

from tests.security.conftest import FEATURE, feature, stored


def _post(client, headers, raw):
    return client.post("/api/v1/incidents", data=raw, headers={
        **headers, "Content-Type": "application/json"})


def test_oversized_body_is_413(app, client, token):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    _, headers = token()
    body = dict(FEATURE, properties=dict(FEATURE["properties"], summary="x" * 100_000))
    before = stored()
    response = _post(client, headers, json.dumps(body))
    assert response.status_code == 413
    assert stored() == before


@pytest.mark.parametrize("depth", [50, 100_000])
def test_deeply_nested_body_is_400(client, token, depth):
    _, headers = token()
    raw = '{"type": "Feature", "properties": ' + "[" * depth + "]" * depth + "}"
    before = stored()
    response = _post(client, headers, raw)
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert stored() == before


def test_deeply_nested_coordinates_are_400(client, token):
    _, headers = token()
    coords = [2.0, 48.0]
    for _ in range(40):
        coords = [coords]
    before = stored()
    response = client.post("/api/v1/incidents", headers=headers,
                           json=feature(type="Polygon", coordinates=coords))
    assert response.status_code == 400
    # Refused by the body's depth cap before any geometry is parsed.
    assert "nested" in response.get_json()["error"]
    assert stored() == before


def test_not_json_at_all_is_400(client, token):
    _, headers = token()
    before = stored()
    assert _post(client, headers, b"\xff\xfe{{{").status_code == 400
    assert _post(client, headers, "[1, 2, 3]").status_code == 400
    assert stored() == before
