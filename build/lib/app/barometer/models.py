"""Editor-written parts of the quarterly reports: narrative sections and picked incidents.

A section is keyed by its quarter (``"2025-Q3"``) and a slug; every save writes
a ``ReportSectionRevision``, and ``version`` is the optimistic lock, as for
incidents. Readers see a section only once it is published.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import utcnow
from app.extensions import db
from app.incidents.models import Incident

SECTION_SLUGS = ("summary", "analysis", "outlook")

# Covers the barometer's GROUP BY over published incidents (status, start date,
# confidence): an index-only scan instead of reading each wide incident row.
BAROMETER_INDEX = sa.Index("ix_incidents_barometer", Incident.status, Incident.start_date,
                           Incident.confidence)


class ReportSection(db.Model):
    """One narrative section of one quarterly report."""

    __tablename__ = "report_sections"
    __table_args__ = (sa.UniqueConstraint("quarter", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(7))
    slug: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revisions = relationship("ReportSectionRevision", back_populates="section",
                             order_by="ReportSectionRevision.number",
                             cascade="all, delete-orphan")


class ReportSectionRevision(db.Model):
    """The state of a section after one save: who, when, what."""

    __tablename__ = "report_section_revisions"
    __table_args__ = (sa.UniqueConstraint("section_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report_sections.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12))
    section = relationship("ReportSection", back_populates="revisions")
    author = relationship("User")


class ReportPick(db.Model):
    """An incident an editor picked for a quarterly report, in reading order."""

    __tablename__ = "report_picks"
    quarter: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    incident = relationship("Incident")
