"""The barometer of foreign interference and the quarterly reports."""
from flask import Blueprint

bp = Blueprint("barometer", __name__)

from app.barometer import routes  # noqa: E402,F401
