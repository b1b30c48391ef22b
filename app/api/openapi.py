"""The OpenAPI 3.1 description of ``/api/v1`` (``/api/v1/openapi.json``) and its docs page.

Written by hand next to the routes it describes and checked against them by
schemathesis in the test suite (``tests/api/test_openapi.py``): every status,
parameter and body here is one the API really answers or takes.
"""
from flask import jsonify, render_template

from app.api import bp
from app.api.routes import DEFAULT_LIMIT, MAX_LIMIT
from app.incidents.models import (ATTRIBUTIONS, GEO_PRECISIONS, STATUSES,
                                  TIME_PRECISIONS)
from app.incidents.schema import MAX_LIST, MAX_SUMMARY, MAX_TITLE

NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}
POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2}


def _geometry():
    def geom(kind, coordinates):
        return {"type": "object", "required": ["type", "coordinates"],
                "properties": {"type": {"const": kind}, "coordinates": coordinates}}
    line = {"type": "array", "items": POSITION}
    rings = {"type": "array", "items": line}
    return {"description": "GeoJSON geometry (RFC 7946), EPSG:4326, longitude first.",
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
    strings = {"type": "array", "items": {"type": "string"}}
    return {"type": "object", "properties": {
        "id": {"type": "integer"}, "uuid": {"type": "string", "format": "uuid"},
        "title": {"type": "string"}, "summary": {"type": "string"},
        "lang": {"type": "string"}, "status": {"enum": list(STATUSES)},
        "version": {"type": "integer", "minimum": 1}, "start_date": DATE, "end_date": DATE,
        "time_precision": {"enum": list(TIME_PRECISIONS)}, "actor": NULLABLE_STRING,
        "actor_id": {"type": ["integer", "null"]}, "actor_type": NULLABLE_STRING,
        "attribution": {"enum": list(ATTRIBUTIONS)},
        "confidence": {"type": "integer", "minimum": 0, "maximum": 100},
        "vectors": strings, "countries": strings, "techniques": strings,
        "geo_precision": {"enum": list(GEO_PRECISIONS)},
        "precision_m": {"type": ["integer", "null"]}, "location_name": {"type": "string"},
        "sources": {"type": "array", "items": _source()},
        "published_at": {"type": ["string", "null"], "format": "date-time"}},
        "required": ["id", "uuid", "title", "status", "version", "start_date", "end_date",
                     "confidence", "vectors", "countries", "sources"]}


def _properties_in():
    text_list = {"oneOf": [{"type": "array", "maxItems": MAX_LIST,
                            "items": {"type": "string"}},
                           {"type": "string", "description": ";-separated"}]}
    return {"type": "object", "description": "The CSV names of the product brief.",
            "properties": {
                "title": {"type": "string", "maxLength": MAX_TITLE},
                "summary": {"type": "string", "maxLength": MAX_SUMMARY},
                "lang": {"type": "string", "maxLength": 8},
                "start_date": {"type": "string", "description": "YYYY, YYYY-MM or YYYY-MM-DD"},
                "end_date": {"type": "string"},
                "time_precision": {"enum": list(TIME_PRECISIONS)},
                "geo_precision": {"enum": list(GEO_PRECISIONS)},
                "precision_m": {"type": "integer", "minimum": 0},
                "location_name": {"type": "string", "maxLength": 200},
                "actor": {"type": ["string", "null"], "maxLength": 200},
                "attribution": {"enum": list(ATTRIBUTIONS)},
                "confidence": {"type": "integer", "minimum": 0, "maximum": 100},
                "vectors": text_list, "countries": text_list, "techniques": text_list,
                "sources": {"type": "array", "maxItems": MAX_LIST, "items": _source()},
                "wkt": {"type": "string"}, "lat": {"type": "number"},
                "lon": {"type": "number"},
                "version": {"type": "integer", "description": "PATCH: the version edited"}}}


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
        "next": {"type": "string", "description": "URL of the next page"},
        "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}}}}
    feature_in = {"type": "object", "properties": {
        "type": {"const": "Feature"}, "geometry": {"$ref": "#/components/schemas/Geometry"},
        "properties": {"$ref": "#/components/schemas/IncidentInput"}}}
    conflict = {"type": "object", "required": ["error", "current_version"], "properties": {
        "error": {"type": "string"}, "current_version": {"type": "integer"},
        "changes": {"type": "object"}}}
    return {
        "schemas": {"Geometry": _geometry(), "Incident": _properties_out(),
                    "IncidentInput": _properties_in(), "Feature": feature,
                    "FeatureInput": feature_in, "FeatureCollection": collection,
                    "Error": error, "Conflict": conflict},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "`flask token create EMAIL`"}},
    }


