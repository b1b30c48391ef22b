"""Which incidents a feed lists: the newest published ones matching the filters."""
from dataclasses import replace

from app.extensions import db
from app.incidents.models import Incident
from app.incidents.search import refine_to_bbox, select_incidents

FEED_SIZE = 50


def newest_published(filters, *, limit=FEED_SIZE):
    """Up to ``limit`` published incidents for ``filters``, newest ``published_at`` first.

    Seen as by an anonymous reader: drafts never reach a feed, whoever asks.
    """
    public = replace(filters, statuses=())
    stmt = (select_incidents(public, None)
            .where(Incident.published_at.is_not(None))
            .order_by(Incident.published_at.desc(), Incident.id.desc()).limit(limit))
    incidents = list(db.session.scalars(stmt))
    if filters.bbox:
        incidents = refine_to_bbox(incidents, filters.bbox, db.engine.dialect.name)
    return incidents
