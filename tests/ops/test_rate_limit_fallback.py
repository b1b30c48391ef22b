"""RATELIMIT_IN_MEMORY_FALLBACK_ENABLED: with Redis unreachable, limits count in memory
instead of failing every limited request."""
import pytest
import redis

from app import create_app
from app.extensions import db
from tests.conftest import config_for

NO_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("fallback", [False, True])
def test_unreachable_redis(app, database_url, make_user, fallback):
    email = make_user("reader").email
    db.session.commit()
    settings = dict(RATELIMIT_STORAGE_URI=NO_REDIS, LOGIN_THROTTLE="2 per minute",
                    WTF_CSRF_ENABLED=False, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=fallback)
    client = create_app(config_for(database_url, **settings)).test_client()
    bad = {"email": email, "password": "not the password"}
    if not fallback:  # the storage error reaches the request (a 500 outside tests)
        with pytest.raises(redis.exceptions.ConnectionError):
            client.post("/login", data=bad)
        return
    codes = [client.post("/login", data=bad).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
