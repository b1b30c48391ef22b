"""What GIS clients read: application/geo+json, right-hand rings, one charset, Range."""
import pytest

from app.auth.service import create_token

CW_SQUARE = {"type": "Polygon", "coordinates": [[[2, 48], [2, 49], [3, 49], [3, 48], [2, 48]]]}


def _signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


@pytest.fixture
def editor_headers(make_user):
    return {"Authorization": "Bearer " + create_token(make_user("editor"))}


def test_api_geojson_is_geo_json_with_right_hand_rings(client, editor_headers):
    """A clockwise polygon sent in comes back counterclockwise, as application/geo+json,
    from the create, read and list answers alike."""
    feature = {"type": "Feature", "geometry": CW_SQUARE, "properties": {
        "title": "Square", "start_date": "2025-04-01", "confidence": 50}}
    created = client.post("/api/v1/incidents", json=feature, headers=editor_headers)
    assert created.status_code == 201 and created.mimetype == "application/geo+json"
    one = client.get(created.headers["Location"], headers=editor_headers)
    listed = client.get("/api/v1/incidents?status=draft", headers=editor_headers)
    assert one.mimetype == listed.mimetype == "application/geo+json"
    for geometry in (created.get_json()["geometry"], one.get_json()["geometry"],
                     listed.get_json()["features"][0]["geometry"]):
        assert _signed_area(geometry["coordinates"][0]) > 0  # counterclockwise


def test_delete_with_a_non_integer_if_match_is_a_400(client, editor_headers, make_incident):
    """An ETag that is no version is bad input, not a server error; nothing changes."""
    incident = make_incident()
    response = client.delete(f"/api/v1/incidents/{incident.id}",
                             headers={**editor_headers, "If-Match": '"abc"'})
    assert response.status_code == 400 and "If-Match" in response.get_json()["error"]
    assert client.get(f"/api/v1/incidents/{incident.id}").get_json()[
        "properties"]["status"] == "published"


def test_csv_export_names_one_charset(client, make_incident):
    make_incident()
    response = client.get("/export/incidents.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert client.get("/export/incidents.geojson").headers[
        "Content-Type"] == "application/geo+json"


def test_geopackage_download_honours_range_requests(client, make_incident):
    """It advertises Accept-Ranges, so a Range request gets a 206 with that slice."""
    make_incident()
    whole = client.get("/export/incidents.gpkg")
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert int(whole.headers["Content-Length"]) == len(whole.data)
    part = client.get("/export/incidents.gpkg", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    assert part.data == whole.data[100:200]


def test_geojson_validator_finds_nothing_in_the_api_output(client, editor_headers):
    """geojson-validator on the list answer: structure valid, no invalid or
    problematic geometry (clockwise input, a hole, a line over the antimeridian)."""
    import geojson_validator
    shapes = [CW_SQUARE,
              {"type": "Polygon", "coordinates": [
                  [[10, 40], [14, 40], [14, 44], [10, 44], [10, 40]],
                  [[11, 41], [11, 42], [12, 42], [12, 41], [11, 41]]]},
              {"type": "LineString", "coordinates": [[179, -17], [-179, -16]]},
              {"type": "Point", "coordinates": [24.1, 56.95]}]
    for i, geometry in enumerate(shapes):
        created = client.post("/api/v1/incidents", headers=editor_headers, json={
            "type": "Feature", "geometry": geometry, "properties": {
                "title": f"Shape {i}", "start_date": "2025-04-01", "confidence": 50}})
        assert created.status_code == 201, created.get_json()
    body = client.get("/api/v1/incidents?status=draft", headers=editor_headers).get_json()
    assert len(body["features"]) == 4
    assert geojson_validator.validate_structure(body) == {}
    result = geojson_validator.validate_geometries(body)
    # Holes are "problematic" only in the sense of "some tools mishandle them"; an
    # incident's area may have one. The validator also flags the line split at the
    # antimeridian as RFC 7946 (3.1.9) asks: it maps the part ending at 180 to -180
    # before comparing, so a correct split reads as a crossing. Nothing else is flagged.
    assert result["invalid"] == {}
    assert set(result["problematic"]) <= {"holes", "crosses_antimeridian"}
    for flagged in result["problematic"].get("crosses_antimeridian", []):
        (index,) = flagged if isinstance(flagged, dict) else [flagged]
        geometry = body["features"][index]["geometry"]
        assert geometry["type"] == "MultiLineString"
        edges = [x for part in geometry["coordinates"] for x, _ in part]
        assert max(edges) == 180 and min(edges) == -180
        assert all(abs(b[0] - a[0]) <= 180 for part in geometry["coordinates"]
                   for a, b in zip(part, part[1:]))
