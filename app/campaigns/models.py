"""A campaign: a named operation grouping incidents, with its own revisions.

``version`` is the optimistic lock, as on incidents: an edit names the
version it started from and a stale one is refused (409), never overwritten.
"""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import utcnow
from app.db_types import JSONList
from app.extensions import db
from app.revisions import RevisionColumns


class Campaign(db.Model):
    """A named campaign grouping several incidents (``description`` is its summary)."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    aliases: Mapped[list] = mapped_column(JSONList, default=list)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actors.id"))
    first_seen: Mapped[date | None]
    last_seen: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    actor = relationship("Actor")
    revisions = relationship("CampaignRevision", back_populates="campaign",
                             order_by="CampaignRevision.number",
                             cascade="all, delete-orphan")


class CampaignRevision(RevisionColumns, db.Model):
    """One change to a campaign: who, when, what, and the state after it."""

    __tablename__ = "campaign_revisions"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "number"),)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    campaign = relationship("Campaign", back_populates="revisions")
