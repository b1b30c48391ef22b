"""What the campaign and note editor pages share: who may open them, and the form's
own errors (an expired CSRF token) shown like validation errors."""
from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user


def require(allowed):
    """Unless ``allowed``: sign in first (anonymous), else 403."""
    if not allowed:
        if not current_user.is_authenticated:
            abort(current_app.login_manager.unauthorized())
        abort(403, _("Your role does not allow this."))


def form_errors(form):
    """``[(field, message)]`` of a posted form that did not validate (none on GET)."""
    return [(name, " ".join(errs)) for name, errs in form.errors.items()] \
        if request.method == "POST" else []
