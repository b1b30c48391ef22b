"""Incident rules and transactions: the verbs routes, the API, the CLI and imports call.

Each public function does one thing inside one transaction. Every change to an
incident writes a ``Revision`` (who, when, what changed, the state after), and
every edit names the ``version`` it started from: a stale one raises
``ConflictError`` instead of overwriting someone else's work.
"""
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from shapely.geometry import shape
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound

from app.audit import service as audit
from app.auth.models import utcnow
from app.extensions import db
from app.geo.countries import assign_countries
from app.geo.geometry import bounds_and_rep, to_geojson
from app.incidents import policy
from app.incidents.fields import BY_NAME, LINK_FIELDS, SNAPSHOT_FIELDS, STORED
from app.incidents.models import Actor, Campaign, Incident, Revision, Source
from app.incidents.schema import ValidationError
from app.inputs import text_problem, whole_number
from app.messages import N_, Code, Message, MessageError
from app.ops.counters import read_counter

MAX_ID = 2**31 - 1


class ConflictError(MessageError):
    """The incident changed since the version the editor started from."""

    def __init__(self, incident, expected_version, changes):
        self.incident = incident
        self.expected_version = expected_version
        self.changes = changes
        super().__init__(
            N_("incident %(id)s is at version %(version)s, not %(expected)s: "
               "someone else saved it first"),
            id=incident.id, version=incident.version, expected=expected_version)


class PermissionDenied(MessageError):
    """The user may not do this to this incident (English ``str``, ``localised()``)."""


# --- reading ---------------------------------------------------------------

# One incident: on PostgreSQL its vectors and countries (short lists) join the
# incident's query — two round trips fewer per read; techniques and sources stay
# separate queries so that the join's rows (vectors × countries) stay few.
# SQLite (3.40) cannot push the incident's id into a LEFT JOIN of a parenthesised
# join: it materialises both link tables whole (2 s per read at 1,000,000
# incidents), so there each list is its own indexed query (``lazy="selectin"``).
_JOINED_LISTS = (sa.orm.joinedload(Incident.vectors), sa.orm.joinedload(Incident.countries))


def _one_incident_options():
    return _JOINED_LISTS if db.engine.dialect.name == "postgresql" else ()


def get_incident(incident_id, viewer):
    """Return the incident, or raise ``NotFound`` if it is missing *or* invisible.

    Both cases answer the same, so a guessed draft id reveals nothing.
    """
    # Ids beyond a 32-bit integer cannot exist (and would overflow the driver).
    incident = (db.session.get(Incident, incident_id, options=_one_incident_options())
                if 0 < incident_id <= MAX_ID else None)
    if incident is None or not policy.can_view(viewer, incident):
        raise NotFound(f"No incident {incident_id}.")
    return incident


def incidents_by(author, *, limit=500):
    """The incidents ``author`` created, newest first, whatever their status."""
    return list(db.session.scalars(
        sa.select(Incident).where(Incident.created_by_id == author.id)
        .order_by(Incident.id.desc()).limit(limit)))


def snapshot(incident):
    """A JSON-ready dict of the incident's editable state, for revisions and diffs."""
    data = {name: getattr(incident, name) for name in SNAPSHOT_FIELDS}
    for name in ("start_date", "end_date"):
        data[name] = data[name].isoformat() if data[name] else None
    data["geometry"] = to_geojson(incident.geometry) if incident.geometry is not None else None
    data["actor"] = incident.actor.name if incident.actor else None
    data["campaign"] = incident.campaign.name if incident.campaign else None
    for f in LINK_FIELDS:
        data[f.name] = sorted(getattr(o, f.links.key) for o in getattr(incident, f.name))
    data["sources"] = [{"url": s.url, "publisher": s.publisher,
                        "published_on": s.published_on.isoformat() if s.published_on else None,
                        "archived_url": s.archived_url} for s in incident.sources]
    return data


def diff(before, after):
    """``{field: [before, after]}`` for every field that differs."""
    before = before or {}
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


# --- reference data --------------------------------------------------------

REFERENCE_KEYS = {f.name: (f.links.model, f.links.key) for f in LINK_FIELDS}
# Per process and per engine: (generation, {kind: {key: detached object}}).
_reference_cache = weakref.WeakKeyDictionary()


def _reference_generation():
    """``change_counters['references']``, bumped by triggers on every reference write.

    Read on a connection of its own (``read_counter``: no statement in the
    caller's transaction), *before* the tables are loaded: what is cached under
    a value is then at least as new as that value, and a later write moves it.
    """
    return read_counter("references")


