"""Weak-signal pages and API: ``/signals`` (public list; editors' queue with
acknowledge, dismiss with a reason, turn into a note) and ``/api/v1/signals``."""
from dataclasses import replace
from datetime import timedelta

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext as _
from flask_login import current_user

from app.auth.models import utcnow
from app.i18n import N_, localise
from app.incidents import policy
from app.incidents.filters import FilterError, parse_date, parse_filters
from app.incidents.taxonomy import country_names, vector_styles
from app.notes import service as notes
from app.signals import bp, service
from app.signals.forms import ReviewForm

PAGE_WEEKS = 12       # the page shows this many recent weeks unless from/to say
API_LIMIT, API_MAX = 500, 5000


def _filters_with_default_period():
    filters = parse_filters(request.args)
    if not (filters.date_from or filters.date_to):
        filters = replace(filters, date_from=utcnow().date() - timedelta(weeks=PAGE_WEEKS))
    return filters


@bp.route("/signals")
def page():
    """Current signals with why; editors also see and take decisions on them."""
    filters = _filters_with_default_period()
    found = service.find(filters)
    decided = service.decisions([s.key for s in found])
    is_editor = policy.can_publish(current_user)
    if not is_editor:
        found = [s for s in found if getattr(decided.get(s.key), "decision", "")
                 != "dismissed"]
    lang = str(get_locale())
    return render_template("signals/page.html", signals=found, decided=decided,
                           is_editor=is_editor, filters=filters, form=ReviewForm(),
                           country_names=country_names(lang),
                           vector_labels={v["slug"]: v["label"] for v in vector_styles(lang)})


@bp.post("/signals/review")
def review():
    """Acknowledge, dismiss (with a reason) or turn a signal into a draft note."""
    if not policy.can_publish(current_user):
        abort(403, _("Your role does not allow this."))
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    try:
        week = parse_date(form.week.data or "", name="week")
        signal = service.get(week, (form.country.data or "").upper(), form.vector.data or "")
        note = None
        if form.decision.data == "noted":
            with force_locale("en"):
                explanation_en = localise(signal.explanation())
            with force_locale("fr"):
                explanation_fr = localise(signal.explanation())
            note = notes.draft_from_signal(signal, service.incidents_of(signal),
                                           author=current_user,
                                           explanation_en=explanation_en,
                                           explanation_fr=explanation_fr)
        service.decide(signal=signal, decision=form.decision.data, editor=current_user,
                       reason=form.reason.data, note=note)
    except (FilterError, service.SignalError) as exc:
        abort(400, exc.localised())
    if note is not None:
        flash(_("A draft note was written from the signal; complete it."))
        return redirect(url_for("notes.edit", note_id=note.id))
    flash(_("Decision recorded."))
    return redirect(request.form.get("next") or url_for("signals.page"))


def _limit():
    raw = request.args.get("limit", "")
    if not raw:
        return API_LIMIT
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= API_MAX):
        raise FilterError(N_("limit: expected a whole number 1–%(max)s"), max=API_MAX)
    return int(raw)


@bp.get("/api/v1/signals")
def api_signals():
    """Signals as JSON, newest week first, for ``country``, ``vector``, ``from``, ``to``.

    Dismissed signals are left out for readers, as on the page; the explanation
    is in the reader's language (``?lang=fr``).
    """
    filters = parse_filters(request.args)
    limit = _limit()
    found = service.find(filters)
    decided = service.decisions([s.key for s in found])
    if not policy.can_publish(current_user):
        found = [s for s in found if getattr(decided.get(s.key), "decision", "")
                 != "dismissed"]
    return jsonify(signals=[{
        "week": s.week.isoformat(), "country": s.country, "vector": s.vector,
        "observed": s.observed, "expected": s.expected, "score": s.score,
        "p": s.p, "model": s.model, "explanation": localise(s.explanation())}
        for s in found[:limit]], count=len(found))
