"""Language choice: ``?lang=fr|en``, then the ``lang`` cookie set by the switch (not on
cookieless, publicly cached embed views), then ``Accept-Language``. Pages speak French
or English.

Also what pages need to write in that language beyond their messages: dates
(``format_day``, ``format_period``) and the enumerated codes of the data model
(``code_label``), as template filters.
"""
import re
from datetime import date, datetime

from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_decimal
from flask import g, request
from flask_babel import get_locale, gettext, ngettext

from app.messages import N_, Number  # noqa: F401  (N_ re-exported: many modules mark with it)

LANGUAGES = ("en", "fr")
DEFAULT = "en"


def select_locale():
    """The page language for this request (Flask-Babel's locale selector)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = None if g.get("cookieless") else request.cookies.get("lang")
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT)


def localise(text):
    """``text`` in the page's language when it is a ``Message`` or an error that can say
    itself in it (``localised()``), else as is.

    Validation reasons, geometry and embed errors keep their English ``str`` for
    the API and the CLI; pages show them through this (template filter ``localise``).
    """
    if callable(getattr(text, "localised", None)):  # ValidationError, MessageError
        return text.localised()
    kind = getattr(text, "kind", None)
    if kind is not None:  # a Code
        return code_label(str(text), kind)
    if isinstance(text, Number):
        return format_decimal(text.value, "0." + "0" * text.digits, locale=format_locale())
    message = getattr(text, "message", None)
    if message is None:
        return text
    params = {k: localise(v) for k, v in text.params.items()}
    return gettext(message, **params) if params else gettext(message)


# The names of the fields error lists show (editor, tip form, import report, taxonomy),
# as the forms label them.
# The incident's own come from its field table (``incidents.fields``).
FIELD_LABELS = {
    "geometry": N_("Geometry"),
    "wkt": N_("Geometry"), "lat": N_("Latitude"), "lon": N_("Longitude"),
    "country": N_("Country"), "source_url": N_("Sources"), "status": N_("Status"),
    "reason": N_("Reason"),
    "version": N_("Version"), "ids": N_("Incidents"), "body": N_("Request"),
    "description": N_("Description"), "seen_on": N_("Date seen"),
    "evidence": N_("Evidence"), "contact": N_("Contact"),
    "row": N_("Row"), "file": N_("File"), "feature": N_("Feature"),
    # a source's parts (revisions show them)
    "url": N_("URL"), "publisher": N_("Publisher"), "published_on": N_("Published on"),
    "archived_url": N_("Archived copy"),
    # taxonomy pages
    "name": N_("Name"), "type": N_("Type"), "aliases": N_("Aliases (separated by ;)"),
    "sponsor_country": N_("Sponsor country (ISO alpha-3)"), "slug": N_("Slug"),
    "label_en": N_("English label"), "label_fr": N_("French label"),
    "color": N_("Colour (#rrggbb)"), "symbol": N_("Symbol"),
}
_INDEXED = re.compile(r"^(sources|evidence)\[(\d+)\]$")


def field_label(name):
    """The label of field ``name`` in the page's language; ``sources[0]`` is "Source 1"."""
    indexed = _INDEXED.match(str(name))
    if indexed:
        number = int(indexed[2]) + 1
        return (gettext("Source %(n)s", n=number) if indexed[1] == "sources"
                else gettext("Link %(n)s", n=number))
    # Imported here: the incidents package imports this module while it loads.
    from app.incidents.fields import label as incident_label
    found = FIELD_LABELS.get(name) or incident_label(name)
    return gettext(found) if found else name


# The enumerated codes pages show (models.py), with their labels marked for translation.
CODE_LABELS = {
    "status": {"draft": N_("draft"), "submitted": N_("submitted"),
               "published": N_("published"), "rejected": N_("rejected"),
               "archived": N_("archived")},
    "time_precision": {"day": N_("day"), "month": N_("month"), "year": N_("year")},
    "geo_precision": {"exact": N_("exact"), "city": N_("city-level"),
                      "region": N_("region-level"), "country": N_("country-level")},
    "actor_type": {"state": N_("state"), "state-affiliated": N_("state-affiliated"),
                   "criminal": N_("criminal"), "commercial": N_("commercial"),
                   "unknown": N_("unknown")},
    "attribution": {"direct": N_("direct"), "proxy": N_("proxy"),
                    "inferred": N_("inferred"), "unattributed": N_("unattributed")},
    "action": {"create": N_("created"), "update": N_("edited"), "restore": N_("restored")},
    "signal": {"acknowledged": N_("acknowledged"), "dismissed": N_("dismissed"),
               "noted": N_("turned into a note")},
    "role": {"reader": N_("reader"), "contributor": N_("contributor"),
             "editor": N_("editor"), "admin": N_("administrator")},
    # What the reporter and the triage pages say of a tip ("merged": the reporter
    # follows the tip it joined, still under review).
    "tip_status": {"received": N_("Received"), "under_review": N_("Under review"),
                   "incident": N_("Turned into an incident"),
                   "not_retained": N_("Not retained"), "merged": N_("Merged")},
    "lang": {"en": N_("English"), "fr": N_("French")},
    "place_kind": {"country": N_("country"), "city": N_("city")},
    "legend_position": {"topright": N_("top right"), "topleft": N_("top left"),
                        "bottomright": N_("bottom right"),
                        "bottomleft": N_("bottom left"), "below": N_("below the map"),
                        "hidden": N_("hidden")},
    "layer_group": {"actor": N_("Actors"), "vector": N_("Vectors"),
                    "country": N_("Countries")},
    # GeoJSON geometry types, as the editor names what was drawn or pasted.
    "geometry": {"Point": N_("Point"), "MultiPoint": N_("Several points"),
                 "LineString": N_("A line"), "MultiLineString": N_("Several lines"),
                 "Polygon": N_("An area"), "MultiPolygon": N_("Several areas"),
                 "GeometryCollection": N_("Several shapes")},
}

