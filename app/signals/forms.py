"""The editors' decision form on one signal (CSRF by Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField


class ReviewForm(FlaskForm):
    """Which signal (week, country, vector), the decision and, to dismiss, why."""

    week = HiddenField()
    country = HiddenField()
    vector = HiddenField()
    decision = HiddenField()
    reason = TextAreaField()
