"""Alert notes: short editorial notes in French and English, with revisions.

A note links incidents, a campaign, countries and vectors; it goes from draft
to published (and archived), and ``version`` is its optimistic lock.
"""
import uuid as uuid_mod
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import utcnow
from app.extensions import db
from app.revisions import RevisionColumns

NOTE_STATUSES = ("draft", "published", "archived")

note_incidents = sa.Table(
    "note_incidents", db.metadata,
    sa.Column("note_id", sa.ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("incident_id", sa.ForeignKey("incidents.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)
note_countries = sa.Table(
    "note_countries", db.metadata,
    sa.Column("note_id", sa.ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("iso_a3", sa.ForeignKey("countries.iso_a3"), primary_key=True),
)
note_vectors = sa.Table(
    "note_vectors", db.metadata,
    sa.Column("note_id", sa.ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("vector_id", sa.ForeignKey("vectors.id"), primary_key=True),
)


class Note(db.Model):
    """An alert note; ``title_*``/``body_*`` hold each language (Markdown bodies)."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid_mod.uuid4()))
    status: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    title_fr: Mapped[str] = mapped_column(sa.String(300), default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    body_fr: Mapped[str] = mapped_column(sa.Text, default="")
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    campaign = relationship("Campaign")
    created_by = relationship("User")
    incidents = relationship("Incident", secondary=note_incidents, order_by="Incident.id")
    countries = relationship("Country", secondary=note_countries,
                             order_by="Country.iso_a3")
    vectors = relationship("Vector", secondary=note_vectors, order_by="Vector.slug")
    revisions = relationship("NoteRevision", back_populates="note",
                             order_by="NoteRevision.number", cascade="all, delete-orphan")

    def title(self, lang):
        """The title in ``lang``, else in the other language."""
        return (self.title_fr or self.title_en) if lang == "fr" else (
            self.title_en or self.title_fr)

    def body(self, lang):
        """The Markdown body in ``lang``, else in the other language."""
        return (self.body_fr or self.body_en) if lang == "fr" else (
            self.body_en or self.body_fr)


class NoteRevision(RevisionColumns, db.Model):
    """One change to a note: who, when, what, and the state after it."""

    __tablename__ = "note_revisions"
    __table_args__ = (sa.UniqueConstraint("note_id", "number"),)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("notes.id", ondelete="CASCADE"))
    note = relationship("Note", back_populates="revisions")
