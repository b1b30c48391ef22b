"""Users, roles and API tokens."""
import hashlib
import secrets
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db

ROLES = ("reader", "contributor", "editor", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def utcnow():
    """Timezone-aware now, stored as naive UTC by SQLite."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(UserMixin, db.Model):
    """A person with an account. Roles are ordered: each includes the ones before."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16), default="reader")
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated on logout/password change so that old sessions stop working.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Consecutive failed sign-ins; at the lockout threshold ``locked_at`` is set
    # and only an admin (page or ``user unlock``) lets the account in again.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_at: Mapped[datetime | None]
    tokens = relationship("ApiToken", back_populates="user")

    def set_password(self, password):
        """Store a scrypt hash of ``password``; never the password itself."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self):
        return self.active

    def has_role(self, role):
        """True when the user's role is ``role`` or ranks above it."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_editor(self):
        return self.has_role("editor")


class ApiToken(db.Model):
    """A Bearer token for the API. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user = relationship("User", back_populates="tokens")

    @staticmethod
    def hash(raw):
        return hashlib.sha256(raw.encode()).hexdigest()
