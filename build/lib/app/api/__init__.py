"""The JSON API, ``/api/v1``: GeoJSON in and out, Bearer tokens for writes."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import map_routes, openapi, routes  # noqa: E402,F401
from app.api.limits import throttle_bad_tokens  # noqa: E402

throttle_bad_tokens(bp)
