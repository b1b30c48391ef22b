"""The data of one map view: clusters, single incidents, layer counts, barometer.

``map_view(filters, zoom)`` answers ``GET /api/v1/map``. Counts come from the
in-memory index (``mapindex``), so they are exact for the filters; only the
few incidents drawn one by one are read from the database (titles, shapes).
A cluster always holds two incidents or more: a lone incident in its cell is
sent as itself.
"""
import hashlib
import json

import numpy as np
import shapely
import sqlalchemy as sa

from app.extensions import db
from app.geo import grid
from app.geo.geometry import to_geojson
from app.incidents import mapindex
from app.incidents.models import (Actor, Incident, Vector, incident_countries,
                                  incident_vectors)
from app.incidents.search import bbox_parts

CELL_PX = 64          # cluster cell size on screen
WHOLE_GRID_MAX_ZOOM = 7  # up to here, a filter's grid is computed once for the world
MAX_ITEMS = 3000      # clusters + incidents in one response, at most
BAROMETER_CLASSES = 5
WORLD = (-180.0, -90.0, 180.0, 90.0)
COORD_GRID = 1e-5     # degrees (~1 m): precision of the shapes sent
KINDS = {"Point": "point", "LineString": "line", "Polygon": "polygon",
         "GeometryCollection": "polygon"}


def _summary(index, filters):
    """What does not change when the view pans: the filter mask, facets, barometer."""
    m = mapindex.masks(index, filters)
    full = m.all()
    per_country = index.countries.counts(full)
    return {
        "mask": full,
        "facets": mapindex.facets(index, m),
        "barometer": {"counts": per_country,
                      "breaks": grid.quantile_breaks(list(per_country.values()),
                                                     BAROMETER_CLASSES)},
    }


def _period(index):
    if not len(index):
        return None
    first = mapindex.EPOCH + int(index.start.min())
    last = mapindex.EPOCH + int(index.end.max())
    return {"min": str(first), "max": str(last)}


def _aggregate(index, rows, zoom):
    """Cells at ``zoom``, coarsened until at most ``MAX_ITEMS`` are occupied."""
    cell_px = CELL_PX
    while True:
        cells = grid.aggregate(index.lon[rows], index.lat[rows], index.x[rows],
                               index.y[rows], zoom, cell_px=cell_px)
        if len(cells) <= MAX_ITEMS:
            return cells
        cell_px *= 2


def _world_cells(index, mask, zoom):
    """Every row of ``mask`` and its cells at ``zoom``, over the whole world."""
    rows = np.flatnonzero(mask)
    return rows, grid.aggregate(index.lon[rows], index.lat[rows], index.x[rows],
                                index.y[rows], zoom, cell_px=CELL_PX)


def _view_cells(holder, key, index, mask, bbox, zoom):
    """``(rows, cells)`` of the view: rows are what ``cells.single`` points into.

    At low zoom the world grid of the filters is cached and a view takes the
    cells meeting its bbox (panning costs almost nothing); at higher zoom, or
    when that would send too much, the incidents meeting the bbox are
    aggregated for this request.
    """
    parts = bbox_parts(bbox)
    if zoom <= WHOLE_GRID_MAX_ZOOM:
        rows, cells = holder.cached(key + (zoom,),
                                    lambda: _world_cells(index, mask, zoom))
        keep = cells.meeting(parts)
        if keep.sum() <= MAX_ITEMS:
            return rows, cells.take(keep)
    rows = np.flatnonzero(mask & mapindex.bbox_mask(index, bbox))
    return rows, _aggregate(index, rows, zoom)


def _clusters(cells):
    many = np.flatnonzero(cells.count > 1)
    return [{"lon": round(float(cells.lon[i]), 6), "lat": round(float(cells.lat[i]), 6),
             "count": int(cells.count[i]), "same_place": bool(cells.same_place[i]),
             "bbox": [round(float(v), 6) for v in cells.bbox[i]]} for i in many]


