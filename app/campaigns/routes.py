"""Campaign pages: the list, one campaign (map, timeline, what its incidents say),
the editor and the history. Routes parse and authorise; ``service`` decides."""
from flask import render_template, url_for
from babel.dates import format_skeleton
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from app.campaigns import bp, service
from app.campaigns.forms import CampaignForm
from app.campaigns.timeline import timeline_svg
from app.editing import editor_page, require, save_form
from app.incidents import policy
from app.incidents.taxonomy import actor_names, country_names


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


def _editor_page(campaign=None):
    """``page`` of ``save_form``: the campaign editor."""
    def page(form, **problems):
        return editor_page("campaigns/form.html", form, campaign=campaign,
                           actor_names=actor_names(current_user), **problems)
    return page


def _shown(campaign):
    return url_for("campaigns.show", campaign_id=campaign.id)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The editor for a new campaign (editors only)."""
    _require_editor()
    return save_form(CampaignForm(), page=_editor_page(), saved=_("Campaign saved."),
                     target=_shown, save=lambda data, _version: service.create(
                         data=service.parse_campaign(data), editor=current_user))


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id):
    """Edit a campaign; a stale ``version`` shows the conflict (409) and saves nothing."""
    campaign = service.get(campaign_id)
    _require_editor()
    return save_form(
        CampaignForm(), page=_editor_page(campaign), saved=_("Campaign saved."),
        target=_shown, fill=lambda form: form.fill(campaign, service.snapshot(campaign)),
        save=lambda data, version: service.update(
            campaign=campaign, data=service.parse_campaign(data), expected_version=version,
            editor=current_user))


@bp.route("/<int:campaign_id>/history")
def history(campaign_id):
    """Every revision of a campaign, newest first (editors: snapshots list draft ids)."""
    campaign = service.get(campaign_id)
    _require_editor()
    return render_template("campaigns/history.html", campaign=campaign,
                           revisions=service.history(campaign))
