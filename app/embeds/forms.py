"""The embed builder's form (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FloatField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.embeds.models import LAYER_GROUPS, LEGEND_POSITIONS
from app.i18n import code_choices


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EmbedForm(FlaskForm):
    """Everything a publisher chooses for an embed."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    caption = TextAreaField(_l("Caption"), validators=[Length(max=2000)])
    filters = StringField(_l("Filters (as in a /map link)"), validators=[Length(max=2000)])
    layers = MultiCheckboxField(_l("Layers in the legend"), default=list(LAYER_GROUPS),
                                choices=code_choices("layer_group", LAYER_GROUPS))
    fit_to_data = BooleanField(_l("Fit the view to the data"), default=True)
    center_lat = FloatField(_l("Centre latitude"),
                            validators=[Optional(), NumberRange(-85, 85)])
    center_lon = FloatField(_l("Centre longitude"),
                            validators=[Optional(), NumberRange(-180, 180)])
    zoom = IntegerField(_l("Zoom"), validators=[Optional(), NumberRange(2, 18)])
    legend_position = SelectField(_l("Legend"), default="bottomleft",
                                  choices=code_choices("legend_position", LEGEND_POSITIONS))
    frozen = BooleanField(_l("Frozen: keep showing what is published now"))
    refreeze = BooleanField(_l("Freeze again now"))
    allowed_hosts = TextAreaField(
        _l("Only these sites may show it (one per line; empty: any site)"),
        validators=[Length(max=4000)])

    def embed_data(self, hosts):
        """The settings for ``app.embeds.service`` (hosts already parsed)."""
        data = {name: self[name].data for name in (
            "title", "caption", "filters", "layers", "fit_to_data", "center_lat",
            "center_lon", "zoom", "legend_position", "frozen", "refreeze")}
        data["caption"] = data["caption"] or ""
        data["allowed_hosts"] = hosts
        return data

    def prefill(self, start):
        """A new embed's settings from ``service.prefill_from_map``."""
        self.filters.data = start["filters"]
        if start["view"]:
            (self.center_lat.data, self.center_lon.data), self.zoom.data = start["view"]
            self.fit_to_data.data = False
        if start["layers"]:
            self.layers.data = start["layers"]

    def fill(self, embed):
        """Show an existing embed's settings (GET of the edit page)."""
        for name in ("title", "caption", "filters", "layers", "fit_to_data", "center_lat",
                     "center_lon", "zoom", "legend_position", "frozen"):
            self[name].data = getattr(embed, name)
        self.allowed_hosts.data = "\n".join(embed.allowed_hosts)
