"""The OpenAPI 3.1 description of ``/api/v1`` (``/api/v1/openapi.json``) and its docs page.

Written by hand next to the routes it describes and checked against them by
schemathesis in the test suite (``tests/api/test_openapi.py``): every status,
parameter and body here is one the API really answers or takes.
"""
from flask import jsonify, render_template

from app.api import bp
from app.api.routes import DEFAULT_LIMIT, GEOJSON, MAX_LIMIT
from app.incidents.fields import FIELDS, MAX_LIST
from app.incidents.models import STATUSES
from app.messages import N_

DATE = {"type": "string", "format": "date"}
POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2}
_NUMBER = r"-?[0-9]+(\.[0-9]+)?"
#: Four decimal numbers, W,S,E,N (the filter parser then checks their ranges).
BBOX_PATTERN = rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$"
#: A year, month or day as the filter parser reads it; empty means no bound.
DAY_OR_EMPTY = {"type": "string",
                "pattern": r"^([0-9]{4}([-/][0-9]{1,2}([-/][0-9]{1,2})?)?)?$"}


def _geometry():
    def geom(kind, coordinates):
        return {"type": "object", "required": ["type", "coordinates"],
                "properties": {"type": {"const": kind}, "coordinates": coordinates}}
    line = {"type": "array", "items": POSITION}
    rings = {"type": "array", "items": line}
    return {"description": N_("GeoJSON geometry (RFC 7946), EPSG:4326, longitude first."),
            "oneOf": [geom("Point", POSITION), geom("LineString", line),
                      geom("Polygon", rings), geom("MultiPoint", line),
                      geom("MultiLineString", rings),
                      geom("MultiPolygon", {"type": "array", "items": rings})]}


def _source():
    return {"type": "object", "required": ["url"], "properties": {
        "url": {"type": "string", "format": "uri"}, "publisher": {"type": "string"},
        "date": {"type": ["string", "null"], "format": "date"},
        "archived_url": {"type": ["string", "null"], "format": "uri"}}}


def _properties_out():
    """Every field of ``fields.FIELDS`` with the schema of its value."""
    schemas = {f.name: f.schema for f in FIELDS}
    schemas["sources"] = {"type": "array", "items": _source()}
    return {"type": "object", "properties": schemas,
            "required": ["id", "uuid", "title", "status", "version", "start_date", "end_date",
                         "confidence", "vectors", "countries", "sources"]}


def _input_schema(f):
    """The OpenAPI schema ``parse_incident`` accepts for the input field ``f``."""
    if f.kind == "links":
        return {"oneOf": [{"type": "array", "maxItems": MAX_LIST, "items": {"type": "string"}},
                          {"type": "string", "description": N_(";-separated")}]}
    if f.kind == "sources":
        return {"type": "array", "maxItems": MAX_LIST, "items": _source()}
    if f.kind == "date":
        return {"type": "string", "description": N_("YYYY, YYYY-MM or YYYY-MM-DD")}
    if f.kind == "int":
        low, high = f.bounds
        return {"type": "integer", "minimum": low, "maximum": high}
    if f.kind == "choice":
        return {"enum": list(f.choices)}
    return {"type": ["string", "null"] if f.kind in ("actor", "campaign") else "string",
            "maxLength": f.limit}


def _properties_in():
    inputs = {f.name: _input_schema(f) for f in FIELDS if f.label}
    return {"type": "object", "description": N_("The CSV names of the product brief."),
            "properties": {
                **inputs,
                "wkt": {"type": "string"}, "lat": {"type": "number"},
                "lon": {"type": "number"},
                "version": {"type": "integer", "description": N_("PATCH: the version edited")}}}


def _create_input():
    """A new incident: a title, a start date and a place (any one way of giving it)."""
    props = {"$ref": "#/components/schemas/IncidentInput"}
    placed = {"anyOf": [{"required": ["geometry"]},
                        {"properties": {"properties": {"anyOf": [
                            {"required": ["wkt"]}, {"required": ["lat", "lon"]}]}}}]}
    return {"allOf": [{"$ref": "#/components/schemas/FeatureInput"}, placed,
                      {"required": ["properties"], "properties": {"properties": {
                          "allOf": [props, {"required": ["title", "start_date"]}]}}}]}


