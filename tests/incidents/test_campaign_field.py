"""An incident's campaign as one field of the table: by name in every format in and out
(an alias in any case matches, an unknown name is refused naming it), the API, OpenAPI,
the editor, revisions, and the CSV columns the product description lists."""
import csv
import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.auth.service import create_token
from app.campaigns import service as campaigns
from app.extensions import db
from app.incidents.fields import CSV_COLUMNS
from app.incidents.filters import parse_filters
from app.incidents.models import Incident, Revision
from app.interchange.export import export_to_path
from app.interchange.importer import import_stream
from tests.helpers import fresh_g, reimported

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def doppelganger(make_user):
    return campaigns.create(data=campaigns.parse_campaign(
        {"name": "Doppelgänger", "aliases": "RRN\nRecent Reliable News"}),
        editor=make_user("editor"))


@pytest.fixture
def sample(make_incident, doppelganger):
    """Two incidents of the campaign (named by an alias), one of none, one draft."""
    make_incident(title="Clone site", campaign="rrn", wkt="POINT (2.35 48.86)")
    make_incident(title="Clone ads", campaign="DOPPELGÄNGER", wkt="POINT (13.4 52.52)")
    make_incident(title="Cable cut", wkt="POINT (24.1 56.9)")
    make_incident(title="Secret draft", status="draft", campaign="Doppelgänger")


def _export(tmp_path, fmt, name):
    path = tmp_path / f"{name}.{fmt}"
    export_to_path(path, fmt, parse_filters({}), None)
    return path


def _campaigns_by_title():
    db.session.expire_all()
    return {i.title: i.campaign.name if i.campaign else None
            for i in db.session.scalars(sa.select(Incident))}


def test_an_alias_in_any_case_stores_the_campaign_by_name(app, sample, doppelganger):
    assert _campaigns_by_title() == {"Clone site": "Doppelgänger", "Clone ads": "Doppelgänger",
                                     "Cable cut": None, "Secret draft": "Doppelgänger"}
    assert db.session.scalar(sa.select(Incident).where(Incident.title == "Clone site")
                             ).campaign_id == doppelganger.id


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg", "stix"])
def test_campaign_round_trips_in_every_format(app, sample, doppelganger, make_user, tmp_path,
                                              fmt):
    before = _campaigns_by_title()
    del before["Secret draft"]  # exports hold published incidents only
    reimported(tmp_path, fmt, make_user("editor"))
    assert _campaigns_by_title() == before
    # The link is to the stored campaign: its page and its filter find them again.
    ids = db.session.scalars(sa.select(Incident.id).where(
        Incident.campaign_id == doppelganger.id)).all()
    assert len(ids) == 2


