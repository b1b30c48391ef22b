"""Account verbs: create users, check passwords, issue and check API tokens."""
import functools
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import ROLES, ApiToken, User, utcnow
from app.extensions import db
from app.messages import N_, MessageError

MIN_PASSWORD = 10
TOKEN_TOUCH_EVERY = timedelta(minutes=1)


class AccountError(MessageError):
    """A request about accounts that cannot be honoured, with the reason (English
    ``str`` for the CLI, ``localised()`` for pages)."""


def create_user(*, email, password, role):
    """Create a user with a scrypt-hashed password; refuse duplicates and weak input."""
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError(N_("%(email)r is not an email address"), email=email)
    if role not in ROLES:
        raise AccountError(N_("role must be one of %(roles)s"), roles=", ".join(ROLES))
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(N_("password must have at least %(n)s characters"), n=MIN_PASSWORD)
    if get_by_email(email) is not None:
        raise AccountError(N_("a user with email %(email)s already exists"), email=email)
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def get_by_email(email):
    return db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))


@dataclass(frozen=True)
class BackOff:
    """After ``after`` consecutive failures an account waits ``first`` seconds before
    the next attempt counts, twice as long after each further failure, at most ``longest``."""

    after: int = 10
    first: float = 60.0
    longest: float = 3600.0

    def until(self, user):
        """When ``user``'s back-off ends, or None when there is none."""
        if user.locked_at is None or not self.after or user.failed_logins < self.after:
            return None
        doublings = min(user.failed_logins - self.after, 30)
        return user.locked_at + timedelta(seconds=min(self.longest, self.first * 2**doublings))


@functools.cache
def _dummy_hash():
    """A scrypt hash to check unknown emails against: every failure takes as long."""
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


def authenticate(email, password, *, backoff=BackOff()):
    """The active user with this email and password, else ``None``.

    Every failure looks and lasts the same — unknown email, inactive account,
    wrong password, account backing off — so sign-in reveals no account: an
    unknown email is checked against a dummy hash. Failures on an existing
    account are counted; from ``backoff.after`` of them the account backs off
    for a time that doubles with each further failure (``BackOff``), during
    which even the right password is refused. Nothing locks an account for
    good: the back-off ends by itself. Success resets the count.
    """
    user = get_by_email(email)
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password or "")
        return None
    right = user.check_password(password or "")
    until = backoff.until(user)
    if until is not None and utcnow() < until:
        return None  # not counted: the back-off grows with failures after it ends
    if not right:
        count_failure(user, backoff)
        return None
    if user.failed_logins or user.locked_at:
        user.failed_logins, user.locked_at = 0, None
        db.session.commit()
    return user


def count_failure(user, backoff):
    """One more failed password check on ``user``; a back-off starts from ``backoff.after``."""
    from app.audit.service import record
    user.failed_logins = (user.failed_logins or 0) + 1
    if backoff.after and user.failed_logins >= backoff.after:
        user.locked_at = utcnow()
        record(None, "user.lock", f"user:{user.id}",
               {"email": user.email, "failed_logins": user.failed_logins,
                "until": backoff.until(user).isoformat()})
    db.session.commit()


def backoff_ends(user, backoff, now=None):
    """When ``user``'s running back-off ends (admin page), or None when none runs now."""
    until = backoff.until(user)
    return until if until is not None and (now or utcnow()) < until else None


def backing_off(user, backoff, now=None):
    """True while ``user`` is in a back-off (password change)."""
    return backoff_ends(user, backoff, now) is not None


def unlock(user, *, by):
    """Let a locked account sign in again; audited."""
    from app.audit.service import record
    user.locked_at = None
    user.failed_logins = 0
    record(by, "user.unlock", f"user:{user.id}", {"email": user.email})
    db.session.commit()


def change_password(user, *, current, new, backoff=BackOff()):
    """Set a new password after checking the current one; ends every other session.

    A wrong current password counts as a failed sign-in (``count_failure``):
    the form cannot be used to guess a password the sign-in page protects.
    """
    right = user.check_password(current or "")
    if backing_off(user, backoff):
        raise AccountError(N_("Too many wrong passwords; wait a few minutes and try again."))
    if not right:
        count_failure(user, backoff)
        raise AccountError(N_("The current password is wrong."))
    if len(new or "") < MIN_PASSWORD:
        raise AccountError(N_("The new password must have at least %(n)s characters."),
                           n=MIN_PASSWORD)
    from app.audit.service import record
    user.set_password(new)
    user.failed_logins, user.locked_at = 0, None
    user.session_token = secrets.token_hex(16)
    record(user, "user.password_change", f"user:{user.id}")
    db.session.commit()


def load_session_user(session_id):
    """Flask-Login loader: ``"<id>:<session_token>"`` so a rotated token logs out."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def end_sessions(user):
    """Invalidate every session and remember cookie of ``user``."""
    user.session_token = secrets.token_hex(16)
    db.session.commit()


def create_token(user):
    """Issue an API token for ``user``; return the raw token (shown once, stored hashed)."""
    raw = "hta_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(raw)))
    db.session.commit()
    return raw


def user_for_token(raw):
    """The active user owning the unrevoked token ``raw``, else ``None``."""
    # The user comes in the same query (one round trip per API request, not two).
    token = db.session.scalar(sa.select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == ApiToken.hash(raw),
                                     ApiToken.revoked_at.is_(None)))
    if token is None or not token.user.active:
        return None
    _touch(token)
    return token.user


def _touch(token):
    """Record when a token was last used, at most once a minute and best effort.

    A busy database must not turn a read into an error: the timestamp is
    informative, so a failed write is rolled back and forgotten.
    """
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_EVERY:
        return
    try:
        token.last_used_at = now
        db.session.commit()
    except sa.exc.OperationalError:
        db.session.rollback()
