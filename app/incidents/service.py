"""Incident rules and transactions: the verbs routes, the API, the CLI and imports call.

Each public function does one thing inside one transaction. Every change to an
incident writes a ``Revision`` (who, when, what changed, the state after), and
every edit names the ``version`` it started from: a stale one raises
``ConflictError`` instead of overwriting someone else's work.
"""
import json
import os
import weakref
from contextlib import contextmanager
from datetime import date
from itertools import compress

import numpy as np
import shapely
import sqlalchemy as sa
from shapely.geometry import shape
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound

from app.audit import service as audit
from app.auth.models import utcnow
from app.db_types import encode_many
from app.extensions import db
from app.geo.countries import assign_countries
from app.geo.geometry import bounds_and_rep, rep_points, to_geojson
from app.incidents import policy, rtree_bulk
from app.incidents.fields import BY_NAME, LINK_FIELDS, SNAPSHOT_FIELDS, STORED
from app.incidents.models import Actor, Incident, Revision, Source
from app.incidents.schema import ValidationError
from app.messages import N_, Code, Message, MessageError
from app.ops import wal
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
    new (PRODUCT.md); an unknown vector, country or technique is a validation
    error naming it.
    """

    def __init__(self):
        self._tables = reference_tables()
        self._merged = {kind: {} for kind in REFERENCE_KEYS}
        self._actors = {}

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
        # ``_reserve_incident_ids``) so that the revision and the audit entry
        # are built before the first INSERT: that INSERT takes the change
        # counter's row lock (triggers, migration 0002), which every other
        # writer waits for until this COMMIT. The window then holds statements
        # only, no Python work.
        incident = Incident(id=_reserve_incident_ids(1)[0], status=status,
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


# Workflow: which status may follow which (PRODUCT.md: draft → submitted →
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
    if status == "rejected" and not (reason or "").strip():
        raise ValidationError([("reason", Message(N_("is required to reject an incident")))])


def _transition(incident, status, editor, reason):
    """Change the status and write the revision, inside the caller's transaction."""
    before = snapshot(incident)
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


def last_published_snapshot(incident):
    """The snapshot of the latest revision in which ``incident`` was published, or None."""
    for rev in db.session.scalars(sa.select(Revision).where(
            Revision.incident_id == incident.id).order_by(Revision.number.desc())):
        if rev.snapshot.get("status") == "published":
            return rev.snapshot
    return None


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
    if expected_version is None:
        raise ValidationError([("version", Message(N_("is required to edit (optimistic "
                                                      "locking)")))])
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


# --- bulk ------------------------------------------------------------------

def _reserve_incident_ids(count):
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


def bulk_insert(rows, *, author_id, status, action):
    """Insert many incidents at once with ``executemany``; return their ids.

    ``rows`` are dicts of clean fields where ``actor_id`` (and ``actor``, the
    actor's stored name), each links field's keys (``vectors``: slugs) with
    the values of its link column (``link_ids("vectors")``: vector ids) and
    ``sources`` are already resolved.
    The caller owns the transaction (all or nothing), so this only flushes.
    """
    if not rows:
        return []
    columns = bulk_columns(rows, status=status, dialect=db.engine.dialect.name)
    return insert_bulk_columns(columns, author_id=author_id, status=status, action=action)


