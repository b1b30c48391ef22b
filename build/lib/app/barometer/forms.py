"""Editor forms of the quarterly reports (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp


class SectionForm(FlaskForm):
    """One narrative section: title, text, publish or keep as draft."""

    title = StringField(_l("Title"), validators=[Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[Length(max=20000)])
    publish = BooleanField(_l("Published (visible to readers)"))
    version = IntegerField(validators=[Optional()], default=0)


class PicksForm(FlaskForm):
    """The incidents featured in the report, as ids in reading order."""

    incident_ids = StringField(_l("Incident ids, comma-separated, in reading order"),
                               validators=[Regexp(r"^[\d,\s]*$")])
    submit_picks = HiddenField(default="1")
