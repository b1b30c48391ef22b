"""Campaign pages: the list, one campaign (map, timeline, what its incidents say),
the editor and the history. Routes parse and authorise; ``service`` decides."""
from flask import flash, redirect, render_template, request, url_for
from babel.dates import format_skeleton
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from app.campaigns import bp, service
from app.campaigns.forms import CampaignForm
from app.campaigns.timeline import timeline_svg
from app.editing import form_errors, require
from app.incidents import policy
from app.incidents.schema import ValidationError
from app.incidents.taxonomy import actor_names, country_names
from app.revisions import StaleVersion
from app.i18n import localise


@bp.route("")
def index():
    """Every campaign, with how many incidents the reader may see."""
    return render_template("campaigns/index.html", campaigns=service.get_all(current_user),
                           can_edit=policy.can_publish(current_user))


@bp.route("/<int:campaign_id>")
def show(campaign_id):
    """One campaign: facts, its incidents on a map and a timeline, sources."""
    campaign = service.get(campaign_id)
    incidents = service.incidents_of(campaign, current_user)
    profile = service.profile(incidents)
    svg = timeline_svg(profile["months"], title=_("Incidents per month and countries "
                                                  "reached, %(name)s", name=campaign.name),
                       incidents_label=_("incidents"), countries_label=_("countries"),
                       month_label=lambda d: format_skeleton("yMMM", d, locale=get_locale()))
    return render_template("campaigns/show.html", campaign=campaign, incidents=incidents,
                           profile=profile, timeline=svg,
                           country_names=country_names(str(get_locale())),
                           can_edit=policy.can_publish(current_user))


def _require_editor():
    require(policy.can_publish(current_user))


def _editor_page(form, campaign=None, errors=(), conflict=None):
    status = 409 if conflict is not None else (400 if errors else 200)
    return render_template("campaigns/form.html", form=form, campaign=campaign,
                           errors=[(f, localise(r)) for f, r in errors],
                           conflict=conflict, actor_names=actor_names(current_user)), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The editor for a new campaign (editors only)."""
    _require_editor()
    form = CampaignForm()
    if not form.validate_on_submit():
        return _editor_page(form, errors=form_errors(form))
    try:
        campaign = service.create(data=service.parse_campaign(form.to_data()),
                                  editor=current_user)
    except ValidationError as exc:
        return _editor_page(form, errors=exc.errors)
    flash(_("Campaign saved."))
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id):
    """Edit a campaign; a stale ``version`` shows the conflict (409) and saves nothing."""
    campaign = service.get(campaign_id)
    _require_editor()
    form = CampaignForm()
    if request.method == "GET":
        form.fill(campaign, service.snapshot(campaign))
        return _editor_page(form, campaign)
    if not form.validate_on_submit():
        return _editor_page(form, campaign, errors=form_errors(form))
    try:
        service.update(campaign=campaign, data=service.parse_campaign(form.to_data()),
                       expected_version=form.version.data, editor=current_user)
    except ValidationError as exc:
        return _editor_page(form, campaign, errors=exc.errors)
    except StaleVersion as exc:
        form.version.data = exc.obj.version  # the next save is a deliberate one
        return _editor_page(form, campaign, conflict=exc.localised())
    flash(_("Campaign saved."))
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/history")
def history(campaign_id):
    """Every revision of a campaign, newest first (editors: snapshots list draft ids)."""
    campaign = service.get(campaign_id)
    _require_editor()
    return render_template("campaigns/history.html", campaign=campaign,
                           revisions=service.history(campaign))