def bulk_columns(rows, *, status, dialect):
    """What ``insert_bulk_columns`` stores for ``rows`` that needs no database, by column.

    Pure (no session), so that an import can build it in a worker process
    while the previous chunk is inserted. Per-row Python is what limits a bulk
    insert, so every value is gathered column by column: the incidents
    table's varying columns (``incidents``), each row's link keys and source
    tuples, its actor (``actor_id``, ``actor``; ``resolve_actors`` may fill
    them later) and its first snapshot after the actor (``_snapshot_tails``).
    Incident columns with one value in every row (a file's language, its empty
    summaries…) move to ``same``, to be written once (``_Rows``).
    """
    fields = _bulk_fields(rows)
    day = date.isoformat if dialect == "sqlite" else _same
    geometries = fields["geometry"]
    # Plain floats: database drivers do not adapt numpy scalars.
    min_x, min_y, max_x, max_y = shapely.bounds(geometries).T.tolist()
    rep_x, rep_y = rep_points(geometries).T.tolist()
    copied = (*(name for name in STORED if BY_NAME[name].kind != "date"), "published_at")
    incidents = {"uuid": _uuid4_texts(len(rows)),
                 "start_date": list(map(day, fields["start_date"])),
                 "end_date": list(map(day, fields["end_date"])),
                 "geometry": encode_many(geometries, dialect), "min_x": min_x,
                 "min_y": min_y, "max_x": max_x, "max_y": max_y, "rep_x": rep_x,
                 "rep_y": rep_y, **{name: fields[name] for name in copied}}
    return {"incidents": incidents, "same": _shared_values(incidents, SHAREABLE),
            "actor_id": fields["actor_id"], "actor": fields["actor"],
            **{link_ids(f.name): fields[link_ids(f.name)] for f in LINK_FIELDS},
            "sources": [[(s["url"], s["publisher"],
                          day(s["published_on"]) if s["published_on"] else None,
                          s["archived_url"]) for s in row_sources]
                        for row_sources in fields["sources"]],
            "snapshot_tails": _snapshot_tails(fields, status)}


# Incident columns of ``bulk_columns`` that may turn out to be one value in every row.
SHAREABLE = tuple(name for name in STORED if BY_NAME[name].kind != "date" and name != "title")


def link_ids(name):
    """The key of a bulk row's values for the link table of the links field ``name``."""
    return name + ":ids"


def _one_value(values):
    """Whether the non-empty list ``values`` holds one value only (``==``).

    ``list.count`` compares in C, and mostly by identity: a few ns per row. A
    column that varies (titles, sources…) mostly differs at its ends already:
    comparing them first saves comparing every row.
    """
    return values[0] == values[-1] and values.count(values[0]) == len(values)


def _shared_values(columns, names):
    """Remove from ``columns`` those of ``names`` with one value in every row; return them."""
    shared = {}
    for name in names:
        values = columns[name]
        if values and _one_value(values):
            shared[name] = values[0]
            del columns[name]
    return shared


def resolve_actors(columns, refs):
    """Fill ``bulk_columns``' ``actor_id`` and ``actor`` (stored name) from actor names.

    Needs the session: a new name creates its actor (``References.actor``).
    """
    # In row order: the first spelling of a new actor's name is the one stored.
    actors = {name: refs.actor(name) for name in dict.fromkeys(columns["actor"])}
    ids = {name: actor and actor.id for name, actor in actors.items()}
    names = {name: actor and actor.name for name, actor in actors.items()}
    columns["actor_id"] = list(map(ids.__getitem__, columns["actor"]))
    columns["actor"] = list(map(names.__getitem__, columns["actor"]))


def select_bulk_rows(columns, keep):
    """``bulk_columns`` of the rows whose ``keep`` is true."""
    def pick(values):
        return list(compress(values, keep))
    return {**columns, "incidents": {k: pick(v) for k, v in columns["incidents"].items()},
            **{name: pick(columns[name]) for name in columns
               if name not in ("incidents", "same")}}


