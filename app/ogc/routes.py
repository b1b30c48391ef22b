"""OGC API - Features Part 1 routes: landing, conformance, collections, items, one item.

JSON by default (``application/json``, items ``application/geo+json``); HTML
when ``f=html`` or a browser's ``Accept`` asks for it. The shared filters
(``actor``, ``vector``, ``country``, ``min_confidence``, ``q``) are query
parameters beside the standard's ``bbox``, ``datetime`` and ``limit``; any
other parameter is a 400, as the standard requires.
"""
from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from app.api.routes import GEOJSON
from app.auth.models import utcnow
from app.incidents.filters import FilterError, parse_filters
from app.incidents.serialize import incident_feature
from app.ogc import bp, service
from app.ogc.datetimes import parse_datetime

COLLECTION = "incidents"
DEFAULT_LIMIT, MAX_LIMIT = 10, 1000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
SHARED_FILTERS = ("actor", "vector", "country", "min_confidence", "q")
ITEM_PARAMS = frozenset(("f", "limit", "bbox", "datetime", "cursor") + SHARED_FILTERS)


def _html():
    """True when the client asked for HTML (``f=html``, or a browser's Accept)."""
    f = request.args.get("f")
    if f not in (None, "json", "html"):
        abort(400, _("f: use json or html"))
    if f is not None:
        return f == "html"
    best = request.accept_mimetypes.best_match(["application/json", GEOJSON, "text/html"])
    return best == "text/html"


def _link(endpoint, rel, media_type, title, **args):
    return {"href": url_for(endpoint, _external=True, **args), "rel": rel,
            "type": media_type, "title": title}


def _alternates(endpoint, json_type="application/json", **args):
    """The ``self`` and ``alternate`` links of a resource in JSON and HTML."""
    html = _html()
    return [_link(endpoint, "alternate" if html else "self", json_type, "JSON",
                  f="json", **args),
            _link(endpoint, "self" if html else "alternate", "text/html", "HTML",
                  f="html", **args)]


def _answer(document, title, media_type="application/json"):
    """``document`` as JSON (``media_type``) or as the HTML page showing it."""
    if _html():
        return render_template("ogc/page.html", title=title, document=document)
    response = jsonify(document)
    response.mimetype = media_type
    return response


@bp.get("")
@bp.get("/")
def landing():
    """The landing page: links to the API definition, conformance and the collections."""
    doc = {"title": "Hybrid Threat Atlas", "description": _(
        "Published hybrid-threat incidents as OGC API - Features."),
        "links": _alternates("ogc.landing") + [
            _link("ogc.api_definition", "service-desc", "application/vnd.oai.openapi+json;"
                  "version=3.0", "API definition"),
            _link("ogc.conformance", "conformance", "application/json", "Conformance"),
            _link("ogc.collections", "data", "application/json", "Collections")]}
    return _answer(doc, doc["title"])


@bp.get("/conformance")
def conformance():
    """The conformance classes this API implements."""
    return _answer({"conformsTo": CONFORMANCE, "links": _alternates("ogc.conformance")},
                   _("Conformance"))


def _collection():
    bbox, period = service.extent()
    doc = {"id": COLLECTION, "title": _("Incidents"),
           "description": _("Published hybrid-threat incidents."), "itemType": "feature",
           "crs": [CRS84], "storageCrs": CRS84,
           "links": _alternates("ogc.collection", collection_id=COLLECTION) + [
               _link("ogc.items", "items", GEOJSON, "Items", collection_id=COLLECTION)]}
    if bbox:
        doc["extent"] = {"spatial": {"bbox": [bbox], "crs": CRS84},
                         "temporal": {"interval": [[f"{period[0]}T00:00:00Z",
                                                    f"{period[1]}T23:59:59Z"]],
                                      "trs": "http://www.opengis.net/def/uom/ISO-8601/0/"
                                             "Gregorian"}}
    return doc


@bp.get("/collections")
def collections():
    """The one collection, ``incidents``."""
    return _answer({"collections": [_collection()], "links": _alternates("ogc.collections")},
                   _("Collections"))


def _check_collection(collection_id):
    if collection_id != COLLECTION:
        abort(404, _("No collection %(name)s; there is one: %(one)s", name=repr(collection_id),
                     one=COLLECTION))


@bp.get("/collections/<collection_id>")
def collection(collection_id):
    """The ``incidents`` collection: its extent and its links."""
    _check_collection(collection_id)
    doc = _collection()
    return _answer(doc, doc["title"])


def _int(name, default, lo, hi):
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or not lo <= int(raw) <= hi:
        abort(400, _("%(name)s: expected a whole number from %(lo)s to %(hi)s", name=name,
                     lo=lo, hi=hi))
    return int(raw)


def _filters():
    """The shared ``IncidentFilters`` of the standard's and the Atlas's parameters."""
    unknown = sorted(set(request.args) - ITEM_PARAMS)
    if unknown:
        abort(400, _("unknown parameter(s): %(names)s; use %(known)s",
                     names=", ".join(unknown), known=", ".join(sorted(ITEM_PARAMS))))
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True)
                      if k in SHARED_FILTERS or k == "bbox"])
    start, end = parse_datetime(request.args.get("datetime"))
    if start:
        args["from"] = start.isoformat()
    if end:
        args["to"] = end.isoformat()
    return parse_filters(args)


@bp.get("/collections/<collection_id>/items")
def items(collection_id):
    """A page of features (ascending ids), with ``numberMatched`` and a ``next`` link."""
    _check_collection(collection_id)
    filters = _filters()
    limit = _int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    cursor = _int("cursor", None, 0, 2**62)
    found, more = service.page(filters, limit=limit, after_id=cursor)
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("cursor", "f")]
    links = _alternates("ogc.items", GEOJSON, collection_id=collection_id,
                        **MultiDict(kept).to_dict(flat=False))
    if more:
        links.append(_link("ogc.items", "next", GEOJSON, "Next page",
                           collection_id=collection_id, cursor=found[-1].id,
                           **MultiDict(kept).to_dict(flat=False)))
    doc = {"type": "FeatureCollection", "features": [incident_feature(i) for i in found],
           "numberReturned": len(found), "links": links,
           "timeStamp": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
    matched = service.number_matched(filters)
    if matched is not None:
        doc["numberMatched"] = matched
    return _answer(doc, _("Incidents"), GEOJSON)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id, feature_id):
    """One published incident as a GeoJSON Feature; 404 for anything else."""
    _check_collection(collection_id)
    found = (service.published(int(feature_id))
             if feature_id.isascii() and feature_id.isdigit() else None)
    if found is None:
        abort(404, _("No published incident %(id)s", id=repr(feature_id)))
    doc = incident_feature(found)
    doc["links"] = _alternates("ogc.item", GEOJSON, collection_id=collection_id,
                               feature_id=feature_id) + [
        _link("ogc.collection", "collection", "application/json", _("Incidents"),
              collection_id=collection_id)]
    return _answer(doc, found.title, GEOJSON)


@bp.errorhandler(HTTPException)
def _http_error(exc):
    """OGC's exception document: ``{"code", "description"}`` with the status."""
    return jsonify(code=exc.name, description=exc.description), exc.code


@bp.errorhandler(FilterError)
def _filter_error(exc):
    return jsonify(code="Bad Request", description=str(exc)), 400
