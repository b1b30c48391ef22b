"""``GET /api/v1/map``: truthful clusters, cross-filtering, facets, no drafts, no stale data."""
import pytest

WORLD = "-180,-85,180,85"


def _get(client, **params):
    params.setdefault("bbox", WORLD)
    params.setdefault("zoom", "4")
    response = client.get("/api/v1/map", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _ids(data):
    return sorted(f["id"] for f in data["features"])


def test_single_incident_is_never_a_cluster_and_counts_add_up(client, make_incident):
    a = make_incident(title="Paris 1", wkt="POINT (2.35 48.86)")
    b = make_incident(title="Paris 2", wkt="POINT (2.36 48.87)")
    c = make_incident(title="Berlin", wkt="POINT (13.4 52.52)")
    data = _get(client, zoom="3")
    assert data["total"] == 3
    assert [cl["count"] for cl in data["clusters"]] == [2]
    assert _ids(data) == [c.id]
    assert sum(cl["count"] for cl in data["clusters"]) + len(data["features"]) == 3
    # Zoomed in, the two Paris incidents separate into single incidents.
    close = _get(client, zoom="16", bbox="2.30,48.80,2.40,48.90")
    assert close["clusters"] == [] and _ids(close) == sorted([a.id, b.id])


def test_coincident_incidents_form_a_same_place_cluster(client, make_incident):
    for i in range(3):
        make_incident(title=f"Same {i}", wkt="POINT (24.1 56.95)")
    data = _get(client, zoom="18", bbox="24.0,56.9,24.2,57.0")
    assert len(data["clusters"]) == 1
    cluster = data["clusters"][0]
    assert cluster["count"] == 3 and cluster["same_place"] is True
    west, south, east, north = cluster["bbox"]
    assert west <= 24.1 <= east and south <= 56.95 <= north


def test_cross_filter_rule(client, make_incident):
    """Shown when actor on AND any vector on AND any country on."""
    make_incident(title="A info FRA", actor="Alpha", vectors=["information"],
                  countries=["FRA"], wkt="POINT (2.35 48.86)")
    make_incident(title="A cyber+info DEU", actor="Alpha", vectors=["cyber", "information"],
                  countries=["DEU"], wkt="POINT (13.4 52.52)")
    make_incident(title="B cyber FRA+DEU", actor="Beta", vectors=["cyber"],
                  countries=["FRA", "DEU"], wkt="POINT (7.0 50.0)")
    make_incident(title="B sabotage POL", actor="Beta", vectors=["sabotage"],
                  countries=["POL"], wkt="POINT (21.0 52.2)")

    def titles(**params):
        data = _get(client, zoom="12", **params)
        assert data["clusters"] == []
        return sorted(f["title"] for f in data["features"])

    assert titles(actor="Alpha") == ["A cyber+info DEU", "A info FRA"]
    assert titles(vector="cyber") == ["A cyber+info DEU", "B cyber FRA+DEU"]
    assert titles(vector="cyber", country="FRA") == ["B cyber FRA+DEU"]
    assert titles(actor="Alpha", vector="information", country="DEU") == ["A cyber+info DEU"]
    assert titles(actor="Beta", vector=["cyber", "sabotage"], country="POL") == [
        "B sabotage POL"]
    assert titles(actor="Gamma") == []


def test_facets_count_each_group_under_the_other_groups(client, make_incident):
    make_incident(actor="Alpha", vectors=["information"], countries=["FRA"])
    make_incident(actor="Alpha", vectors=["cyber"], countries=["DEU"],
                  wkt="POINT (13.4 52.52)")
    make_incident(actor="Beta", vectors=["cyber"], countries=["DEU"],
                  wkt="POINT (13.5 52.5)")
    data = _get(client, actor="Alpha", vector="cyber")
    facets = data["facets"]
    # Actors counted with vector=cyber only: Alpha 1, Beta 1 (Beta is off but listed).
    assert {a["name"]: a["count"] for a in facets["actors"]} == {"Alpha": 1, "Beta": 1}
    # Vectors counted with actor=Alpha only.
    assert facets["vectors"] == {"cyber": 1, "information": 1}
    # FRA has an incident (Alpha, information) but none under actor=Alpha AND
    # vector=cyber: it stays listed with 0, so its layer does not vanish.
    assert facets["countries"] == {"DEU": 1, "FRA": 0}
    assert data["total"] == 1
    assert data["barometer"]["counts"] == {"DEU": 1}


def test_time_filter_respects_intervals(client, make_incident):
    make_incident(title="March to June", start_date="2025-03-01", end_date="2025-06-30")
    make_incident(title="January", start_date="2025-01-10", wkt="POINT (13.4 52.52)")
    april = _get(client, zoom="10", **{"from": "2025-04", "to": "2025-04"})
    assert [f["title"] for f in april["features"]] == ["March to June"]
    assert _get(client, **{"from": "2025-07"})["total"] == 0
    assert _get(client)["period"] == {"min": "2025-01-10", "max": "2025-06-30"}


def test_min_confidence_and_text_search(client, make_incident):
    make_incident(title="Weak signal", confidence=20)
    make_incident(title="Strong signal", confidence=90, wkt="POINT (13.4 52.52)")
    assert [f["title"] for f in _get(client, min_confidence="80")["features"]] == [
        "Strong signal"]
    assert [f["title"] for f in _get(client, q="weak")["features"]] == ["Weak signal"]


def test_drafts_never_reach_the_map(client, make_incident, make_user, auth):
    make_incident(title="Draft", status="draft")
    make_incident(title="Archived", status="archived")
    make_incident(title="Public", wkt="POINT (13.4 52.52)")
    editor = make_user("editor")
    auth.login(editor.email)
    data = _get(client)
    assert [f["title"] for f in data["features"]] == ["Public"]
    assert data["total"] == 1
    assert client.get("/api/v1/map?status=draft").status_code == 400
    # One answer for every reader, signed in or not: a shared cache keeps one copy.
    response = client.get("/api/v1/map", query_string={"bbox": WORLD, "zoom": "4"})
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers


def test_changes_show_at_once_without_stale_clusters(app, client, make_incident, make_user):
    """Publishing, editing and archiving are visible at the next request."""
    from app.incidents import service
    from app.incidents.schema import parse_incident
    editor = make_user("editor")
    first = make_incident(title="First")
    assert _get(client)["total"] == 1
    draft = make_incident(title="Second", status="draft", wkt="POINT (13.4 52.52)")
    assert _get(client)["total"] == 1
    service.set_status(incident=draft, status="published",
                       expected_version=draft.version, editor=editor)
    assert _get(client)["total"] == 2
    service.update_incident(incident=first, data=parse_incident(
        {"vectors": ["sabotage"]}, partial=True), expected_version=first.version,
        editor=editor)
    assert _get(client, vector="sabotage")["total"] == 1
    service.set_status(incident=first, status="archived",
                       expected_version=first.version, editor=editor)
    assert _get(client)["total"] == 1


def test_shapes_come_as_shapes_and_precision_is_told(client, make_incident):
    make_incident(title="Cable", wkt="LINESTRING (22.93 54.10, 23.97 54.02)",
                  geo_precision="exact")
    make_incident(title="Region", wkt="POINT (10 50)", geo_precision="region")
    features = {f["title"]: f for f in _get(client, zoom="6")["features"]}
    assert features["Cable"]["kind"] == "line"
    assert features["Cable"]["geometry"]["type"] == "LineString"
    assert features["Region"]["kind"] == "point" and "geometry" not in features["Region"]
    assert features["Region"]["geo_precision"] == "region"


def test_bbox_and_antimeridian(client, make_incident):
    make_incident(title="Fiji", wkt="POINT (178.4 -18.1)")
    make_incident(title="Samoa", wkt="POINT (-171.8 -13.8)")
    make_incident(title="Paris")
    data = _get(client, zoom="8", bbox="170,-30,-165,0")
    assert sorted(f["title"] for f in data["features"]) == ["Fiji", "Samoa"]


@pytest.mark.parametrize("query, message", [
    ("zoom=99", "zoom"), ("zoom=-1", "zoom"), ("bbox=1,2,3", "bbox"),
    ("country=france", "country")])
def test_bad_input_is_a_clear_400(client, query, message):
    response = client.get("/api/v1/map?" + query)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_low_zoom_views_take_the_cells_meeting_the_bbox(client, make_incident):
    """Panning at low zoom reuses the filter's world grid, still limited to the view."""
    make_incident(title="Paris")
    make_incident(title="Berlin", wkt="POINT (13.4 52.52)")
    make_incident(title="Vilnius", wkt="POINT (25.28 54.69)")
    west = _get(client, zoom="5", bbox="0,45,5,50")
    assert [f["title"] for f in west["features"]] == ["Paris"] and west["total"] == 1
    east = _get(client, zoom="5", bbox="20,50,30,58")
    assert [f["title"] for f in east["features"]] == ["Vilnius"] and east["total"] == 1
    assert _get(client, zoom="5")["total"] == 3


def test_repeated_views_get_304_and_a_publish_changes_the_etag(client, make_incident):
    make_incident(title="One")
    first = client.get("/api/v1/map", query_string={"bbox": WORLD, "zoom": "4"})
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = client.get("/api/v1/map", query_string={"bbox": WORLD, "zoom": "4"},
                       headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/api/v1/map", query_string={"bbox": WORLD, "zoom": "5"},
                       headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    make_incident(title="Two", wkt="POINT (13.4 52.52)")
    changed = client.get("/api/v1/map", query_string={"bbox": WORLD, "zoom": "4"},
                         headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["total"] == 2


def test_none_layers_reach_incidents_with_no_actor_vector_or_country(client, make_incident):
    alpha = make_incident(title="Alpha in Paris", actor="Alpha", vectors=["cyber"])
    make_incident(title="Nobody at sea", actor=None, vectors=[], countries=[],
                  wkt="POINT (-140 -40)")
    data = _get(client, zoom="2")
    assert data["facets"]["actors"][-1] == {"id": "none", "name": None, "count": 1}
    assert data["facets"]["vectors"] == {"cyber": 1, "none": 1}
    assert data["facets"]["countries"] == {"FRA": 1, "none": 1}
    assert "none" not in data["barometer"]["counts"]

    def titles(**params):
        return sorted(f["title"] for f in _get(client, zoom="12", **params)["features"])

    for group in ("actor", "vector", "country"):
        assert titles(**{group: "none"}) == ["Nobody at sea"]
    assert titles(actor=[str(alpha.actor_id), "none"]) == ["Alpha in Paris", "Nobody at sea"]
    assert titles(actor="none", vector="cyber") == []
    assert titles(vector=["cyber", "none"], country="none") == ["Nobody at sea"]
    # The list API reads the same filters from the database.
    listed = client.get("/api/v1/incidents?actor=none&vector=none&country=NONE").get_json()
    assert [f["properties"]["title"] for f in listed["features"]] == ["Nobody at sea"]
