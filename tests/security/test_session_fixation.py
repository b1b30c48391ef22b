"""A session cookie planted before sign-in never becomes an authenticated session."""
from tests.conftest import PASSWORD
from tests.security.conftest import fresh_g


def _login(app, client, user):
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        return client.post("/login", data={"email": user.email, "password": PASSWORD})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_planted_cookie_stays_anonymous_after_victim_signs_in(app, make_user):
    victim = make_user("editor")
    attacker = app.test_client()
    attacker.get("/login")
    planted = attacker.get_cookie("session").value
    browser = app.test_client()
    browser.set_cookie("session", planted)
    response = _login(app, browser, victim)
    assert response.status_code == 302
    assert browser.get_cookie("session").value != planted
    fresh_g()
    assert victim.email in browser.get("/map").get_data(as_text=True)
    fresh_g()
    assert victim.email not in attacker.get("/map").get_data(as_text=True)


def test_forged_user_id_cookie_is_refused(app, make_user):
    """A cookie naming the user id without the rotating session token is anonymous."""
    from flask.sessions import SecureCookieSessionInterface
    victim = make_user("admin")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    forged = serializer.dumps({"_user_id": str(victim.id), "_fresh": True})
    client = app.test_client()
    client.set_cookie("session", forged)
    fresh_g()
    assert client.get("/admin/users").status_code == 302  # sent to sign in


def test_old_session_cookie_is_dead_after_logout(app, make_user):
    from tests.security.test_csrf import _sign_in
    user = make_user("reader")
    client = app.test_client()
    _sign_in(app, client, user)
    stolen = client.get_cookie("session").value
    fresh_g()
    token = __import__("re").search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                    client.get("/map").get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    fresh_g()
    assert user.email not in replay.get("/map").get_data(as_text=True)
