"""Tip pages: the public form, the receipt status, the privacy notice, editors' triage."""
from flask import (abort, current_app, flash, make_response, redirect, render_template,
                   request, session, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.extensions import limiter
from app.i18n import LANGUAGES
from app.incidents import service as incidents
from app.incidents import taxonomy
from app.incidents.schema import ValidationError
from app.tips import bp, service
from app.tips.forms import ActionForm, ConvertForm, MergeForm, ReceiptForm, TipForm
from app.inputs import INT64, whole_number
from app.tips.schema import MAX_BODY_BYTES, parse_tip


def tip_throttle():
    """Tips each client may send per window (form and API share it)."""
    return current_app.config["ATLAS_TIP_THROTTLE"]


def submit_limit():
    """The shared per-client limit on sending tips, for the form and the JSON twin."""
    return limiter.shared_limit(
        tip_throttle, scope="tips-submit", methods=["POST"],
        error_message="Too many reports from this connection; please wait and try again.")


@bp.before_request
def cap_tip_bodies():
    """A tip is small: refuse a bigger body (413) before reading it."""
    request.max_content_length = MAX_BODY_BYTES


@bp.after_request
def _private(response):
    """Tip pages (receipts above all): never cached, never indexed, no referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _country_choices(blank):
    names = taxonomy.country_names(str(get_locale()))
    return [("", blank)] + sorted(names.items(), key=lambda kv: kv[1])


def _received(receipt):
    """Post/redirect/get: the receipt waits in the (signed) session for the page that
    shows it, so reloading that page shows it again instead of sending the tip twice."""
    session["tip_receipt"] = receipt
    # A language chosen in the form's URL (?lang=fr) follows to the receipt page.
    lang = request.args.get("lang")
    return redirect(url_for("tips.received", lang=lang if lang in LANGUAGES else None),
                    code=303)


@bp.route("/received")
def received():
    """The receipt of the tip this browser just sent; without one, the form again."""
    receipt = session.get("tip_receipt")
    if not receipt:
        return redirect(url_for("tips.new"))
    return render_template("tips/received.html", receipt=receipt)


@bp.route("/new", methods=["GET", "POST"])
@submit_limit()
def new():
    """The public report form: no account, CSRF on, honeypot, every field plain text."""
    form = TipForm()
    form.country.choices = _country_choices(_("— not sure —"))
    errors = []
    if form.validate_on_submit():
        if form.website.data:
            return _received(service.new_receipt())  # a bot: looks accepted, is dropped
        try:
            data = parse_tip({**form.data, "lang": str(get_locale())})
            return _received(service.submit_tip(data=data))
        except ValidationError as exc:
            errors = exc.errors
    elif request.method == "POST":
        abort(400, _("The form expired or was incomplete; reload the page and try again."))
    return render_template("tips/new.html", form=form, errors=errors), 400 if errors else 200



@bp.route("/privacy")
def privacy():
    """What the listening point keeps about a reporter: nothing that identifies them."""
    return render_template("tips/privacy.html", throttle=tip_throttle())


@bp.route("/status", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def check():
    """Look a receipt up from a form, keeping the code out of the URL."""
    form = ReceiptForm()
    if form.validate_on_submit():
        return _status_page((form.receipt.data or "").strip())
    return render_template("tips/check.html", form=form)


@bp.route("/<receipt>")
@limiter.limit("30 per minute")
def status(receipt):
    """The status of one tip, and nothing else about it or any other tip."""
    return _status_page(receipt)


def _status_page(receipt):
    found = service.status_for_receipt(receipt)
    if found is None:
        abort(404, _("No report has this receipt code."))
    return render_template("tips/status.html", status=found)


# --- triage (editors) ---------------------------------------------------------------

@bp.route("/triage")
@login_required
def queue():
    """Open tips grouped by shared evidence link (default) or by country."""
    tips = service.open_tips(current_user)
    by = request.args.get("group", "evidence")
    if by not in ("evidence", "country"):
        abort(400, _("group: expected evidence or country"))
    groups = (service.group_by_evidence(tips) if by == "evidence"
              else service.group_by_country(tips))
    return render_template("tips/queue.html", groups=groups, group=by, count=len(tips),
                           country_names=taxonomy.country_names(str(get_locale())))


@bp.route("/triage/<int:tip_id>")
@login_required
def show(tip_id):
    """One tip in full for an editor, with the triage actions."""
    tip = service.get_tip(tip_id, current_user)
    convert = ConvertForm(title=service.incident_fields(tip)["title"],
                          vectors=["information"], country=tip.country or "")
    convert.vectors.choices = [(v["slug"], v["label"]) for v in taxonomy.vector_styles()]
    convert.country.choices = _country_choices(_("— from the tip —"))
    return render_template("tips/show.html", tip=tip, action=ActionForm(),
                           merge=MergeForm(), convert=convert,
                           country_names=taxonomy.country_names(str(get_locale())))


def _act(tip_id, form_class):
    tip = service.get_tip(tip_id, current_user)
    form = form_class()
    if not form.validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    return tip, form


# decision → (service verb, message, where to go next)
DECISIONS = {
    "review": (service.mark_under_review, _l("Tip %(id)s is under review."), "tips.show"),
    "reject": (service.reject, _l("Tip %(id)s was not retained."), "tips.queue"),
}


@bp.post("/triage/<int:tip_id>/<any(review, reject):decision>")
@login_required
def decide(tip_id, decision):
    """Mark a tip under review, or not retained; the receipt page follows."""
    tip, _form = _act(tip_id, ActionForm)
    verb, message, target = DECISIONS[decision]
    verb(tip=tip, editor=current_user)
    flash(message % {"id": tip.id})
    return redirect(url_for(target, tip_id=tip.id) if target == "tips.show"
                    else url_for(target))


@bp.post("/triage/<int:tip_id>/merge")
@login_required
def merge(tip_id):
    tip, form = _act(tip_id, MergeForm)
    raw = (form.into.data or "").strip().lstrip("#")
    if not raw:
        abort(400, _("Give the number of the tip to merge into."))
    into = service.get_tip(whole_number(raw, name="into", lo=1, hi=INT64), current_user)
    service.merge(tip=tip, into=into, editor=current_user)
    flash(_("Tip %(id)s was merged into tip %(into)s.", id=tip.id, into=into.id))
    return redirect(url_for("tips.show", tip_id=into.id))


@bp.post("/triage/<int:tip_id>/convert")
@login_required
def convert(tip_id):
    tip, form = _act(tip_id, ConvertForm)
    try:
        incident = service.convert(tip=tip, editor=current_user,
                                   title=(form.title.data or "").strip() or None,
                                   vectors=form.vectors.data or ["information"],
                                   country=form.country.data or None)
    except ValidationError as exc:
        flash(_("The tip cannot become an incident yet: %(why)s", why=exc.localised()), "error")
        return redirect(url_for("tips.show", tip_id=tip.id))
    flash(_("Tip %(id)s is now draft incident %(incident)s.", id=tip.id,
            incident=incident.id))
    return redirect(url_for("incidents.show", incident_id=incident.id))


@bp.errorhandler(service.TipStateError)
def _already(exc):
    flash(exc.localised(), "error")
    return make_response(redirect(url_for("tips.queue")))


@bp.errorhandler(incidents.PermissionDenied)
def _forbidden(exc):
    return render_template("error.html", code=403, name=_("Forbidden"),
                           message=exc.localised()), 403
