"""The barometer page and its downloads; the quarterly reports."""
from flask import Response, abort, jsonify, render_template, request, url_for
from flask_babel import format_decimal, get_locale, gettext as _

from app.barometer import bp, export, index as idx, service
from app.incidents.filters import FilterError, parse_filters, url_args
from app.incidents.taxonomy import country_names
from app.maps.choropleth import choropleth_svg, class_breaks, legend

FORMULA = "index = Σ confidence / 100 over published incidents targeting the country"


def request_filters():
    """The shared filters from the query string, or a 400 saying what is wrong."""
    try:
        return parse_filters(request.args)
    except FilterError as exc:
        abort(400, str(exc))


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


def charts(b, vector_labels):
    """The page's bar charts as ``(label, value, value formatted for the locale)`` rows."""
    return {
        "series": [(idx.quarter_label(q), i, format_decimal(i)) for q, _n, i in b.series],
        "vectors": [(vector_labels.get(s, s), n, format_decimal(n)) for s, n in b.vectors[:10]],
        "actors": [(name, n, format_decimal(n)) for name, n in b.actors[:10]],
    }


@bp.route("/barometer")
def barometer_page():
    """Per-country figures of one quarter, with trends, charts and a choropleth."""
    filters, quarter = request_filters(), request_quarter()
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
        charts=charts(b, service.vector_labels(lang)),
        legend=legend(class_breaks([f.index for f in b.countries])),
        quarter_label=idx.quarter_label, bar_width=idx.bar_width, formula=FORMULA,
        feed_url=url_for("feeds.incidents_atom", **url_args(filters)))


@bp.route("/barometer.csv")
def barometer_csv():
    """One figure of the barometer (``figure=``) as CSV."""
    figure = request.args.get("figure", "countries")
    if figure not in export.FIGURES:
        abort(400, _("figure: choose one of %(names)s", names=", ".join(export.FIGURES)))
    b = service.barometer(request_filters(), request_quarter())
    if b.quarter is None:
        abort(404, _("No published incident matches these filters."))
    name = f"barometer-{idx.quarter_label(b.quarter)}-{figure}.csv"
    return Response(export.to_csv(b, figure), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/barometer.json")
def barometer_json():
    """Every figure of the barometer as one JSON document."""
    b = service.barometer(request_filters(), request_quarter())
    return jsonify(export.to_json(b, FORMULA))