def insert_bulk_columns(columns, *, author_id, status, action):
    """Insert the incidents of ``bulk_columns``, with their links and first revisions.

    Returns their ids. The columns become positional tuples by one ``zip``;
    values shared by every row are kept apart (``_Rows.same``). On SQLite they
    go through the DB-API cursor (``_insert_sqlite``), on PostgreSQL through
    Core.
    """
    dialect = db.engine.dialect.name
    ids = _reserve_incident_ids(len(columns["actor"]))
    # SQLite stores datetimes as text, in SQLAlchemy's format.
    moment = _sqlite_datetime if dialect == "sqlite" else _same
    now = moment(utcnow())
    published = status == "published"
    given = columns["incidents"]
    incidents = _Rows.of_columns(
        {"id": ids, "actor_id": columns["actor_id"], **given,
         "published_at": [moment(p) if p else now if published else None
                          for p in given["published_at"]]},
        status=status, created_by_id=author_id, reviewed_by_id=author_id if published else None,
        rejection_reason=None, created_at=now, updated_at=now, version=1, campaign_id=None,
        **columns["same"])
    revisions = _Rows.of_columns(
        {"incident_id": ids,
         "snapshot": _snapshot_texts(columns["actor"], columns["snapshot_tails"])},
        number=1, author_id=author_id, created_at=now, action=action, changes=None)
    tables = ((Incident.__table__, incidents),
              *((f.links.table, _links(ids, columns[link_ids(f.name)], f.links.column))
                for f in LINK_FIELDS),
              (Source.__table__, _links(ids, columns["sources"], *SOURCE_COLUMNS)),
              (Revision.__table__, revisions))
    if dialect == "sqlite":
        packed = db.session.info.get(PACKED_RTREE)
        if isinstance(packed, list):
            packed.append(np.column_stack([ids, *(given[name] for name in BOX_COLUMNS)]))
        _insert_sqlite(tables, ids, rtree=packed is None)
    else:
        for table, rows in tables:
            if rows.values:
                db.session.execute(sa.insert(table), [dict(zip(rows.names, v), **rows.same)
                                                      for v in rows.values])
    return ids


def _bulk_fields(rows):
    """The fields of ``rows`` column by column, defaults applied as ``Incident`` has them."""
    def column(name, default=None):
        return [row.get(name) or default for row in rows]

    def stored(f):  # a number may be 0: only a missing one takes the default
        if f.kind == "int":
            return [row.get(f.name, f.default) for row in rows]
        return column(f.name, f.default)
    return {**{name: stored(BY_NAME[name]) for name in STORED},
            "geometry": [row["geometry"] for row in rows],
            "published_at": [row.get("published_at") for row in rows],
            "actor_id": column("actor_id"), "actor": column("actor"),
            **{f.name: column(f.name, ()) for f in LINK_FIELDS},
            **{link_ids(f.name): column(link_ids(f.name), ()) for f in LINK_FIELDS},
            "sources": column("sources", ())}


def _same(value):
    return value


SOURCE_COLUMNS = ["url", "publisher", "published_on", "archived_url"]


class _Rows:
    """Rows for one table: ``values`` (tuples) in the columns ``names``, and ``same``,
    the values of the columns that every row shares (``{name: value}``).

    SQLite gets ``same`` written into the statement (``_insert_sqlite``):
    binding a parameter costs about 0.2 µs, a tenth of an incident row's Python side.
    """

    def __init__(self, names, values, **same):
        self.names, self.values, self.same = names, values, same

    @classmethod
    def of_columns(cls, columns, **same):
        """From ``{name: list}``: one ``zip`` makes the tuples."""
        return cls(list(columns), list(zip(*columns.values())), **same)


def _links(ids, values, *names):
    """``_Rows`` of ``(incident_id, *value)``, one per value of each incident.

    With one name, each value is the column's value; with more, a tuple of them.
    """
    if len(names) == 1:
        return _Rows(["incident_id", *names], [(iid, value) for iid, row_values
                                               in zip(ids, values) for value in row_values])
    return _Rows(["incident_id", *names], [(iid, *value) for iid, row_values in zip(ids, values)
                                           for value in row_values])


# The first revision's snapshot, as ``JSONDict`` would write ``snapshot(incident)``
# (keys sorted) but filled in by ``%`` from values encoded column by column:
# json.dumps of one dict per row, and the geometry's GeoJSON parsed only to be
# written again, were a third of a bulk import's Python time. The actor, the
# first key, is the one value that needs the database: ``_snapshot_tails``
# writes everything after it, ``_snapshot_texts`` puts it in front.
SNAPSHOT_KEYS = sorted((*SNAPSHOT_FIELDS, "geometry", "actor",
                        *(f.name for f in LINK_FIELDS), "sources"))
assert SNAPSHOT_KEYS[0] == "actor"
_SOURCE_HEAD = '{"archived_url": %s, "published_on": %s, "publisher": %s, "url": '
_json_string = json.encoder.encode_basestring  # json.dumps(text, ensure_ascii=False), in C


def _json_text(value):
    """JSON of a text or ``None``."""
    return "null" if value is None else _json_string(value)


