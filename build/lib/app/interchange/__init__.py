"""Import and export of incidents: GeoJSON, CSV, GeoPackage and STIX 2.1 (with DISARM).

Pages: ``/export/incidents.<fmt>`` streams any filtered view; ``/import`` is the
upload page for contributors and editors.
"""
from flask import Blueprint

bp = Blueprint("interchange", __name__)

from app.interchange import routes  # noqa: E402,F401  (registers the routes)
