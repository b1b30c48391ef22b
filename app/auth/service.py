"""Account verbs: create users, check passwords, issue and check API tokens."""
import secrets
from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import ROLES, ApiToken, User, utcnow
from app.extensions import db

MIN_PASSWORD = 10
TOKEN_TOUCH_EVERY = timedelta(minutes=1)


class AccountError(ValueError):
    """A request about accounts that cannot be honoured, with the reason."""


def create_user(*, email, password, role):
    """Create a user with a scrypt-hashed password; refuse duplicates and weak input."""
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    if get_by_email(email) is not None:
        raise AccountError(f"a user with email {email} already exists")
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def get_by_email(email):
    return db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))


def authenticate(email, password):
    """The active user with this email and password, else ``None``."""
    user = get_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


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
    token = db.session.scalar(sa.select(ApiToken).where(
        ApiToken.token_hash == ApiToken.hash(raw), ApiToken.revoked_at.is_(None)))
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
