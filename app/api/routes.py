"""``/api/v1/incidents``: list by filters and bbox, create, read, edit, archive."""
import re

from flask import abort, current_app, g, jsonify, request, url_for

from app.api import bp
from app.api.auth import api_viewer, require_token
from app.api.caching import set_last_modified
from app.geo.geometry import GeometryError, check_json_text
from app.api.limits import write_limit
from app.incidents import search, service
from app.incidents.filters import parse_filters, url_args
from app.incidents.schema import ValidationError, parse_incident
from app.incidents.serialize import feature_collection, incident_feature
from app.inputs import INT64, whole_number
from app.ops import abuse

DEFAULT_LIMIT = 100
MAX_LIMIT = 5000
VISIBLE_STATUSES = ("draft", "submitted", "published", "rejected")


GEOJSON = "application/geo+json"


def geojson(obj, status=200):
    """A GeoJSON answer (RFC 7946 section 12: ``application/geo+json``)."""
    response = jsonify(obj)
    response.mimetype, response.status_code = GEOJSON, status
    return response


@bp.get("/incidents")
def list_incidents():
    """GeoJSON FeatureCollection of the incidents the caller may see, by filters and bbox.

    Published only for the public; a contributor also gets their own drafts and
    an editor everything but archived incidents. ``cursor`` pages by id.
    """
    filters = parse_filters(request.args)  # FilterError: a 400 (app error handler)
    limit = whole_number(request.args.get("limit"), name="limit", lo=1, hi=MAX_LIMIT,
                         default=DEFAULT_LIMIT)
    if limit > DEFAULT_LIMIT and abuse.anonymous():
        # Anonymous large pages: a smaller page (``next`` goes on), counted per client.
        limit = min(limit, current_app.config["ATLAS_ANON_MAX_LIMIT"])
        abuse.charge("large-page", "ATLAS_LARGE_PAGE_LIMIT")
    cursor = whole_number(request.args.get("cursor"), name="cursor", hi=INT64)
    viewer = api_viewer()
    found = search.find_incidents(filters, viewer, limit=limit + 1, after_id=cursor,
                                  default_statuses=VISIBLE_STATUSES)
    page, more = found[:limit], len(found) > limit
    members = {"count": len(page)}
    if more:
        members["next"] = url_for("api.list_incidents", _external=False,
                                  **url_args(filters, ("limit", str(limit)),
                                            ("cursor", str(page[-1].id))))
    return set_last_modified(geojson(feature_collection(page, **members)), page)


MAX_BODY = 2 * 1024 * 1024  # bytes of one incident Feature


def _feature_body():
    """The request's Feature properties (geometry included), checked before parsing."""
    if not request.is_json:
        abort(415, "Send a GeoJSON Feature with Content-Type: application/json "
                   "(or application/geo+json).")
    if (request.content_length or 0) > MAX_BODY:
        abort(413, f"An incident is at most {MAX_BODY // 1024} kB of JSON.")
    text = request.get_data(as_text=True)
    try:
        check_json_text(text, max_chars=MAX_BODY)
    except GeometryError as exc:
        abort(400, str(exc))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "Send a GeoJSON Feature as application/json.")
    if body.get("type") == "Feature" or "properties" in body:
        if not isinstance(body.get("properties") or {}, dict):
            abort(400, "A Feature's properties must be a JSON object.")
        props = dict(body.get("properties") or {})
        if body.get("geometry") is not None:
            props["geometry"] = body["geometry"]
        return props
    return body


@bp.post("/incidents")
@write_limit
@require_token
def create_incident():
    """Create a draft from a GeoJSON Feature whose properties use the CSV names."""
    data = parse_incident(_feature_body())
    incident = service.create_incident(data=data, author=g.api_user)
    response = geojson(incident_feature(incident), 201)
    response.headers["Location"] = url_for("api.get_incident", incident_id=incident.id)
    response.headers["ETag"] = f'"{incident.version}"'
    return response


@bp.get("/incidents/<int:incident_id>")
def get_incident(incident_id):
    """One incident as a GeoJSON Feature (404 when missing or not visible)."""
    incident = service.get_incident(incident_id, api_viewer())
    response = geojson(incident_feature(incident))
    response.headers["ETag"] = f'"{incident.version}"'
    return set_last_modified(response, [incident])


def _expected_version(props):
    """The version edited (body ``version`` or ``If-Match``); a 400 unless a whole number."""
    version = props.pop("version", None)
    if_match = request.headers.get("If-Match", "").removeprefix("W/").strip().strip('"')
    version = version if version is not None else (if_match or None)
    if version is not None and (isinstance(version, bool)
                                or not re.fullmatch(r"[0-9]{1,18}", str(version))):
        abort(400, "version (or If-Match) must be a whole number")
    return version


@bp.patch("/incidents/<int:incident_id>")
@write_limit
@require_token
def patch_incident(incident_id):
    """Edit fields and/or move the status; the body or ``If-Match`` names the version.

    ``status`` (``submitted``, ``published``, ``rejected`` with
    ``rejection_reason``, ``draft``, ``archived``) goes through the same
    workflow rules as the review pages.
    """
    incident = service.get_incident(incident_id, g.api_user)
    props = _feature_body()
    version = _expected_version(props)
    version = whole_number(version, name="version", lo=1)
    status, reason = props.pop("status", None), props.pop("rejection_reason", None)
    data = parse_incident(props, partial=True)
    incident = service.edit_incident(incident=incident, data=data,
                                     status=None if status is None else str(status),
                                     reason=reason, expected_version=version,
                                     editor=g.api_user)
    return geojson(incident_feature(incident))


@bp.delete("/incidents/<int:incident_id>")
@write_limit
@require_token
def archive_incident(incident_id):
    """Archive (never delete) an incident; answers with the archived Feature."""
    incident = service.get_incident(incident_id, g.api_user)
    if incident.status == "archived":
        return geojson(incident_feature(incident))
    # If-Match is optional here: archiving is idempotent and loses no field.
    version = _expected_version({}) or incident.version
    incident = service.set_status(incident=incident, status="archived",
                                  expected_version=version, editor=g.api_user)
    return geojson(incident_feature(incident))


@bp.errorhandler(ValidationError)
def _invalid(exc):
    return jsonify(exc.as_json()), 400


@bp.errorhandler(service.ConflictError)
def _conflict(exc):
    return jsonify(error=str(exc), current_version=exc.incident.version,
                   changes=exc.changes), 409


@bp.errorhandler(service.PermissionDenied)
def _forbidden(exc):
    return jsonify(error=str(exc)), 403