#: The model tuples each kind of code labels (tests/i18n check every value has a label).
ENUMERATIONS = {
    "status": "app.incidents.models:STATUSES",
    "time_precision": "app.incidents.models:TIME_PRECISIONS",
    "geo_precision": "app.incidents.models:GEO_PRECISIONS",
    "actor_type": "app.incidents.models:ACTOR_TYPES",
    "attribution": "app.incidents.models:ATTRIBUTIONS",
    "signal": "app.signals.models:DECISIONS",
    "role": "app.auth.models:ROLES",
    "tip_status": "app.tips.models:TIP_STATUSES",
    "lang": "app.i18n:LANGUAGES",
    "legend_position": "app.embeds.models:LEGEND_POSITIONS",
    "layer_group": "app.embeds.models:LAYER_GROUPS",
}


def code_choices(kind, codes):
    """Form choices ``[(code, label)]`` for ``codes`` of ``kind``, the labels lazily
    translated (forms are built once, shown in each reader's language)."""
    from flask_babel import lazy_gettext
    from wtforms.fields.choices import SelectChoice
    return [SelectChoice(code, lazy_gettext(CODE_LABELS[kind][code])) for code in codes]


def code_label(code, kind):
    """The label of an enumerated ``code`` of ``kind`` in the page's language.

    A revision's action may also be a status it moved to. Unknown codes are
    shown as they are.
    """
    labels = CODE_LABELS.get(kind, {})
    if code not in labels and kind == "action":
        labels = CODE_LABELS["status"]
    return gettext(labels[code]) if code in labels else code


# How dates and numbers are written: English pages are British English (the
# catalogue's spelling: "colour", "metres"), so day-month-year, never the US
# "June 15, 2025". The browser gets the same tag (``<html data-locale>``).
FORMAT_LOCALES = {"en": "en_GB", "fr": "fr_FR"}


def format_locale():
    """The Babel locale dates are written in on this page ("en_GB" or "fr_FR")."""
    lang = str(get_locale() or DEFAULT)
    return FORMAT_LOCALES.get(lang, FORMAT_LOCALES[DEFAULT])


def format_day(day, precision="day"):
    """A date as the page's language writes it, to ``precision`` (day, month, year).

    ``2025-03-07``: "7 March 2025" / "7 mars 2025"; to the month "March 2025" /
    "mars 2025"; to the year "2025"; ``compact`` (tables, lists) "7 Mar 2025". A
    datetime is written as its day.
    """
    if day is None:
        return "—"
    if isinstance(day, str):  # a revision's ISO day
        day = date.fromisoformat(day)
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return format_skeleton("yMMMM", day, locale=format_locale())
    # "compact": a short day for tables and lists ("7 Mar 2025", "7 mars 2025").
    return format_date(day.date() if isinstance(day, datetime) else day,
                       "medium" if precision == "compact" else "long",
                       locale=format_locale())


def format_moment(moment):
    """A moment (a UTC datetime) as the page's language writes it, to the minute:
    "7 Mar 2025, 14:05" / "7 mars 2025, 14:05"."""
    if moment is None:
        return "—"
    locale = format_locale()
    return (get_datetime_format("medium", locale=locale)
            .replace("{1}", format_date(moment.date(), "medium", locale=locale))
            .replace("{0}", format_time(moment, "HH:mm", locale=locale)))


def format_period(start, end, precision="day"):
    """An incident's interval: one date when both ends read the same, else "a – b"."""
    first, last = format_day(start, precision), format_day(end, precision)
    return first if first == last else f"{first} – {last}"


def format_quarter(quarter):
    """A quarter as readers write it: "2025-Q2" in English, "T2 2025" in French.

    ``quarter`` is ``(year, n)`` or its key ``"2025-Q2"`` (URLs and downloads keep
    the key; only what a reader sees goes through this).
    """
    if isinstance(quarter, str):
        year, n = quarter.split("-Q")
    else:
        year, n = quarter
    return gettext("%(year)s-Q%(n)s", year=year, n=n)


