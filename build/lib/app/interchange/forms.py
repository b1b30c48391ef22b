"""The upload form (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

FORMAT_CHOICES = [SelectChoice(value, label) for value, label in (
    ("", _l("From the file name")), ("csv", "CSV"), ("geojson", "GeoJSON"),
    ("gpkg", "GeoPackage"), ("stix", "STIX 2.1"))]


class ImportForm(FlaskForm):
    file = FileField(_l("File (CSV, GeoJSON, GeoPackage, STIX 2.1, or one of them zipped)"),
                     validators=[FileRequired()])
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default="")
    dry_run = BooleanField(_l("Dry run: check and preview, import nothing"), default=True)
    publish = BooleanField(_l("Publish at once (editors only)"))
