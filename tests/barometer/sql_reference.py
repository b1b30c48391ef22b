"""The barometer in SQL ``GROUP BY`` aggregates: the reference the fast path is checked
against (tests) and measured against (bench/bench_barometer.py).

It was the app's implementation until the barometer moved onto the map's
in-memory index (``app.barometer.service``): 12.6 s at 1,000,000 incidents.
Every query starts from ``search.filter_conditions`` seen by an anonymous
viewer, so it counts published incidents only and honours the shared filters.
"""
from dataclasses import replace
from datetime import date

import sqlalchemy as sa

from app.barometer import index as idx
from app.barometer.service import Barometer, default_quarter, nested_top
from app.extensions import db
from app.incidents.fields import PLATFORMS, VECTORS
from app.incidents.models import Actor, Incident, incident_countries
from app.incidents.search import filter_conditions


def _public(filters):
    """The filters, restricted to what the public may see (published incidents)."""
    return filter_conditions(replace(filters, statuses=()), None,
                             default_statuses=("published",))


def _country_join(stmt, filters):
    """Join incidents to their target countries (only the asked ones, if any)."""
    stmt = stmt.join(incident_countries, incident_countries.c.incident_id == Incident.id)
    if filters.countries:
        stmt = stmt.where(incident_countries.c.iso_a3.in_(filters.countries))
    return stmt


def _in_quarter(quarter):
    first, last = idx.quarter_bounds(quarter)
    return Incident.start_date.between(first, last)


# Grouping by day, not by an expression of the date, lets the database read only the
# covering index; the few thousand day rows are folded into quarters in Python.

def country_quarter_rows(filters, quarters):
    """``(iso_a3, year, quarter, count, confidence_sum)`` per country for ``quarters``."""
    stmt = _country_join(sa.select(
        incident_countries.c.iso_a3, Incident.start_date, sa.func.count(),
        sa.func.sum(Incident.confidence)), filters).where(
        *_public(filters), sa.or_(*(_in_quarter(q) for q in quarters)))
    stmt = stmt.group_by(incident_countries.c.iso_a3, Incident.start_date)
    return idx.fold_into_quarters(db.session.execute(stmt), keys=1)


def quarter_rows(filters):
    """``(year, quarter, count, confidence_sum)`` over all incidents, per quarter."""
    stmt = sa.select(Incident.start_date, sa.func.count(), sa.func.sum(Incident.confidence)
                     ).where(*_public(filters)).group_by(Incident.start_date)
    return idx.fold_into_quarters(db.session.execute(stmt), keys=0)


def vector_rows(filters, quarter, *, by_country=False, links=VECTORS):
    """``([iso_a3,] slug, count)`` for incidents starting in ``quarter`` (vectors, or
    the taxonomy of ``links``)."""
    keys = [links.model.slug]
    link = links.table.c
    stmt = sa.select(Incident.id).join(links.table, link.incident_id == Incident.id).join(
        links.model, links.target == link[links.column])
    if by_country:
        stmt = _country_join(stmt, filters)
        keys.insert(0, incident_countries.c.iso_a3)
    stmt = stmt.with_only_columns(*keys, sa.func.count()).where(
        *_public(filters), _in_quarter(quarter)).group_by(*keys)
    return [tuple(r) for r in db.session.execute(stmt)]


def actor_rows(filters, quarter, *, by_country=False):
    """``([iso_a3,] actor name, count)`` for incidents starting in ``quarter``."""
    keys = [Actor.name]
    stmt = sa.select(Incident.id).join(Actor, Actor.id == Incident.actor_id)
    if by_country:
        stmt = _country_join(stmt, filters)
        keys.insert(0, incident_countries.c.iso_a3)
    stmt = stmt.with_only_columns(*keys, sa.func.count()).where(
        *_public(filters), _in_quarter(quarter)).group_by(*keys)
    return [tuple(r) for r in db.session.execute(stmt)]


def barometer(filters, quarter=None, *, today=None):
    """``app.barometer.service.barometer``, computed by the database."""
    series = idx.quarter_series(quarter_rows(filters))
    quarters = [q for q, _count, _index in series]
    if quarter is None:
        quarter = default_quarter(quarters, today or date.today())
    if quarter is None:
        return Barometer(None, [], [], [], [], [], {}, {})
    return Barometer(
        quarter=quarter, quarters=quarters, series=series,
        countries=idx.country_figures(country_quarter_rows(filters, [
            quarter, idx.previous_quarter(quarter), idx.year_before(quarter)]), quarter),
        vectors=idx.top(vector_rows(filters, quarter), limit=100),
        platforms=idx.top(vector_rows(filters, quarter, links=PLATFORMS), limit=100),
        actors=idx.top(actor_rows(filters, quarter), limit=100),
        vectors_by_country=nested_top(vector_rows(filters, quarter, by_country=True)),
        actors_by_country=nested_top(actor_rows(filters, quarter, by_country=True)))
