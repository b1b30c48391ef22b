"""Finding 6: nobody can lock an account for good, and sign-in tells no account apart.

Ten wrong passwords used to lock any account (admins included) until an admin
acted, with a 403 that differed from the unknown-user 401 and a time that
differed too (scrypt for a known email, nothing for an unknown one). Now a
failure is one answer, one status and about one duration whatever the cause;
an account backs off for a time that grows with failures and ends by itself;
and the password-change form counts and throttles wrong current passwords
like sign-in does.
"""
import statistics
import time
from datetime import timedelta

from app.auth.models import utcnow
from app.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import csrf_from, fresh_g


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_from(client, "/login")})


def _relaxed(app, after=3):
    app.config.update(ATLAS_LOCKOUT_AFTER=after, LOGIN_THROTTLE="1000 per minute",
                      ATLAS_BACKOFF_SECONDS=60, ATLAS_BACKOFF_MAX_SECONDS=3600)


def test_every_failed_sign_in_gets_the_same_answer(app, client, make_user):
    _relaxed(app)
    admin = make_user("admin")
    answers = []
    for email, password in [("nobody@example.org", "whatever-pass"),
                            (admin.email, "wrong-password")] * 3 + [(admin.email, PASSWORD)]:
        response = _login(client, email, password)
        page = response.get_data(as_text=True)
        answers.append((response.status_code, "Wrong email or password." in page))
    assert set(answers) == {(401, True)}  # the last: right password, backing off


def test_the_back_off_ends_by_itself_and_grows_with_failures(app, client, make_user):
    _relaxed(app)
    user = make_user("admin")
    for _ in range(3):
        _login(client, user.email, "wrong-password")
    db.session.refresh(user)
    assert _login(client, user.email, PASSWORD).status_code == 401
    # A minute later the back-off is over: the next failure doubles it (2 minutes).
    user.locked_at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    assert _login(client, user.email, "wrong-password").status_code == 401
    db.session.refresh(user)
    user.locked_at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    assert _login(client, user.email, PASSWORD).status_code == 401  # still backing off
    user.locked_at = utcnow() - timedelta(seconds=121)
    db.session.commit()
    assert _login(client, user.email, PASSWORD).status_code == 302
    db.session.refresh(user)
    assert (user.failed_logins, user.locked_at) == (0, None)


def test_failed_sign_ins_take_as_long_for_unknown_and_known_emails(app, client, make_user):
    _relaxed(app, after=1000)
    user = make_user("editor")

    def timed(email):
        samples = []
        for _ in range(5):
            fresh_g()
            token = csrf_from(client, "/login")
            start = time.perf_counter()
            client.post("/login", data={"email": email, "password": "wrong-password",
                                        "csrf_token": token})
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    known, unknown = timed(user.email), timed("nobody@example.org")
    # Both pay one scrypt check; before, the unknown email answered ~20x faster.
    assert unknown > known * 0.5, (known, unknown)


def _change(client, current):
    token = csrf_from(client, "/account/password")
    return client.post("/account/password", data={
        "current": current, "new": "a-new-password-1", "confirm": "a-new-password-1",
        "csrf_token": token})


def test_the_password_form_counts_wrong_guesses_like_sign_in(app, client, make_user):
    _relaxed(app)
    user = make_user("contributor")
    assert _login(client, user.email, PASSWORD).status_code == 302
    assert [_change(client, "wrong-guess").status_code for _ in range(3)] == [400] * 3
    response = _change(client, PASSWORD)  # right, but backing off now
    assert response.status_code == 400
    assert "wait" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD) and user.failed_logins == 3


def test_the_password_form_is_throttled_per_client(app, client, make_user):
    app.config.update(ATLAS_LOCKOUT_AFTER=1000, LOGIN_THROTTLE="3 per minute")
    user = make_user("contributor")
    assert _login(client, user.email, PASSWORD).status_code == 302
    codes = [_change(client, "wrong-guess").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
