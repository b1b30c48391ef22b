"""Alert-note rules and transactions: who sees and edits a note, the draft →
published workflow, revisions with optimistic locking, and what a note shows.

Drafts and archived notes are visible only to their author and to editors —
on the pages, the list, the feed, the print page and the map embed alike
(``visibility_clause`` / ``can_view``, the one place that decides). Linked
incidents are shown only when the reader may see them.
"""
import re

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app import revisions
from app.auth.models import utcnow
from app.campaigns.models import Campaign
from app.extensions import db
from app.incidents import policy
from app.incidents.models import Country, Incident, Vector
from app.incidents.schema import ValidationError, split_list
from app.messages import N_, Message, MessageError
from app.notes.models import Note, NoteRevision

MAX_TITLE, MAX_BODY, MAX_LINKS = 300, 20_000, 200
TRANSITIONS = {"draft": ("published", "archived"), "published": ("archived", "draft"),
               "archived": ("draft",)}


class PermissionDenied(MessageError):
    """The user may not do this to this note."""


def _user(viewer):
    return viewer if viewer is not None and getattr(viewer, "is_authenticated", False) \
        else None


def visibility_clause(viewer):
    """SQL condition selecting the notes ``viewer`` may see."""
    user = _user(viewer)
    if user is None:
        return Note.status == "published"
    if user.is_editor:
        return sa.true()
    return sa.or_(Note.status == "published", Note.created_by_id == user.id)


def can_view(viewer, note):
    """The Python twin of ``visibility_clause``."""
    user = _user(viewer)
    return note.status == "published" or (
        user is not None and (user.is_editor or note.created_by_id == user.id))


def can_edit(viewer, note):
    """Editors edit any note; contributors their own drafts."""
    user = _user(viewer)
    return user is not None and (user.is_editor or (
        user.has_role("contributor") and note.created_by_id == user.id
        and note.status == "draft"))


def can_create(viewer):
    user = _user(viewer)
    return user is not None and user.has_role("contributor")


def get(note_id, viewer):
    """The note, or ``NotFound`` when missing *or* invisible (both answer alike)."""
    note = db.session.get(Note, note_id) if 0 < note_id < 2**31 else None
    if note is None or not can_view(viewer, note):
        raise NotFound(f"No note {note_id}.")
    return note


def get_all(viewer, *, limit=200):
    """The notes ``viewer`` may see, newest first (published by publication date)."""
    return list(db.session.scalars(
        sa.select(Note).where(visibility_clause(viewer))
        .order_by(sa.func.coalesce(Note.published_at, Note.updated_at).desc(),
                  Note.id.desc()).limit(limit)))


def newest_published(*, limit=50):
    """Published notes, newest first: what the Atom feed lists, whoever asks."""
    return list(db.session.scalars(
        sa.select(Note).where(Note.status == "published", Note.published_at.is_not(None))
        .order_by(Note.published_at.desc(), Note.id.desc()).limit(limit)))


def visible_incidents(note, viewer):
    """The note's linked incidents that ``viewer`` may see."""
    return [i for i in note.incidents if policy.can_view(viewer, i)]


def map_query(note):
    """The shared filters (query text) of the note's map: its campaign, else its
    countries and vectors, else the countries of its linked incidents."""
    if note.campaign_id:
        return f"campaign={note.campaign_id}"
    countries = [c.iso_a3 for c in note.countries] or sorted(
        {c.iso_a3 for i in note.incidents if i.status == "published" for c in i.countries})
    parts = [f"country={c}" for c in countries] + [f"vector={v.slug}" for v in note.vectors]
    return "&".join(parts)


# --- writing ---------------------------------------------------------------

def _ids(text, name, errors):
    ids = []
    for token in re.split(r"[\s,;]+", text or ""):
        if not token:
            continue
        if not (token.isascii() and token.isdigit() and 0 < int(token) < 2**31):
            errors.append((name, Message(N_("'%(value)s' is not a number"), value=token)))
            return []
        ids.append(int(token))
    return sorted(set(ids))


def parse_note(data):
    """Clean note fields from form-like ``data`` or raise ``ValidationError``."""
    errors = []
    clean = {}
    for name, limit in (("title_en", MAX_TITLE), ("title_fr", MAX_TITLE),
                        ("body_en", MAX_BODY), ("body_fr", MAX_BODY)):
        value = (data.get(name) or "").strip()
        if len(value) > limit:
            errors.append((name, Message(N_("is longer than %(limit)s characters"),
                                         limit=limit)))
        if "\x00" in value:
            errors.append((name, Message(N_("contains a NUL character"))))
        clean[name] = value
    if not (clean["title_en"] or clean["title_fr"]):
        errors.append(("title_en", Message(N_("a title in English or in French is "
                                              "required"))))
    clean["countries"] = sorted({c.upper() for c in split_list(
        (data.get("countries") or "").replace(",", ";"))})
    clean["vectors"] = sorted(set(split_list((data.get("vectors") or "").replace(",", ";"))))
    clean["incidents"] = _ids(data.get("incidents"), "incidents", errors)
    campaign = _ids(data.get("campaign"), "campaign", errors)
    clean["campaign"] = campaign[0] if campaign else None
    if len(clean["incidents"]) > MAX_LINKS:
        errors.append(("incidents", Message(N_("at most %(n)s incidents"), n=MAX_LINKS)))
    if errors:
        raise ValidationError(errors)
    return clean


