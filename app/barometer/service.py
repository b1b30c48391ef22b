"""Barometer figures, counted over the map's in-memory index of published incidents.

The index (``app.incidents.mapindex``) holds exactly the published incidents
and is patched whenever any incident, vector, platform or country link changes, so the
figures are current after every committed change; ``mapindex.masks`` applies
the filters shared with the map (the same semantics as the SQL filters). The
counting is ``app.barometer.columns`` (numpy), the arithmetic on the counts
``app.barometer.index``. At 1,000,000 incidents this answers in tens of
milliseconds once the index is loaded, where six SQL ``GROUP BY`` queries took
12.6 s on SQLite (bench/README.md, "## Barometer").
"""
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import sqlalchemy as sa

from app.barometer import columns, index as idx
from app.extensions import db
from app.incidents import mapindex, taxonomy
from app.incidents.models import Actor
from app.inputs import EARLIEST_DATE, latest_date


@dataclass
class Barometer:
    """Everything the barometer page and its downloads show, for one quarter."""

    quarter: tuple | None
    quarters: list
    series: list
    countries: list
    vectors: list
    actors: list
    vectors_by_country: dict
    actors_by_country: dict
    platforms: list = field(default_factory=list)


def nested_top(rows):
    """``{iso_a3: [(key, count)] largest first}`` from ``(iso_a3, key, count)`` rows."""
    out = {}
    for iso, key, count in rows:
        out.setdefault(iso, []).append((key, count))
    return {iso: idx.top(pairs, limit=100) for iso, pairs in out.items()}


def default_quarter(quarters, today):
    """The latest quarter over before ``today`` (trends of a quarter in progress
    mislead), or the latest of all when none is over."""
    over = [q for q in quarters if idx.quarter_bounds(q)[1] < today]
    return (over or quarters)[-1] if quarters else None


@dataclass(frozen=True)
class _Selection:
    """The index, its incidents' quarter codes and the rows the filters keep."""

    index: object
    quarter_of_row: np.ndarray
    selected: np.ndarray


def _select(filters):
    holder = mapindex.holder()
    index = holder.current()
    # One conversion of 1,000,000 start days per index generation, not per page.
    quarter_of_row = holder.cached(("barometer-quarters", index.generation),
                                   lambda: columns.quarter_codes(index.start))
    selected = mapindex.masks(index, filters).all()
    # A date stored before the 1900 .. a-year-ahead rule (app/inputs.py) is left
    # out: its quarter (9999-Q4) would be the default one, and has no successor.
    epoch = date(1970, 1, 1)
    selected &= (index.start >= (EARLIEST_DATE - epoch).days) \
        & (index.start <= (latest_date() - epoch).days)
    if filters.bbox:
        selected &= mapindex.bbox_mask(index, filters.bbox)
    return _Selection(index, quarter_of_row, selected)


def quarter_series(filters):
    """``[(quarter, count, index)]`` in time order for incidents matching ``filters``."""
    s = _select(filters)
    return idx.quarter_series(columns.quarter_rows(
        s.quarter_of_row, s.index.confidence, s.selected))


def _actor_names(rows):
    """``(…, actor id, count)`` rows with the actor's name in place of its id."""
    names = dict(db.session.execute(sa.select(Actor.id, Actor.name)).all())
    return [(*row[:-2], names.get(row[-2], str(row[-2])), row[-1]) for row in rows]


def barometer(filters, quarter=None, *, today=None):
    """The barometer for ``quarter`` (default: see ``default_quarter``).

    Counts published incidents only, whoever asks; the country figures and
    the per-country breakdowns keep only the asked countries when the
    filters name some. A ``bbox`` keeps incidents whose bounding box meets it
    (as the map's clusters), not the exact geometry test of the SQL search.
    """
    s = _select(filters)
    index = s.index
    series = idx.quarter_series(columns.quarter_rows(
        s.quarter_of_row, index.confidence, s.selected))
    quarters = [q for q, _count, _index in series]
    if quarter is None:
        quarter = default_quarter(quarters, today or date.today())
    if quarter is None:
        return Barometer(None, [], [], [], [], [], {}, {})
    countries, vectors = index.countries, index.vectors  # many-valued: see columns.Column
    wanted = (np.isin(np.array(countries.labels), list(filters.countries))
              if filters.countries else None)
    in_quarter = s.selected & (s.quarter_of_row == columns.quarter_code(quarter))
    actors = columns.single_column(index.actor, in_quarter)
    figures = columns.country_quarter_rows(
        countries, s.quarter_of_row, index.confidence, s.selected,
        [quarter, idx.previous_quarter(quarter), idx.year_before(quarter)], wanted)
    return Barometer(
        quarter=quarter, quarters=quarters, series=series,
        countries=idx.country_figures(figures, quarter),
        vectors=idx.top(columns.label_counts(vectors, in_quarter), limit=100),
        platforms=idx.top(columns.label_counts(index.platforms, in_quarter), limit=100),
        actors=idx.top(_actor_names(columns.value_counts(index.actor, in_quarter)),
                       limit=100),
        vectors_by_country=nested_top(
            columns.pair_counts(countries, vectors, in_quarter, wanted)),
        actors_by_country=nested_top(_actor_names(
            columns.pair_counts(countries, actors, in_quarter, wanted))))


def vector_labels(lang):
    """``{slug: label}`` in the page's language."""
    return {v["slug"]: v["label"] for v in taxonomy.vector_styles(lang)}


def platform_labels(lang):
    """``{slug: label}`` of the platforms in the page's language."""
    return dict(taxonomy.platform_labels(lang))