def _json(ref, description):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


ERRORS = {
    "400": _json("Error", "Bad input: the message (and `fields`) say what and why"),
    "401": _json("Error", "A missing, malformed, unknown or revoked Bearer token"),
    "403": _json("Error", "The token's user may not do this"),
    "404": _json("Error", "No such incident, or not visible to the caller"),
    "409": _json("Conflict", "The incident changed since the version edited"),
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
        query("bbox", {"type": "string", "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$"},
              "W,S,E,N in degrees; W > E crosses the antimeridian"),
        query("actor", {"type": "string"}, "actor id or name; `none`: no actor", array=True),
        query("vector", {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$"},
              "vector slug; `none`: no vector", array=True),
        query("country", {"type": "string", "pattern": "^([A-Za-z]{3}|none)$"},
              "ISO 3166-1 alpha-3; `none`: no target country", array=True),
        query("from", {"type": "string", "format": "date"}, "YYYY, YYYY-MM or YYYY-MM-DD"),
        query("to", {"type": "string", "format": "date"}, "YYYY, YYYY-MM or YYYY-MM-DD"),
        query("min_confidence", {"type": "integer", "minimum": 0, "maximum": 100}, "0–100"),
        query("q", {"type": "string", "maxLength": 200}, "text in title, summary or place"),
        query("campaign", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
              "campaign id", array=True),
        query("status", {"enum": list(STATUSES)},
              "statuses (visibility rules still apply)", array=True),
        query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT}, "page size"),
        query("cursor", {"type": "integer", "minimum": 0}, "the `next` link's cursor"),
    ]


