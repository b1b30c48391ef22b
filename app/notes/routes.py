"""Alert-note pages: the list, a note (and its printable page), the editor, the
workflow, the history, and ``/feeds/notes.atom``. Routes parse and authorise;
``service`` decides who sees what and writes."""
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from app.auth.models import utcnow
from app.editing import editor_page, require, save_form
from app.feeds.atom import atom_feed
from app.incidents import policy
from app.incidents.taxonomy import country_names
from app.notes import bp, service
from app.notes.forms import NoteForm, NoteStatusForm
from app.notes.markdown import render
from app.revisions import StaleVersion


def _lang():
    return str(get_locale())


@bp.route("/notes")
def index():
    """The notes the reader may see, newest first."""
    return render_template("notes/index.html", notes=service.get_all(current_user),
                           lang=_lang(), can_create=service.can_create(current_user))


def _note_page(template, note):
    lang = _lang()
    return render_template(template, note=note, lang=lang, body=render(note.body(lang)),
                           incidents=service.visible_incidents(note, current_user),
                           country_names=country_names(lang),
                           map_query=service.map_query(note),
                           status_form=NoteStatusForm(version=note.version),
                           can_edit=service.can_edit(current_user, note),
                           can_publish=policy.can_publish(current_user))


@bp.route("/notes/<int:note_id>")
def show(note_id):
    """One note in the reader's language (the other one if it has only that)."""
    return _note_page("notes/show.html", service.get(note_id, current_user))


@bp.route("/notes/<int:note_id>/print")
def printable(note_id):
    """The note laid out for paper: no navigation, links written out."""
    return _note_page("notes/print.html", service.get(note_id, current_user))


def _editor_page(note=None):
    """``page`` of ``save_form``: the note editor."""
    def page(form, **problems):
        return editor_page("notes/form.html", form, note=note, **problems)
    return page


def _shown(note):
    return url_for("notes.show", note_id=note.id)


@bp.route("/notes/new", methods=["GET", "POST"])
def new():
    """Write a new note: saved as a draft."""
    require(service.can_create(current_user))
    return save_form(NoteForm(), page=_editor_page(), saved=_("Note saved as a draft."),
                     target=_shown, save=lambda data, _version: service.create(
                         data=service.parse_note(data), author=current_user))


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
def edit(note_id):
    """Edit a note; a stale ``version`` shows the conflict (409) and saves nothing."""
    note = service.get(note_id, current_user)
    require(service.can_edit(current_user, note))
    return save_form(
        NoteForm(), page=_editor_page(note), saved=_("Note saved."), target=_shown,
        fill=lambda form: form.fill(note),
        save=lambda data, version: service.update(
            note=note, data=service.parse_note(data), expected_version=version,
            editor=current_user))


@bp.post("/notes/<int:note_id>/status")
def change_status(note_id):
    """Publish, archive or return to draft (editors), refusing a stale version."""
    note = service.get(note_id, current_user)
    require(policy.can_publish(current_user))
    form = NoteStatusForm()
    if not form.validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    try:
        service.set_status(note=note, status=form.status.data,
                           expected_version=form.version.data, editor=current_user)
    except StaleVersion as exc:
        abort(409, exc.localised())
    except service.PermissionDenied as exc:
        abort(400, exc.localised())
    flash(_("Note updated."))
    return redirect(url_for("notes.show", note_id=note.id))


@bp.route("/notes/<int:note_id>/history")
def history(note_id):
    """Every revision of a note (those who may edit it)."""
    note = service.get(note_id, current_user)
    require(service.can_edit(current_user, note) or policy.can_publish(current_user))
    return render_template("notes/history.html", note=note, lang=_lang(),
                           revisions=service.history(note))


@bp.route("/feeds/notes.atom")
def notes_atom():
    """Published alert notes, newest first, in the reader's language."""
    lang = _lang()
    notes = service.newest_published()
    self_url = url_for("notes.notes_atom", _external=True)
    entries = [{"id": f"urn:uuid:{n.uuid}", "title": n.title(lang),
                "url": url_for("notes.show", note_id=n.id, _external=True),
                "published": n.published_at, "updated": n.updated_at,
                "summary": n.body(lang)[:1000],
                "categories": [c.iso_a3 for c in n.countries] + [v.slug for v in n.vectors]}
               for n in notes]
    body = atom_feed(feed_id=self_url, title=_("Hybrid Threat Atlas: alert notes"),
                     self_url=self_url, alternate_url=url_for("notes.index", _external=True),
                     updated=max((n.published_at for n in notes), default=utcnow()),
                     entries=entries, lang=lang)
    return Response(body, mimetype="application/atom+xml")
