"""The listening point: anonymous tips, their receipts, and the editors' triage.

``bp`` serves the pages under ``/tips``; ``api_bp`` the JSON twin
``POST /api/v1/tips`` (no cookies, so no CSRF). ``init_app`` registers both and
the area's French strings.
"""
from pathlib import Path

from flask import Blueprint

bp = Blueprint("tips", __name__, url_prefix="/tips")
api_bp = Blueprint("tips_api", __name__, url_prefix="/api/v1/tips")

from app.tips import api, routes  # noqa: E402,F401


def init_app(app):
    """Register the tip blueprints and add ``app/tips/translations`` to Flask-Babel's."""
    from app.extensions import csrf
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)
    babel = app.extensions["babel"]
    babel.translation_directories.append(str(Path(__file__).parent / "translations"))