def _plural_labels():
    """Counted phrases as ``{plural category: text with {n}}`` for the page's language.

    The browser picks the form with ``Intl.PluralRules``; gettext gives the
    singular for 1 and the plural for 2 (French puts 0 and 1 in the singular, as
    ``Intl.PluralRules('fr')`` does)."""
    def forms(phrase):
        return {"one": phrase(1), "other": phrase(2)}
    return {
        "inViewCount": forms(lambda n: ngettext(
            "{n} incident in view", "{n} incidents in view", n)),
        "clusterCount": forms(lambda n: ngettext("{n} cluster", "{n} clusters", n)),
        "singleCount": forms(lambda n: ngettext(
            "{n} shown one by one", "{n} shown one by one", n)),
        "clusterOf": forms(lambda n: ngettext(
            "Cluster of {n} incident", "Cluster of {n} incidents", n)),
        "incidentCount": forms(lambda n: ngettext("{n} incident", "{n} incidents", n)),
    }


def interface_labels():
    """Every string the browser scripts show, in the page's language.

    The map page and embeds send them in their config (``cfg.labels``:
    atlas-map.js, atlas-features.js, atlas-embed.js), the editor in its
    ``data-labels``; the scripts hold no user-visible text of their own.
    """
    _ = gettext
    return {
        "layers": _("Layers"), "actors": _("Actors"), "vectors": _("Vectors"),
        "countries": _("Countries"),
        "rule": _("An incident is shown when its actor is ticked, and at least one of its "
                  "vectors, and at least one of its countries."),
        "loading": _("Loading…"), "zoomIn": _("Zoom in"),
        "open": _("Open the incident"), "actor": _("Actor"),
        "attribution": _("Attribution"), "confidence": _("confidence"),
        "vectorsLabel": _("Vectors"), "countriesLabel": _("Countries"),
        "location": _("Location"), "unknownActor": _("Unknown actor"),
        "error": _("Could not load the map data"),
        "barometer": _("Incidents per target country"), "play": _("Play"),
        "pause": _("Pause"), "exact": _("exact"), "city": _("city-level"),
        "region": _("region-level"), "country": _("country-level"),
        "near": _("Incidents here"), "more": _("more — zoom in or narrow the filters"),
        "noActor": _("No actor"), "noVector": _("No vector"), "noCountry": _("No country"),
        "noneRule": _("Incidents without an actor, a vector or a country are under "
                      "“No actor”, “No vector” and “No country”."),
        "legend": _("Legend"),
        "fullScreen": _("Full screen"), "exitFullScreen": _("Exit full screen"),
        "frozenCluster": _("Open the full map to see them one by one"),
        "previewUnavailable": _("Preview unavailable"),
        "precisionFromZoom": _("Set from the map's zoom when the point was placed: "
                               "zoom in further for a finer precision."),
        "precisionFromPlace": _("Set from the kind of place found."),
        "precisionTyped": _("Typed coordinates: choose “exact” only if they are."),
        "field": _("{label}: {value}"),
        # The map page's layer panel, filter bar and counts (atlas-map.js).
        "all": _("All"), "none": _("None"), "only": _("only"),
        "onlyThis": _("Show only {name}"), "search": _("Search"),
        "searchIn": _("Search in {group}"),
        "noMatch": _("Nothing matches “{value}”: choose a name from the list."),
        **_plural_labels(),
        "actorTypes": {k: _(v) for k, v in CODE_LABELS["actor_type"].items()},
        "attributions": {k: _(v) for k, v in CODE_LABELS["attribution"].items()},
        "geometryTypes": {k: _(v) for k, v in CODE_LABELS["geometry"].items()},
        "placeKinds": {k: _(v) for k, v in CODE_LABELS["place_kind"].items()},
        # Leaflet's own controls (atlas-common.js localiseMap).
        "zoomOut": _("Zoom out"), "leaflet": _("A JavaScript library for interactive maps"),
        # The editor's drawing tool (Leaflet-Geoman's setLang: only the tools it shows).
        "drawing": {
            "tooltips": {
                "placeMarker": _("Click to place the point"),
                "placeMarkerTouch": _("Tap the map to place the point"),
                "firstVertex": _("Click to place the first vertex"),
                "continueLine": _("Click to continue drawing"),
                "finishLine": _("Click any existing vertex to finish"),
                "finishPoly": _("Click the first vertex to finish"),
            },
            "actions": {"finish": _("Finish"), "cancel": _("Cancel"),
                        "removeLastVertex": _("Remove the last vertex")},
            "buttonTitles": {"drawMarkerButton": _("Draw a point"),
                             "drawPolyButton": _("Draw an area"),
                             "drawLineButton": _("Draw a line")},
        },
    }


def init_app(app):
    """Template filters ``code_label``, ``format_day``, ``format_moment``, ``format_period``,
    ``format_quarter``, ``localise``, ``field_label``; the global
    ``interface_labels`` (the editor's scripts read it from the page)."""
    app.add_template_global(interface_labels)
    app.add_template_filter(code_label)
    app.add_template_filter(format_day)
    app.add_template_filter(format_moment)
    app.add_template_filter(format_period)
    app.add_template_filter(localise)
    app.add_template_filter(format_quarter)
    app.add_template_filter(field_label)