def _resolve(model, key, wanted, field):
    found = {getattr(o, key): o for o in db.session.scalars(
        sa.select(model).where(getattr(model, key).in_(wanted)))} if wanted else {}
    missing = [str(w) for w in wanted if w not in found]
    if missing:
        raise ValidationError([(field, Message(N_("unknown: %(keys)s"),
                                               keys=", ".join(missing)))])
    return [found[w] for w in wanted]


def _apply(note, data, viewer):
    """Set ``data`` on ``note`` without autoflush: one UPDATE, one version step."""
    with db.session.no_autoflush:
        _set_fields(note, data, viewer)


def _set_fields(note, data, viewer):
    for name in ("title_en", "title_fr", "body_en", "body_fr"):
        setattr(note, name, data[name])
    note.countries = _resolve(Country, "iso_a3", data["countries"], "countries")
    note.vectors = _resolve(Vector, "slug", data["vectors"], "vectors")
    incidents = _resolve(Incident, "id", data["incidents"], "incidents")
    hidden = [str(i.id) for i in incidents if not policy.can_view(viewer, i)]
    if hidden:  # an incident the author cannot see is, to them, unknown
        raise ValidationError([("incidents", Message(N_("unknown: %(keys)s"),
                                                     keys=", ".join(hidden)))])
    note.incidents = incidents
    note.campaign = (_resolve(Campaign, "id", [data["campaign"]], "campaign")[0]
                     if data["campaign"] else None)
    note.updated_at = utcnow()  # touch: a change of links alone must move the version


def snapshot(note):
    """A JSON-ready dict of the note's editable state and status."""
    return {"status": note.status, "title_en": note.title_en, "title_fr": note.title_fr,
            "body_en": note.body_en, "body_fr": note.body_fr,
            "campaign": note.campaign_id,
            "countries": [c.iso_a3 for c in note.countries],
            "vectors": [v.slug for v in note.vectors],
            "incidents": [i.id for i in note.incidents]}


def create(*, data, author):
    """A new draft note from clean ``data``, with its first revision."""
    if not can_create(author):
        raise PermissionDenied(N_("Only contributors, editors and admins write notes."))
    note = Note(status="draft", created_by_id=author.id)
    try:
        db.session.add(note)
        _apply(note, data, author)
        db.session.flush()
        revisions.record(NoteRevision, "note_id", note, author=author, action="create",
                         before=None, after=snapshot(note))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return note


def update(*, note, data, expected_version, editor):
    """Apply ``data`` if ``note`` is still at ``expected_version`` (else 409)."""
    if not can_edit(editor, note):
        raise PermissionDenied(N_("You may not edit this note."))
    revisions.check_version(note, expected_version)
    before = snapshot(note)
    with revisions.saving(note, expected_version):
        _apply(note, data, editor)
        db.session.flush()
        revisions.record(NoteRevision, "note_id", note, author=editor, action="update",
                         before=before, after=snapshot(note))
    return note


def set_status(*, note, status, expected_version, editor):
    """Publish, archive or return a note to draft (editors only), with a revision."""
    if not policy.can_publish(editor):
        raise PermissionDenied(N_("Only editors publish or archive notes."))
    if status not in TRANSITIONS.get(note.status, ()):
        raise PermissionDenied(N_("A %(old)s note cannot become %(new)s."),
                               old=note.status, new=status)
    revisions.check_version(note, expected_version)
    before = snapshot(note)
    with revisions.saving(note, expected_version):
        note.status = status
        if status == "published" and note.published_at is None:
            note.published_at = utcnow()
        note.updated_at = utcnow()
        db.session.flush()
        revisions.record(NoteRevision, "note_id", note, author=editor, action=status,
                         before=before, after=snapshot(note))
    return note


def history(note):
    """Every revision of ``note``, newest first."""
    return list(db.session.scalars(
        sa.select(NoteRevision).where(NoteRevision.note_id == note.id)
        .order_by(NoteRevision.number.desc())))


def draft_from_signal(signal, incidents, *, author, explanation_en, explanation_fr):
    """A draft note prefilled from a weak signal (its cell, its incidents, why)."""
    week = signal.week.isoformat()
    data = {"title_en": f"Rising: {signal.vector} in {signal.country}, week of {week}",
            "title_fr": f"En hausse\u00a0: {signal.vector} en {signal.country}, semaine du {week}",
            "body_en": explanation_en + ".", "body_fr": explanation_fr + ".",
            "countries": [signal.country], "vectors": [signal.vector],
            "incidents": [i.id for i in incidents][:MAX_LINKS], "campaign": None}
    return create(data=data, author=author)