def _paths():
    ident = [{"name": "incident_id", "in": "path", "required": True,
              "schema": {"type": "integer", "minimum": 0}}]
    if_match = {"name": "If-Match", "in": "header", "required": False,
                "schema": {"type": "string"}, "description": "the version edited, as an ETag"}
    not_modified = {"description": "Not modified since the ETag / date sent"}
    body = {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/FeatureInput"}}}}
    secured = [{"bearer": []}]
    return {
        "/incidents": {
            "get": {"operationId": "listIncidents", "summary": "Incidents as GeoJSON",
                    "description": "Published incidents; drafts too for their author and "
                                   "editors. Pages by id with `cursor`.",
                    "parameters": _list_parameters(),
                    "responses": {"200": _json("FeatureCollection", "A page of incidents"),
                                  "304": not_modified, "400": ERRORS["400"],
                                  "401": ERRORS["401"]}},
            "post": {"operationId": "createIncident", "summary": "Create a draft",
                     "security": secured, "requestBody": body,
                     "responses": {"201": _json("Feature", "The new draft"),
                                   **{k: ERRORS[k] for k in ("400", "401", "403")}}}},
        "/incidents/{incident_id}": {
            "parameters": ident,
            "get": {"operationId": "getIncident", "summary": "One incident",
                    "responses": {"200": _json("Feature", "The incident"), "304": not_modified,
                                  **{k: ERRORS[k] for k in ("401", "404")}}},
            "patch": {"operationId": "patchIncident", "summary": "Edit (optimistic locking)",
                      "security": secured, "parameters": [if_match], "requestBody": body,
                      "responses": {"200": _json("Feature", "The edited incident"),
                                    **{k: ERRORS[k] for k in ("400", "401", "403", "404",
                                                             "409")}}},
            "delete": {"operationId": "archiveIncident", "summary": "Archive (never delete)",
                       "security": secured, "parameters": [if_match],
                       "responses": {"200": _json("Feature", "The archived incident"),
                                     **{k: ERRORS[k] for k in ("400", "401", "403", "404",
                                                              "409")}}}},
        "/map": {
            "get": {"operationId": "mapView", "summary": "One map view, aggregated",
                    "description": "Published incidents in `bbox` at `zoom`: server-side "
                                   "clusters (counts), single incidents, facet counts per "
                                   "layer, the per-country barometer and the data period. "
                                   "`total` equals the clusters' counts plus the incidents "
                                   "sent. The `ETag` names the data's generation and the "
                                   "query: `If-None-Match` gets a 304.",
                    "parameters": [p for p in _list_parameters()
                                   if p["name"] not in ("limit", "cursor", "status")] + [
                        {"name": "zoom", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 0, "maximum": 20,
                                    "default": 4}, "description": "Web map zoom level"}],
                    "responses": {"200": {"description": "The view", "content": {
                        "application/json": {"schema": {
                            "type": "object",
                            "required": ["zoom", "total", "clusters", "features", "facets"],
                            "properties": {
                                "zoom": {"type": "integer"},
                                "total": {"type": "integer", "minimum": 0},
                                "clusters": {"type": "array"},
                                "features": {"type": "array"},
                                "facets": {"type": "object"},
                                "barometer": {"type": "object"},
                                "period": {"type": ["object", "null"]}}}}}},
                        "304": not_modified, "400": ERRORS["400"]}}},
        "/signals": _signals_path(),
        "/openapi.json": {
            "get": {"operationId": "openapi", "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1",
                                          "content": {"application/json": {}}}}}},
    }


def _signals_path():
    """``GET /signals``: the weak-signal detector's flagged weeks (app/signals)."""
    keep = ("country", "vector", "from", "to")
    signal = {"type": "object", "required": ["week", "country", "vector", "observed",
                                             "expected", "score", "explanation"],
              "properties": {
                  "week": {**DATE, "description": "the Monday of the ISO week"},
                  "country": {"type": "string"}, "vector": {"type": "string"},
                  "observed": {"type": "integer", "minimum": 0},
                  "expected": {"type": "number", "minimum": 0,
                               "description": "mean a week over the baseline"},
                  "score": {"type": "number", "description": "-log10 p"},
                  "p": {"type": "number"},
                  "model": {"enum": ["poisson", "negative-binomial"]},
                  "explanation": {"type": "string",
                                  "description": "why, in the reader's language"}}}
    return {"get": {
        "operationId": "listSignals", "summary": "Weak signals",
        "description": "Weeks whose count of published incidents in a country × vector "
                       "cell is surprising against the 26 weeks before (Poisson or "
                       "negative binomial), newest first.",
        "parameters": [p for p in _list_parameters() if p["name"] in keep] + [
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 5000, "default": 500},
             "description": "signals returned, at most"}],
        "responses": {"200": {"description": "The signals", "content": {
            "application/json": {"schema": {
                "type": "object", "required": ["signals", "count"],
                "properties": {"signals": {"type": "array", "items": signal},
                               "count": {"type": "integer", "minimum": 0}}}}}},
            "400": ERRORS["400"]}}}


def openapi_document():
    """The OpenAPI 3.1 document as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hybrid Threat Atlas API", "version": "1",
                 "description": "Geotagged hybrid-threat incidents as GeoJSON. Reads are "
                                "public (published incidents); writes need a Bearer token."},
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