def test_every_export_names_the_campaign(app, sample, tmp_path):
    rows = {r["title"]: r for r in csv.DictReader(
        io.StringIO(_export(tmp_path, "csv", "x").read_text()))}
    assert rows["Clone site"]["campaign"] == "Doppelgänger" and rows["Cable cut"]["campaign"] == ""
    features = json.loads(_export(tmp_path, "geojson", "x").read_text())["features"]
    assert {f["properties"]["title"]: f["properties"]["campaign"] for f in features} == {
        "Clone site": "Doppelgänger", "Clone ads": "Doppelgänger", "Cable cut": None}
    import pyogrio
    frame = pyogrio.read_dataframe(_export(tmp_path, "gpkg", "x"))
    assert dict(zip(frame["title"], frame["campaign"]))["Clone ads"] == "Doppelgänger"


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_an_unknown_campaign_is_a_row_error_naming_it(app, doppelganger, make_user, fmt):
    rows = [("Fine", "recent reliable news"), ("Bad", "Ghostwriter"), ("None", "")]
    if fmt == "csv":
        body = "title,start_date,wkt,campaign\n" + "".join(
            f"{t},2025-01-01,POINT (1 1),{c}\n" for t, c in rows)
    else:
        body = json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 1]},
             "properties": {"title": t, "start_date": "2025-01-01", "campaign": c or None}}
            for t, c in rows]})
    result = import_stream(io.BytesIO(body.encode()), fmt=fmt, user=make_user("editor"))
    assert [(pos, name, str(reason)) for pos, name, reason in result.errors] == [
        (3 if fmt == "csv" else 2, "campaign", "unknown campaign Ghostwriter")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def test_stix_reads_a_campaign_related_to_the_incident(app, doppelganger, make_user, tmp_path):
    """A bundle from elsewhere names the campaign only by a ``related-to`` campaign object."""
    from app.interchange import stix_io
    bundle = {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
              "objects": [
                  {"type": "incident", "spec_version": "2.1",
                   "id": "incident--8c7d5b1e-3b8a-4d1c-9f4e-2a6b7c8d9e0f", "name": "Clone",
                   "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
                   "first_seen": "2025-01-01T00:00:00Z",
                   "extensions": {stix_io.EXTENSION_ID: {
                       "extension_type": "property-extension", "platforms": ["tiktok"],
                       "geometry": {"type": "Point", "coordinates": [2, 48]}}}},
                  stix_io.campaign_object("RRN"),
                  stix_io.relationship("related-to",
                                       "incident--8c7d5b1e-3b8a-4d1c-9f4e-2a6b7c8d9e0f",
                                       stix_io.campaign_object("RRN")["id"])]}
    result = import_stream(io.BytesIO(json.dumps(bundle).encode()), fmt="stix",
                           user=make_user("editor"))
    assert result.ok, result.report()
    incident = db.session.get(Incident, result.ids[0])
    assert incident.campaign_id == doppelganger.id
    assert [p.slug for p in incident.platforms] == ["tiktok"]


def test_api_sets_reads_refuses_and_clears_the_campaign(client, make_user, doppelganger):
    headers = {"Authorization": "Bearer " + create_token(make_user("contributor"))}
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2, 48]},
               "properties": {"title": "Ads", "start_date": "2025-04-01", "campaign": "RRN"}}
    created = client.post("/api/v1/incidents", json=feature, headers=headers)
    assert created.status_code == 201, created.get_json()
    props = created.get_json()["properties"]
    assert props["campaign"] == "Doppelgänger"
    feature["properties"]["campaign"] = "Ghostwriter"
    refused = client.post("/api/v1/incidents", json=feature, headers=headers)
    assert refused.status_code == 400
    assert refused.get_json()["fields"] == [{"field": "campaign",
                                             "reason": "unknown campaign Ghostwriter"}]
    feature["properties"]["campaign"] = ["RRN"]
    assert client.post("/api/v1/incidents", json=feature, headers=headers).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 1
    cleared = client.patch(f"/api/v1/incidents/{props['id']}", headers=headers,
                           json={"properties": {"campaign": None,
                                                "version": props["version"]}})
    assert cleared.status_code == 200, cleared.get_json()
    assert cleared.get_json()["properties"]["campaign"] is None
    changes = db.session.scalars(sa.select(Revision.changes).where(
        Revision.incident_id == props["id"]).order_by(Revision.number.desc())).first()
    assert changes["campaign"] == ["Doppelgänger", None]


def test_editor_shows_and_keeps_the_campaign(app, client, auth, make_user, make_incident,
                                             doppelganger):
    editor = make_user("editor")
    incident = make_incident(title="Clone site", campaign="RRN", status="draft", author=editor)
    auth.login(editor.email)
    fresh_g()
    page = client.get(f"/incidents/{incident.id}/edit").get_data(as_text=True)
    assert re.search(r'name="campaign"[^>]*value="Doppelgänger"', page)
    assert '<option value="Doppelgänger">' in page
    fresh_g()
    shown = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert f'href="/campaigns/{doppelganger.id}">Doppelgänger</a>' in shown


def test_openapi_and_the_product_description_follow_the_field_table(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert schemas["Incident"]["properties"]["campaign"]["type"] == ["string", "null"]
    assert schemas["IncidentInput"]["properties"]["campaign"]["maxLength"] == 200
    product = (ROOT / "docs" / "product.md").read_text()
    listed = re.search(r"CSV column names: `([^`]+)`", product.replace("\n", " ")).group(1)
    assert tuple(listed.split(", ")) == CSV_COLUMNS
