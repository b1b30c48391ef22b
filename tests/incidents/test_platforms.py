"""Platforms (where an operation ran) end to end: storage, validation, API, every file
format in and out, OpenAPI, the shared filter, the map, the barometer, the taxonomy."""
import csv
import io
import json

import pytest
import sqlalchemy as sa

from app.auth.service import create_token
from app.extensions import db
from app.incidents.filters import parse_filters
from app.incidents.models import Incident, Platform
from app.interchange.export import export_to_path
from app.interchange.importer import import_stream
from tests.helpers import reimported

WORLD = {"bbox": "-180,-85,180,85", "zoom": "3"}


@pytest.fixture
def sample(make_incident):
    """Two incidents with platforms and a precision, one with neither, one draft."""
    make_incident(title="Bot swarm", platforms=["x", "telegram"], precision_m=2500,
                  wkt="POINT (2.35 48.86)")
    make_incident(title="TV spot", platforms="tv", wkt="POINT (13.4 52.52)")
    make_incident(title="Cable cut", wkt="POINT (24.1 56.9)")
    make_incident(title="Secret draft", status="draft", platforms=["tiktok"])


def _by_title(features):
    return {f["properties"]["title"]: f["properties"] for f in features}


def test_reference_data_seeds_every_platform_in_both_languages(app):
    platforms = {p.slug: p for p in db.session.scalars(sa.select(Platform))}
    assert {"x", "facebook", "instagram", "telegram", "tiktok", "youtube", "vk", "websites",
            "messaging", "tv", "radio", "print"} <= set(platforms)
    assert platforms["tv"].label_fr == "Télévision"


def test_api_stores_validates_and_filters_platforms(client, make_user, sample):
    user = make_user("contributor")
    headers = {"Authorization": "Bearer " + create_token(user)}
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2, 48]},
               "properties": {"title": "Ads", "start_date": "2025-04-01",
                              "platforms": ["facebook", "instagram"], "precision_m": 50}}
    created = client.post("/api/v1/incidents", json=feature, headers=headers)
    assert created.status_code == 201, created.get_json()
    props = created.get_json()["properties"]
    assert props["platforms"] == ["facebook", "instagram"] and props["precision_m"] == 50
    feature["properties"]["platforms"] = ["myspace"]
    refused = client.post("/api/v1/incidents", json=feature, headers=headers)
    assert refused.status_code == 400
    assert refused.get_json()["fields"] == [{"field": "platforms",
                                             "reason": "unknown platform myspace"}]
    listed = client.get("/api/v1/incidents?platform=telegram").get_json()
    assert [f["properties"]["title"] for f in listed["features"]] == ["Bot swarm"]
    none = client.get("/api/v1/incidents?platform=none").get_json()
    assert [f["properties"]["title"] for f in none["features"]] == ["Cable cut"]
    assert client.get("/api/v1/incidents?platform=Not%20A%20Slug").status_code == 400


