"""Alerts: Atom feeds of newly published incidents for the shared filters."""
from flask import Blueprint

bp = Blueprint("feeds", __name__)

from app.feeds import routes  # noqa: E402,F401
