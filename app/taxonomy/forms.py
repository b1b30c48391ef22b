"""Taxonomy forms: they render fields and carry CSRF; ``service`` validates."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from app.i18n import code_choices
from app.incidents.models import ACTOR_TYPES


class ActorForm(FlaskForm):
    name = StringField(_l("Name"))
    type = SelectField(_l("Type"), choices=code_choices("actor_type", ACTOR_TYPES), validate_choice=False)
    aliases = StringField(_l("Aliases (separated by ;)"))
    sponsor_country = StringField(_l("Sponsor country (ISO alpha-3)"))
    description = TextAreaField(_l("Description"))


class VectorForm(FlaskForm):
    slug = StringField(_l("Slug"))
    label_en = StringField(_l("English label"))
    label_fr = StringField(_l("French label"))
    color = StringField(_l("Colour (#rrggbb)"), default="#555555")
    symbol = StringField(_l("Symbol"), default="●")


class PlatformForm(FlaskForm):
    slug = StringField(_l("Slug"))
    label_en = StringField(_l("English label"))
    label_fr = StringField(_l("French label"))
