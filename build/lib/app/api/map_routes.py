"""``/api/v1/map``: the aggregated data of one map view (clusters, incidents, facets)."""
from flask import Response, abort, request

from app.api import bp
from app.incidents import mapview
from app.incidents.filters import parse_filters
from app.sessions import cookieless

MAX_ZOOM = 20


@bp.get("/map")
@cookieless
def map_data():
    """Clusters and single incidents for ``bbox`` and ``zoom`` under the shared filters.

    Published incidents only, for everyone: the map is the public face (drafts
    are reviewed elsewhere). ``total`` equals the clusters' counts plus the
    incidents sent. The ``ETag`` names the index's content generation and the
    query: ``If-None-Match`` gets a ``304``; ``no-cache`` because a publish may
    change the answer at any moment (clients revalidate, which costs a 304).
    The same answer for every reader: no cookie set, none varied on
    (``cookieless``), so a shared cache keeps one copy.
    """
    filters = parse_filters(request.args)  # FilterError: a 400 (app error handler)
    if set(filters.statuses) - {"published"}:
        abort(400, "status: the map shows published incidents only")
    raw = request.args.get("zoom", "4")
    if not raw.isdigit() or int(raw) > MAX_ZOOM:
        abort(400, f"zoom: expected a whole number from 0 to {MAX_ZOOM}")
    zoom = int(raw)
    index, etag = mapview.view_etag(filters, zoom)
    if request.if_none_match.contains_weak(etag):  # RFC 9110: weak comparison
        response = Response(status=304)
    else:
        response = Response(mapview.view_body(index, filters, zoom),
                            mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, no-cache"
    return response
