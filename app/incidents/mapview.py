"""The data of one map view: clusters, single incidents, layer counts, barometer.

``map_view(filters, zoom)`` answers ``GET /api/v1/map``. Counts come from the
in-memory index (``mapindex``), so they are exact for the filters; only the
few incidents drawn one by one are read from the database (titles, shapes).
A cluster always holds two incidents or more: a lone incident in its cell is
sent as itself.
"""
import dataclasses
import hashlib
import json

import numpy as np
import shapely
import sqlalchemy as sa

from app.extensions import db
from app.geo import grid
from app.geo.geometry import to_geojson
from app.incidents import mapindex
from app.incidents.filters import NONE
from app.incidents.models import GEO_PRECISIONS, Actor, Incident
from app.incidents.search import bbox_parts

CELL_PX = 64          # cluster cell size on screen
WHOLE_GRID_MAX_ZOOM = 7  # up to here, a filter's grid is computed once for the world
MAX_ITEMS = 3000      # clusters + incidents in one response, at most
BAROMETER_CLASSES = 5
WORLD = (-180.0, -90.0, 180.0, 90.0)
COORD_GRID = 1e-5     # degrees (~1 m): precision of the shapes sent
KINDS = {"Point": "point", "LineString": "line", "Polygon": "polygon",
         "GeometryCollection": "polygon"}


def _summary(index, filters, only=None):
    """What does not change when the view pans: the filter mask, facets, barometer.

    ``only`` (ids) limits every count to those incidents (``map_view``)."""
    m = mapindex.masks(index, filters)
    if only is not None:
        m = dataclasses.replace(m, base=m.base & np.isin(
            index.ids, np.asarray(only, dtype=index.ids.dtype)))
    groups, memo = mapindex.group_masks(m), {}
    full = groups[None]
    per_country = dict(mapindex.count_rows(index, "countries", full, memo))
    per_country.pop(NONE, None)
    return {
        "mask": full,
        "facets": mapindex.facets(index, m, groups=groups, memo=memo),
        "barometer": {"counts": per_country,
                      "breaks": grid.quantile_breaks(list(per_country.values()),
                                                     BAROMETER_CLASSES)},
    }


def icon_px(count):
    """Diameter (px) of the icon the map draws for a cell of ``count`` incidents:
    a pin for one, a ring growing with the count for more (atlas-map.js's
    ``clusterSize`` draws the same sizes)."""
    count = np.asarray(count)
    return np.where(count > 1, np.round(30 + 8 * np.log10(np.maximum(count, 1))), 22)


def _cells(index, rows, zoom, cell_px):
    kind, kinds = mapindex.first_codes(index, "vectors")  # the clusters' vector rings
    if len(rows) == len(index):  # no filter: the columns themselves, no copies
        return grid.aggregate(index.lon, index.lat, index.x, index.y, zoom, cell_px=cell_px,
                              kind=kind, kinds=kinds)
    return grid.aggregate(index.lon[rows], index.lat[rows], index.x[rows], index.y[rows],
                          zoom, cell_px=cell_px, kind=kind[rows], kinds=kinds)


def _aggregate(index, rows, zoom):
    """Cells at ``zoom``, coarsened until at most ``MAX_ITEMS`` are occupied."""
    cell_px = CELL_PX
    while True:
        cells = _cells(index, rows, zoom, cell_px)
        if len(cells) <= MAX_ITEMS:
            return cells
        cell_px *= 2


def _world_cells(index, mask, zoom):
    """Every row of ``mask`` and its cells at ``zoom``, over the whole world."""
    rows = np.flatnonzero(mask)
    return rows, _cells(index, rows, zoom, CELL_PX)


def _view_cells(holder, key, index, mask, bbox, zoom):
    """``(rows, cells)`` of the view: rows are what ``cells.single`` points into.

    At low zoom the world grid of the filters is cached and a view takes the
    cells meeting its bbox (panning costs almost nothing); at higher zoom, or
    when that would send too much, the incidents meeting the bbox are
    aggregated for this request.
    """
    parts = bbox_parts(bbox)
    if zoom <= WHOLE_GRID_MAX_ZOOM:
        rows, cells = _world_cells(index, mask, zoom) if key is None else holder.cached(
            key + (zoom,), lambda: _world_cells(index, mask, zoom))
        keep = cells.meeting(parts)
        if keep.sum() <= MAX_ITEMS:
            return rows, cells.take(keep)
    rows = np.flatnonzero(mask & mapindex.bbox_mask(index, bbox))
    return rows, _aggregate(index, rows, zoom)


def _clusters(cells, vector_labels):
    """Clusters with their incidents per first vector (``vectors``: the ring's shares)."""
    many = np.flatnonzero(cells.count > 1)
    return [{"lon": round(float(cells.lon[i]), 6), "lat": round(float(cells.lat[i]), 6),
             "count": int(cells.count[i]), "same_place": bool(cells.same_place[i]),
             "bbox": [round(float(v), 6) for v in cells.bbox[i]],
             "vectors": {vector_labels[k]: int(cells.kinds[i, k])
                         for k in np.flatnonzero(cells.kinds[i])}} for i in many]


