"""Login and logout pages."""
from flask import (abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, service
from app.auth.forms import LoginForm, PasswordChangeForm
from app.extensions import limiter, login_manager


@login_manager.user_loader
def _load_user(session_id):
    return service.load_session_user(session_id)


def safe_next(target):
    """Only a local path is an acceptable redirect target (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _login_limit():
    return current_app.config["LOGIN_THROTTLE"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"],
               deduct_when=lambda response: response.status_code != 302,
               error_message="Too many failed sign-in attempts; wait a minute and try again.")
def login():
    """Sign in with email and password; failed attempts are throttled per client."""
    if current_user.is_authenticated:
        return redirect(url_for("main.map_page"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data,
                                        lock_after=current_app.config["ATLAS_LOCKOUT_AFTER"])
        except service.AccountLocked as exc:
            flash(exc.localised(), "error")
            return render_template("auth/login.html", form=form), 403
        if user is not None:
            # No fixation to undo: the session is a signed cookie whose content
            # (user id + rotating session token) is written afresh here.
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("main.map_page"))
        flash(_("Wrong email or password."), "error")
        return render_template("auth/login.html", form=form), 401
    if request.method == "POST":
        abort(400, _("The form was incomplete; fill in both fields."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out everywhere: the session token is rotated, old cookies stop working."""
    service.end_sessions(current_user)
    logout_user()
    session.clear()
    return redirect(url_for("main.map_page"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; every other session and remember cookie stops working."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, current=form.current.data,
                                    new=form.new.data)
        except service.AccountError as exc:
            flash(exc.localised(), "error")
            return render_template("auth/password.html", form=form), 400
        remember = bool(request.cookies.get(current_app.config.get(
            "REMEMBER_COOKIE_NAME", "remember_token")))
        login_user(current_user._get_current_object(), remember=remember)
        flash(_("Password changed; other sessions were signed out."), "info")
        return redirect(url_for("main.map_page"))
    if request.method == "POST":
        return render_template("auth/password.html", form=form), 400
    return render_template("auth/password.html", form=form)
