"""An embed: a saved view of the map that other sites may frame.

``filters`` is the shared filter query string (``app.incidents.filters.to_query``).
A *frozen* embed keeps, in ``EmbedView`` rows, the aggregated map data it showed
at ``as_of`` — one ``/api/v1/map`` answer for the whole world per zoom level
(see the README for why it is materialised) — and in ``frozen_etag`` a SHA-256
over them all, the version in the levels' immutable URLs.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import utcnow
from app.db_types import JSONList
from app.extensions import db

LEGEND_POSITIONS = ("topright", "topleft", "bottomright", "bottomleft", "below", "hidden")
LAYER_GROUPS = ("actor", "vector", "country")


class Embed(db.Model):
    """A map embedded in articles on other sites, addressed by an unguessable key."""

    __tablename__ = "embeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(43), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    caption: Mapped[str] = mapped_column(sa.Text, default="")
    filters: Mapped[str] = mapped_column(sa.Text, default="")
    layers: Mapped[list] = mapped_column(JSONList, default=lambda: list(LAYER_GROUPS))
    fit_to_data: Mapped[bool] = mapped_column(default=True)
    center_lat: Mapped[float | None]
    center_lon: Mapped[float | None]
    zoom: Mapped[int | None]
    legend_position: Mapped[str] = mapped_column(sa.String(12), default="bottomleft")
    frozen: Mapped[bool] = mapped_column(default=False)
    as_of: Mapped[datetime | None]
    frozen_etag: Mapped[str | None] = mapped_column(sa.String(64))
    # When archived incidents were last taken out of the frozen levels (purge_incident).
    purged_at: Mapped[datetime | None]
    # The ids of the incidents the frozen levels are made of, as a JSON list (None:
    # frozen before 0013_trust2); ``service.purge_incident`` recomputes from them.
    frozen_ids: Mapped[str | None] = mapped_column(sa.Text)
    allowed_hosts: Mapped[list] = mapped_column(JSONList, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    revoked_at: Mapped[datetime | None]

    created_by = relationship("User")

    @property
    def is_revoked(self):
        return self.revoked_at is not None


class EmbedView(db.Model):
    """One frozen level of an embed: the map data of the whole world at ``zoom``.

    ``body`` is the JSON of ``mapview.map_view`` for the embed's filters (clusters,
    single incidents with what their popups show, facets) as of the freeze;
    ``etag`` its SHA-256. Written once, never changed: re-freezing replaces them.
    """

    __tablename__ = "embed_views"
    embed_id: Mapped[int] = mapped_column(sa.ForeignKey("embeds.id"), primary_key=True)
    zoom: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(sa.Text)
    etag: Mapped[str] = mapped_column(sa.String(64))
