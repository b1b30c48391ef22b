"""Weak signals: an explainable detector of surges in weekly incident counts.

``detector`` is pure (numpy in, signals out); ``service`` reads the weekly
counts, caches the signals by the map's change counter and keeps editors'
decisions; ``routes`` serves ``/signals`` and ``/api/v1/signals``.
"""
from flask import Blueprint

bp = Blueprint("signals", __name__)


def init_app(app):
    """Register the signals page, the editors' queue and the JSON API."""
    from app.signals import routes  # noqa: F401
    app.register_blueprint(bp)
