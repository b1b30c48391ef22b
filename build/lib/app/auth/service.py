"""Account verbs: create users, check passwords, issue and check API tokens."""
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

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


class AccountLocked(AccountError):
    """Too many failed sign-ins: only an admin can unlock the account."""


def authenticate(email, password, *, lock_after=None):
    """The active user with this email and password, else ``None``.

    Failed attempts on an existing account are counted; at ``lock_after``
    consecutive failures the account locks (``AccountLocked``, even with the
    right password) until an admin unlocks it. Success resets the count.
    """
    user = get_by_email(email)
    if user is None or not user.active:
        return None
    if user.locked_at is not None:
        raise AccountLocked(N_("This account is locked after too many failed sign-ins; "
                               "ask an administrator to unlock it."))
    if not user.check_password(password):
        _count_failure(user, lock_after)
        return None
    if user.failed_logins:
        user.failed_logins = 0
        db.session.commit()
    return user


def _count_failure(user, lock_after):
    from app.audit.service import record
    user.failed_logins = (user.failed_logins or 0) + 1
    if lock_after and user.failed_logins >= lock_after:
        user.locked_at = utcnow()
        record(None, "user.lock", f"user:{user.id}",
               {"email": user.email, "failed_logins": user.failed_logins})
    db.session.commit()


def unlock(user, *, by):
    """Let a locked account sign in again; audited."""
    from app.audit.service import record
    user.locked_at = None
    user.failed_logins = 0
    record(by, "user.unlock", f"user:{user.id}", {"email": user.email})
    db.session.commit()


def change_password(user, *, current, new):
    """Set a new password after checking the current one; ends every other session."""
    if not user.check_password(current or ""):
        raise AccountError(N_("The current password is wrong."))
    if len(new or "") < MIN_PASSWORD:
        raise AccountError(N_("The new password must have at least %(n)s characters."),
                           n=MIN_PASSWORD)
    from app.audit.service import record
    user.set_password(new)
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
