"""Incident pages: read, the editor, my incidents, the review queue, history.

Routes parse and authorise; ``service`` decides and writes; ``policy`` says
who may see what. Any page that takes an incident id looks it up through
``service.get_incident`` first, so an id the user may not see is a 404
whatever the route.
"""
from flask import (abort, current_app, flash, g, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from app.editing import require
from app.geo.gazetteer import search_places
from app.geo.geometry import GeometryError, check_json_text, parse_geometry, to_geojson
from app.i18n import code_label, localise
from app.incidents import bp, policy, search, service
from app.incidents.filters import parse_filters
from app.incidents.forms import BatchForm, choices, IncidentForm, RestoreForm, StatusForm
from app.incidents.schema import ValidationError, parse_incident
from app.inputs import INT64, InputError, whole_number
from app.incidents.taxonomy import (actor_names, campaign_names, country_names, platform_labels,
                                    reference_names, vector_choices)
from app.reference.disarm import search_techniques

QUEUE_LIMIT = 200


@bp.app_template_filter()
def reference_label(key, field):
    """What a revision's ``key`` of link field ``field`` is called on this page: a
    vector's or platform's label, a country's name (read once per request)."""
    names = g.setdefault("reference_names", {})
    if field not in names:
        names[field] = reference_names(field, str(get_locale()))
    return names[field].get(key, key)


@bp.route("/<int:incident_id>")
def show(incident_id):
    """One incident with its sources; drafts only for their author and editors."""
    incident = _visible(incident_id)
    return render_template("incidents/show.html", incident=incident,
                           country_names=country_names(str(get_locale())),
                           location=service.location(incident),
                           status_form=StatusForm(version=incident.version),
                           can_edit=policy.can_edit(current_user, incident),
                           can_publish=policy.can_publish(current_user))


def _visible(incident_id):
    """The incident, or 404 when the user may not see it — before any other check,
    so that a guessed id answers the same on every route, signed in or not."""
    return service.get_incident(incident_id, current_user)


def _editable(incident_id):
    """The incident if the user may see it (else 404) and edit it (else 403)."""
    incident = _visible(incident_id)
    require(policy.can_edit(current_user, incident))
    return incident


def _editor_page(form, incident=None, errors=(), conflict=None):
    form.vectors.choices = choices(vector_choices())
    form.platforms.choices = choices(platform_labels(str(get_locale())))
    status = 409 if conflict is not None else (400 if errors else 200)
    return render_template("incidents/form.html", form=form, incident=incident,
                           errors=errors, conflict=conflict, actor_names=actor_names(current_user),
                           campaign_names=campaign_names(),
                           tiles=current_app.config["ATLAS_TILES"]), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The editor for a new incident: saved as a draft, or submitted for review."""
    require(policy.can_create(current_user))
    form = IncidentForm()
    if not form.validate_on_submit():
        return _editor_page(form, errors=_csrf_errors(form))
    try:
        incident = service.create_incident(data=parse_incident(form.to_data()),
                                           author=current_user)
    except ValidationError as exc:
        return _editor_page(form, errors=exc.errors)
    return _after_save(incident)


@bp.route("/<int:incident_id>/edit", methods=["GET", "POST"])
def edit(incident_id):
    """Edit an incident; a stale ``version`` shows the conflict instead of saving."""
    incident = _editable(incident_id)
    form = IncidentForm()
    if request.method == "GET":
        form.fill(incident)
        return _editor_page(form, incident)
    if not form.validate_on_submit():
        return _editor_page(form, incident, errors=_csrf_errors(form))
    try:
        incident = service.update_incident(
            incident=incident, data=parse_incident(form.to_data()),
            expected_version=form.version.data or None, editor=current_user)
    except ValidationError as exc:
        return _editor_page(form, incident, errors=exc.errors)
    except service.ConflictError as exc:
        # The next save is a deliberate one, made knowing what changed.
        form.version.data = exc.incident.version
        return _editor_page(form, incident, conflict=exc)
    return _after_save(incident)


def _csrf_errors(form):
    return [(name, " ".join(errs)) for name, errs in form.errors.items()] \
        if request.method == "POST" else []


def _after_save(incident):
    """Submit when asked (``action=submit``), then show the incident."""
    if request.form.get("action") == "submit":
        try:
            service.set_status(incident=incident, status="submitted",
                               expected_version=incident.version, editor=current_user)
        except (ValidationError, service.PermissionDenied) as exc:
            flash(_("Saved, but not submitted: %(why)s", why=localise(exc)), "error")
            return redirect(url_for("incidents.show", incident_id=incident.id))
        flash(_("Saved and submitted for review."), "success")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("incidents.show", incident_id=incident.id))


@bp.post("/<int:incident_id>/status")
def change_status(incident_id):
    """Submit, withdraw, publish, reject or archive one incident."""
    incident = _visible(incident_id)
    require(current_user.is_authenticated)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    try:
        service.set_status(incident=incident, status=form.status.data,
                           reason=form.reason.data, expected_version=form.version.data or None,
                           editor=current_user)
        flash(_("The incident is now %(status)s.",
                status=code_label(incident.status, "status")), "success")
    except service.PermissionDenied:
        abort(403, _("Your role does not allow this."))
    except ValidationError as exc:
        flash(exc.localised(), "error")
    except service.ConflictError as exc:
        flash(_("Not changed: %(why)s. Review the latest version and try again.",
                why=localise(exc)), "error")
    if request.form.get("next") == "review":
        return redirect(url_for("incidents.review"))
    return redirect(url_for("incidents.show", incident_id=incident.id))


@bp.route("/mine")
@login_required
def mine():
    """The incidents the user created, whatever their status."""
    require(policy.can_create(current_user))
    return render_template("incidents/mine.html",
                           incidents=service.incidents_by(current_user))


@bp.route("/review")
@login_required
def review():
    """The review queue: counts per status, filters, batch actions (editors)."""
    require(policy.can_publish(current_user))
    filters = parse_filters(request.args)  # FilterError: a 400 (app error handler)
    incidents = search.find_incidents(filters, current_user, limit=QUEUE_LIMIT,
                                      newest_first=True, default_statuses=("submitted",))
    return render_template("incidents/review.html", incidents=incidents, filters=filters,
                           counts=service.status_counts(current_user), form=BatchForm(),
                           shown=filters.statuses or ("submitted",))


@bp.post("/review/batch")
@login_required
def review_batch():
    """Publish, reject or archive the selected incidents in one transaction."""
    require(policy.can_publish(current_user))
    form = BatchForm()
    if not form.validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    try:
        items = [_batch_item(item) for item in form.items.data]
    except (ValueError, InputError):
        abort(400, _("Unreadable selection."))
    try:
        done = service.batch_set_status(items=items, status=form.status.data,
                                        reason=form.reason.data, editor=current_user)
        flash(_("%(n)d incident(s) now %(status)s.", n=len(done),
                status=code_label(form.status.data, "status")),
              "success")
    except (ValidationError, service.ConflictError) as exc:
        flash(_("Nothing changed: %(why)s", why=localise(exc)), "error")
    except service.PermissionDenied:
        abort(403, _("Your role does not allow this."))
    return redirect(url_for("incidents.review"))


def _batch_item(item):
    """``"<id>:<version>"`` of the review queue's checkboxes as two whole numbers."""
    incident_id, version = item.split(":", 1)
    return (whole_number(incident_id, name="id", lo=1, hi=INT64),
            whole_number(version, name="version", lo=1))


@bp.route("/<int:incident_id>/review")
def review_one(incident_id):
    """What publishing would change: the diff from the last published version."""
    incident = _visible(incident_id)
    require(policy.can_publish(current_user))
    return render_template("incidents/review_one.html", incident=incident,
                           changes=service.diff_from_published(incident),
                           location=service.location(incident),
                           published_location=service.location(
                               service.last_published_snapshot(incident)),
                           status_form=StatusForm(version=incident.version))


@bp.route("/<int:incident_id>/history")
def history(incident_id):
    """The revisions the viewer may see (``service.history``); restore any of them."""
    incident = _visible(incident_id)
    require(current_user.is_authenticated)
    return render_template("incidents/history.html", incident=incident,
                           revisions=service.history(incident, current_user),
                           form=RestoreForm(version=incident.version),
                           can_edit=policy.can_edit(current_user, incident))


@bp.post("/<int:incident_id>/restore/<int:number>")
def restore(incident_id, number):
    """Bring back revision ``number``'s fields as a new revision."""
    incident = _editable(incident_id)
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    try:
        service.restore_revision(incident=incident, number=number, editor=current_user,
                                 expected_version=form.version.data or None)
        flash(_("Revision %(n)d restored.", n=number), "success")
    except service.ConflictError as exc:
        flash(_("Not restored: %(why)s", why=localise(exc)), "error")
    except ValidationError as exc:
        flash(_("Not restored: %(why)s", why=localise(exc)), "error")
    return redirect(url_for("incidents.history", incident_id=incident.id))


# --- JSON helpers of the editor (same-origin fetches from editor.js) -------

@bp.post("/preview")
@login_required
def preview():
    """Parse a pasted or drawn geometry: GeoJSON back plus the derived countries."""
    require(policy.can_create(current_user))
    try:
        check_json_text(request.get_data(as_text=True))  # before the parser recurses
        body = request.get_json(silent=True) or {}
        geometry = parse_geometry(body.get("geometry") if isinstance(body, dict) else None)
    except GeometryError as exc:
        return jsonify(error=str(exc), message=exc.localised()), 400
    names = country_names(str(get_locale()))
    codes = service.derived_countries(geometry)
    return jsonify(geometry=to_geojson(geometry),
                   countries=[{"iso_a3": c, "name": names.get(c, c)} for c in codes])


@bp.route("/gazetteer")
@login_required
def gazetteer():
    """Countries and cities by name, from the offline gazetteer."""
    require(policy.can_create(current_user))
    lang = str(get_locale())
    return jsonify(places=[p.as_json(lang) for p in search_places(request.args.get("q", ""))])


@bp.route("/techniques")
@login_required
def techniques():
    """DISARM techniques by id or name, for the technique picker."""
    require(policy.can_create(current_user))
    found = search_techniques(request.args.get("q", "")[:100], limit=15)
    return jsonify(techniques=[{"id": t.id, "name": t.name} for t in found])
