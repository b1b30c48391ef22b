"""Password change: needs the current password and CSRF; ends every other session."""

from app.auth.models import User
from app.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import csrf_from, fresh_g

NEW = "another long passphrase"


def _login(client, email, password=PASSWORD, remember=False):
    data = {"email": email, "password": password, "csrf_token": csrf_from(client, "/login")}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def _page(client, path="/map"):
    fresh_g()
    return client.get(path).get_data(as_text=True)


def _change(client, current=PASSWORD, new=NEW, confirm=NEW):
    return client.post("/account/password", data={
        "current": current, "new": new, "confirm": confirm,
        "csrf_token": csrf_from(client, "/account/password")})


def test_change_signs_out_other_sessions_and_remember_cookies(app, make_user):
    user = make_user("contributor")
    here, elsewhere = app.test_client(), app.test_client()
    _login(here, user.email)
    _login(elsewhere, user.email, remember=True)
    remember = elsewhere.get_cookie("remember_token").value
    assert _change(here).status_code == 302
    assert user.email in _page(here)  # this session stays
    assert user.email not in _page(elsewhere)
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert user.email not in _page(thief)
    assert _login(app.test_client(), user.email, NEW).status_code == 302
    assert _login(app.test_client(), user.email, PASSWORD).status_code == 401


def test_wrong_current_password_changes_nothing(app, client, make_user):
    user = make_user("reader")
    _login(client, user.email)
    before = (user.password_hash, user.session_token)
    response = _change(client, current="not-my-password")
    assert response.status_code == 400
    assert "current password is wrong" in response.get_data(as_text=True)
    db.session.expire_all()
    again = db.session.get(User, user.id)
    assert (again.password_hash, again.session_token) == before


def test_mismatch_short_and_missing_csrf_are_refused(app, client, make_user):
    user = make_user("reader")
    _login(client, user.email)
    assert _change(client, confirm="something else entirely").status_code == 400
    assert _change(client, new="short", confirm="short").status_code == 400
    no_csrf = client.post("/account/password",
                          data={"current": PASSWORD, "new": NEW, "confirm": NEW})
    assert no_csrf.status_code == 400
    assert _login(app.test_client(), user.email).status_code == 302


def test_password_page_needs_sign_in(client):
    fresh_g()
    assert client.get("/account/password").status_code == 302