def _read_features(index, rows, zoom):
    """Build the features of ``rows`` (see ``_features``) from the index and the
    database: title, ``precision_m`` and, when the bounds are not a point, the shape."""
    ids = index.ids[rows].tolist()
    details = {d.id: d for d in db.session.execute(sa.select(
        Incident.id, Incident.title, Incident.precision_m).where(Incident.id.in_(ids)))}
    b = index.bounds[:, rows]
    extended = (b[0] != b[2]) | (b[1] != b[3])
    shapes = dict(db.session.execute(sa.select(Incident.id, Incident.geometry).where(
        Incident.id.in_(index.ids[rows[extended]].tolist()))).all()) if extended.any() else {}
    labels = mapindex.labels(index, rows)
    start, end = mapindex.dates(index, rows)
    out, shaped = [], []
    for k, (incident_id, row) in enumerate(zip(ids, rows.tolist())):
        d = details.get(incident_id)
        if d is None:  # changed since the index was read; the next request has it
            continue
        shape = shapes.get(incident_id)
        kind = "point" if shape is None else KINDS[shape.geom_type.removeprefix("Multi")]
        actor = int(index.actor[row])
        item = {"id": incident_id, "title": d.title, "lon": round(float(index.lon[row]), 6),
                "lat": round(float(index.lat[row]), 6), "kind": kind,
                "geo_precision": GEO_PRECISIONS[index.precision[row]],
                "precision_m": d.precision_m, "actor_id": actor if actor >= 0 else None,
                "confidence": int(index.confidence[row]), "start_date": start[k],
                "end_date": end[k], **{name: labels[name][k] for name in mapindex.MULTI}}
        if kind != "point":
            shaped.append((item, shape))
        out.append(item)
    if shaped:
        simple = shapely.set_precision(shapely.simplify(
            [g for _, g in shaped], 360.0 / (grid.TILE_PX * 2 ** zoom) / 2), COORD_GRID)
        for (item, _), shape in zip(shaped, simple):
            item["geometry"] = to_geojson(shape)
    return out


def _features(index, rows, zoom):
    """The incidents drawn one by one, with what the map, popup and list need.

    Everything but the title, ``precision_m`` and the shape comes from the
    index; shapes are simplified to half a pixel and snapped to ~1 m (smaller
    JSON, same drawing). Built features are kept per (incident, zoom) for the
    index's generation (``IndexHolder.features``): panning across a city
    meets the same regional shapes again and again, and reads none of them
    twice.
    """
    if not len(rows):
        return []
    holder = mapindex.holder()
    key = (index.generation, zoom)
    known = holder.known_features(key, index.ids[rows].tolist())
    missing = rows[[i not in known for i in index.ids[rows].tolist()]]
    if len(missing):
        fresh = _read_features(index, missing, zoom)
        holder.keep_features(key, fresh)
        known.update((f["id"], f) for f in fresh)
    return sorted(known.values(), key=lambda f: (f["start_date"], f["id"]), reverse=True)


def _actor_names(actor_ids):
    ids = [a for a in actor_ids if a != NONE]
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Actor.id, Actor.name)
                                   .where(Actor.id.in_(ids))).all())


def view_etag(filters, zoom):
    """``(index, etag)`` of the view: the index's content generation and the
    normalised query (parsed filters, bbox included, and zoom).

    Costs one primary-key lookup when the index is current, so a client that
    has the answer gets its ``304`` for about the price of ``/healthz``.
    """
    index = mapindex.holder().current()
    digest = hashlib.blake2b(repr((filters, zoom)).encode(), digest_size=12).hexdigest()
    return index, f"{index.generation:x}-{digest}"


def view_body(index, filters, zoom):
    """The view's JSON answer as bytes, from the per-process LRU when seen before."""
    key = (index.generation, filters, zoom)
    return mapindex.holder().cached_body(key, lambda: json.dumps(
        map_view(filters, zoom, index=index), separators=(",", ":")).encode())


def _cached_summary(holder, index, filters):
    """``(key, summary)`` of ``filters``, the summary cached per generation and filters."""
    key = (index.generation, mapindex.without_view(filters))
    return key, holder.cached(key, lambda: _summary(index, filters))


def matching_ids(filters, *, index=None):
    """The ids of the published incidents meeting ``filters`` (bbox excluded), sorted."""
    holder = mapindex.holder()
    index = index or holder.current()
    _key, summary = _cached_summary(holder, index, filters)
    return sorted(index.ids[summary["mask"]].tolist())


def map_view(filters, zoom, *, index=None, only=None):
    """The JSON-ready data of the map for ``filters`` (with bbox) at ``zoom``.

    ``only``, a list of ids, limits the view — features, clusters, total, facets,
    barometer — to those incidents, uncached (a frozen embed's remaining incidents).

    Returns clusters (two incidents or more, with their count, mean position,
    cell bbox and incidents per first vector; cells whose icons would overlap
    at ``zoom`` are merged), single incidents, the total drawn (= the clusters' counts
    plus the incidents: every incident of the cells meeting the bbox), layer
    facets, the barometer (incidents per target country for the filters,
    anywhere) and the period covered.
    """
    holder = mapindex.holder()
    index = index or holder.current()
    if only is None:
        key, summary = _cached_summary(holder, index, filters)
    else:
        key, summary = None, _summary(index, filters, only)
    rows, cells = _view_cells(holder, key, index, summary["mask"], filters.bbox or WORLD,
                              zoom)
    # Icons that would overlap on screen are merged: clusters never cover each other.
    cells = grid.separate(cells, zoom, icon_px)
    singles = rows[cells.single[cells.single >= 0]]
    facets = summary["facets"]
    names = _actor_names(facets["actors"])
    return {
        "zoom": zoom,
        "total": int(cells.count.sum()),
        "clusters": _clusters(cells, index.vectors.labels),
        "features": _features(index, singles, zoom),
        "facets": {
            # "none" (no actor) comes last, with no name: the page labels it.
            "actors": sorted(({"id": a, "name": None if a == NONE else names.get(a, str(a)),
                               "count": c} for a, c in facets["actors"].items()),
                             key=lambda a: (a["name"] is None, (a["name"] or "").lower())),
            **{name: facets[name] for name in mapindex.MULTI},
        },
        "barometer": summary["barometer"],
        "period": mapindex.period(index),
    }
