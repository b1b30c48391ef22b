"""An embed: a saved view of the map that other sites may frame.

``filters`` is the shared filter query string (``app.incidents.filters.to_query``).
A *frozen* embed keeps, in ``frozen_data``, the GeoJSON FeatureCollection it
showed at ``as_of`` (see the README for why it is materialised), and
``frozen_etag`` its SHA-256.
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
    frozen_data: Mapped[str | None] = mapped_column(sa.Text)
    frozen_etag: Mapped[str | None] = mapped_column(sa.String(64))
    allowed_hosts: Mapped[list] = mapped_column(JSONList, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    revoked_at: Mapped[datetime | None]

    created_by = relationship("User")

    @property
    def is_revoked(self):
        return self.revoked_at is not None
