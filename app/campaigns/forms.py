"""The campaign editor's form (CSRF by Flask-WTF); ``service.parse_campaign`` validates."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

FIELDS = ("name", "aliases", "actor", "first_seen", "last_seen", "description",
          "incidents")


class CampaignForm(FlaskForm):
    """Every editable field of a campaign; ``version`` is the optimistic lock."""

    version = HiddenField()
    name = StringField(_l("Name"))
    aliases = TextAreaField(_l("Aliases"), description=_l("One alias per line"))
    actor = StringField(_l("Actor"))
    first_seen = StringField(_l("First seen"), description=_l("YYYY, YYYY-MM or YYYY-MM-DD"))
    last_seen = StringField(_l("Last seen"), description=_l("YYYY, YYYY-MM or YYYY-MM-DD"))
    description = TextAreaField(_l("Summary"))
    incidents = TextAreaField(_l("Incidents"),
                              description=_l("Incident numbers, separated by spaces"))

    def to_data(self):
        """The submitted fields as input for ``service.parse_campaign``."""
        return {name: getattr(self, name).data or "" for name in FIELDS}

    def fill(self, campaign, snapshot):
        """Put ``campaign``'s current state (its ``snapshot``) in the fields."""
        self.version.data = campaign.version
        for name in ("name", "actor", "first_seen", "last_seen", "description"):
            getattr(self, name).data = snapshot[name] or ""
        self.aliases.data = "\n".join(snapshot["aliases"])
        self.incidents.data = " ".join(str(i) for i in snapshot["incidents"])
