"""``next`` parameters only ever lead to a local path."""
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD

HOSTILE = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
           "javascript:alert(1)", "/%0d%0aLocation:%20https://evil.example", "http:evil.example",
           " //evil.example"]


def _local(location):
    """A path on this site: no scheme, no host, no header splitting."""
    parts = urlsplit(location)
    return (location.startswith("/") and not location.startswith(("//", "/\\"))
            and not parts.scheme and not parts.netloc and "\r" not in location
            and "\n" not in location)


@pytest.mark.parametrize("target", HOSTILE)
def test_login_next_cannot_leave_the_site(app, client, make_user, target):
    user = make_user("reader")
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.post("/login", query_string={"next": target},
                               data={"email": user.email, "password": PASSWORD})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 302
    assert _local(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_next_cannot_leave_the_site(client, target):
    response = client.get("/lang/fr", query_string={"next": target})
    assert response.status_code == 302
    assert _local(response.headers["Location"])
