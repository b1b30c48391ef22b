"""The upload form (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from app.interchange.formats import FORMATS

FORMAT_CHOICES = [SelectChoice("", _l("From the file name"))] + [
    SelectChoice(f.name, f.label) for f in FORMATS.values()]


class ImportForm(FlaskForm):
    file = FileField(_l("File (%(formats)s, or one of them zipped)",
                        formats=", ".join(f.label for f in FORMATS.values())),
                     validators=[FileRequired()])
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default="")
    dry_run = BooleanField(_l("Dry run: check and preview, import nothing"), default=True)
    publish = BooleanField(_l("Publish at once (editors only)"))
