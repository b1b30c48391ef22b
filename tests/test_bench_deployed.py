"""bench/deployed.py compresses what the project's nginx configuration compresses."""
import gzip
import json

from bench.deployed import Gzipped, nginx_gzip


def test_rule_is_read_from_the_nginx_configuration():
    types, min_length = nginx_gzip()
    assert {"application/javascript", "application/json", "application/geo+json",
            "text/css"} <= types
    assert "text/html" not in types and min_length == 1024


def test_static_and_json_are_gzipped_pages_are_not(client):
    wrapped = Gzipped(client.application)
    from werkzeug.test import Client
    browser = Client(wrapped)
    headers = {"Accept-Encoding": "gzip, deflate"}
    basemap = browser.get("/geodata/countries-110m.geojson", headers=headers)
    assert basemap.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(basemap.data))["type"] == "FeatureCollection"
    page = browser.get("/tips/new", headers=headers)
    assert "Content-Encoding" not in page.headers and b"<html" in page.data
    plain = browser.get("/geodata/countries-110m.geojson")  # no Accept-Encoding
    assert "Content-Encoding" not in plain.headers