def reference_tables():
    """``{kind: {key: object}}`` of every links field's references, cached per process.

    The objects are detached copies, valid while ``change_counters['references']``
    (migration 0009) keeps the value read here:
    a vector renamed from the taxonomy pages in another worker, or a
    ``flask reference load``, moves the counter and the next write reloads.
    Without the counter (a database not yet migrated) nothing is cached.
    """
    generation = _reference_generation()
    engine = db.engine
    cached = _reference_cache.get(engine)
    if generation is not None and cached is not None and cached[0] == generation:
        return cached[1]
    # A private session on the caller's connection (its transaction), and
    # closing it leaves the objects detached with every column loaded.
    loader = sa.orm.Session(bind=db.session.connection())
    try:
        tables = {kind: {getattr(obj, key): obj for obj in loader.scalars(sa.select(model))}
                  for kind, (model, key) in REFERENCE_KEYS.items()}
    finally:
        loader.close()
    if generation is not None:
        _reference_cache[engine] = (generation, tables)
    return tables


class References:
    """Resolves actor names and the keys of links fields (vector and platform slugs,
    country codes, technique ids).

    Those references come from the per-process cache
    (``reference_tables``) and enter the session with ``merge(load=False)``,
    which issues no SQL. Actors grow with every write that names a new one,
    so they are looked up by name on demand (an index probe) and created if
    new (docs/product.md); an unknown vector, country or technique is a validation
    error naming it.
    """

    def __init__(self):
        self._tables = reference_tables()
        self._merged = {kind: {} for kind in REFERENCE_KEYS}
        self._actors = {}
        self._campaigns = None

    def campaigns(self):
        """``{lower-case name or alias: (id, name)}`` of every campaign, read once.

        A campaign's own name wins over another's alias. An import reads it
        before its reader starts (``importer._Run``), so that ``campaign``
        needs no database afterwards.
        """
        if self._campaigns is None:
            rows = db.session.execute(sa.select(Campaign.id, Campaign.name,
                                                Campaign.aliases)).all()
            found = {alias.lower(): (id_, name) for id_, name, aliases in rows
                     for alias in aliases or ()}
            found.update((name.lower(), (id_, name)) for id_, name, _ in rows)
            self._campaigns = found
        return self._campaigns

    def campaign(self, name):
        """``(id, name)`` of the campaign called or aliased ``name`` (any case), ``(None,
        None)`` for no name; raise naming a campaign that does not exist."""
        if not name:
            return None, None
        found = self.campaigns().get(name.lower())
        if found is None:
            raise ValidationError([("campaign", Message(N_("unknown campaign %(name)s"),
                                                        name=name))])
        return found

    def _get(self, kind, key):
        """The session's instance of ``key`` in ``kind``, or ``None`` if unknown."""
        merged = self._merged[kind]
        if key not in merged:
            cached = self._tables[kind].get(key)
            merged[key] = None if cached is None else db.session.merge(cached, load=False)
        return merged[key]

    def all(self, kind):
        """``{key: object}`` of every reference of ``kind`` (``"vectors"``…), in the session."""
        return {key: self._get(kind, key) for key in self._tables[kind]}

    def actor(self, name):
        """The actor called ``name`` (case-insensitive), created if new."""
        if not name:
            return None
        key = name.lower()
        if key not in self._actors:
            actor = db.session.scalar(sa.select(Actor).where(sa.func.lower(Actor.name) == key)
                                      .order_by(Actor.id).limit(1))
            self._actors[key] = actor if actor is not None else self._create_actor(name)
        return self._actors[key]

    @staticmethod
    def _create_actor(name):
        """Insert a new actor; if a concurrent writer just did, use theirs.

        The savepoint keeps the surrounding transaction usable after the unique
        violation (PostgreSQL; SQLite's BEGIN IMMEDIATE never gets here).
        """
        try:
            with db.session.begin_nested():
                actor = Actor(name=name, type="unknown")
                db.session.add(actor)
            return actor
        except sa.exc.IntegrityError:
            return db.session.scalar(
                sa.select(Actor).where(sa.func.lower(Actor.name) == name.lower()))

    def lookup(self, kind, keys):
        """Objects for ``keys`` from the ``kind`` table; raise naming unknown keys."""
        return [self._get(kind, obj_key) for obj_key in self._keys(kind, keys)]

    def known(self, kind, keys):
        """Like ``lookup``, but the cached detached objects: no session, for pure callers."""
        table = self._tables[kind]
        return [table[key] for key in self._keys(kind, keys)]

    def _keys(self, kind, keys):
        """``keys`` without repeats; raise naming the unknown ones."""
        unknown = [k for k in keys if k not in self._tables[kind]]
        if unknown:
            raise ValidationError([(kind, Message(BY_NAME[kind].links.unknown,
                                                  keys=", ".join(unknown)))])
        return dict.fromkeys(keys)

    def derive_countries(self, geometries):
        """Country codes per geometry by spatial join, limited to known countries."""
        known = self._tables["countries"]
        return [[c for c in codes if c in known] for codes in assign_countries(geometries)]


