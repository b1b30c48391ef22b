"""Every cookie-authenticated form refuses a POST without its CSRF token; cookies never
authorise an API write."""
import pytest

from tests.conftest import PASSWORD
from tests.security.conftest import FEATURE, fresh_g, stored


def _sign_in(app, client, user):
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        assert client.post("/login", data={"email": user.email,
                                           "password": PASSWORD}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    fresh_g()


@pytest.mark.parametrize("path, data", [
    ("/logout", {}),
    ("/account/password", {"current": PASSWORD, "new": "x" * 12, "confirm": "x" * 12}),
    ("/admin/users/1/unlock", {}),
])
def test_forms_without_csrf_token_are_refused(app, client, make_user, path, data):
    admin = make_user("admin")
    _sign_in(app, client, admin)
    before = (admin.password_hash, admin.session_token)
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    fresh_g()
    assert admin.email in client.get("/map").get_data(as_text=True)  # still signed in
    assert (admin.password_hash, admin.session_token) == before


def test_login_without_csrf_is_refused(client, make_user):
    user = make_user("reader")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_session_cookie_does_not_authorise_api_writes(app, client, make_user):
    _sign_in(app, client, make_user("editor"))
    before = stored()
    response = client.post("/api/v1/incidents", json=FEATURE)
    assert response.status_code == 401
    assert "API token" in response.get_json()["error"]
    assert stored() == before
