"""Tips: anonymous reports of a suspected campaign, kept apart from incidents.

A tip lives in its own tables (``tips``, ``tip_evidence``) so that no public
query of incidents can ever reach it. Nothing identifying the reporter is
stored: no IP address, no user agent; the optional ``contact`` is whatever the
reporter chose to give. The receipt is stored only as its SHA-256.
"""
import hashlib
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import utcnow
from app.extensions import db

# received → under_review → incident | not_retained; "merged" points at another tip.
TIP_STATUSES = ("received", "under_review", "incident", "not_retained", "merged")
OPEN_STATUSES = ("received", "under_review")


def receipt_hash(receipt):
    """The stored form of a receipt code: its SHA-256, hex."""
    return hashlib.sha256(receipt.encode()).hexdigest()


class Tip(db.Model):
    """One anonymous report: what was seen, where, when, and links to the evidence."""

    __tablename__ = "tips"
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(14), default="received", index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    location_name: Mapped[str] = mapped_column(sa.String(200), default="")
    country: Mapped[str | None] = mapped_column(sa.ForeignKey("countries.iso_a3"),
                                                index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    seen_on: Mapped[date | None]
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    lang: Mapped[str] = mapped_column(sa.String(8), default="en")
    # Day precision on purpose: an exact time could be matched against server logs.
    received_on: Mapped[date] = mapped_column(default=lambda: utcnow().date())
    # Set by triage only, so the exact time a tip arrived is stored nowhere.
    updated_at: Mapped[datetime | None] = mapped_column(onupdate=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Provenance: the draft incident this tip became.
    incident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="SET NULL"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tips.id"))

    evidence = relationship("TipEvidence", back_populates="tip", order_by="TipEvidence.id",
                            cascade="all, delete-orphan", lazy="selectin")
    merged_into = relationship("Tip", remote_side=[id])
    incident = relationship("Incident")
    reviewed_by = relationship("User")


class TipEvidence(db.Model):
    """A link given as evidence. ``url_key`` (SHA-256 of the normalised URL) groups duplicates."""

    __tablename__ = "tip_evidence"
    __table_args__ = (sa.UniqueConstraint("tip_id", "url_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(sa.ForeignKey("tips.id", ondelete="CASCADE"),
                                        index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    url_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    tip = relationship("Tip", back_populates="evidence")
