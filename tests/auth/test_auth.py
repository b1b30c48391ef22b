"""Accounts: CSRF, passwords, redirects, throttling, cookies, sessions ending."""
import re

import pytest

from app.auth.models import User
from app.auth.routes import safe_next
from app.auth.service import AccountError, create_user, user_for_token
from tests.conftest import PASSWORD


def _csrf(client, path="/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("reader")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_login_with_csrf_and_right_password_signs_in(client, make_user):
    user = make_user("editor")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": _csrf(client)})
    assert response.status_code == 302
    page = client.get("/map").get_data(as_text=True)
    assert user.email in page


def test_wrong_password_is_refused(client, make_user):
    user = make_user("reader")
    response = client.post("/login", data={"email": user.email, "password": "nope-nope-nope",
                                           "csrf_token": _csrf(client)})
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert user.email not in client.get("/map").get_data(as_text=True)


def test_password_is_stored_as_scrypt_hash(app, make_user):
    user = make_user("reader")
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("target, expected", [
    ("/incidents/3", "/incidents/3"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("javascript:alert(1)", None),
])
def test_only_local_paths_are_accepted_as_next(target, expected):
    assert safe_next(target) == expected


def test_open_redirect_after_login_is_refused(client, make_user):
    user = make_user("reader")
    response = client.post("/login?next=https://evil.example/",
                           data={"email": user.email, "password": PASSWORD,
                                 "csrf_token": _csrf(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/map"


def test_repeated_failed_logins_are_throttled(client, make_user):
    user = make_user("reader")
    token = _csrf(client)
    codes = [client.post("/login", data={"email": user.email, "password": "wrong-wrong",
                                         "csrf_token": token}).status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    # Even the right password waits out the throttle.
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 429


def test_session_cookie_flags(app, make_user):
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    user = make_user("reader")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": _csrf(client), "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
    assert "Secure" in session


def test_logout_ends_the_session_and_needs_csrf(client, make_user):
    user = make_user("reader")
    client.post("/login", data={"email": user.email, "password": PASSWORD,
                                "csrf_token": _csrf(client)})
    assert client.post("/logout").status_code == 400  # no CSRF token
    token = _csrf(client, "/map")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert user.email not in client.get("/map").get_data(as_text=True)


def test_create_user_refuses_duplicates_and_short_passwords(app):
    create_user(email="a@example.org", password=PASSWORD, role="reader")
    with pytest.raises(AccountError, match="already exists"):
        create_user(email="A@example.org", password=PASSWORD, role="reader")
    with pytest.raises(AccountError, match="at least"):
        create_user(email="b@example.org", password="short", role="reader")
    with pytest.raises(AccountError, match="role"):
        create_user(email="c@example.org", password=PASSWORD, role="king")


def test_cli_user_and_token_create(runner, app):
    result = runner.invoke(args=["user", "create", "ed@example.org", "--role", "editor"],
                           env={"ATLAS_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert "Created editor ed@example.org" in result.output
    result = runner.invoke(args=["token", "create", "ed@example.org"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    assert raw.startswith("hta_")
    user = user_for_token(raw)
    assert isinstance(user, User) and user.email == "ed@example.org"
    assert runner.invoke(args=["token", "create", "nobody@example.org"]).exit_code != 0
