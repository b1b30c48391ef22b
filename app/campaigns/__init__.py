"""Campaigns: a page per campaign, its map, timeline and revisions, kept by editors.

``init_app`` registers the blueprint; routes are imported there, not here,
because ``app.incidents.models`` imports this package's models.
"""
from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def init_app(app):
    """Register the campaign pages."""
    from app.campaigns import routes  # noqa: F401
    app.register_blueprint(bp)