def _json_texts(values):
    return list(map(_json_string, values))


def _json_days(days):
    """JSON of each date; an import repeats the same few hundred days."""
    texts = {day: _json_string(day.isoformat()) for day in set(days)}
    return list(map(texts.__getitem__, days))


def _json_numbers(values):
    return ["null" if value is None else str(int(value)) for value in values]


def _json_sorted_lists(lists):
    """JSON of each list of texts, sorted (as ``snapshot`` sorts vectors, countries…).

    Encoded once per distinct list: an import repeats the same few lists.
    """
    texts = {}
    out = []
    for items in lists:
        key = tuple(items)
        text = texts.get(key)
        if text is None:
            text = texts[key] = "[" + ", ".join(map(_json_string, sorted(items))) + "]"
        out.append(text)
    return out


def _json_sources(sources):
    """JSON of each incident's list of sources (in the order they are stored).

    A source's keys before its URL (usually an empty publisher, no dates) are
    encoded once per distinct triple.
    """
    heads = {}

    def source(s):
        key = (s["archived_url"], s["published_on"], s["publisher"])
        head = heads.get(key)
        if head is None:
            archived, published, publisher = key
            head = heads[key] = _SOURCE_HEAD % (
                _json_text(archived),
                _json_string(published.isoformat()) if published else "null",
                _json_string(publisher))
        return head + _json_string(s["url"]) + "}"
    return ["[" + ", ".join(map(source, row_sources)) + "]" for row_sources in sources]


# How ``_snapshot_tails`` gets each key's column from ``_bulk_fields`` and encodes it.
_ENCODERS = {"date": _json_days, "int": _json_numbers, "links": _json_sorted_lists}
_SNAPSHOT_COLUMNS = {
    **{name: (name, _ENCODERS.get(BY_NAME[name].kind, _json_texts)) for name in STORED},
    **{f.name: (f.name, _json_sorted_lists) for f in LINK_FIELDS},
    "sources": ("sources", _json_sources)}


def _snapshot_tails(fields, status):
    """Each first snapshot after its actor: ``, "attribution": …}`` (see ``_snapshot_texts``).

    A column with one value in every row (an import's language, its empty
    summaries, its status…: most of them) is encoded once and written into the
    row template, so that ``%`` fills in only the columns that vary.
    """
    count = len(fields["title"])
    if not count:
        return []
    same = {"status": _json_string(status), "rejection_reason": "null"}
    # shapely's GeoJSON: it always varies (and geometries are not cheap to compare).
    varying = {"geometry": shapely.to_geojson(fields["geometry"]).tolist()}
    for key, (name, encode) in _SNAPSHOT_COLUMNS.items():
        values = fields[name]
        if _one_value(values):
            same[key] = encode(values[:1])[0]
        else:
            varying[key] = encode(values)
    template = "".join(f', "{key}": ' + (same[key].replace("%", "%%") if key in same else "%s")
                       for key in SNAPSHOT_KEYS[1:]) + "}"
    return list(map(template.__mod__, zip(*(varying[key] for key in SNAPSHOT_KEYS[1:]
                                            if key in varying))))


def _snapshot_texts(actors, tails):
    """The first revision's snapshot of each bulk-inserted incident, as JSON text.

    After ``json.loads`` it equals ``snapshot(incident)`` of the stored incident
    (tests/incidents/test_bulk_snapshot.py); only the spacing of the geometry,
    shapely's GeoJSON text, differs from ``JSONDict``'s.
    """
    heads = {actor: '{"actor": ' + _json_text(actor) for actor in set(actors)}
    return list(map(str.__add__, map(heads.__getitem__, actors), tails))


def _uuid4_texts(count):
    """``count`` random (version 4) UUIDs as text, drawn at once from the OS's generator.

    Sorted: the rows of a bulk insert then reach the unique index on ``uuid``
    in its order, not at random places (about 15 % of an incident row's
    insert on a million rows). They are as random as before.
    """
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = raw[:, 6] & 0x0F | 0x40  # version 4
    raw[:, 8] = raw[:, 8] & 0x3F | 0x80  # RFC 4122 variant
    return sorted(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
                  for h in (row.tobytes().hex() for row in raw))


