"""Incident pages."""
from flask import render_template
from flask_login import current_user

from app.incidents import bp, service
from app.incidents.taxonomy import country_names


@bp.route("/<int:incident_id>")
def show(incident_id):
    """One incident with its sources; drafts only for their author and editors."""
    incident = service.get_incident(incident_id, current_user)
    return render_template("incidents/show.html", incident=incident,
                           country_names=country_names())
