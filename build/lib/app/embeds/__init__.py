"""Embeds for tribunes: live or frozen maps framed by other sites, oEmbed, PNG."""
from flask import Blueprint

bp = Blueprint("embeds", __name__)

from app.embeds import routes  # noqa: E402,F401
