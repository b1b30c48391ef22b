"""``audit_log``: one row per admin or editor action, never updated."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import utcnow
from app.db_types import JSONDict
from app.extensions import db


class AuditEntry(db.Model):
    """An action: ``actor`` (``None`` for the system) did ``action`` to ``target``."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64))
    target: Mapped[str] = mapped_column(sa.String(200), default="")
    details: Mapped[dict | None] = mapped_column(JSONDict)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    actor = relationship("User")
