"""Forms of the incident editor and the review pages (CSRF by Flask-WTF).

The forms only render fields and carry the CSRF token: validation of the
incident itself is ``schema.parse_incident``, the one parser shared with the
API and imports, so the same input gets the same message everywhere.
"""
import json

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import (HiddenField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, widgets)

from app.geo.geometry import to_geojson
from app.i18n import LANGUAGES, code_choices
from app.incidents.fields import LINK_FIELDS
from app.incidents.models import ATTRIBUTIONS, GEO_PRECISIONS, TIME_PRECISIONS

SOURCE_HELP = _l("One source per line: URL | publisher | date | archived URL")


def choices(pairs):
    """WTForms choices from ``(value, label)`` pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class IncidentForm(FlaskForm):
    """Every field of an incident; ``version`` is the optimistic lock."""

    version = HiddenField()
    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary"))
    lang = SelectField(_l("Language"), choices=code_choices("lang", LANGUAGES))
    start_date = StringField(_l("Start date"))
    end_date = StringField(_l("End date"))
    time_precision = SelectField(_l("Date precision"),
                                 choices=code_choices("time_precision", TIME_PRECISIONS))
    geometry = TextAreaField(_l("Geometry"))
    geo_precision = SelectField(_l("Geographic precision"),
                                choices=code_choices("geo_precision", GEO_PRECISIONS))
    precision_m = StringField(_l("Precision (metres)"))
    location_name = StringField(_l("Place name"))
    countries = StringField(_l("Countries"))
    actor = StringField(_l("Actor"))
    campaign = StringField(_l("Campaign"))
    attribution = SelectField(_l("Attribution"),
                              choices=code_choices("attribution", ATTRIBUTIONS))
    confidence = StringField(_l("Confidence (0–100)"), default="50")
    vectors = CheckboxesField(_l("Vectors"), choices=[], validate_choice=False)
    platforms = CheckboxesField(_l("Platforms"), choices=[], validate_choice=False)
    techniques = StringField(_l("DISARM techniques"))
    sources = TextAreaField(_l("Sources"), description=SOURCE_HELP)

    def to_data(self):
        """The submitted fields as input for ``schema.parse_incident``."""
        data = {name: getattr(self, name).data for name in (
            "title", "summary", "lang", "start_date", "end_date", "time_precision",
            "geometry", "geo_precision", "precision_m", "location_name", "actor", "campaign",
            "attribution", "confidence", *(f.name for f in LINK_FIELDS))}
        data["sources"] = parse_source_lines(self.sources.data or "")
        return data

    def fill(self, incident):
        """Put ``incident``'s current values in the fields (for editing)."""
        for name in ("title", "summary", "lang", "time_precision", "geo_precision",
                     "location_name", "attribution", "version"):
            getattr(self, name).data = getattr(incident, name)
        self.start_date.data = incident.start_date.isoformat()
        self.end_date.data = incident.end_date.isoformat()
        self.precision_m.data = "" if incident.precision_m is None else str(
            incident.precision_m)
        self.confidence.data = str(incident.confidence)
        self.geometry.data = json.dumps(to_geojson(incident.geometry))
        self.actor.data = incident.actor.name if incident.actor else ""
        self.campaign.data = incident.campaign.name if incident.campaign else ""
        for f in LINK_FIELDS:  # checkboxes take the keys, text fields "; "-separated
            keys = [getattr(o, f.links.key) for o in getattr(incident, f.name)]
            field = getattr(self, f.name)
            field.data = keys if isinstance(field, CheckboxesField) else "; ".join(keys)
        self.sources.data = "\n".join(source_line(s) for s in incident.sources)


def parse_source_lines(text):
    """``[{url, publisher, date, archived_url}]`` from one ``|``-separated line each."""
    sources = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + ["", "", ""]
        sources.append({"url": parts[0], "publisher": parts[1], "date": parts[2] or None,
                        "archived_url": parts[3] or None})
    return sources


def source_line(source):
    """The editor's one-line form of a ``Source`` (inverse of ``parse_source_lines``)."""
    parts = [source.url, source.publisher or "",
             source.published_on.isoformat() if source.published_on else "",
             source.archived_url or ""]
    return " | ".join(parts).rstrip(" |")


class StatusForm(FlaskForm):
    """Move one incident: submit, withdraw, publish, reject (with a reason), archive."""

    version = HiddenField()
    status = HiddenField()
    reason = TextAreaField(_l("Reason (required to reject)"))


class BatchForm(FlaskForm):
    """Several incidents of the review queue at once (``id:version`` values)."""

    items = SelectMultipleField(choices=[], validate_choice=False)
    status = SelectField(_l("Action"), choices=choices([("published", _l("Publish")),
                                                        ("rejected", _l("Reject")),
                                                        ("archived", _l("Archive"))]))
    reason = StringField(_l("Reason (required to reject)"))


class RestoreForm(FlaskForm):
    """Restore one revision; ``version`` is the version the editor saw."""

    version = HiddenField()
