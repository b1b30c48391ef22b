"""The public report form and the editors' triage forms (CSRF-protected by Flask-WTF).

Field validation is ``schema.parse_tip``'s job (one parser for the form and the
JSON twin); these forms carry the CSRF token and render the fields.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (HiddenField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)

HONEYPOT = "website"


class TipForm(FlaskForm):
    """What was seen, where, when, the evidence, an optional contact — and a honeypot."""

    description = TextAreaField(_l("What did you see?"))
    seen_on = StringField(_l("When (date)"))
    location_name = StringField(_l("Where (place, site, platform)"))
    country = SelectField(_l("Country"), choices=[], validate_choice=False)
    lat = HiddenField()
    lon = HiddenField()
    evidence = TextAreaField(_l("Links to the evidence (one per line)"))
    contact = StringField(_l("Contact (optional)"))
    # Hidden from people by CSS; bots that fill every field fill this one.
    website = StringField(_l("Leave this field empty"))


class ReceiptForm(FlaskForm):
    """Check a receipt without putting the code in the URL (and so in access logs)."""

    receipt = StringField(_l("Receipt code"))


class ActionForm(FlaskForm):
    """A bare CSRF token for the review and reject buttons."""


class MergeForm(FlaskForm):
    into = StringField(_l("Merge into tip number"))


class ConvertForm(FlaskForm):
    """Prefilled from the tip; the draft is then finished in the incident editor."""

    title = StringField(_l("Incident title"))
    vectors = SelectMultipleField(_l("Vectors"), choices=[], validate_choice=False)
    country = SelectField(_l("Country"), choices=[], validate_choice=False)
