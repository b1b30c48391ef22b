"""Geometries over the vertex cap are refused fast, before shapely parses them."""
import time

from app.geo.geometry import MAX_VERTICES
from tests.security.conftest import FEATURE, feature, stored


def _ring(n):
    import math
    pts = [[math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)] for i in range(n)]
    return pts + [pts[0]]


def test_geojson_vertex_bomb_is_400(client, token):
    _, headers = token()
    before = stored()
    started = time.perf_counter()
    response = client.post("/api/v1/incidents", headers=headers,
                           json=feature(type="Polygon", coordinates=[_ring(MAX_VERTICES + 5)]))
    assert response.status_code == 400
    assert f"more than {MAX_VERTICES} vertices" in str(response.get_json())
    assert time.perf_counter() - started < 10  # a guard, not a benchmark
    assert stored() == before


def test_wkt_vertex_bomb_is_400(client, token):
    _, headers = token()
    wkt = "LINESTRING (" + ", ".join(f"{i % 90} {i % 45}" for i in range(MAX_VERTICES + 1)) + ")"
    body = dict(FEATURE, geometry=None, properties=dict(FEATURE["properties"], wkt=wkt))
    before = stored()
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 400
    assert stored() == before


def test_many_small_parts_count_too(client, token):
    _, headers = token()
    parts = [[[[0, 0], [0.1, 0], [0.1, 0.1], [0, 0]]]] * (MAX_VERTICES // 4 + 1)
    before = stored()
    response = client.post("/api/v1/incidents", headers=headers,
                           json=feature(type="MultiPolygon", coordinates=parts))
    assert response.status_code == 400
    assert stored() == before
