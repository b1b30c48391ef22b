"""Import and export of incidents: GeoJSON, CSV, GeoPackage and STIX 2.1 (with DISARM).

Pages: ``/export/incidents.<fmt>`` streams any filtered view; ``/import`` is the
upload page for contributors and editors.
"""
from flask import Blueprint

from app.interchange.formats import FORMATS, UPLOAD_EXTENSIONS

bp = Blueprint("interchange", __name__)
# The pages' download links and the upload field list the registry's formats.
bp.add_app_template_global(FORMATS, "file_formats")
bp.add_app_template_global(UPLOAD_EXTENSIONS, "upload_extensions")

from app.interchange import routes  # noqa: E402,F401  (registers the routes)
