"""Every format out and back in: export → import into an empty database → export again."""
import io
import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents.filters import parse_filters
from app.incidents.models import Incident
from app.interchange import csv_io, geojson_io, gpkg_io, stix_io
from app.interchange.export import export_to_path
from app.interchange.importer import import_stream

VOLATILE = {"id", "uuid", "version", "status", "published_at", "actor_id"}


@pytest.fixture
def sample(make_incident, make_user):
    """Three published incidents covering every field, and one draft that must not leak."""
    from app.campaigns import service as campaigns
    campaigns.create(data=campaigns.parse_campaign({"name": "Storm-1516", "aliases": "CopyCop"}),
                     editor=make_user("editor"))
    make_incident(title="=HYPERLINK(\"http://evil\")", summary="@cmd\ttab", start_date="2025-01-02",
                  end_date="2025-02-03", time_precision="month", actor="Storm Relay",
                  campaign="copycop", platforms=["x", "telegram"],
                  vectors=["cyber", "information"], techniques=["T0002", "T0085.001"],
                  attribution="proxy", confidence=85, geo_precision="city",
                  precision_m=10000, location_name="Paris",
                  sources=[{"url": "https://example.org/a", "publisher": "Le Monde",
                            "date": "2025-01-05", "archived_url": "https://archive.org/x"}])
    # A clockwise ring: exported counterclockwise (RFC 7946 right-hand rule).
    make_incident(title="Border push", start_date="2025-03-01",
                  wkt="POLYGON ((23 54, 23.5 54.5, 24 54, 23 54))", vectors=["migration"],
                  countries=["LTU", "POL"], actor="Minsk Directorate", confidence=40)
    make_incident(title="-5", start_date="2024-12-31", wkt="LINESTRING (13.4 52.52, 21 52.2)",
                  vectors=["sabotage"], actor=None, confidence=0)
    make_incident(title="Secret draft", status="draft")


def _export(tmp_path, fmt, name):
    path = tmp_path / f"{name}.{fmt}"
    export_to_path(path, fmt, parse_filters({}), None)
    return path


def _empty_database():
    db.session.execute(sa.delete(Incident))
    db.session.commit()


def _reimport(path, fmt, user):
    with open(path, "rb") as stream:
        result = import_stream(stream, fmt=fmt, user=user, publish=True)
    assert result.ok, result.report()
    return result


def _geojson_data(path):
    data = json.loads(path.read_text())
    return [({k: v for k, v in f["properties"].items() if k not in VOLATILE}, f["geometry"])
            for f in data["features"]]


def _read(module, path):
    with open(path, "rb") as stream:
        rows = [props for _, props in module.read_rows(stream)]
    for props in rows:
        props.pop("uuid", None)
        props.pop("__version__", None)  # a new incident's version (STIX carries it)
        if hasattr(props.get("geometry"), "wkt"):
            props["geometry"] = props["geometry"].wkt
    return rows


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "stix"])
def test_round_trip_gives_the_same_data(app, sample, make_user, tmp_path, fmt):
    editor = make_user("editor")
    first = _export(tmp_path, fmt, "first")
    _empty_database()
    result = _reimport(first, fmt, editor)
    assert result.count == 3
    second = _export(tmp_path, fmt, "second")
    if fmt == "csv":
        assert second.read_bytes() == first.read_bytes()
    elif fmt == "geojson":
        assert _geojson_data(second) == _geojson_data(first)
    else:
        module = {"gpkg": gpkg_io, "stix": stix_io}[fmt]
        assert _read(module, second) == _read(module, first)
        assert len(_read(module, first)) == 3


def test_geojson_is_rfc7946(app, sample, tmp_path):
    data = json.loads(_export(tmp_path, "geojson", "x").read_text())
    assert "crs" not in data
    titles = [f["properties"]["title"] for f in data["features"]]
    assert titles == ['=HYPERLINK("http://evil")', "Border push", "-5"]
    ring = data["features"][1]["geometry"]["coordinates"][0]
    area2 = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))
    assert area2 > 0, "exterior ring must be counterclockwise"
    assert data["features"][2]["geometry"]["coordinates"][0] == [13.4, 52.52]


