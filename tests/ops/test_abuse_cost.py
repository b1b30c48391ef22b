"""Issue 16's limits cost the map nothing: the map's requests never reach the shared
rate-limit storage nor the render queue (only PNG renders and large anonymous API
pages are charged, app/ops/abuse.py)."""
import pytest

from app.embeds import service as embeds
from app.extensions import limiter
from app.ops import abuse
from tests.embeds.conftest import DEFAULTS
from tests.helpers import count_calls, fresh_g

MAP_PATH = [
    "/map", "/map?vector=cyber&country=FRA",
    "/api/v1/map?bbox=-25,34,45,66&zoom=4",
    "/api/v1/map?bbox=2.1,48.7,2.6,49.0&zoom=11&vector=cyber&from=2024-01-01",
    "/api/v1/incidents?status=published&limit=50&bbox=2.2,48.8,2.5,48.95",
    "/geodata/countries-110m.geojson", "/geodata/basemap-10m/6/32/22.geojson",
]


@pytest.fixture
def counted(app, monkeypatch):
    """Calls to the rate-limit storage's ``hit`` and to the render queue."""
    return (count_calls(monkeypatch, limiter.limiter, "hit"),
            count_calls(monkeypatch, abuse, "render_queue"))


@pytest.mark.parametrize("path", MAP_PATH)
def test_map_requests_touch_neither_limits_nor_render_queue(client, make_incident, counted,
                                                            path):
    incident = make_incident(status="published")
    fresh_g()
    assert client.get(path).status_code == 200
    assert client.get(f"/api/v1/incidents/{incident.id}").status_code == 200  # a popup
    hits, renders = counted
    assert hits == [] and renders == []


def test_a_png_and_a_large_anonymous_page_are_charged(client, make_user, counted):
    hits, renders = counted
    assert client.get("/api/v1/incidents?limit=500").status_code == 200
    assert len(hits) == 1 and renders == []
    embed = embeds.create(data=dict(DEFAULTS), author=make_user("editor"))
    assert client.get(f"/embed/{embed.key}.png?width=400&height=300").status_code == 200
    assert len(hits) == 2 and len(renders) == 1
