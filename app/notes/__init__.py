"""Alert notes: short bilingual editorial notes, their feed, print page and map.

``init_app`` registers the blueprint (routes imported there, after the models).
"""
from flask import Blueprint

bp = Blueprint("notes", __name__)


def init_app(app):
    """Register the note pages and ``/feeds/notes.atom``."""
    from app.notes import routes  # noqa: F401
    app.register_blueprint(bp)
