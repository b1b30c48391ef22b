"""Login form (CSRF-protected by Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Keep me signed in")
    submit = SubmitField("Sign in")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=10, max=1024)])
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("new", "The passwords differ.")])
    submit = SubmitField("Change password")
