"""The barometer page and its downloads; the quarterly reports."""
from flask import (Response, abort, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import format_decimal, get_locale, gettext as _
from flask_login import current_user, login_required

from app.barometer import bp, export, index as idx, reports, service
from app.barometer.forms import PicksForm, SectionForm
from app.barometer.models import SECTION_SLUGS
from app.i18n import format_quarter
from app.incidents.filters import url_args
from app.geo.gazetteer import fold
from app.incidents.taxonomy import country_names
from app.main.routes import parse_request_filters
from app.inputs import INT64, whole_number
from app.maps.choropleth import choropleth_svg, class_breaks, legend
from app.signals import service as signals

SERIES_SHOWN = 12  # quarters in the page's chart; the downloads hold them all
FORMULA = "index = Σ confidence / 100 over published incidents targeting the country"


def request_quarter():
    """The ``quarter=YYYY-Qn`` parameter, ``None`` when absent, 400 when malformed."""
    text = request.args.get("quarter")
    if not text:
        return None
    quarter = idx.parse_quarter(text)
    if quarter is None:
        abort(400, _("quarter: %(value)s is not a quarter (use YYYY-Qn, e.g. 2025-Q3)",
                     value=text))
    return quarter


def index_map(figures, lang, title):
    """The choropleth of the index for country figures, as SVG markup."""
    return choropleth_svg({f.iso_a3: f.index for f in figures}, names=country_names(lang),
                          title=title, value_format=format_decimal)


def charts(b, lang):
    """The page's bar charts as ``(label, value, value formatted for the locale)`` rows."""
    vector_labels, platform_labels = service.vector_labels(lang), service.platform_labels(lang)
    return {
        "series": [(format_quarter(q), i, format_decimal(i))
                   for q, _n, i in b.series[-SERIES_SHOWN:]],
        "vectors": [(vector_labels.get(s, s), n, format_decimal(n)) for s, n in b.vectors[:10]],
        "platforms": [(platform_labels.get(s, s), n, format_decimal(n))
                      for s, n in b.platforms[:10]],
        "actors": [(name, n, format_decimal(n)) for name, n in b.actors[:10]],
    }


@bp.route("/barometer")
def barometer_page():
    """Per-country figures of one quarter, with trends, charts and a choropleth."""
    filters, quarter = parse_request_filters(), request_quarter()
    b = service.barometer(filters, quarter)
    lang = str(get_locale())
    svg = index_map(b.countries, lang, _("Index by country")) if b.quarter else ""
    extra = [("quarter", idx.quarter_label(b.quarter))] if b.quarter else []
    downloads = {figure: url_for("barometer.barometer_csv",
                                 **url_args(filters, *extra, ("figure", figure)))
                 for figure in export.FIGURES}
    downloads["json"] = url_for("barometer.barometer_json", **url_args(filters, *extra))
    return render_template(
        "barometer/barometer.html", b=b, filters=filters, svg=svg, downloads=downloads,
        countries=country_names(lang), vectors=service.vector_labels(lang),
        country_choices=sorted(country_names(lang).items(), key=lambda kv: fold(kv[1])),
        charts=charts(b, lang),
        legend=legend(class_breaks([f.index for f in b.countries])),
        quarter_label=idx.quarter_label, bar_width=idx.bar_width, formula=FORMULA,
        feed_url=url_for("feeds.incidents_atom", **url_args(filters)),
        rising=signals.rising())


@bp.route("/barometer.csv")
def barometer_csv():
    """One figure of the barometer (``figure=``) as CSV."""
    figure = request.args.get("figure", "countries")
    if figure not in export.FIGURES:
        abort(400, _("figure: choose one of %(names)s", names=", ".join(export.FIGURES)))
    b = service.barometer(parse_request_filters(), request_quarter())
    if b.quarter is None:
        abort(404, _("No published incident matches these filters."))
    name = f"barometer-{idx.quarter_label(b.quarter)}-{figure}.csv"
    return Response(export.to_csv(b, figure), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/barometer.json")
def barometer_json():
    """Every figure of the barometer as one JSON document."""
    b = service.barometer(parse_request_filters(), request_quarter())
    return jsonify(export.to_json(b, FORMULA))


def _report_quarter(key):
    quarter = idx.parse_quarter(key)
    if quarter is None:
        abort(404, _("No report %(key)s: report addresses look like /reports/2025-Q3.",
                     key=key))
    return quarter


def _editor_forms(quarter, drafts):
    """Section and picks forms for an editor, filled with the current state."""
    forms = {}
    for slug in SECTION_SLUGS:
        section = drafts.get(slug)
        forms[slug] = SectionForm(prefix=slug, formdata=None, obj=section,
                                  publish=section is not None and section.status == "published",
                                  version=section.version if section else 0)
    picks = ", ".join(str(i.id) for i in reports.picked_incidents(quarter))
    return forms, PicksForm(formdata=None, incident_ids=picks)


@bp.route("/reports/<key>")
def report_page(key):
    """The printable quarterly report; editors also get its editing forms."""
    quarter = _report_quarter(key)
    b = reports.report_figures(quarter)
    lang = str(get_locale())
    editor = current_user.is_authenticated and current_user.is_editor
    sections = reports.sections(quarter, include_drafts=editor)
    forms, picks_form = _editor_forms(quarter, sections) if editor else ({}, None)
    return render_template(
        "barometer/report.html", b=b, key=idx.quarter_label(quarter),
        svg=index_map(b.countries, lang, _("Index by country")),
        legend=legend(class_breaks([f.index for f in b.countries])),
        countries=country_names(lang), vectors=service.vector_labels(lang),
        country_choices=sorted(country_names(lang).items(), key=lambda kv: fold(kv[1])),
        charts=charts(b, lang), bar_width=idx.bar_width,
        sections=sections, slugs=SECTION_SLUGS, picks=reports.picked_incidents(quarter),
        forms=forms, picks_form=picks_form, period=idx.quarter_bounds(quarter))


@bp.route("/reports/<key>/sections/<slug>", methods=["POST"])
@login_required
def save_section(key, slug):
    """An editor saves (and maybe publishes) one narrative section."""
    quarter = _report_quarter(key)
    if not current_user.is_editor:
        abort(403, _("Only editors write reports."))
    form = SectionForm(prefix=slug)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, _("The form expired; reload the page and try again."))
        abort(400, "; ".join(_("%(field)s: %(reason)s", field=form[k].label.text,
                                reason=", ".join(v)) for k, v in form.errors.items()))
    try:
        reports.save_section(quarter=quarter, slug=slug, title=form.title.data or "",
                             body=form.body.data or "", publish=form.publish.data,
                             expected_version=form.version.data or 0, editor=current_user)
    except reports.SectionConflict as exc:
        abort(409, str(exc))
    flash(_("Section saved."))
    return redirect(url_for("barometer.report_page", key=key) + f"#section-{slug}")


@bp.route("/reports/<key>/picks", methods=["POST"])
@login_required
def save_picks(key):
    """An editor chooses the incidents featured in the report."""
    quarter = _report_quarter(key)
    if not current_user.is_editor:
        abort(403, _("Only editors write reports."))
    form = PicksForm()
    if not form.validate_on_submit():
        abort(400, _("Incident ids: whole numbers separated by commas."))
    ids = [whole_number(v, name="incident_ids", lo=1, hi=INT64)
           for v in form.incident_ids.data.replace(" ", "").split(",") if v]
    try:
        reports.set_picks(quarter=quarter, incident_ids=ids, editor=current_user)
    except ValueError as exc:
        abort(400, str(exc))
    flash(_("Picked incidents saved."))
    return redirect(url_for("barometer.report_page", key=key) + "#picks")


@bp.route("/reports")
def reports_index():
    """The list of quarterly reports."""
    quarters = [idx.quarter_label(q) for q in reports.report_quarters()]
    return render_template("barometer/reports.html", quarters=quarters)