def _tip_input():
    return {"type": "object", "required": ["description"], "properties": {
        "description": {"type": "string", "maxLength": 5000},
        "location_name": {"type": "string", "maxLength": 200},
        "country": {"type": "string", "description": N_("ISO 3166-1 alpha-3")},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "seen_on": {"type": "string", "description": N_("YYYY-MM-DD, not in the future")},
        "evidence": {"oneOf": [{"type": "array", "items": {"type": "string"}, "maxItems": 10},
                               {"type": "string", "description": N_("one URL per line")}]},
        "contact": {"type": "string", "maxLength": 200},
        "lang": {"enum": ["en", "fr"]}}}


def _components():
    error = {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"},
        "fields": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "reason": {"type": "string"}}}}}}
    feature = {"type": "object", "required": ["type", "id", "geometry", "properties"],
               "properties": {"type": {"const": "Feature"}, "id": {"type": "integer"},
                              "geometry": {"$ref": "#/components/schemas/Geometry"},
                              "properties": {"$ref": "#/components/schemas/Incident"}}}
    collection = {"type": "object", "required": ["type", "features", "count"], "properties": {
        "type": {"const": "FeatureCollection"}, "count": {"type": "integer"},
        "next": {"type": "string", "description": N_("URL of the next page")},
        "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}}}}
    feature_in = {"type": "object", "properties": {
        "type": {"const": "Feature"}, "geometry": {"$ref": "#/components/schemas/Geometry"},
        "properties": {"$ref": "#/components/schemas/IncidentInput"}}}
    conflict = {"type": "object", "required": ["error", "current_version"], "properties": {
        "error": {"type": "string"}, "current_version": {"type": "integer"},
        "changes": {"type": ["object", "null"],
                    "description": N_("field: [yours, theirs] when known")}}}
    return {
        "schemas": {"Geometry": _geometry(), "Incident": _properties_out(),
                    "IncidentInput": _properties_in(), "Feature": feature,
                    "FeatureInput": feature_in, "FeatureCollection": collection,
                    "FeatureCreate": _create_input(), "TipInput": _tip_input(),
                    "Error": error, "Conflict": conflict},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": N_("`flask token create EMAIL`")}},
    }


def _json(ref, description, media_type="application/json"):
    return {"description": description,
            "content": {media_type: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _geojson(ref, description):
    """A GeoJSON answer: ``application/geo+json`` (RFC 7946 section 12)."""
    return _json(ref, description, GEOJSON)


ERRORS = {
    "400": _json("Error", N_("Bad input: the message (and `fields`) say what and why")),
    "401": _json("Error", N_("A missing, malformed, unknown or revoked Bearer token")),
    "403": _json("Error", N_("The token's user may not do this")),
    "404": _json("Error", N_("No such incident, or not visible to the caller")),
    "409": _json("Conflict", N_("The incident changed since the version edited")),
    "413": _json("Error", N_("The body is larger than an incident (or a tip) may be")),
    "415": _json("Error", N_("The body is not JSON (application/json or application/geo+json)")),
    "429": _json("Error", N_("Too many writes (or bad tokens) from this client; retry later")),
}


def _list_parameters():
    def query(name, schema, description, array=False):
        param = {"name": name, "in": "query", "required": False,
                 "description": description, "schema": schema}
        if array:
            param.update(schema={"type": "array", "items": schema}, style="form",
                         explode=True)
        return param
    return [
        query("bbox", {"type": "string", "pattern": BBOX_PATTERN},
              N_("W,S,E,N in degrees; W > E crosses the antimeridian")),
        query("actor", {"type": "string"}, N_("actor id or name; `none`: no actor"), array=True),
        query("vector", {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$"},
              N_("vector slug; `none`: no vector"), array=True),
        query("platform", {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$"},
              N_("platform slug; `none`: no platform"), array=True),
        query("country", {"type": "string", "pattern": "^([A-Za-z]{3}|none)$"},
              N_("ISO 3166-1 alpha-3; `none`: no target country"), array=True),
        query("from", DAY_OR_EMPTY, N_("YYYY, YYYY-MM or YYYY-MM-DD (empty: no bound)")),
        query("to", DAY_OR_EMPTY, N_("YYYY, YYYY-MM or YYYY-MM-DD (empty: no bound)")),
        query("min_confidence", {"type": "integer", "minimum": 0, "maximum": 100}, N_("0–100")),
        query("q", {"type": "string", "maxLength": 200}, N_("text in title, summary or place")),
        query("campaign", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
              N_("campaign id"), array=True),
        query("status", {"enum": list(STATUSES)},
              N_("statuses (visibility rules still apply)"), array=True),
        query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT}, N_("page size")),
        query("cursor", {"type": "integer", "minimum": 0}, N_("the `next` link's cursor")),
    ]


def _paths():
    ident = [{"name": "incident_id", "in": "path", "required": True,
              "schema": {"type": "integer", "minimum": 0}}]
    if_match = {"name": "If-Match", "in": "header", "required": False,
                "schema": {"type": "string"}, "description": N_("the version edited, as an ETag")}
    not_modified = {"description": N_("Not modified since the ETag / date sent")}
    def body(ref):
        schema = {"schema": {"$ref": f"#/components/schemas/{ref}"}}
        return {"required": True, "content": {"application/json": schema, GEOJSON: schema}}
    secured = [{"bearer": []}]
    writes = ("400", "401", "403", "413", "415", "429")
    return {
        "/incidents": {
            "get": {"operationId": "listIncidents", "summary": N_("Incidents as GeoJSON"),
                    "description": N_("Published incidents; drafts too for their author and "
                                   "editors. Pages by id with `cursor`."),
                    "parameters": _list_parameters(),
                    "responses": {"200": _geojson("FeatureCollection", N_("A page of incidents")),
                                  "304": not_modified, "400": ERRORS["400"],
                                  "401": ERRORS["401"], "429": ERRORS["429"]}},
            "post": {"operationId": "createIncident", "summary": N_("Create a draft"),
                     "security": secured, "requestBody": body("FeatureCreate"),
                     "responses": {"201": _geojson("Feature", N_("The new draft")),
                                   **{k: ERRORS[k] for k in writes}}}},
        "/incidents/{incident_id}": {
            "parameters": ident,
            "get": {"operationId": "getIncident", "summary": N_("One incident"),
                    "responses": {"200": _geojson("Feature", N_("The incident")),
                                  "304": not_modified,
                                  **{k: ERRORS[k] for k in ("401", "404", "429")}}},
            "patch": {"operationId": "patchIncident", "summary": N_("Edit (optimistic locking)"),
                      "security": secured, "parameters": [if_match],
                      "requestBody": body("FeatureInput"),
                      "responses": {"200": _geojson("Feature", N_("The edited incident")),
                                    **{k: ERRORS[k] for k in (*writes, "404", "409")}}},
            "delete": {"operationId": "archiveIncident", "summary": N_("Archive (never delete)"),
                       "security": secured, "parameters": [if_match],
                       "responses": {"200": _geojson("Feature", N_("The archived incident")),
                                     **{k: ERRORS[k] for k in ("400", "401", "403", "404",
                                                              "409", "429")}}}},
        "/tips": {
            "post": {"operationId": "submitTip", "summary": N_("Send a tip (no account)"),
                     "description": N_("The JSON twin of the public report form. Editors "
                                    "triage tips; nothing is published from here."),
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/TipInput"}}}},
                     "responses": {"202": {"description": N_("Received"), "content": {
                         "application/json": {"schema": {
                             "type": "object", "required": ["receipt", "status_url"],
                             "properties": {"receipt": {"type": "string"},
                                            "status_url": {"type": "string"}}}}}},
                         **{k: ERRORS[k] for k in ("400", "413", "429")}}}},
        "/map": {
            "get": {"operationId": "mapView", "summary": N_("One map view, aggregated"),
                    "description": N_("Published incidents in `bbox` at `zoom`: server-side "
                                   "clusters (counts), single incidents, facet counts per "
                                   "layer, the per-country barometer and the data period. "
                                   "`total` equals the clusters' counts plus the incidents "
                                   "sent. The `ETag` names the data's generation and the "
                                   "query: `If-None-Match` gets a 304."),
                    "parameters": [p for p in _list_parameters()
                                   if p["name"] not in ("limit", "cursor", "status")] + [
                        {"name": "zoom", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 0, "maximum": 20,
                                    "default": 4}, "description": N_("Web map zoom level")}],
                    "responses": {"200": {"description": N_("The view"), "content": {
                        "application/json": {"schema": {
                            "type": "object",
                            "required": ["zoom", "total", "clusters", "features", "facets"],
                            "properties": {
                                "zoom": {"type": "integer"},
                                "total": {"type": "integer", "minimum": 0},
                                "clusters": {"type": "array", "items": {
                                    "type": "object",
                                    "required": ["lon", "lat", "count"],
                                    "properties": {"lon": {"type": "number"},
                                                   "lat": {"type": "number"},
                                                   "count": {"type": "integer"},
                                                   "same_place": {"type": "boolean"}}}},
                                "features": {"type": "array", "items": {
                                    "type": "object",
                                    "required": ["id", "title", "lon", "lat", "kind"],
                                    "properties": {"id": {"type": "integer"},
                                                   "title": {"type": "string"},
                                                   "lon": {"type": "number"},
                                                   "lat": {"type": "number"},
                                                   "kind": {"type": "string"}}}},
                                "facets": {"type": "object"},
                                "barometer": {"type": "object"},
                                "period": {"type": ["object", "null"]}}}}}},
                        "304": not_modified, "400": ERRORS["400"], "429": ERRORS["429"]}}},
        "/signals": _signals_path(),
        "/openapi.json": {
            "get": {"operationId": "openapi", "summary": N_("This document"),
                    "responses": {"200": {"description": N_("OpenAPI 3.1"),
                                          "content": {"application/json": {}}}}}},
    }


def _signals_path():
    """``GET /signals``: the weak-signal detector's flagged weeks (app/signals)."""
    keep = ("country", "vector", "from", "to")
    signal = {"type": "object", "required": ["week", "country", "vector", "observed",
                                             "expected", "score", "explanation"],
              "properties": {
                  "week": {**DATE, "description": N_("the Monday of the ISO week")},
                  "country": {"type": "string"}, "vector": {"type": "string"},
                  "observed": {"type": "integer", "minimum": 0},
                  "expected": {"type": "number", "minimum": 0,
                               "description": N_("mean a week over the baseline")},
                  "score": {"type": "number", "description": N_("-log10 p")},
                  "p": {"type": "number"},
                  "model": {"enum": ["poisson", "negative-binomial"]},
                  "explanation": {"type": "string",
                                  "description": N_("why, in the reader's language")}}}
    return {"get": {
        "operationId": "listSignals", "summary": N_("Weak signals"),
        "description": N_("Weeks whose count of published incidents in a country × vector "
                       "cell is surprising against the 26 weeks before (Poisson or "
                       "negative binomial), newest first."),
        "parameters": [p for p in _list_parameters() if p["name"] in keep] + [
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 5000, "default": 500},
             "description": N_("signals returned, at most")}],
        "responses": {"200": {"description": N_("The signals"), "content": {
            "application/json": {"schema": {
                "type": "object", "required": ["signals", "count"],
                "properties": {"signals": {"type": "array", "items": signal},
                               "count": {"type": "integer", "minimum": 0}}}}}},
            "400": ERRORS["400"]}}}


def openapi_document():
    """The OpenAPI 3.1 document as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {"title": N_("Hybrid Threat Atlas API"), "version": "1",
                 "description": N_("Geotagged hybrid-threat incidents as GeoJSON. Reads are "
                                "public (published incidents); writes need a Bearer token.")},
        "servers": [{"url": "/api/v1"}],
        "paths": _paths(),
        "components": _components(),
    }


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


@bp.get("/docs")
def docs():
    """The API's documentation page, rendered on the server from the OpenAPI document."""
    return render_template("api/docs.html", spec=openapi_document())
