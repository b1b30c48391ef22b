"""What the campaign and note editor pages share: who may open them, the editor
page with its errors, and the one save flow of a versioned form.

``save_form`` is the flow both editors (new and edit) follow: show the form
(filled on GET when editing), validate it (an expired CSRF token shows like
a validation error), call the service's save with the parsed input and the
version the form started from, and answer a refusal as the page again — 400
with every problem, or 409 when someone saved first (``StaleVersion``:
nothing written, the form then carries the stored version so that the next
save is a deliberate one) — or flash and redirect once saved. Routes pass
what differs; services keep the rules and the transaction (``app.revisions``).
"""
from flask import abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.i18n import localise
from app.incidents.schema import ValidationError
from app.revisions import StaleVersion


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


def editor_page(template, form, *, errors=(), conflict=None, **context):
    """The editor ``template`` with ``form``: 409 on a conflict, 400 with errors, else 200."""
    status = 409 if conflict is not None else (400 if errors else 200)
    return render_template(template, form=form, errors=[(f, localise(r)) for f, r in errors],
                           conflict=conflict, **context), status


def save_form(form, *, page, save, saved, target, fill=None):
    """Run an editor's GET or POST (see the module docstring).

    ``page(form, errors=…, conflict=…)`` renders the editor (``editor_page``);
    ``fill(form)`` puts the stored values in on GET (editing; None for a new
    object); ``save(data, version)`` parses and saves, returning the object or
    raising ``ValidationError`` / ``StaleVersion``; ``saved`` is the flashed
    message and ``target(obj)`` the URL to go to afterwards.
    """
    if request.method == "GET" and fill is not None:
        fill(form)
        return page(form)
    if not form.validate_on_submit():
        return page(form, errors=form_errors(form))
    try:
        obj = save(form.to_data(), form.version.data)
    except ValidationError as exc:
        return page(form, errors=exc.errors)
    except StaleVersion as exc:
        form.version.data = exc.obj.version
        return page(form, conflict=exc.localised())
    flash(saved)
    return redirect(target(obj))
