"""NaN and infinite coordinates are refused everywhere a geometry enters."""
import json

import pytest

from tests.security.conftest import FEATURE, feature, stored


@pytest.mark.parametrize("raw_coords", ["[NaN, 48.0]", "[2.0, Infinity]", "[-Infinity, 1]"])
def test_geojson_with_nan_literals_is_400(client, token, raw_coords):
    _, headers = token()
    body = json.dumps(FEATURE).replace("[2.35, 48.86]", raw_coords)
    before = stored()
    response = client.post("/api/v1/incidents", data=body,
                           headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert stored() == before


@pytest.mark.parametrize("wkt", ["POINT (nan nan)", "POINT (2 inf)",
                                 "LINESTRING (0 0, nan 1)"])
def test_wkt_with_nan_is_400(client, token, wkt):
    _, headers = token()
    body = dict(FEATURE, geometry=None, properties=dict(FEATURE["properties"], wkt=wkt))
    before = stored()
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 400
    assert stored() == before


def test_lat_lon_nan_is_400(client, token):
    _, headers = token()
    body = dict(FEATURE, geometry=None,
                properties=dict(FEATURE["properties"], lat="nan", lon="2"))
    before = stored()
    assert client.post("/api/v1/incidents", json=body, headers=headers).status_code == 400
    assert stored() == before


def test_patch_to_nan_changes_nothing(client, token):
    _, headers = token()
    created = client.post("/api/v1/incidents", json=FEATURE, headers=headers).get_json()
    before = stored()
    body = json.dumps({"geometry": {"type": "Point", "coordinates": [2, 48]},
                       "properties": {"version": created["properties"]["version"]}}
                      ).replace("[2, 48]", "[NaN, NaN]")
    response = client.patch(f"/api/v1/incidents/{created['id']}", data=body,
                            headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert stored() == before
    again = client.get(f"/api/v1/incidents/{created['id']}", headers=headers).get_json()
    assert again["geometry"] == feature()["geometry"]
