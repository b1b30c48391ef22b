"""Tips never reach a public route: map, API, pages, exports, feeds, barometer…

The routes are read from the app's URL map, so a public route added later
(exports, feeds, the barometer, embeds) is covered without editing this test.
"""
import re

import pytest

from tests.tips.conftest import TIP

MARKER = "zebrafinch7731"
TIP_WITH_MARKER = {**TIP, "description": f"{MARKER} campaign", "location_name": MARKER,
                   "contact": f"{MARKER}@mail.example",
                   "evidence": [f"https://{MARKER}.example/post"]}
# Editors' triage pages are the one place tips are shown; they need an editor.
PRIVATE_PREFIXES = ("/tips/triage",)


def public_get_paths(app, incident_id, receipt):
    """Every GET route, with sample values for its arguments."""
    samples = {"incident_id": incident_id, "receipt": receipt, "lang": "en",
               "key": "x", "year": 2026, "quarter": 4, "filename": "css/atlas.css"}
    paths = []
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.rule.startswith(PRIVATE_PREFIXES):
                continue
            if not set(rule.arguments) <= set(samples):
                continue
            paths.append(url_for(rule.endpoint, **{a: samples[a] for a in rule.arguments}))
    return sorted(set(paths))


@pytest.fixture
def published(make_incident):
    return make_incident(title="Public incident", wkt="POINT (25.28 54.69)")


def test_tip_text_appears_on_no_public_route(app, client, published, make_user, auth):
    response = client.post("/api/v1/tips", json=TIP_WITH_MARKER)
    receipt = response.get_json()["receipt"]
    paths = public_get_paths(app, published.id, receipt)
    assert {"/map", "/api/v1/incidents", f"/tips/{receipt}", "/tips/new"} <= set(paths)
    queries = ["", f"?q={MARKER}", "?country=LTU", "?bbox=20,50,30,60"]
    reader = make_user("reader")
    for who in ("anonymous", "reader"):
        if who == "reader":
            auth.login(reader.email)
        for path in paths:
            for query in queries if path.startswith("/api/") else [""]:
                with app.app_context():  # fresh ``g`` per request
                    body = client.get(path + query).get_data().decode("utf-8", "replace")
                # The language switch echoes the page's own query string: that
                # is the request, not a tip.
                body = re.sub(r'<span class="lang-switch">.*?</span>', "", body, flags=re.S)
                assert MARKER not in body.lower(), f"{who}: {path}{query} reveals a tip"


def test_api_lists_no_tip_even_for_editors(app, client, published, make_user):
    from app.auth.service import create_token
    client.post("/api/v1/tips", json=TIP_WITH_MARKER)
    headers = {"Authorization": "Bearer " + create_token(make_user("editor"))}
    body = client.get("/api/v1/incidents", headers=headers).get_json()
    assert [f["properties"]["title"] for f in body["features"]] == ["Public incident"]
    assert client.get("/api/v1/tips").status_code == 405
