"""Actors, vectors and platforms: list, create and edit (editors only)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.incidents import policy
from app.incidents.models import Actor, Platform, Vector
from app.incidents.schema import ValidationError
from app.taxonomy import bp, service
from app.taxonomy.forms import ActorForm, PlatformForm, VectorForm

KINDS = {"actors": (Actor, ActorForm, service.save_actor, service.all_actors),
         "vectors": (Vector, VectorForm, service.save_vector, service.all_vectors),
         "platforms": (Platform, PlatformForm, service.save_platform, service.all_platforms)}


@bp.before_request
@login_required
def _editors_only():
    if not policy.can_publish(current_user):
        abort(403, _("The taxonomy is kept by editors."))


def _page(kind, item_id=None):
    """List the ``kind`` with a form to create one, or edit ``item_id``."""
    model, form_class, save, listing = KINDS[kind]
    item = service.get(model, item_id) if item_id is not None else None
    form = form_class(obj=item) if request.method == "GET" else form_class()
    if item is not None and request.method == "GET" and kind == "actors":
        form.aliases.data = "; ".join(item.aliases or [])
    errors = []
    if form.validate_on_submit():
        try:
            save(item, {name: field.data for name, field in form._fields.items()})
            flash(_("Saved."), "success")
            return redirect(url_for(f"taxonomy.{kind}"))
        except ValidationError as exc:
            errors = exc.errors
    elif request.method == "POST":
        errors = [(name, " ".join(e)) for name, e in form.errors.items()]
    return render_template(f"taxonomy/{kind}.html", form=form, item=item,
                           items=listing(), errors=errors), 400 if errors else 200


@bp.route("/actors", methods=["GET", "POST"])
def actors():
    """Every actor, and a form to add one."""
    return _page("actors")


@bp.route("/actors/<int:item_id>", methods=["GET", "POST"])
def actor(item_id):
    """Edit one actor."""
    return _page("actors", item_id)


@bp.route("/vectors", methods=["GET", "POST"])
def vectors():
    """Every vector, and a form to add one."""
    return _page("vectors")


@bp.route("/vectors/<int:item_id>", methods=["GET", "POST"])
def vector(item_id):
    """Edit one vector."""
    return _page("vectors", item_id)


@bp.route("/platforms", methods=["GET", "POST"])
def platforms():
    """Every platform, and a form to add one."""
    return _page("platforms")


@bp.route("/platforms/<int:item_id>", methods=["GET", "POST"])
def platform(item_id):
    """Edit one platform."""
    return _page("platforms", item_id)
