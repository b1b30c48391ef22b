"""What editors decided about a weak signal; the signals themselves are computed.

A signal is identified by its cell and week (``week`` is the Monday), so a
decision survives every recomputation of the detector.
"""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import utcnow
from app.extensions import db

DECISIONS = ("acknowledged", "dismissed", "noted")


class SignalReview(db.Model):
    """An editor's decision on the signal of (``week``, ``country``, ``vector``)."""

    __tablename__ = "signal_reviews"
    __table_args__ = (sa.UniqueConstraint("week", "country", "vector"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date]
    country: Mapped[str] = mapped_column(sa.String(3))
    vector: Mapped[str] = mapped_column(sa.String(40))
    decision: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    note_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notes.id",
                                                              ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by = relationship("User")
    note = relationship("Note")
