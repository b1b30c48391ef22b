"""Finding 5: cheap anonymous requests cannot tie up the server.

Expensive anonymous requests (PNG renders, API pages over 100 incidents) are
counted per client (429 with Retry-After past the limit); renders go through
a bounded queue (503 with Retry-After when it is full); anonymous pages are
capped; PNGs are cached under normalised filters, so equivalent queries —
reordered or repeated parameters — draw once and cost nothing after.
"""
import threading

import pytest

from app.ops.abuse import QueueFull, RenderQueue


def test_anonymous_pages_are_capped_and_go_on_with_next(app, client, make_incident):
    app.config["ATLAS_ANON_MAX_LIMIT"] = 2
    for i in range(3):
        make_incident(title=f"Incident {i}")
    body = client.get("/api/v1/incidents?limit=5000").get_json()
    assert body["count"] == 2 and "limit=2" in body["next"]


def test_large_anonymous_pages_are_limited_per_client_not_for_tokens(app, client, token):
    app.config["ATLAS_LARGE_PAGE_LIMIT"] = "2 per minute"
    codes = [client.get(f"/api/v1/incidents?limit=1000&min_confidence={n}").status_code
             for n in range(3)]
    assert codes == [200, 200, 429]
    refused = client.get("/api/v1/incidents?limit=1000&min_confidence=9")
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/api/v1/incidents").status_code == 200  # small pages are free
    _, headers = token("reader")
    assert client.get("/api/v1/incidents?limit=1000", headers=headers).status_code == 200
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.get("/api/v1/incidents?limit=1000",
                      environ_base=other).status_code == 200


def test_png_renders_are_limited_per_client_and_cached_by_normalised_filters(app, client):
    app.config["ATLAS_PNG_LIMIT"] = "2 per minute"
    first = client.get("/embed/map.png?width=64&height=64&vector=cyber&country=FRA")
    assert first.status_code == 200 and first.mimetype == "image/png"
    # The same filters spelled differently: the cached picture, no new charge.
    for query in ("country=fra&vector=cyber&width=64&height=64",
                  "vector=cyber,cyber&country=FRA&height=64&width=64"):
        again = client.get(f"/embed/map.png?{query}")
        assert again.status_code == 200 and again.get_data() == first.get_data()
    assert client.get("/embed/map.png?width=64&height=64&q=one").status_code == 200
    refused = client.get("/embed/map.png?width=64&height=64&q=two")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_a_full_render_queue_answers_503_with_retry_after(app, client):
    app.extensions["atlas_render_queue"] = RenderQueue(0, 0)
    response = client.get("/embed/map.png?width=64&height=64&q=queue")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert client.get("/healthz").status_code == 200


def test_the_render_queue_runs_slots_at_once_queues_waiting_and_refuses_the_rest():
    queue = RenderQueue(1, 1)
    release, started = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "done"

    results = []
    first = threading.Thread(target=lambda: results.append(queue.run(slow)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: results.append(queue.run(lambda: "queued")))
    second.start()
    while queue.room._value:  # the second run took the last place in the queue
        threading.Event().wait(0.01)
    with pytest.raises(QueueFull):
        queue.run(lambda: "refused")
    release.set()
    first.join(5)
    second.join(5)
    assert sorted(results) == ["done", "queued"]
