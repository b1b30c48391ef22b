"""Questions asked of a map index: filter masks, facet counts, bounding boxes.

Filter semantics are those of ``search.filter_conditions``: actor in the
list, any vector in the list, any platform in the list, any country in the
list, the interval
overlapping the period, confidence at least the minimum; ``q`` is answered by
the database. The bbox test uses each incident's bounding box.
"""
from dataclasses import dataclass, replace

import numpy as np
import sqlalchemy as sa

from app.extensions import db
from app.incidents.filters import NONE, IncidentFilters
from app.incidents.mapindex.columns import EPOCH, MULTI, day_number
from app.incidents.models import Actor, Incident
from app.incidents.search import bbox_parts, filter_conditions

GROUPS = ("actor", "vector", "platform", "country")  # the layer filter groups


@dataclass(frozen=True)
class Masks:
    """Boolean masks over the index, one per filter group (``None``: no condition)."""

    base: np.ndarray
    actor: np.ndarray | None
    vector: np.ndarray | None
    platform: np.ndarray | None
    country: np.ndarray | None

    def all(self, *, without=None):
        """Rows passing every group but ``without`` (for facet counts)."""
        out = self.base.copy()
        for name in GROUPS:
            mask = getattr(self, name)
            if name != without and mask is not None:
                out &= mask
        return out


def _actor_ids(actors):
    ids = {a for a in actors if isinstance(a, int)}
    names = [a.lower() for a in actors if isinstance(a, str) and a != NONE]
    if names:
        ids |= set(db.session.scalars(
            sa.select(Actor.id).where(sa.func.lower(Actor.name).in_(names))))
    return sorted(ids)


def _text_ids(q):
    """Ids of published incidents matching the free-text ``q`` (asked of the database)."""
    conds = filter_conditions(IncidentFilters(q=q), None)
    return np.array(sorted(db.session.scalars(sa.select(Incident.id).where(*conds))),
                    dtype=np.int64)


def _campaign_ids(campaigns):
    """Ids of published incidents of ``campaigns`` (asked of the database, by its index).

    A campaign holds a few hundred incidents at most, so asking beats a column
    of the index that every load and patch would have to carry.
    """
    conds = filter_conditions(IncidentFilters(campaigns=campaigns), None)
    return np.array(sorted(db.session.scalars(sa.select(Incident.id).where(*conds))),
                    dtype=np.int64)


def masks(index, filters):
    """The filter masks of ``filters`` (bbox excluded) over ``index``."""
    n = len(index)
    base = np.ones(n, dtype=bool)
    if filters.date_from:
        base &= index.end >= day_number(filters.date_from)
    if filters.date_to:
        base &= index.start <= day_number(filters.date_to)
    if filters.min_confidence is not None:
        base &= index.confidence >= filters.min_confidence
    if filters.q:
        base &= np.isin(index.ids, _text_ids(filters.q), assume_unique=True)
    if filters.campaigns:
        base &= np.isin(index.ids, _campaign_ids(filters.campaigns), assume_unique=True)
    actor = None
    if filters.actors:
        actor = np.isin(index.actor, _actor_ids(filters.actors)
                        + [-1] * (NONE in filters.actors))
    multi = {group: _multi_mask(getattr(index, name), getattr(filters, name), n)
             for name, group in MULTI.items()}
    return Masks(base, actor, **multi)


def _multi_mask(column, keys, n):
    """Rows having any of ``keys`` in ``column`` (with ``NONE``: or none); None: any."""
    if not keys:
        return None
    mask = column.any_of(keys, n)
    if NONE in keys:
        mask |= column.none_of(n)
    return mask


def bbox_mask(index, bbox):
    """Rows whose bounding box meets ``bbox`` (W, S, E, N; W > E crosses 180°)."""
    out = np.zeros(len(index), dtype=bool)
    b = index.bounds
    for west, south, east, north in bbox_parts(bbox):
        out |= (b[2] >= west) & (b[0] <= east) & (b[3] >= south) & (b[1] <= north)
    return out


def group_masks(m):
    """``{None: every group, "actor": all but actor, …, "base": base filters only}``.

    Equal masks are the same array, so counting them twice can be skipped
    (``facets``' memo): with no layer filter, five countings become one.
    """
    full = m.all()
    out = {None: full}
    for name in GROUPS:
        out[name] = full if getattr(m, name) is None else m.all(without=name)
    unfiltered = all(getattr(m, name) is None for name in GROUPS)
    out["base"] = full if unfiltered else m.base
    return out


def count_rows(index, column, mask, memo):
    """``{label: rows}`` of ``column`` (one of ``MULTI``) under ``mask``,
    with ``NONE`` for rows having none; memoised in ``memo`` by mask identity."""
    key = (column, id(mask))
    if key not in memo:
        counts, none = getattr(index, column).counts(mask, with_none=True)
        memo[key] = counts | ({NONE: none} if none else {})
    return memo[key]


def facets(index, m, *, groups=None, memo=None):
    """Layer counts: each group counted under the *other* groups' filters.

    So an unticked actor still shows how many incidents ticking it would add.
    Every actor, vector, platform and country with an incident under the base filters
    (period, confidence, text) is listed, with 0 when the other groups leave
    it nothing: a layer never vanishes from the control because another was
    switched off. ``NONE`` ("none") counts the incidents with no actor, no
    vector, no platform or no country, so the layers reach every incident.
    """
    groups = groups or group_masks(m)
    memo = {} if memo is None else memo

    def with_zeros(column, without):
        counts = count_rows(index, column, groups[without], memo)
        return {key: counts.get(key, 0) for key in count_rows(index, column,
                                                              groups["base"], memo)}

    # Actor id + 2 times the mask: bucket 0 is outside the mask, 1 no actor.
    shifted = index.actor + 2
    present = np.bincount(shifted * groups["base"])
    counted = np.bincount(shifted * groups["actor"], minlength=len(present))
    return {
        "actors": {(int(a) - 2 if a > 1 else NONE): int(counted[a])
                   for a in np.flatnonzero(present[1:]) + 1},
        **{name: with_zeros(name, group) for name, group in MULTI.items()},
    }


def without_view(filters):
    """``filters`` with no bbox: the cache key of what does not change when panning."""
    return replace(filters, bbox=None, statuses=())


def period(index):
    """``{"min", "max"}`` ISO dates the index's incidents span, or None when empty."""
    if not len(index):
        return None
    return {"min": str(EPOCH + int(index.start.min())), "max": str(EPOCH + int(index.end.max()))}


def dates(index, rows):
    """``(start, end)``: ISO date texts of ``rows``' intervals."""
    return ((EPOCH + index.start[rows]).astype(str).tolist(),
            (EPOCH + index.end[rows]).astype(str).tolist())


def labels(index, rows):
    """``{column: [sorted labels of each of rows]}`` of every many-valued column
    (``MULTI``: vectors, platforms, countries), for the features drawn one by one."""
    return {name: getattr(index, name).labels_of(rows) for name in MULTI}


def first_codes(index, name):
    """Each row's first label code in the many-valued column ``name`` (``-1``: none)
    and how many labels there are: the clusters' vector rings. Computed once per
    column (``MultiColumn.split`` keeps it)."""
    column = getattr(index, name)
    return column.split(len(index))[0].astype(np.int64) - 2, len(column.labels)
