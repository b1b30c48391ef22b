"""Response headers, and rate limits on API writes and on wrong tokens."""
from tests.security.conftest import FEATURE, stored


def test_permissions_policy_and_no_hsts_over_plain_http(client):
    response = client.get("/healthz")
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_over_https(client):
    response = client.get("/healthz", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains"


def test_hsts_behind_a_trusted_proxy(app, database_url):
    from app import create_app
    from tests.conftest import config_for
    proxied = create_app(config_for(database_url, ATLAS_TRUSTED_PROXIES=1)).test_client()
    response = proxied.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_api_writes_are_limited_per_token(app, client, token):
    app.config["ATLAS_API_WRITE_LIMIT"] = "3 per minute"
    _, first = token()
    _, second = token()
    codes = [client.post("/api/v1/incidents", json=FEATURE, headers=first).status_code
             for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = client.post("/api/v1/incidents", json=FEATURE, headers=first)
    assert "Too many writes" in refused.get_json()["error"]
    assert client.post("/api/v1/incidents", json=FEATURE, headers=second).status_code == 201
    assert stored()[0] == 4


def test_guessing_tokens_gets_429_but_reads_without_token_still_work(app, client, token):
    app.config["ATLAS_TOKEN_THROTTLE"] = "3 per minute"
    bad = {"Authorization": "Bearer hta_guess"}
    # Forgetting the token is no guess: those 401s do not count.
    assert {client.post("/api/v1/incidents", json={}).status_code for _ in range(5)} == {401}
    codes = [client.get("/api/v1/incidents", headers=bad).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    _, good = token()
    assert client.get("/api/v1/incidents", headers=good).status_code == 429  # same client
    # What is public stays readable without a token: no 401 to count, no limit to hit.
    assert client.get("/api/v1/incidents").status_code == 200
    assert client.get("/api/v1/map?zoom=2").status_code == 200
    assert client.post("/api/v1/incidents", json={}, headers=bad).status_code == 429


def test_write_limit_storage_starts_one_sweeper_not_one_thread_per_write(app, client, token):
    from app.extensions import SweptMemoryStorage, limiter
    storage = limiter.storage
    assert isinstance(storage, SweptMemoryStorage)  # the default RATELIMIT_STORAGE_URI
    storage.SWEEP_EVERY = 60  # this instance only: no sweep ends during the test
    try:
        _, headers = token()
        codes, sweepers = set(), set()
        for _ in range(5):
            codes.add(client.post("/api/v1/incidents", json=FEATURE,
                                  headers=headers).status_code)
            sweepers.add(storage.timer)
    finally:
        del storage.SWEEP_EVERY
    assert codes == {201}
    # limits' memory:// started a thread per write; here at most one sweep is
    # scheduled (plus one left by an earlier test, still running at the start).
    assert len(sweepers) <= 2
    assert storage.timer.is_alive() and storage.timer.daemon


def test_swept_storage_expires_counters_on_read_before_the_sweep():
    from app.extensions import SweptMemoryStorage
    storage = SweptMemoryStorage("atlas-memory://")
    assert storage.incr("k", expiry=60) == 1
    assert storage.incr("k", expiry=60) == 2
    assert storage.incr("gone", expiry=0) == 1
    assert storage.get("gone") == 0  # expired: read as zero without waiting for the sweep
    assert storage.get("k") == 2
