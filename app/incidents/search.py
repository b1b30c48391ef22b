"""Find incidents by filters and bounding box, on SQLite and on PostGIS alike.

``select_incidents`` builds the query; ``bbox_clause`` is the only place that
knows how each database answers "intersects this box": PostGIS uses
``ST_Intersects`` on the GiST-indexed geometry; SQLite uses the R*Tree
``incident_rtree`` for candidates and ``refine_to_bbox`` checks them exactly
with shapely.
"""
import shapely
import sqlalchemy as sa

from app.extensions import db
from app.incidents import policy
from app.incidents.filters import NONE
from app.incidents.fields import PLATFORMS, VECTORS
from app.incidents.models import Actor, Incident, incident_countries


def bbox_parts(bbox):
    """Split a ``(W, S, E, N)`` box crossing the antimeridian into two plain boxes."""
    west, south, east, north = bbox
    if west <= east:
        return [(west, south, east, north)]
    return [(west, south, 180.0, north), (-180.0, south, east, north)]


def bbox_clause(bbox, dialect):
    """SQL condition: the incident's geometry (PostGIS) or bbox (SQLite) meets ``bbox``."""
    conditions = []
    for i, (w, s, e, n) in enumerate(bbox_parts(bbox)):
        if dialect == "postgresql":
            conditions.append(sa.func.ST_Intersects(
                Incident.geometry, sa.func.ST_MakeEnvelope(w, s, e, n, 4326)))
        else:
            conditions.append(sa.text(
                f"incidents.id IN (SELECT id FROM incident_rtree WHERE max_x >= :w{i} "
                f"AND min_x <= :e{i} AND max_y >= :s{i} AND min_y <= :n{i})"
            ).bindparams(**{f"w{i}": w, f"s{i}": s, f"e{i}": e, f"n{i}": n}))
    return sa.or_(*conditions)


def refine_to_bbox(incidents, bbox, dialect):
    """Drop incidents whose bbox, but not geometry, meets ``bbox`` (SQLite only)."""
    if dialect == "postgresql" or not incidents:
        return incidents
    boxes = [shapely.box(*part) for part in bbox_parts(bbox)]
    geoms = [i.geometry for i in incidents]
    keep = shapely.intersects(geoms, boxes[0])
    for box in boxes[1:]:
        keep |= shapely.intersects(geoms, box)
    return [inc for inc, ok in zip(incidents, keep) if ok]


def _any_or_none(keys, incident_col, having_any):
    """Incidents in ``having_any``, or — when ``keys`` hold ``NONE`` — with no row in
    ``incident_col``'s table."""
    cond = Incident.id.in_(having_any)
    if NONE in keys:
        cond = sa.or_(cond, ~sa.exists().where(incident_col == Incident.id))
    return cond


def _by_slug(slugs, links):
    """Incidents linked to any taxonomy entry of ``slugs`` (vectors, platforms), or none."""
    link = links.table.c
    return _any_or_none(slugs, link.incident_id, sa.select(link.incident_id)
                        .join(links.model, links.target == link[links.column])
                        .where(links.model.slug.in_(slugs)))


def filter_conditions(filters, viewer, *, default_statuses=("published",)):
    """All SQL conditions for ``filters`` as seen by ``viewer`` (a list to ``and_``)."""
    conds = [policy.visibility_clause(viewer)]
    statuses = filters.statuses or default_statuses
    if statuses:
        conds.append(Incident.status.in_(statuses))
    if filters.actors:
        ids = [a for a in filters.actors if isinstance(a, int)]
        names = [a.lower() for a in filters.actors if isinstance(a, str) and a != NONE]
        by_name = sa.select(Actor.id).where(sa.func.lower(Actor.name).in_(names))
        conds.append(sa.or_(Incident.actor_id.in_(ids), Incident.actor_id.in_(by_name),
                            *[Incident.actor_id.is_(None)] * (NONE in filters.actors)))
    for slugs, links in ((filters.vectors, VECTORS), (filters.platforms, PLATFORMS)):
        if slugs:
            conds.append(_by_slug(slugs, links))
    if filters.countries:
        conds.append(_any_or_none(
            filters.countries, incident_countries.c.incident_id,
            sa.select(incident_countries.c.incident_id)
            .where(incident_countries.c.iso_a3.in_(filters.countries))))
    # Intervals overlap the requested period: an incident from March to June
    # is "in" April.
    if filters.date_from:
        conds.append(Incident.end_date >= filters.date_from)
    if filters.date_to:
        conds.append(Incident.start_date <= filters.date_to)
    if filters.min_confidence is not None:
        conds.append(Incident.confidence >= filters.min_confidence)
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        conds.append(sa.or_(Incident.title.ilike(pattern, escape="\\"),
                            Incident.summary.ilike(pattern, escape="\\"),
                            Incident.location_name.ilike(pattern, escape="\\")))
    if filters.campaigns:
        conds.append(Incident.campaign_id.in_(filters.campaigns))
    if filters.bbox:
        conds.append(bbox_clause(filters.bbox, db.engine.dialect.name))
    return conds


def select_incidents(filters, viewer, *, default_statuses=("published",)):
    """A ``Select`` of incidents matching ``filters`` that ``viewer`` may see."""
    return sa.select(Incident).where(
        *filter_conditions(filters, viewer, default_statuses=default_statuses))


def find_incidents(filters, viewer, *, limit, after_id=None, newest_first=False,
                   default_statuses=("published",)):
    """Return up to ``limit`` incidents in a stable order, exact to the bbox.

    ``after_id`` is the keyset cursor (the last id of the previous page, in
    the chosen order). On SQLite the R*Tree candidates are refined with
    shapely, so pages are refilled until ``limit`` exact matches are found.
    """
    dialect = db.engine.dialect.name
    order = Incident.id.desc() if newest_first else Incident.id.asc()
    found = []
    cursor = after_id
    while len(found) < limit:
        stmt = select_incidents(filters, viewer, default_statuses=default_statuses)
        if cursor is not None:
            stmt = stmt.where(Incident.id < cursor if newest_first else Incident.id > cursor)
        batch = list(db.session.scalars(stmt.order_by(order).limit(limit)))
        if not batch:
            break
        cursor = batch[-1].id
        exhausted = len(batch) < limit
        if filters.bbox:
            batch = refine_to_bbox(batch, filters.bbox, dialect)
        found.extend(batch)
        if exhausted:
            break
    return found[:limit]


def count_incidents(filters, viewer, *, default_statuses=("published",)):
    """How many incidents match (bbox counted by index candidates on SQLite)."""
    stmt = sa.select(sa.func.count()).select_from(Incident).where(
        *filter_conditions(filters, viewer, default_statuses=default_statuses))
    return db.session.scalar(stmt)
