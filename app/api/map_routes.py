"""``/api/v1/map``: the aggregated data of one map view (clusters, incidents, facets)."""
from flask import abort, jsonify, request

from app.api import bp
from app.incidents import mapview
from app.incidents.filters import parse_filters

MAX_ZOOM = 20


@bp.get("/map")
def map_data():
    """Clusters and single incidents for ``bbox`` and ``zoom`` under the shared filters.

    Published incidents only, for everyone: the map is the public face (drafts
    are reviewed elsewhere). ``total`` equals the clusters' counts plus the
    incidents sent.
    """
    filters = parse_filters(request.args)  # FilterError: a 400 (app error handler)
    if set(filters.statuses) - {"published"}:
        abort(400, "status: the map shows published incidents only")
    raw = request.args.get("zoom", "4")
    if not raw.isdigit() or int(raw) > MAX_ZOOM:
        abort(400, f"zoom: expected a whole number from 0 to {MAX_ZOOM}")
    response = jsonify(mapview.map_view(filters, int(raw)))
    response.headers["Cache-Control"] = "no-store"
    return response
