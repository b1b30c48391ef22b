"""The listening point: anonymous tips, their receipts, and the editors' triage.

``bp`` serves the pages under ``/tips``; ``api_bp`` the JSON twin
``POST /api/v1/tips`` (no cookies, so no CSRF). ``init_app`` registers both; the
area's French strings are in the app's one catalogue (``app/translations``).
"""
from flask import Blueprint

bp = Blueprint("tips", __name__, url_prefix="/tips")
api_bp = Blueprint("tips_api", __name__, url_prefix="/api/v1/tips")

from app.tips import api, routes  # noqa: E402,F401


def init_app(app):
    """Register the tip blueprints (the API without CSRF)."""
    from app.extensions import csrf
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)