def derived_countries(geometry):
    """ISO alpha-3 codes of the known countries ``geometry`` touches (editor preview)."""
    return References().derive_countries([geometry])[0]


# --- writing ---------------------------------------------------------------

def _apply(incident, data, refs):
    """Set ``data`` (output of ``schema.parse_incident``) on ``incident``."""
    for name in STORED:
        if name in data:
            setattr(incident, name, data[name])
    if "geometry" in data:
        incident.geometry = data["geometry"]
        (incident.min_x, incident.min_y, incident.max_x, incident.max_y,
         incident.rep_x, incident.rep_y) = bounds_and_rep(data["geometry"])
    if "actor" in data:
        incident.actor = refs.actor(data["actor"])
    if "campaign" in data:
        campaign_id = refs.campaign(data["campaign"])[0]
        incident.campaign = campaign_id and db.session.get(Campaign, campaign_id)
    for f in LINK_FIELDS:
        if f.name in data and f.name != "countries":
            setattr(incident, f.name, refs.lookup(f.name, data[f.name]))
    # Countries left out are derived from the geometry.
    if data.get("countries"):
        incident.countries = refs.lookup("countries", data["countries"])
    elif "geometry" in data or "countries" in data:
        codes = refs.derive_countries([incident.geometry])[0]
        incident.countries = refs.lookup("countries", codes)
    if "sources" in data:
        incident.sources = [Source(**s) for s in data["sources"]]
    # Touch the row: a change to a links field (vectors…) or sources alone
    # would not UPDATE it, so the version would not move and a concurrent edit
    # of those lists would be silently lost.
    incident.updated_at = utcnow()


def _record(incident, author, action, before):
    after = snapshot(incident)
    # A new incident (no ``before``) has no revision yet: skip the query.
    number = 1 if before is None else (db.session.scalar(
        sa.select(sa.func.max(Revision.number))
        .where(Revision.incident_id == incident.id)) or 0) + 1
    db.session.add(Revision(incident_id=incident.id, number=number,
                            author_id=getattr(author, "id", None), action=action,
                            snapshot=after, changes=diff(before, after)))
    if policy.can_publish(author):
        # Editors' and admins' actions also go to the audit log, in the same
        # transaction as the change itself.
        audit.record(author, f"incident.{action}", f"incident:{incident.id}",
                     {"revision": number})


def create_incident(*, data, author, status="draft"):
    """Store a new incident from clean ``data``; it is a draft unless ``status`` says."""
    if not policy.can_create(author):
        raise PermissionDenied(N_("Only contributors, editors and admins create incidents."))
    if status == "published" and not policy.can_publish(author):
        raise PermissionDenied(N_("Only editors publish incidents."))
    try:
        # The id is taken first (sequence or BEGIN IMMEDIATE, see
        # ``reserve_incident_ids``) so that the revision and the audit entry
        # are built before the first INSERT: that INSERT takes the change
        # counter's row lock (triggers, migration 0002), which every other
        # writer waits for until this COMMIT. The window then holds statements
        # only, no Python work.
        incident = Incident(id=reserve_incident_ids(1)[0], status=status,
                            created_by_id=author.id)
        _apply(incident, data, References())
        if status == "published":
            incident.published_at = utcnow()
            incident.reviewed_by_id = author.id
        _record(incident, author, "create", None)
        db.session.add(incident)
        _commit_keeping_loaded()
    except Exception:
        db.session.rollback()
        raise
    return incident


