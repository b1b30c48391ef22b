"""Taxonomy pages for editors: actors and vectors."""
from flask import Blueprint

bp = Blueprint("taxonomy", __name__, url_prefix="/taxonomy")

from app.taxonomy import routes  # noqa: E402,F401