def test_csv_neutralises_formulas_and_keeps_numbers(app, sample, tmp_path):
    text = _export(tmp_path, "csv", "x").read_text()
    rows = list(__import__("csv").reader(io.StringIO(text)))
    assert rows[0] == list(csv_io.COLUMNS)
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1][1] == "'@cmd\ttab"
    column = {name: n for n, name in enumerate(rows[0])}
    assert rows[1][column["confidence"]] == "85"
    assert rows[3][0] == "-5"  # a real number stays a number
    assert rows[2][column["countries"]] == "LTU;POL"
    assert "Secret draft" not in text


def test_geopackage_has_a_typed_layer_in_4326(app, sample, tmp_path):
    import pyogrio
    info = pyogrio.read_info(_export(tmp_path, "gpkg", "x"), layer="incidents")
    assert info["crs"] == "EPSG:4326" and info["features"] == 3
    types = dict(zip(info["fields"], info["ogr_types"]))
    assert types["start_date"] == "OFTDate" and types["confidence"] == "OFTInteger"
    assert types["title"] == "OFTString"
    frame = pyogrio.read_dataframe(_export(tmp_path, "gpkg", "y"))
    assert list(frame["title"])[1] == "Border push"


def test_stix_bundle_passes_the_oasis_validator_and_is_deterministic(app, sample, tmp_path):
    from stix2validator import ValidationOptions, validate_string
    first = _export(tmp_path, "stix", "a").read_text()
    assert _export(tmp_path, "stix", "b").read_text() == first
    result = validate_string(first, ValidationOptions(version="2.1"))
    errors = [str(e) for e in result.errors]
    assert result.is_valid, errors
    objects = json.loads(first)["objects"]
    kinds = {o["type"] for o in objects}
    assert {"incident", "threat-actor", "attack-pattern", "location", "identity",
            "relationship"} <= kinds
    rels = {o["relationship_type"] for o in objects if o["type"] == "relationship"}
    assert rels == {"attributed-to", "uses", "targets", "located-at", "related-to"}
    campaign = next(o for o in objects if o["type"] == "campaign")
    assert campaign["name"] == "Storm-1516"
    incident = next(o for o in objects if o["type"] == "incident"
                    and o["name"].startswith("=HYPERLINK"))
    assert {"relationship_type": "related-to", "source_ref": incident["id"],
            "target_ref": campaign["id"]}.items() <= next(
        o for o in objects if o.get("relationship_type") == "related-to").items()
    members = incident["extensions"][stix_io.EXTENSION_ID]
    assert members["platforms"] == ["telegram", "x"] and members["campaign"] == "Storm-1516"
    pattern = next(o for o in objects if o["type"] == "attack-pattern"
                   and o["external_references"][0]["external_id"] == "T0002")
    assert pattern["name"] == "Facilitate State Propaganda"
    place = next(o for o in objects if o["type"] == "location" and "latitude" in o)
    assert place["precision"] == 10000.0 and place["longitude"] == 2.35
    assert {o["country"] for o in objects if o.get("country")} >= {"FR", "LT", "PL"}
    assert not any(o.get("name") == "Secret draft" for o in objects)


def test_cli_export_applies_the_shared_filters(runner, app, sample, tmp_path):
    path = tmp_path / "out.geojson"
    result = runner.invoke(args=["incidents", "export", str(path), "--format", "geojson",
                                 "--vector", "migration", "--from", "2025"])
    assert result.exit_code == 0, result.output
    assert "Exported 1 incidents" in result.output
    titles = [f["properties"]["title"] for f in json.loads(path.read_text())["features"]]
    assert titles == ["Border push"]
    bad = runner.invoke(args=["incidents", "export", str(path), "--format", "csv",
                              "--country", "France"])
    assert bad.exit_code != 0 and "ISO 3166-1" in bad.output