def _sqlite_datetime(value):
    """``value`` as SQLAlchemy stores a naive DATETIME in SQLite."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


# Row triggers that fire per inserted row on SQLite: the R*Tree mirror of the
# bounding boxes (migration 0001) and the map's change log (migration 0006: per
# row, a counter bump, a log row naming the incident and a prune of old rows).
RTREE_TRIGGER = "incidents_rtree_insert"
MAP_TRIGGERS = ("incidents_map_insert", "incident_vectors_map_insert",
                "incident_countries_map_insert", "incident_platforms_map_insert")


BULK_CACHE_KIB = 128 * 1024


@contextmanager
def bulk_writing():
    """A bigger SQLite page cache while a transaction inserts many incidents, and
    the WAL checkpoint of its commit run in the background (``ops.wal``).

    Each insert touches a leaf of nine B-trees (the table, its indexes, the
    R*Tree) in random order; with SQLite's default 2 MiB cache most of those
    pages are evicted, spilled and read again. The cache (at most 128 MiB,
    filled only as needed) is set back when the block ends. No-op elsewhere.
    """
    if db.engine.dialect.name != "sqlite":
        yield
        return
    connection = db.session.connection().connection.dbapi_connection
    before = connection.execute("PRAGMA cache_size").fetchone()[0]
    connection.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        with wal.checkpoint_later(connection, wal.sqlite_file(db.engine)):
            yield
    finally:
        connection.execute(f"PRAGMA cache_size = {before}")


PACKED_RTREE = "atlas_packed_rtree"  # session.info: the boxes ``packed_rtree`` will pack
BOX_COLUMNS = ("min_x", "max_x", "min_y", "max_y")  # the R*Tree's, in its order
DISCARDED = "discarded"  # PACKED_RTREE's value in a block that will be rolled back


@contextmanager
def packed_rtree(enabled=True, *, discarded=False):
    """Inside the block, bulk inserts leave SQLite's R*Tree alone; it is packed at the end.

    Growing an R*Tree costs 10–20 µs a row (a quarter of a bulk import's
    writing at a million rows); packing it once from every box
    (``rtree_bulk.rebuild``) costs about 1 µs. Only for a bulk insert into an
    empty incidents table: the packed tree is made of the boxes inserted in
    the block (``_insert_sqlite`` collects them), and nothing in the block may
    need the tree (the import's duplicate check against stored incidents does
    not run then). An exception skips the packing; the caller's rollback
    takes back the rows with it. ``discarded``: the block's writes will be
    rolled back whatever happens (a dry run), into an empty table or not, so
    the tree is neither grown nor packed. No-op elsewhere.
    """
    if not enabled or db.engine.dialect.name != "sqlite":
        yield
        return
    db.session.info[PACKED_RTREE] = boxes = DISCARDED if discarded else []
    try:
        yield
    finally:
        del db.session.info[PACKED_RTREE]
    if discarded:
        return
    cursor = db.session.connection().connection.cursor()
    rows = np.concatenate(boxes) if boxes else np.zeros((0, 5))
    stored = cursor.execute("SELECT count(*) FROM incidents").fetchone()[0]
    if stored != len(rows):  # not the whole table after all: pack what is stored
        rows = np.array(cursor.execute(
            f"SELECT id, {', '.join(BOX_COLUMNS)} FROM incidents").fetchall(),
            dtype=np.float64).reshape(-1, 5)
    rtree_bulk.rebuild(cursor, "incident_rtree", rows[:, 0].astype(np.int64), rows[:, 1:])
    cursor.close()


def _insert_sqlite(tables, ids, *, rtree=True):
    """Insert ``(table, _Rows)`` through the DB-API cursor, row triggers done in bulk.

    Row triggers cost more than the rows themselves (an R*Tree insert and
    map-log writes per row), so inside the caller's transaction they are
    dropped, the rows inserted, the R*Tree rows copied from the new incident
    rows (``ids``, a range; unless not ``rtree``: ``packed_rtree`` will pack
    it), the map's change log written once for the batch
    (``_log_map_changes``), and the triggers created again from their own SQL.
    SQLite's DDL is transactional: a rollback brings everything back, and other
    connections never see the triggers missing (the write lock is held, readers
    see the last commit).
    """
    db.session.flush()
    cursor = db.session.connection().connection.cursor()
    names = (RTREE_TRIGGER, *MAP_TRIGGERS)
    triggers = dict(cursor.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
        f"({', '.join('?' * len(names))})", names).fetchall())
    for name in triggers:
        cursor.execute(f'DROP TRIGGER "{name}"')
    for table, rows in tables:
        if rows.values:
            values = ["?"] * len(rows.names) + list(map(_sql_literal, rows.same.values()))
            cursor.executemany(f"INSERT INTO {table.name} ({', '.join([*rows.names, *rows.same])}) "
                               f"VALUES ({', '.join(values)})", rows.values)
    span = (ids[0], ids[-1])
    if RTREE_TRIGGER in triggers and rtree:
        cursor.execute("INSERT INTO incident_rtree SELECT id, min_x, max_x, min_y, max_y "
                       "FROM incidents WHERE id BETWEEN ? AND ?", span)
    if MAP_TRIGGERS[0] in triggers:
        _log_map_changes(cursor, triggers[MAP_TRIGGERS[0]], span)
    for sql in triggers.values():
        cursor.execute(sql)
    cursor.close()


def _sql_literal(value):
    """``value`` (None, a whole number or text) as an SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def _log_map_changes(cursor, trigger_sql, span):
    """What the map triggers do per row, once for the batch: bump, log the ids in ``span``, prune.

    The bump and the prune are the trigger's own first and last statements;
    every new incident is logged under the one counter value the bump reached
    (its vector and country rows belong to the same incidents).
    """
    body = trigger_sql[trigger_sql.index(" BEGIN ") + 7:trigger_sql.rindex("END")]
    statements = [part.strip() for part in body.split(";") if part.strip()]
    cursor.execute(statements[0])
    cursor.execute("INSERT OR IGNORE INTO map_changes (seq, incident_id) SELECT value, id "
                   "FROM change_counters, incidents WHERE name = 'incidents' "
                   "AND id BETWEEN ? AND ?", span)
    cursor.execute(statements[-1])


