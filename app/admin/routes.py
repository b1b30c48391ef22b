"""``/admin/users`` (lock state, unlock) and ``/admin/audit``; admins only."""
from functools import wraps

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.admin import bp
from app.audit import service as audit
from app.auth import service as accounts
from app.auth.models import User, utcnow
from app.auth.routes import backoff
from app.extensions import db


def admin_required(view):
    """Signed-in admins only; anyone else gets 403."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.has_role("admin"):
            abort(403, _("Administrators only."))
        return view(*args, **kwargs)
    return wrapper


@bp.get("/admin/users")
@admin_required
def users():
    """Every account with its role and lock state: locked until when, while a
    back-off runs (it ends by itself; an admin may end it sooner)."""
    rows = db.session.scalars(sa.select(User).order_by(User.email)).all()
    rules, now = backoff(), utcnow()
    return render_template("admin/users.html", users=rows, locked_until={
        user.id: accounts.backoff_ends(user, rules, now) for user in rows})


@bp.post("/admin/users/<int:user_id>/unlock")
@admin_required
def unlock(user_id):
    """Unlock an account locked by failed sign-ins (CSRF-protected form)."""
    user = db.session.get(User, user_id) or abort(404, _("No user %(id)s.", id=user_id))
    accounts.unlock(user, by=current_user)
    flash(_("%(email)s can sign in again.", email=user.email), "info")
    return redirect(url_for("admin.users"))


@bp.get("/admin/audit")
@admin_required
def audit_log():
    """The latest audit entries."""
    return render_template("admin/audit.html", entries=audit.recent())