def _keys_of(ids, incident_col, key_col, join=None):
    """``{incident_id: [sorted keys]}`` from an association table, for a few incidents."""
    out = {i: [] for i in ids}
    stmt = sa.select(incident_col, key_col)
    if join is not None:
        stmt = stmt.join(*join)
    for incident_id, key in db.session.execute(
            stmt.where(incident_col.in_(ids)).order_by(incident_col, key_col)):
        out[incident_id].append(key)
    return out


def _features(index, rows, zoom):
    """The incidents drawn one by one, with what the map, popup and list need."""
    ids = [int(i) for i in index.ids[rows]]
    if not ids:
        return []
    tolerance = 360.0 / (grid.TILE_PX * 2 ** zoom) / 2  # half a pixel, in degrees
    vectors = _keys_of(ids, incident_vectors.c.incident_id, Vector.slug,
                       join=(Vector, Vector.id == incident_vectors.c.vector_id))
    countries = _keys_of(ids, incident_countries.c.incident_id,
                         incident_countries.c.iso_a3)
    details = db.session.execute(sa.select(
        Incident.id, Incident.title, Incident.geometry, Incident.geo_precision,
        Incident.precision_m, Incident.actor_id, Incident.confidence,
        Incident.start_date, Incident.end_date, Incident.rep_x, Incident.rep_y)
        .where(Incident.id.in_(ids))).all()
    # Shapes simplified to half a pixel and snapped to ~1 m: smaller JSON, same drawing.
    shapes = shapely.set_precision(shapely.simplify([d.geometry for d in details], tolerance),
                                   COORD_GRID)
    out = []
    for d, shape in zip(details, shapes):
        kind = KINDS[d.geometry.geom_type.removeprefix("Multi")]
        item = {"id": d.id, "title": d.title, "lon": round(d.rep_x, 6),
                "lat": round(d.rep_y, 6), "kind": kind, "geo_precision": d.geo_precision,
                "precision_m": d.precision_m, "actor_id": d.actor_id,
                "confidence": d.confidence, "start_date": d.start_date.isoformat(),
                "end_date": d.end_date.isoformat(), "vectors": vectors[d.id],
                "countries": countries[d.id]}
        if kind != "point":
            item["geometry"] = to_geojson(shape)
        out.append(item)
    return sorted(out, key=lambda f: (f["start_date"], f["id"]), reverse=True)


def _actor_names(actor_ids):
    if not actor_ids:
        return {}
    return dict(db.session.execute(sa.select(Actor.id, Actor.name)
                                   .where(Actor.id.in_(list(actor_ids)))).all())


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


def map_view(filters, zoom, *, index=None):
    """The JSON-ready data of the map for ``filters`` (with bbox) at ``zoom``.

    Returns clusters (two incidents or more, with their count, mean position
    and cell bbox), single incidents, the total drawn (= the clusters' counts
    plus the incidents: every incident of the cells meeting the bbox), layer
    facets, the barometer (incidents per target country for the filters,
    anywhere) and the period covered.
    """
    holder = mapindex.holder()
    index = index or holder.current()
    key = (index.generation, mapindex.without_view(filters))
    summary = holder.cached(key, lambda: _summary(index, filters))
    rows, cells = _view_cells(holder, key, index, summary["mask"], filters.bbox or WORLD,
                              zoom)
    singles = rows[cells.single[cells.single >= 0]]
    facets = summary["facets"]
    names = _actor_names(facets["actors"])
    return {
        "zoom": zoom,
        "total": int(cells.count.sum()),
        "clusters": _clusters(cells),
        "features": _features(index, singles, zoom),
        "facets": {
            "actors": sorted(({"id": a, "name": names.get(a, str(a)), "count": c}
                              for a, c in facets["actors"].items()),
                             key=lambda a: a["name"].lower()),
            "vectors": facets["vectors"],
            "countries": facets["countries"],
        },
        "barometer": summary["barometer"],
        "period": _period(index),
    }
