"""HTTP caching and CORS for public reads.

Public GETs of the API carry an ``ETag`` and a ``Last-Modified`` and answer
``304 Not Modified`` to a matching ``If-None-Match`` / ``If-Modified-Since``.
Anonymous answers may be cached by anyone for a minute; an answer for a
signed-in user or a token may hold drafts, so it is ``private, no-cache``.
CORS is open (``*``, no credentials) for these GETs only: writes, which need
a Bearer token, get no CORS header and so stay same-origin.
"""
import sqlalchemy as sa
from flask import request
from flask_login import current_user

from app.extensions import db
from app.incidents.models import Incident

VALIDATED = {"api.list_incidents", "api.get_incident"}
PUBLIC_GETS = VALIDATED | {"api.openapi_json", "interchange.download"}
PUBLIC_MAX_AGE = 60


def set_last_modified(response, incidents):
    """``Last-Modified`` from the incidents a route already holds (no query, no re-parse)."""
    stamps = [i.updated_at for i in incidents if i.updated_at is not None]
    if stamps:
        response.last_modified = max(stamps).replace(microsecond=0)
    return response


def _last_modified(response):
    """The newest ``updated_at`` among the incidents in a JSON response, or ``None``.

    Only for responses whose route did not set it (``set_last_modified``).
    """
    body = response.get_json(silent=True) or {}
    features = body.get("features") if body.get("type") == "FeatureCollection" else [body]
    ids = [f.get("id") for f in features or [] if isinstance(f, dict)]
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return None
    return db.session.scalar(sa.select(sa.func.max(Incident.updated_at))
                             .where(Incident.id.in_(ids)))


def _personal():
    return bool(request.headers.get("Authorization")) or current_user.is_authenticated


def public_read_headers(response):
    """``after_request``: validators, cache policy, CORS and 304s for public GETs."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in PUBLIC_GETS:
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Location"
    response.vary.update(("Authorization", "Cookie"))
    if response.status_code != 200 or request.endpoint not in VALIDATED:
        return response
    if _personal():
        response.cache_control.private = True
        response.cache_control.no_cache = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
    if "ETag" not in response.headers:
        response.add_etag()
    modified = None if response.last_modified is not None else _last_modified(response)
    if modified is not None:
        response.last_modified = modified.replace(microsecond=0)
    return response.make_conditional(request)


def init_app(app):
    """Install the caching and CORS headers on every response of ``app``."""
    app.after_request(public_read_headers)
