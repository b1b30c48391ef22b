"""``/api/v1/incidents``: list by filters and bbox, create, read, edit, archive."""
from flask import abort, g, jsonify, request, url_for

from app.api import bp
from app.api.auth import api_viewer, require_token
from app.api.caching import set_last_modified
from app.geo.geometry import GeometryError, check_json_text
from app.api.limits import write_limit
from app.incidents import search, service
from app.incidents.filters import parse_filters, url_args
from app.incidents.schema import ValidationError, parse_incident
from app.incidents.serialize import feature_collection, incident_feature

DEFAULT_LIMIT = 100
MAX_LIMIT = 5000
VISIBLE_STATUSES = ("draft", "submitted", "published", "rejected")


def _int_arg(name, default, lo, hi):
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        abort(400, f"{name}: expected a whole number from {lo} to {hi}")
    return int(raw)


@bp.get("/incidents")
def list_incidents():
    """GeoJSON FeatureCollection of the incidents the caller may see, by filters and bbox.

    Published only for the public; a contributor also gets their own drafts and
    an editor everything but archived incidents. ``cursor`` pages by id.
    """
    filters = parse_filters(request.args)  # FilterError: a 400 (app error handler)
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    cursor = _int_arg("cursor", None, 0, 2**62)
    viewer = api_viewer()
    found = search.find_incidents(filters, viewer, limit=limit + 1, after_id=cursor,
                                  default_statuses=VISIBLE_STATUSES)
    page, more = found[:limit], len(found) > limit
    members = {"count": len(page)}
    if more:
        members["next"] = url_for("api.list_incidents", _external=False,
                                  **url_args(filters, ("limit", str(limit)),
                                            ("cursor", str(page[-1].id))))
    return set_last_modified(jsonify(feature_collection(page, **members)), page)


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
    response = jsonify(incident_feature(incident))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_incident", incident_id=incident.id)
    response.headers["ETag"] = f'"{incident.version}"'
    return response


@bp.get("/incidents/<int:incident_id>")
def get_incident(incident_id):
    """One incident as a GeoJSON Feature (404 when missing or not visible)."""
    incident = service.get_incident(incident_id, api_viewer())
    response = jsonify(incident_feature(incident))
    response.headers["ETag"] = f'"{incident.version}"'
    return set_last_modified(response, [incident])


def _expected_version(props):
    version = props.pop("version", None)
    if_match = request.headers.get("If-Match", "").removeprefix("W/").strip().strip('"')
    return version if version is not None else (if_match or None)


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
    if version is not None and not str(version).isdigit():
        abort(400, "version must be a whole number")
    status, reason = props.pop("status", None), props.pop("rejection_reason", None)
    data = parse_incident(props, partial=True)
    if data or status is None:
        incident = service.update_incident(incident=incident, data=data,
                                           expected_version=version, editor=g.api_user)
        version = incident.version
    if status is not None and status != incident.status:
        incident = service.set_status(incident=incident, status=str(status), reason=reason,
                                      expected_version=version, editor=g.api_user)
    return jsonify(incident_feature(incident))


@bp.delete("/incidents/<int:incident_id>")
@write_limit
@require_token
def archive_incident(incident_id):
    """Archive (never delete) an incident; answers with the archived Feature."""
    incident = service.get_incident(incident_id, g.api_user)
    if incident.status == "archived":
        return jsonify(incident_feature(incident))
    # If-Match is optional here: archiving is idempotent and loses no field.
    version = _expected_version({}) or incident.version
    incident = service.set_status(incident=incident, status="archived",
                                  expected_version=version, editor=g.api_user)
    return jsonify(incident_feature(incident))


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

