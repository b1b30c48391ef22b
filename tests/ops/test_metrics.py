"""/metrics: off by default, never public, Prometheus text whose counts move.

The multiprocess mode (several gunicorn workers summed) is checked behind nginx in
tests/ops/test_nginx.py.
"""
import io

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.extensions import db, limiter
from app.interchange.errors import FormatError
from app.interchange.importer import import_stream
from tests.conftest import config_for

ON = dict(ATLAS_METRICS=True)


def scrape(client, **kwargs):
    """``{(name, labels as a sorted tuple): value}`` of one scrape, parsed by prometheus_client."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain; version=")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metrics_app(app, database_url):
    """Another app on the test's database, with ``settings`` (the fixture's app is
    built before a test can change its configuration)."""
    def make(**settings):
        db.session.commit()  # release SQLite's write lock for the new app
        return create_app(config_for(database_url, **settings))
    yield make
    limiter.reset()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_off_unless_enabled(metrics_app):
    client = metrics_app().test_client()
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"])
def test_requests_counted_by_route_pattern_and_status(metrics_app, make_incident):
    incident = make_incident()
    db.session.commit()
    client = metrics_app(**ON).test_client()
    before = scrape(client)
    for _ in range(3):
        assert client.get(f"/incidents/{incident.id}").status_code == 200
    assert client.get("/incidents/999999").status_code == 404
    after = scrape(client)
    route = "/incidents/<int:incident_id>"
    ok = dict(method="GET", route=route, status="200")
    assert value(after, "atlas_http_requests_total", **ok) - \
        value(before, "atlas_http_requests_total", **ok) == 3
    missing = dict(method="GET", route=route, status="404")
    assert value(after, "atlas_http_requests_total", **missing) - \
        value(before, "atlas_http_requests_total", **missing) == 1
    count = "atlas_http_request_duration_seconds_count"
    assert value(after, count, route=route) - value(before, count, route=route) == 4
    # Paths (which carry ids, receipts, embed keys) never become labels.
    assert not [key for key in after if f"/incidents/{incident.id}" in str(key)]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_rate_limit_refusals_counted(metrics_app):
    client = metrics_app(**ON, ATLAS_TOKEN_THROTTLE="2 per minute").test_client()
    before = scrape(client)
    bad = {"Authorization": "Bearer not-a-token"}
    codes = [client.get("/api/v1/incidents", headers=bad).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    after = scrape(client)
    name, route = "atlas_rate_limit_refusals_total", "/api/v1/incidents"
    assert value(after, name, route=route) - value(before, name, route=route) == 1


def test_map_index_builds_and_age(metrics_app, make_incident):
    make_incident()
    db.session.commit()
    client = metrics_app(**ON).test_client()
    before = scrape(client)
    assert client.get("/api/v1/map?bbox=-180,-85,180,85&zoom=3").status_code == 200
    after = scrape(client)
    moved = (value(after, "atlas_map_index_builds_total")
             + value(after, "atlas_map_index_patches_total")
             - value(before, "atlas_map_index_builds_total")
             - value(before, "atlas_map_index_patches_total"))
    assert moved >= 1
    age = value(after, "atlas_map_index_age_seconds")
    assert 0 <= age < 60
    assert ("atlas_map_index_age_seconds", ()) in after


def test_imports_and_exports_counted(metrics_app, make_user):
    app = metrics_app(**ON)
    client = app.test_client()
    before = scrape(client)
    csv_text = ("title,summary,start_date,actor,vectors,countries,wkt,confidence\n"
                "Metrics test,Counted,2024-05-01,,cyber,,POINT (4.35 50.85),50\n")
    editor = make_user("editor")
    db.session.commit()
    with app.app_context():
        editor = db.session.merge(editor)
        for dry_run in (False, True):
            result = import_stream(io.BytesIO(csv_text.replace("Metrics", str(dry_run))
                                              .encode()), fmt="csv", user=editor,
                                   publish=True, dry_run=dry_run)
            assert result.ok, result.report()
        bad_row = csv_text.replace("2024-05-01", "not a date").encode()
        assert not import_stream(io.BytesIO(bad_row), fmt="csv", user=editor).ok
        with pytest.raises(FormatError):
            import_stream(io.BytesIO(b"title\n\n"), fmt="csv", user=editor)
    assert client.get("/export/incidents.csv").status_code == 200
    after = scrape(client)
    for outcome, runs in (("committed", 1), ("dry_run", 1), ("rejected", 2)):
        labels = dict(format="csv", outcome=outcome)
        assert value(after, "atlas_imports_total", **labels) - \
            value(before, "atlas_imports_total", **labels) == runs, outcome
    assert value(after, "atlas_exports_total", format="csv") - \
        value(before, "atlas_exports_total", format="csv") == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_not_public(metrics_app):
    """Only the allowed addresses, or the bearer of the token; a 404 for anyone else."""
    app = metrics_app(**ON, ATLAS_METRICS_ALLOW=["10.1.0.0/16"], ATLAS_METRICS_TOKEN="s3cret")
    client = app.test_client()
    outside = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    assert client.get("/metrics").status_code == 404  # loopback is not in the list
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", environ_base=outside, headers=wrong).status_code == 404
    right = {"Authorization": "Bearer s3cret"}
    scrape(client, environ_base=outside, headers=right)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_loopback_through_an_untrusted_proxy_is_refused(metrics_app):
    """Behind a proxy the app does not trust, every client would look like loopback."""
    client = metrics_app(**ON).test_client()
    assert client.get("/metrics").status_code == 200
    forwarded = {"X-Forwarded-For": "198.51.100.9"}
    assert client.get("/metrics", headers=forwarded).status_code == 404
    trusting = metrics_app(**ON, ATLAS_TRUSTED_PROXIES=1).test_client()
    assert trusting.get("/metrics", headers=forwarded).status_code == 404  # the real client
    assert trusting.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
