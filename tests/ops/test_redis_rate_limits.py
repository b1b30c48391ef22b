"""With several app servers the rate-limit state lives in Redis: the app runs on it.

Needs Redis on 127.0.0.1:6379 (``ATLAS_TEST_REDIS`` overrides); skipped with the
reason when absent, a failure under CI=true.
"""
import os
import uuid

import pytest

from app import create_app
from app.extensions import db, limiter
from tests.conftest import PASSWORD, config_for, unavailable

REDIS_URL = os.environ.get("ATLAS_TEST_REDIS", "redis://127.0.0.1:6379")


@pytest.fixture
def redis_client():
    try:
        import redis
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001 — any failure means "no Redis here"
        unavailable(f"Redis not reachable at {REDIS_URL}: {str(exc).splitlines()[0]}")
    yield client
    client.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_login_throttle_counts_in_redis_across_app_instances(database_url, make_user,
                                                            redis_client):
    prefix = f"atlas-test-{uuid.uuid4().hex[:8]}"
    settings = dict(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                    LOGIN_THROTTLE="3 per minute", WTF_CSRF_ENABLED=False)
    email = make_user("reader").email
    db.session.commit()  # release SQLite's write lock: the "servers" below write
    bad = {"email": email, "password": "not the password"}
    try:
        first = create_app(config_for(database_url, **settings))
        codes = [first.test_client().post("/login", data=bad).status_code for _ in range(2)]
        assert any(prefix in key.decode() for key in redis_client.keys(f"*{prefix}*"))
        # A second server (a new app on the same Redis) sees the same count.
        second = create_app(config_for(database_url, **settings))
        client = second.test_client()
        codes += [client.post("/login", data=bad).status_code for _ in range(2)]
        assert codes == [401, 401, 401, 429]
        ok = client.post("/login", data={"email": email, "password": PASSWORD})
        assert ok.status_code == 429  # throttled per client, whatever the password
    finally:
        for key in redis_client.keys(f"*{prefix}*"):
            redis_client.delete(key)
        limiter.reset()