def _commit_keeping_loaded():
    """Commit without expiring what the session holds.

    A new incident row is exactly what this session wrote (no database-side
    defaults or triggers change it), so the caller's answer (the created
    Feature) needs no reload: six queries fewer per API write.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


@contextmanager
def _saving(incident, expected_version):
    """Commit what the block changed; roll back on any error.

    A concurrent save that slipped in after ``_check_version`` surfaces as
    SQLAlchemy's ``StaleDataError`` (the version column) and becomes a
    ``ConflictError``.
    """
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(incident)
        raise ConflictError(incident, expected_version, {}) from None
    except Exception:
        db.session.rollback()
        raise


def _save_fields(incident, data, *, expected_version, editor, action):
    """Apply clean ``data`` with a revision named ``action``, if the version is current."""
    if not policy.can_edit(editor, incident):
        raise PermissionDenied(N_("You may not edit this incident."))
    _check_version(incident, expected_version)
    before = snapshot(incident)
    with _saving(incident, expected_version):
        _apply(incident, data, References())
        db.session.flush()
        _record(incident, editor, action, before)
    return incident


def update_incident(*, incident, data, expected_version, editor):
    """Apply ``data`` to ``incident`` if it is still at ``expected_version``."""
    return _save_fields(incident, data, expected_version=expected_version, editor=editor,
                        action="update")


def import_update(*, incident, data, expected_version, editor, publish, refs):
    """Apply an imported row to the stored incident it names, inside the import's
    transaction (flushed, not committed: the import is all or nothing).

    The rules of an edit hold: ``editor`` must see and edit it, a stale
    ``expected_version`` (``None``: the file names none) is a ``ConflictError``,
    the version moves and a revision records the change. Its status stays
    unless ``publish`` (an editor's import with publishing) moves it to published.
    """
    check_import_update(incident, expected_version, editor, publish)
    before = snapshot(incident)
    with db.session.no_autoflush:  # one UPDATE: the version moves by one
        _apply(incident, data, refs)
    db.session.flush()
    _record(incident, editor, "import", before)
    if publish and incident.status != "published":
        _transition(incident, "published", editor, None)
    return incident


def check_import_update(incident, expected_version, editor, publish):
    """Raise as ``import_update`` would before changing anything (nothing changes here)."""
    if not (policy.can_view(editor, incident) and policy.can_edit(editor, incident)):
        raise PermissionDenied(N_("you may not change incident %(uuid)s"), uuid=incident.uuid)
    if expected_version is not None and expected_version != incident.version:
        raise ConflictError(incident, expected_version, {})
    if publish and incident.status != "published":
        check_transition(incident, "published", editor)


# Workflow: which status may follow which (docs/product.md: draft → submitted →
# published | rejected → archived). Editors may also publish or reject a draft
# directly, send a rejected incident back to draft, and revive an archived one.
TRANSITIONS = {
    "draft": ("submitted", "published", "rejected", "archived"),
    "submitted": ("published", "rejected", "draft", "archived"),
    "rejected": ("submitted", "draft", "archived"),
    "published": ("archived",),
    "archived": ("draft",),
}
REVIEW_STATUSES = ("published", "rejected")


def check_transition(incident, status, user, reason=None):
    """Raise unless ``user`` may move ``incident`` to ``status`` (nothing changes here)."""
    if status not in TRANSITIONS.get(incident.status, ()):
        raise ValidationError([("status", Message(
            N_("a %(old)s incident cannot become %(new)s"), old=Code(incident.status, "status"),
            new=Code(status, "status")))])
    if status in REVIEW_STATUSES or incident.status in ("published", "archived"):
        if not policy.can_publish(user):
            raise PermissionDenied(N_("Only editors publish, reject, archive published "
                                      "incidents or revive archived ones."))
    elif not policy.can_edit(user, incident):
        raise PermissionDenied(N_("You may not change this incident."))
    if reason is not None and not isinstance(reason, str):
        raise ValidationError([("reason", Message(N_("must be text")))])
    if status == "rejected" and not (reason or "").strip():
        raise ValidationError([("reason", Message(N_("is required to reject an incident")))])
    if reason and text_problem(reason):
        raise ValidationError([("reason", text_problem(reason))])


# Called with an incident's id, in the transaction that takes it off the public
# record (published → archived), by areas that keep public copies of incidents:
# frozen embeds register ``app.embeds.service.purge_incident``.
WITHDRAWN = []


def _transition(incident, status, editor, reason):
    """Change the status and write the revision, inside the caller's transaction."""
    before = snapshot(incident)
    if incident.status in policy.PUBLIC_STATUSES and status not in policy.PUBLIC_STATUSES:
        for withdraw in WITHDRAWN:
            withdraw(incident.id)
    incident.status = status
    if status == "published":
        incident.published_at = utcnow()
        incident.reviewed_by_id = editor.id
        incident.rejection_reason = None
    if status == "rejected":
        incident.rejection_reason = reason.strip()
        incident.reviewed_by_id = editor.id
    db.session.flush()
    _record(incident, editor, status, before)


def set_status(*, incident, status, expected_version, editor, reason=None):
    """Move ``incident`` to ``status`` (submit, publish, reject, archive…) with a revision."""
    check_transition(incident, status, editor, reason)
    _check_version(incident, expected_version)
    with _saving(incident, expected_version):
        _transition(incident, status, editor, reason)
    return incident


def edit_incident(*, incident, data, status, expected_version, editor, reason=None):
    """Apply ``data`` and move to ``status`` (either may be empty) in ONE transaction.

    Every permission and the version are checked before anything changes: a
    refused status leaves the fields untouched too (a PATCH is all or nothing).
    """
    moving = status is not None and status != incident.status
    if data or not moving:
        if not policy.can_edit(editor, incident):
            raise PermissionDenied(N_("You may not edit this incident."))
    if moving:
        check_transition(incident, status, editor, reason)
    _check_version(incident, expected_version)
    with _saving(incident, expected_version):
        if data or not moving:
            before = snapshot(incident)
            _apply(incident, data, References())
            db.session.flush()
            _record(incident, editor, "update", before)
        if moving:
            _transition(incident, status, editor, reason)
    return incident


def batch_set_status(*, items, status, editor, reason=None):
    """Move several incidents to ``status`` in ONE transaction: all or none.

    ``items`` are ``(incident_id, expected_version)`` pairs. An invisible or
    missing id is ``NotFound``; any refused transition or stale version
    rolls the whole batch back. Returns the incidents.
    """
    if not items:
        raise ValidationError([("ids", Message(N_("select at least one incident")))])
    done = []
    try:
        for incident_id, version in items:
            incident = get_incident(incident_id, editor)
            check_transition(incident, status, editor, reason)
            _check_version(incident, version)
            _transition(incident, status, editor, reason)
            done.append(incident)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ConflictError(incident, version, {}) from None
    except Exception:
        db.session.rollback()
        raise
    return done


def revision(incident, number):
    """Revision ``number`` of ``incident`` (``NotFound`` if there is none)."""
    found = db.session.scalar(sa.select(Revision).where(
        Revision.incident_id == incident.id, Revision.number == number))
    if found is None:
        raise NotFound(f"Incident {incident.id} has no revision {number}.")
    return found


def data_from_snapshot(snap):
    """Clean fields (as ``schema.parse_incident`` returns) from a revision snapshot."""
    data = {name: snap.get(name) for name in SNAPSHOT_FIELDS
            if name not in ("status", "rejection_reason", "start_date", "end_date")}
    data.update(start_date=date.fromisoformat(snap["start_date"]),
                end_date=date.fromisoformat(snap["end_date"]),
                geometry=shape(snap["geometry"]), actor=snap.get("actor"),
                **{f.name: snap.get(f.name) or [] for f in LINK_FIELDS},
                sources=[{**s, "published_on": date.fromisoformat(s["published_on"])
                          if s.get("published_on") else None}
                         for s in snap.get("sources") or []])
    return data


def restore_revision(*, incident, number, expected_version, editor):
    """Bring back the fields of revision ``number`` as a new revision (status unchanged)."""
    if not policy.can_edit(editor, incident):
        raise PermissionDenied(N_("You may not edit this incident."))
    data = data_from_snapshot(revision(incident, number).snapshot)
    return _save_fields(incident, data, expected_version=expected_version, editor=editor,
                        action="restore")


WORKFLOW_FIELDS = ("status", "rejection_reason")


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an incident's history as one viewer may see it."""

    number: int
    action: str
    created_at: object
    who: str | None          # the author's email, for editors and for oneself
    changes: dict


def history(incident, viewer):
    """The revisions of ``incident`` that ``viewer`` may see, newest first.

    Editors, and the incident's author, see every revision with its changes,
    the rejection reasons included. Everyone else sees the published record
    only: the revisions in which the incident was published, each diffed
    against the previous published one (a diff against a draft would show
    the draft's text), without workflow fields; emails only to editors and to
    the person who made the change.
    """
    full = policy.can_publish(viewer) or policy.can_edit_history(viewer, incident)
    entries, last_public = [], None
    for rev in sorted(incident.revisions, key=lambda r: r.number):
        who = rev.author.email if rev.author and policy.may_see_email(viewer, rev.author) \
            else None
        if full:
            entries.append(HistoryEntry(rev.number, rev.action, rev.created_at, who,
                                        rev.changes or {}))
            continue
        if rev.snapshot.get("status") not in policy.PUBLIC_STATUSES:
            continue
        public = {k: v for k, v in rev.snapshot.items() if k not in WORKFLOW_FIELDS}
        entries.append(HistoryEntry(rev.number, rev.action, rev.created_at, who,
                                    diff(last_public, public) if last_public else {}))
        last_public = public
    return entries[::-1]


def last_published_snapshot(incident):
    """The snapshot of the latest revision in which ``incident`` was published, or None."""
    for rev in db.session.scalars(sa.select(Revision).where(
            Revision.incident_id == incident.id).order_by(Revision.number.desc())):
        if rev.snapshot.get("status") == "published":
            return rev.snapshot
    return None


LOCATION_FIELDS = ("geometry", "geo_precision", "precision_m")


def location(incident_or_snapshot):
    """Where and how precisely, for the locator map: ``{geometry, geo_precision, precision_m}``.

    Takes an incident or a revision's snapshot (the review page draws the last
    published location beside the current one); None for a missing snapshot.
    """
    if incident_or_snapshot is None:
        return None
    if isinstance(incident_or_snapshot, dict):
        return {k: incident_or_snapshot.get(k) for k in LOCATION_FIELDS}
    geometry = incident_or_snapshot.geometry
    return {"geometry": to_geojson(geometry) if geometry is not None else None,
            "geo_precision": incident_or_snapshot.geo_precision,
            "precision_m": incident_or_snapshot.precision_m}


def diff_from_published(incident):
    """``{field: [published, now]}`` of what would change the public record.

    Against the last published version; for a never-published incident every
    field is new (its "before" is ``None``). Workflow fields are left out.
    """
    now = {k: v for k, v in snapshot(incident).items() if k not in WORKFLOW_FIELDS}
    published = last_published_snapshot(incident)
    if published is not None:
        published = {k: v for k, v in published.items() if k not in WORKFLOW_FIELDS}
    return diff(published, now)


def status_counts(viewer):
    """``{status: count}`` of the incidents ``viewer`` may see, for the review queue."""
    rows = db.session.execute(
        sa.select(Incident.status, sa.func.count()).where(policy.visibility_clause(viewer))
        .group_by(Incident.status))
    return {status: 0 for status in TRANSITIONS} | dict(rows.all())


def _check_version(incident, expected_version):
    """Raise ``ConflictError`` with what changed since ``expected_version``.

    Every change goes through this module and moves the version by one with
    one revision, so revision N holds the state at version N: the conflict
    shows everything changed since then, not only the last change.
    """
    if expected_version is None or expected_version == "":
        raise ValidationError([("version", Message(N_("is required to edit (optimistic "
                                                      "locking)")))])
    expected_version = whole_number(expected_version, name="version", lo=1)
    if int(expected_version) != incident.version:
        seen = db.session.scalar(sa.select(Revision).where(
            Revision.incident_id == incident.id, Revision.number == int(expected_version)))
        if seen is not None and int(expected_version) < incident.version:
            changes = diff(seen.snapshot, snapshot(incident))
        else:
            latest = db.session.scalar(
                sa.select(Revision).where(Revision.incident_id == incident.id)
                .order_by(Revision.number.desc()).limit(1))
            changes = latest.changes if latest else {}
        raise ConflictError(incident, expected_version, changes)


def reserve_incident_ids(count):
    """``count`` fresh incident ids.

    PostgreSQL: taken from the id sequence, so later ORM inserts (the API) never
    collide with bulk-inserted rows and concurrent imports cannot overlap.
    SQLite: after the current maximum; BEGIN IMMEDIATE serialises writers.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalars(sa.text(
            "SELECT nextval(pg_get_serial_sequence('incidents', 'id')) "
            "FROM generate_series(1, :n)"), {"n": count}).all()
    first = (db.session.scalar(sa.select(sa.func.max(Incident.id))) or 0) + 1
    return list(range(first, first + count))
