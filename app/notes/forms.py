"""Forms of the alert-note editor and its workflow buttons (CSRF by Flask-WTF);
``service.parse_note`` validates."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

FIELDS = ("title_en", "title_fr", "body_en", "body_fr", "campaign", "countries", "vectors",
          "incidents")


class NoteForm(FlaskForm):
    """Every editable field of a note; ``version`` is the optimistic lock."""

    version = HiddenField()
    title_en = StringField(_l("Title (English)"))
    body_en = TextAreaField(_l("Text (English, Markdown)"))
    title_fr = StringField(_l("Title (French)"))
    body_fr = TextAreaField(_l("Text (French, Markdown)"))
    campaign = StringField(_l("Campaign number"))
    countries = StringField(_l("Countries"), description=_l("ISO codes such as FRA; DEU"))
    vectors = StringField(_l("Vectors"), description=_l("Slugs such as cyber; information"))
    incidents = TextAreaField(_l("Incidents"),
                              description=_l("Incident numbers, separated by spaces"))

    def to_data(self):
        """The submitted fields as input for ``service.parse_note``."""
        return {name: getattr(self, name).data or "" for name in FIELDS}

    def fill(self, note):
        """Put ``note``'s current values in the fields."""
        self.version.data = note.version
        for name in ("title_en", "title_fr", "body_en", "body_fr"):
            getattr(self, name).data = getattr(note, name)
        self.campaign.data = str(note.campaign_id or "")
        self.countries.data = "; ".join(c.iso_a3 for c in note.countries)
        self.vectors.data = "; ".join(v.slug for v in note.vectors)
        self.incidents.data = " ".join(str(i.id) for i in note.incidents)


class NoteStatusForm(FlaskForm):
    """Publish, archive or return a note to draft; ``version`` the one seen."""

    version = HiddenField()
    status = HiddenField()