def prepare_bulk_rows(parsed, refs):
    """Resolve the links fields (vectors, countries…) of parsed rows for ``bulk_columns``.

    ``parsed`` is a list of ``(line, data)`` from ``schema.parse_incident``.
    Returns ``(rows, errors)``: ``(line, row)`` of the rows that resolve, and
    ``(line, field, reason)`` of those that do not (the caller inserts nothing
    when there is one). Pure (``References.known``): actors, which may have to
    be created, are left to ``resolve_actors``, once there is no error at all,
    so that a refused file leaves nothing behind.
    """
    errors = []
    missing = [i for i, (_, d) in enumerate(parsed) if not d.get("countries")]
    derived = refs.derive_countries([parsed[i][1]["geometry"] for i in missing])
    codes_for = dict(zip(missing, derived))
    resolvers = [(f.name, _memo_known(refs, f.name, f.links.key, f.links.target.name))
                  for f in LINK_FIELDS]
    rows = []
    for index, (line, data) in enumerate(parsed):
        resolved = {}
        try:
            for name, resolve in resolvers:
                keys = data.get(name) or (codes_for[index] if name == "countries" else ())
                resolved[name], resolved[link_ids(name)] = resolve(keys)
        except ValidationError as exc:
            errors.extend((line, field, reason) for field, reason in exc.errors)
            continue
        rows.append((line, {**data, **resolved}))
    return rows, errors


def _memo_known(refs, kind, *attributes):
    """``keys -> (list of attribute values, …)`` of ``refs.known(kind, keys)``, memoised.

    An import repeats the same few lists of vectors and countries on most rows.
    """
    memo = {}

    def resolve(keys):
        key = tuple(keys)
        if key not in memo:
            found = refs.known(kind, keys)
            memo[key] = tuple([getattr(obj, name) for obj in found] for name in attributes)
        return memo[key]
    return resolve
