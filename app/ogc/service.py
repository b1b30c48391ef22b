"""What the OGC API serves: published incidents only, whoever asks, with exact counts."""
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.incidents import search
from app.incidents.models import Incident

PUBLIC = ("published",)


def page(filters, *, limit, after_id=None):
    """``(incidents, more)``: up to ``limit`` published incidents after id ``after_id``
    (ascending ids), and whether more follow. Drafts never: the viewer is anonymous."""
    found = search.find_incidents(filters, None, limit=limit + 1, after_id=after_id,
                                  default_statuses=PUBLIC)
    return found[:limit], len(found) > limit


def number_matched(filters):
    """How many published incidents match ``filters``, or None when no exact count is
    cheap: SQLite's bbox test is by R*Tree candidates, refined per row in Python, and a
    count of candidates would tell GIS clients a number they never receive."""
    if filters.bbox and db.engine.dialect.name == "sqlite":
        return None
    return search.count_incidents(filters, None, default_statuses=PUBLIC)


def extent():
    """``(bbox, (first_day, last_day))`` of the published incidents, or ``(None, None)``
    when there are none; the bbox in degrees (W, S, E, N, EPSG:4326)."""
    row = db.session.execute(sa.select(
        sa.func.min(Incident.min_x), sa.func.min(Incident.min_y),
        sa.func.max(Incident.max_x), sa.func.max(Incident.max_y),
        sa.func.min(Incident.start_date), sa.func.max(Incident.end_date))
        .where(Incident.status.in_(PUBLIC))).one()
    if row[0] is None:
        return None, None
    first, last = row[4], row[5]
    # SQLite hands dates back as text from an aggregate.
    first, last = (d if isinstance(d, date) else date.fromisoformat(str(d)[:10])
                   for d in (first, last))
    return [float(v) for v in row[:4]], (first, last)


def published(incident_id):
    """The published incident ``incident_id``, or None (drafts are nobody's business here)."""
    return db.session.scalar(sa.select(Incident).where(Incident.id == incident_id,
                                                       Incident.status.in_(PUBLIC)))
