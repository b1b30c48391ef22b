"""Account back-off after repeated failures, admin unlock (page and CLI), audit log."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from app.audit.models import AuditEntry
from app.audit.service import record
from app.auth.models import utcnow
from app.cli import user_unlock
from app.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import csrf_from, fresh_g


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_from(client, "/login")})


def _lock(app, client, user):
    app.config.update(ATLAS_LOCKOUT_AFTER=3, LOGIN_THROTTLE="100 per minute")
    return [_login(client, user.email, "wrong-password-x").status_code for _ in range(3)]


def _actions():
    return db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_account_backs_off_after_n_failures_even_for_the_right_password(app, client,
                                                                       make_user):
    user = make_user("editor")
    assert _lock(app, client, user) == [401, 401, 401]
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 401  # the same answer as any failure (no oracle)
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert user.email not in client.get("/map").get_data(as_text=True)
    assert _actions() == ["user.lock"]


def test_success_resets_the_failure_count(app, client, make_user):
    user = make_user("reader")
    app.config.update(ATLAS_LOCKOUT_AFTER=3, LOGIN_THROTTLE="100 per minute")
    _login(client, user.email, "wrong-password-x")
    _login(client, user.email, "wrong-password-x")
    assert _login(client, user.email, PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0 and user.locked_at is None


def test_admin_unlocks_from_the_page_with_csrf(app, client, make_user):
    user = make_user("editor")
    admin = make_user("admin")
    _lock(app, client, user)
    admin_client = app.test_client()
    assert _login(admin_client, admin.email, PASSWORD).status_code == 302
    fresh_g()
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Locked until" in page
    assert admin_client.post(f"/admin/users/{user.id}/unlock").status_code == 400  # no CSRF
    token = csrf_from(admin_client, "/admin/users")
    assert admin_client.post(f"/admin/users/{user.id}/unlock",
                             data={"csrf_token": token}).status_code == 302
    assert _login(client, user.email, PASSWORD).status_code == 302
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.unlock")).one()
    assert entry.actor_id == admin.id and entry.target == f"user:{user.id}"
    assert entry.request_id
    fresh_g()
    assert "user.unlock" in admin_client.get("/admin/audit").get_data(as_text=True)


@pytest.mark.parametrize("lang, locked, active", [("en", "Locked until", "Active"),
                                                  ("fr", "Verrouillé jusqu’au", "Actif")])
def test_the_users_page_shows_the_back_off_while_it_runs_only(app, client, make_user,
                                                              lang, locked, active):
    user = make_user("editor")
    admin = make_user("admin")
    _lock(app, client, user)  # three failures: a back-off of ATLAS_BACKOFF_SECONDS
    db.session.refresh(user)
    ends = user.locked_at + timedelta(seconds=app.config["ATLAS_BACKOFF_SECONDS"])
    admin_client = app.test_client()
    assert _login(admin_client, admin.email, PASSWORD).status_code == 302

    def row():
        fresh_g()
        refresh()  # the locale of a request stays in the test's shared app context
        page = admin_client.get(f"/admin/users?lang={lang}").get_data(as_text=True)
        return re.search(rf"<tr>\s*<td>{re.escape(user.email)}</td>.*?</tr>", page, re.S)[0]
    running = row()
    assert locked in running and f"{ends:%Y-%m-%d %H:%M} UTC" in running
    assert "<td>3</td>" in running  # failed sign-ins
    user.locked_at = utcnow() - timedelta(seconds=app.config["ATLAS_BACKOFF_SECONDS"] + 1)
    db.session.commit()
    ended = row()
    assert locked not in ended and "Locked" not in ended and active in ended
    assert "<td>3</td>" in ended  # the count stays until a success or an unlock


def test_only_admins_see_the_admin_pages(app, client, make_user):
    editor = make_user("editor")
    _login(client, editor.email, PASSWORD)
    fresh_g()
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    anonymous = app.test_client()
    fresh_g()
    assert anonymous.get("/admin/users").status_code == 302  # to the sign-in page


def test_cli_unlock(app, client, runner, make_user):
    user = make_user("reader")
    _lock(app, client, user)
    result = runner.invoke(user_unlock, [user.email])
    assert result.exit_code == 0, result.output
    assert _login(client, user.email, PASSWORD).status_code == 302
    assert _actions() == ["user.lock", "user.unlock"]


def test_record_joins_the_callers_transaction(app, make_user):
    admin = make_user("admin")
    record(admin, "settings.change", "settings:tiles", {"to": "offline"})
    db.session.rollback()
    assert _actions() == []
    record(admin, "settings.change", "settings:tiles", {"to": "offline"}, commit=True)
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert entry.details == {"to": "offline"} and entry.actor_id == admin.id
