"""OGC API - Features (Part 1: Core, GeoJSON) over published incidents, at ``/ogc``.

So that QGIS, GDAL's OAPIF driver and ArcGIS read the live data: a landing
page, the conformance classes, one collection (``incidents``) and its items,
paged with ``numberMatched``/``numberReturned`` and ``next`` links.
"""
from flask import Blueprint

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

from app.ogc import openapi, routes  # noqa: E402,F401
