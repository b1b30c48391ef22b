"""The OpenAPI 3.0 definition of ``/ogc`` (the landing page's ``service-desc``).

Built from the same constants the routes read (parameters, limits, media
types), so the two cannot drift apart.
"""
from flask import jsonify

from app.api.routes import GEOJSON
from app.ogc import bp
from app.ogc.routes import DEFAULT_LIMIT, MAX_LIMIT, SHARED_FILTERS

OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


def _query(name, schema, description, explode=False):
    return {"name": name, "in": "query", "required": False, "style": "form",
            "explode": explode, "schema": schema, "description": description}


def _parameters():
    text = {"type": "string"}
    shared = {"actor": "actor id or name; `none`: no actor",
              "vector": "vector slug; `none`: no vector",
              "country": "ISO 3166-1 alpha-3; `none`: no target country",
              "min_confidence": "0–100", "q": "text in title, summary or place"}
    return [
        _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                         "default": DEFAULT_LIMIT}, "page size"),
        _query("bbox", {"type": "array", "minItems": 4, "maxItems": 4,
                        "items": {"type": "number"}}, "W,S,E,N in degrees (CRS84)"),
        _query("datetime", text, "RFC 3339 date-time or interval (`..` open)"),
        _query("cursor", {"type": "integer", "minimum": 0}, "the `next` link's cursor"),
        _query("f", {"enum": ["json", "html"]}, "answer format"),
    ] + [_query(name, text, shared[name]) for name in SHARED_FILTERS]


def _get(summary, media_type, parameters=()):
    return {"get": {"summary": summary, "parameters": list(parameters), "responses": {
        "200": {"description": summary, "content": {media_type: {}, "text/html": {}}},
        "400": {"description": "Bad parameter", "content": {"application/json": {}}},
        "404": {"description": "No such collection or feature",
                "content": {"application/json": {}}}}}}


def ogc_openapi():
    """The OpenAPI 3.0 document of the OGC API as a dict."""
    collection = {"name": "collection_id", "in": "path", "required": True,
                  "schema": {"enum": ["incidents"]}}
    feature = {"name": "feature_id", "in": "path", "required": True,
               "schema": {"type": "string"}}
    return {"openapi": "3.0.3",
            "info": {"title": "Hybrid Threat Atlas - OGC API - Features", "version": "1.0"},
            "servers": [{"url": "/ogc"}],
            "paths": {
                "/": _get("Landing page", "application/json"),
                "/conformance": _get("Conformance classes", "application/json"),
                "/collections": _get("Collections", "application/json"),
                "/collections/{collection_id}": _get("The collection", "application/json",
                                                     [collection]),
                "/collections/{collection_id}/items": _get(
                    "Features", GEOJSON, [collection, *_parameters()]),
                "/collections/{collection_id}/items/{feature_id}": _get(
                    "One feature", GEOJSON, [collection, feature]),
                "/api": _get("This document", OPENAPI)}}


@bp.get("/api")
def api_definition():
    """The OpenAPI definition of this OGC API."""
    response = jsonify(ogc_openapi())
    response.mimetype = "application/vnd.oai.openapi+json"
    return response
