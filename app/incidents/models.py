"""The incident and its reference data: actors, vectors, platforms, DISARM techniques,
countries.

Field names follow ACLED / STIX 2.1 / DISARM (see docs/product.md). Geometry is
EPSG:4326; ``min_x``…``max_y`` are its bounding box in degrees and ``rep_x``,
``rep_y`` a representative point inside it, both kept in step by the service.
"""
import uuid as uuid_mod
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import utcnow
from app.campaigns.models import Campaign  # noqa: F401  (incidents belong to one)
from app.db_types import Geometry, JSONList
from app.extensions import db
from app.revisions import RevisionColumns

STATUSES = ("draft", "submitted", "published", "rejected", "archived")
TIME_PRECISIONS = ("day", "month", "year")
GEO_PRECISIONS = ("exact", "city", "region", "country")
ACTOR_TYPES = ("state", "state-affiliated", "criminal", "commercial", "unknown")
ATTRIBUTIONS = ("direct", "proxy", "inferred", "unattributed")


def _link_table(name, column, target, *, indexed=True):
    """An incident's links to one reference table: rows go with the incident."""
    return sa.Table(
        name, db.metadata,
        sa.Column("incident_id", sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column(column, sa.ForeignKey(target), primary_key=True, index=indexed or None))


incident_vectors = _link_table("incident_vectors", "vector_id", "vectors.id")
incident_countries = _link_table("incident_countries", "iso_a3", "countries.iso_a3")
incident_platforms = _link_table("incident_platforms", "platform_id", "platforms.id")
incident_techniques = _link_table("incident_techniques", "technique_id", "techniques.id",
                                  indexed=False)


class Country(db.Model):
    """A country or territory from Natural Earth, keyed by ISO 3166-1 alpha-3."""

    __tablename__ = "countries"
    iso_a3: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    iso_a2: Mapped[str | None] = mapped_column(sa.String(2))
    iso_num: Mapped[str | None] = mapped_column(sa.String(3))
    name_en: Mapped[str] = mapped_column(sa.String(128))
    name_fr: Mapped[str] = mapped_column(sa.String(128))


class Actor(db.Model):
    """A threat actor or sponsor state."""

    __tablename__ = "actors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    type: Mapped[str] = mapped_column(sa.String(20), default="unknown")
    aliases: Mapped[list] = mapped_column(JSONList, default=list)
    sponsor_country: Mapped[str | None] = mapped_column(sa.ForeignKey("countries.iso_a3"))
    description: Mapped[str] = mapped_column(sa.Text, default="")


class Labelled:
    """An entry of an editable taxonomy: a slug (URLs, files) labelled in English and French."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    label_en: Mapped[str] = mapped_column(sa.String(80))
    label_fr: Mapped[str] = mapped_column(sa.String(80))


class Vector(Labelled, db.Model):
    """A threat vector of the editable taxonomy, labelled in French and English."""

    __tablename__ = "vectors"
    color: Mapped[str] = mapped_column(sa.String(7), default="#555555")
    symbol: Mapped[str] = mapped_column(sa.String(8), default="●")


class Platform(Labelled, db.Model):
    """Where an operation ran (a social network, websites, TV…), labelled in French and English."""

    __tablename__ = "platforms"


class Technique(db.Model):
    """A DISARM Red technique (``T0002``) or sub-technique (``T0002.001``)."""

    __tablename__ = "techniques"
    id: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    tactics: Mapped[list] = mapped_column(JSONList, default=list)


class Incident(db.Model):
    """A geotagged hybrid-threat incident. ``version`` is the optimistic lock."""

    __tablename__ = "incidents"
    __table_args__ = (
        # (status, start_date) lookups use ix_incidents_barometer (app/barometer/models.py).
        sa.Index("ix_incidents_title", "title"),  # imports' duplicate check
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid_mod.uuid4()))
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    lang: Mapped[str] = mapped_column(sa.String(8), default="en")
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    start_date: Mapped[date]
    end_date: Mapped[date]
    time_precision: Mapped[str] = mapped_column(sa.String(8), default="day")
    geometry = mapped_column(Geometry, nullable=False)
    min_x: Mapped[float]
    min_y: Mapped[float]
    max_x: Mapped[float]
    max_y: Mapped[float]
    rep_x: Mapped[float]
    rep_y: Mapped[float]
    geo_precision: Mapped[str] = mapped_column(sa.String(8), default="exact")
    precision_m: Mapped[int | None]
    location_name: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actors.id"), index=True)
    attribution: Mapped[str] = mapped_column(sa.String(14), default="unattributed")
    confidence: Mapped[int] = mapped_column(default=50)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"),
                                                   index=True)

    __mapper_args__ = {"version_id_col": version}

    actor = relationship("Actor", lazy="joined")
    campaign = relationship("Campaign")
    created_by = relationship("User", foreign_keys=[created_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    vectors = relationship("Vector", secondary=incident_vectors, order_by="Vector.slug",
                           lazy="selectin")
    platforms = relationship("Platform", secondary=incident_platforms,
                             order_by="Platform.slug", lazy="selectin")
    countries = relationship("Country", secondary=incident_countries,
                             order_by="Country.iso_a3", lazy="selectin")
    techniques = relationship("Technique", secondary=incident_techniques,
                              order_by="Technique.id", lazy="selectin")
    sources = relationship("Source", back_populates="incident", order_by="Source.id",
                           cascade="all, delete-orphan", lazy="selectin")
    revisions = relationship("Revision", back_populates="incident",
                             order_by="Revision.number", cascade="all, delete-orphan")


class Source(db.Model):
    """A piece of evidence cited for an incident."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    publisher: Mapped[str] = mapped_column(sa.String(200), default="")
    published_on: Mapped[date | None]
    archived_url: Mapped[str | None] = mapped_column(sa.String(2000))
    incident = relationship("Incident", back_populates="sources")


class Revision(RevisionColumns, db.Model):
    """One change to an incident: who, when, what, and the state after it."""

    __tablename__ = "revisions"
    # Its unique index (incident_id, number) also serves lookups by incident.
    __table_args__ = (sa.UniqueConstraint("incident_id", "number"),)
    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"))
    incident = relationship("Incident", back_populates="revisions")