@pytest.mark.parametrize("value", [0, -5, 2.5, "12 m", 30_000_000])
def test_precision_must_be_a_positive_whole_number_of_metres(client, make_user, value):
    headers = {"Authorization": "Bearer " + create_token(make_user("contributor"))}
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2, 48]},
               "properties": {"title": "Ads", "start_date": "2025-04-01",
                              "precision_m": value}}
    refused = client.post("/api/v1/incidents", json=feature, headers=headers)
    assert refused.status_code == 400
    assert [f["field"] for f in refused.get_json()["fields"]] == ["precision_m"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def _export(tmp_path, fmt, name, **filters):
    path = tmp_path / f"{name}.{fmt}"
    export_to_path(path, fmt, parse_filters(filters), None)
    return path


def _platforms_and_precision(tmp_path, fmt, name):
    """``{title: (platforms, precision_m)}`` of an export, read back as GeoJSON."""
    path = _export(tmp_path, "geojson", name)
    return {t: (p["platforms"], p["precision_m"])
            for t, p in _by_title(json.loads(path.read_text())["features"]).items()}


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg", "stix"])
def test_platforms_and_precision_round_trip_in_every_format(app, sample, make_user, tmp_path,
                                                            fmt):
    before = _platforms_and_precision(tmp_path, fmt, "before")
    assert before == {"Bot swarm": (["telegram", "x"], 2500), "TV spot": (["tv"], None),
                      "Cable cut": ([], None)}
    reimported(tmp_path, fmt, make_user("editor"))
    assert _platforms_and_precision(tmp_path, fmt, "after") == before


def test_csv_has_the_platforms_and_precision_columns(app, sample, tmp_path):
    rows = list(csv.DictReader(io.StringIO(_export(tmp_path, "csv", "x").read_text())))
    by_title = {r["title"]: r for r in rows}
    assert by_title["Bot swarm"]["platforms"] == "telegram;x"
    assert by_title["Bot swarm"]["precision_m"] == "2500"
    assert by_title["Cable cut"]["platforms"] == "" and by_title["Cable cut"]["precision_m"] == ""


@pytest.mark.parametrize("cells, field", [
    ("telegram;myspace,10", "platforms"), ("tv,0", "precision_m"),
    ("radio,ten", "precision_m"), ("radio,-3", "precision_m")])
def test_csv_import_refuses_unknown_platforms_and_bad_precision(app, make_user, cells, field):
    text = ("title,start_date,wkt,platforms,precision_m\n"
            "Fine,2025-01-01,POINT (1 1),tv,10\n"
            f"Bad,2025-01-01,POINT (1 1),{cells}\n")
    result = import_stream(io.BytesIO(text.encode()), fmt="csv", user=make_user("editor"))
    assert [(line, name) for line, name, _ in result.errors] == [(3, field)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def test_geopackage_layer_has_typed_platforms_and_precision(app, sample, tmp_path):
    import pyogrio
    info = pyogrio.read_info(_export(tmp_path, "gpkg", "x"), layer="incidents")
    types = dict(zip(info["fields"], info["ogr_types"]))
    assert types["platforms"] == "OFTString" and types["precision_m"] == "OFTInteger"


def test_openapi_describes_platforms_and_the_platform_parameter(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert schemas["Incident"]["properties"]["platforms"]["type"] == "array"
    assert "platforms" in schemas["IncidentInput"]["properties"]
    assert schemas["IncidentInput"]["properties"]["precision_m"]["minimum"] == 1
    parameters = doc["paths"]["/incidents"]["get"]["parameters"]
    assert "platform" in [p["name"] for p in parameters]


def test_map_filters_and_counts_platforms(client, sample, make_incident):
    every = client.get("/api/v1/map", query_string=WORLD).get_json()
    assert every["total"] == 3
    assert every["facets"]["platforms"] == {"telegram": 1, "tv": 1, "x": 1, "none": 1}
    telegram = client.get("/api/v1/map", query_string={**WORLD, "platform": "telegram"})
    assert telegram.get_json()["total"] == 1
    assert [f["platforms"] for f in telegram.get_json()["features"]] == [["telegram", "x"]]
    # A platform added later is patched into the map index.
    make_incident(title="Radio show", platforms=["radio"], wkt="POINT (-3.7 40.4)")
    radio = client.get("/api/v1/map", query_string={**WORLD, "platform": "radio"}).get_json()
    assert radio["total"] == 1


def test_barometer_breaks_incidents_down_by_platform(client, sample):
    from app.barometer import service
    b = service.barometer(parse_filters({}), (2025, 1))
    assert dict(b.platforms) == {"telegram": 1, "tv": 1, "x": 1}
    page = client.get("/barometer?quarter=2025-Q1&lang=fr").get_data(as_text=True)
    assert "Principales plateformes" in page and "Télévision" in page
    figure = client.get("/barometer.csv?quarter=2025-Q1&figure=platforms").get_data(
        as_text=True)
    assert figure.splitlines()[0] == "quarter,platform,incidents"


def test_editors_keep_the_platform_taxonomy(app, client, auth, make_user):
    auth.login(make_user("editor").email)
    page = client.get("/taxonomy/platforms")
    assert page.status_code == 200 and "telegram" in page.get_data(as_text=True)
    form = {"slug": "mastodon", "label_en": "Mastodon", "label_fr": "Mastodon"}
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        saved = client.post("/taxonomy/platforms", data=form)
        taken = client.post("/taxonomy/platforms", data=form)
        reserved = client.post("/taxonomy/platforms", data={**form, "slug": "none"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert saved.status_code == 302
    assert db.session.scalar(sa.select(Platform).where(Platform.slug == "mastodon"))
    assert taken.status_code == 400 and "already taken" in taken.get_data(as_text=True)
    assert reserved.status_code == 400 and "no platform" in reserved.get_data(as_text=True)


def test_contributors_may_not_edit_the_platform_taxonomy(client, auth, make_user):
    auth.login(make_user("contributor").email)
    assert client.get("/taxonomy/platforms").status_code == 403
