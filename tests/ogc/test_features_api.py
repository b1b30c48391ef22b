"""OGC API - Features at /ogc: the standard's documents, paging, filters, and GDAL reading it."""
import json
import shutil
import subprocess
from urllib.request import urlopen

import pytest

from tests.conftest import unavailable
from tests.e2e.conftest import LiveServer

OGR2OGR = shutil.which("ogr2ogr")


def test_landing_conformance_and_collection_link_to_each_other(client, make_incident):
    make_incident(title="Cable cut", start_date="2025-01-02")
    landing = client.get("/ogc").get_json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    definition = client.get(rels["service-desc"])
    assert "/collections/{collection_id}/items" in definition.get_json()["paths"]
    conf = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    (collection,) = client.get("/ogc/collections").get_json()["collections"]
    assert collection["id"] == "incidents"
    assert collection["extent"]["spatial"]["bbox"] == [[2.35, 48.86, 2.35, 48.86]]
    assert collection["extent"]["temporal"]["interval"][0][0] == "2025-01-02T00:00:00Z"
    assert client.get("/ogc/collections/nope").status_code == 404


def test_items_page_with_counts_and_next_links_and_never_drafts(client, make_incident):
    """Following ``next`` returns every published incident once; drafts never."""
    ids = {make_incident(title=f"Incident {i}").id for i in range(5)}
    draft = make_incident(title="Draft", status="draft")
    url, seen = "/ogc/collections/incidents/items?limit=2", []
    while url:
        response = client.get(url)
        assert response.mimetype == "application/geo+json"
        page = response.get_json()
        assert page["numberMatched"] == 5 and page["numberReturned"] == len(page["features"])
        seen += [f["id"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert sorted(seen) == sorted(ids)
    assert client.get(f"/ogc/collections/incidents/items/{draft.id}").status_code == 404
    one = client.get(f"/ogc/collections/incidents/items/{seen[0]}")
    assert one.mimetype == "application/geo+json" and one.get_json()["id"] == seen[0]


def test_bbox_datetime_and_shared_filters_narrow_the_items(client, make_incident):
    make_incident(title="Paris", start_date="2025-01-02", vectors=["cyber"])
    make_incident(title="Riga", start_date="2024-06-01", wkt="POINT (24.1 56.95)",
                  vectors=["sabotage"])

    def titles(query):
        body = client.get("/ogc/collections/incidents/items?" + query).get_json()
        return sorted(f["properties"]["title"] for f in body["features"])
    assert titles("bbox=20,50,30,60") == ["Riga"]
    assert titles("datetime=2025-01-01T00:00:00Z/..") == ["Paris"]
    assert titles("datetime=2024-06-01") == ["Riga"]
    assert titles("vector=cyber") == ["Paris"]
    assert titles("country=LVA") == ["Riga"]


@pytest.mark.parametrize("query", ["datetime=2025-13-01", "datetime=../..", "limit=0",
                                   "limit=abc", "bbox=1,2,3", "colour=red", "f=xml",
                                   "datetime=2025-02-01/2025-01-01"])
def test_bad_parameters_are_a_400_exception_document(client, query):
    response = client.get("/ogc/collections/incidents/items?" + query)
    assert response.status_code == 400
    assert set(response.get_json()) == {"code", "description"}


def test_html_for_browsers_escapes_titles(client, make_incident):
    make_incident(title="<script>alert(1)</script>")
    page = client.get("/ogc/collections/incidents/items", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.get_data(as_text=True)
    assert "<script>alert(1)" not in page.get_data(as_text=True)


def test_gdal_oapif_driver_reads_every_page(app, make_incident, tmp_path):
    """GDAL's OAPIF driver, against a live server, follows ``next`` across pages (the
    default page is 10 items) and gets as many features as ``numberMatched``."""
    if OGR2OGR is None:
        unavailable("GDAL's ogr2ogr (Debian gdal-bin) is not installed")
    ids = {make_incident(title=f"Incident {i}", wkt=f"POINT ({i} {i / 2})").id
           for i in range(23)}
    make_incident(title="Draft", status="draft")
    server = LiveServer(app).start()
    try:
        with urlopen(f"{server.url}/ogc/collections/incidents/items?limit=1") as answer:
            total = json.load(answer)["numberMatched"]
        out = tmp_path / "read.geojson"
        run = subprocess.run([OGR2OGR, "-f", "GeoJSON", str(out), f"OAPIF:{server.url}/ogc",
                              "incidents"], capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr and "ERROR" not in run.stderr, run.stderr
    features = json.loads(out.read_text())["features"]
    assert total == len(features) == 23
    assert {f["properties"]["id"] for f in features} == ids
