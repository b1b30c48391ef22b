"""Incident rules and transactions: the verbs routes, the API, the CLI and imports call.

Each public function does one thing inside one transaction. Every change to an
incident writes a ``Revision`` (who, when, what changed, the state after), and
every edit names the ``version`` it started from: a stale one raises
``ConflictError`` instead of overwriting someone else's work.
"""
import uuid as uuid_mod
from datetime import datetime

import shapely
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound

from app.auth.models import utcnow
from app.extensions import db
from app.geo.countries import assign_countries
from app.geo.geometry import bounds_and_rep, rep_points, to_geojson
from app.incidents import policy
from app.incidents.models import (Actor, Country, Incident, Revision, Source, Technique,
                                  Vector, incident_countries, incident_techniques,
                                  incident_vectors)
from app.incidents.schema import ValidationError

SNAPSHOT_FIELDS = ("title", "summary", "lang", "status", "start_date", "end_date",
                   "time_precision", "geo_precision", "precision_m", "location_name",
                   "attribution", "confidence", "rejection_reason")


class ConflictError(Exception):
    """The incident changed since the version the editor started from."""

    def __init__(self, incident, expected_version, changes):
        self.incident = incident
        self.expected_version = expected_version
        self.changes = changes
        super().__init__(
            f"incident {incident.id} is at version {incident.version}, not "
            f"{expected_version}: someone else saved it first")


class PermissionDenied(Exception):
    """The user may not do this to this incident."""


# --- reading ---------------------------------------------------------------

def get_incident(incident_id, viewer):
    """Return the incident, or raise ``NotFound`` if it is missing *or* invisible.

    Both cases answer the same, so a guessed draft id reveals nothing.
    """
    incident = db.session.get(Incident, incident_id)
    if incident is None or not policy.can_view(viewer, incident):
        raise NotFound(f"No incident {incident_id}.")
    return incident


def snapshot(incident):
    """A JSON-ready dict of the incident's editable state, for revisions and diffs."""
    data = {name: getattr(incident, name) for name in SNAPSHOT_FIELDS}
    for name in ("start_date", "end_date"):
        data[name] = data[name].isoformat() if data[name] else None
    data["geometry"] = to_geojson(incident.geometry) if incident.geometry is not None else None
    data["actor"] = incident.actor.name if incident.actor else None
    data["vectors"] = sorted(v.slug for v in incident.vectors)
    data["countries"] = sorted(c.iso_a3 for c in incident.countries)
    data["techniques"] = sorted(t.id for t in incident.techniques)
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

class References:
    """Resolves actor names, vector slugs, country codes and technique ids, with caches.

    Unknown actors are created (PRODUCT.md); an unknown vector, country or
    technique is a validation error naming it.
    """

    def __init__(self):
        self.vectors = {v.slug: v for v in db.session.scalars(sa.select(Vector))}
        self.countries = {c.iso_a3: c for c in db.session.scalars(sa.select(Country))}
        self.actors = {a.name.lower(): a for a in db.session.scalars(sa.select(Actor))}
        self._techniques = None

    @property
    def techniques(self):
        if self._techniques is None:
            self._techniques = {t.id: t for t in db.session.scalars(sa.select(Technique))}
        return self._techniques

    def actor(self, name):
        """The actor called ``name`` (case-insensitive), created if new."""
        if not name:
            return None
        actor = self.actors.get(name.lower())
        if actor is None:
            actor = self._create_actor(name)
            self.actors[name.lower()] = actor
        return actor

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
        table = getattr(self, kind)
        unknown = [k for k in keys if k not in table]
        if unknown:
            raise ValidationError([(kind, f"unknown {kind[:-1]} {', '.join(unknown)}")])
        return [table[k] for k in dict.fromkeys(keys)]

    def derive_countries(self, geometries):
        """Country codes per geometry by spatial join, limited to known countries."""
        return [[c for c in codes if c in self.countries]
                for codes in assign_countries(geometries)]


# --- writing ---------------------------------------------------------------

def _apply(incident, data, refs):
    """Set ``data`` (output of ``schema.parse_incident``) on ``incident``."""
    for name in ("title", "summary", "lang", "start_date", "end_date", "time_precision",
                 "geo_precision", "precision_m", "location_name", "attribution",
                 "confidence"):
        if name in data:
            setattr(incident, name, data[name])
    if "geometry" in data:
        incident.geometry = data["geometry"]
        (incident.min_x, incident.min_y, incident.max_x, incident.max_y,
         incident.rep_x, incident.rep_y) = bounds_and_rep(data["geometry"])
    if "actor" in data:
        incident.actor = refs.actor(data["actor"])
    if "vectors" in data:
        incident.vectors = refs.lookup("vectors", data["vectors"])
    if "techniques" in data:
        incident.techniques = refs.lookup("techniques", data["techniques"])
    if data.get("countries"):
        incident.countries = refs.lookup("countries", data["countries"])
    elif "geometry" in data or "countries" in data:
        codes = refs.derive_countries([incident.geometry])[0]
        incident.countries = refs.lookup("countries", codes)
    if "sources" in data:
        incident.sources = [Source(**s) for s in data["sources"]]


def _record(incident, author, action, before):
    after = snapshot(incident)
    number = (db.session.scalar(sa.select(sa.func.max(Revision.number))
                                .where(Revision.incident_id == incident.id)) or 0) + 1
    db.session.add(Revision(incident_id=incident.id, number=number,
                            author_id=getattr(author, "id", None), action=action,
                            snapshot=after, changes=diff(before, after)))


def create_incident(*, data, author, status="draft"):
    """Store a new incident from clean ``data``; it is a draft unless ``status`` says."""
    if not policy.can_create(author):
        raise PermissionDenied("Only contributors, editors and admins create incidents.")
    if status == "published" and not policy.can_publish(author):
        raise PermissionDenied("Only editors publish incidents.")
    try:
        incident = Incident(status=status, created_by_id=author.id)
        _apply(incident, data, References())
        if status == "published":
            incident.published_at = utcnow()
            incident.reviewed_by_id = author.id
        db.session.add(incident)
        db.session.flush()
        _record(incident, author, "create", None)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return incident


def update_incident(*, incident, data, expected_version, editor):
    """Apply ``data`` to ``incident`` if it is still at ``expected_version``."""
    if not policy.can_edit(editor, incident):
        raise PermissionDenied("You may not edit this incident.")
    _check_version(incident, expected_version)
    before = snapshot(incident)
    try:
        _apply(incident, data, References())
        db.session.flush()
        _record(incident, editor, "update", before)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(incident)
        raise ConflictError(incident, expected_version, {}) from None
    except Exception:
        db.session.rollback()
        raise
    return incident


def set_status(*, incident, status, expected_version, editor, reason=None):
    """Move ``incident`` to ``status`` (archive, publish, reject…) with a revision."""
    if status in ("published", "rejected") and not policy.can_publish(editor):
        raise PermissionDenied("Only editors publish or reject incidents.")
    if not policy.can_edit(editor, incident) and not policy.can_publish(editor):
        raise PermissionDenied("You may not change this incident.")
    _check_version(incident, expected_version)
    before = snapshot(incident)
    try:
        incident.status = status
        if status == "published":
            incident.published_at = utcnow()
            incident.reviewed_by_id = editor.id
        if status == "rejected":
            incident.rejection_reason = reason
            incident.reviewed_by_id = editor.id
        db.session.flush()
        _record(incident, editor, status, before)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(incident)
        raise ConflictError(incident, expected_version, {}) from None
    return incident


def _check_version(incident, expected_version):
    if expected_version is None:
        raise ValidationError([("version", "is required to edit (optimistic locking)")])
    if int(expected_version) != incident.version:
        latest = db.session.scalar(
            sa.select(Revision).where(Revision.incident_id == incident.id)
            .order_by(Revision.number.desc()).limit(1))
        raise ConflictError(incident, expected_version, latest.changes if latest else {})


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
    """Insert many incidents at once with Core ``executemany``; return their ids.

    ``rows`` are dicts of clean fields where ``actor_id``, ``vector_ids``,
    ``country_codes``, ``technique_ids`` and ``sources`` are already resolved.
    The caller owns the transaction (all or nothing), so this only flushes.
    Each incident gets its first revision with a full snapshot.
    """
    if not rows:
        return []
    ids = _reserve_incident_ids(len(rows))
    now = utcnow()
    published_at = now if status == "published" else None
    incidents, vectors, countries, techniques, sources, revisions = [], [], [], [], [], []
    # Plain floats: database drivers do not adapt numpy scalars.
    bounds = shapely.bounds([r["geometry"] for r in rows]).tolist()
    reps = rep_points([r["geometry"] for r in rows]).tolist()
    for offset, row in enumerate(rows):
        iid = ids[offset]
        min_x, min_y, max_x, max_y = bounds[offset]
        incidents.append({
            "id": iid, "uuid": str(uuid_mod.uuid4()), "title": row["title"],
            "summary": row.get("summary") or "", "lang": row.get("lang") or "en",
            "status": status, "created_by_id": author_id,
            "reviewed_by_id": author_id if status == "published" else None,
            "rejection_reason": None, "created_at": now, "updated_at": now,
            "published_at": row.get("published_at", published_at), "version": 1,
            "start_date": row["start_date"], "end_date": row["end_date"],
            "time_precision": row.get("time_precision") or "day",
            "geometry": row["geometry"], "min_x": min_x, "min_y": min_y,
            "max_x": max_x, "max_y": max_y, "rep_x": reps[offset][0],
            "rep_y": reps[offset][1], "geo_precision": row.get("geo_precision") or "exact",
            "precision_m": row.get("precision_m"),
            "location_name": row.get("location_name") or "",
            "actor_id": row.get("actor_id"),
            "attribution": row.get("attribution") or "unattributed",
            "confidence": row.get("confidence", 50), "campaign_id": None,
        })
        vectors += [{"incident_id": iid, "vector_id": v} for v in row.get("vector_ids", ())]
        countries += [{"incident_id": iid, "iso_a3": c} for c in row.get("country_codes", ())]
        techniques += [{"incident_id": iid, "technique_id": t}
                       for t in row.get("technique_ids", ())]
        sources += [{"incident_id": iid, **s} for s in row.get("sources", ())]
        revisions.append({"incident_id": iid, "number": 1, "author_id": author_id,
                          "created_at": now, "action": action, "changes": None,
                          "snapshot": row["snapshot"]})
    session = db.session
    session.execute(sa.insert(Incident.__table__), incidents)
    for table, values in ((incident_vectors, vectors), (incident_countries, countries),
                          (incident_techniques, techniques),
                          (Source.__table__, sources), (Revision.__table__, revisions)):
        if values:
            session.execute(sa.insert(table), values)
    return [r["id"] for r in incidents]



def bulk_snapshot(data, *, status, actor_name):
    """The first revision's snapshot for a bulk-inserted incident (same keys as ``snapshot``)."""
    snap = {name: data.get(name) for name in SNAPSHOT_FIELDS}
    snap.update(status=status, actor=actor_name,
                start_date=data["start_date"].isoformat(),
                end_date=data["end_date"].isoformat(),
                geometry=to_geojson(data["geometry"]),
                vectors=sorted(data.get("vectors") or []),
                countries=sorted(data.get("country_codes") or []),
                techniques=sorted(data.get("techniques") or []),
                sources=[{k: (v.isoformat() if hasattr(v, "isoformat") else v)
                          for k, v in s.items()} for s in data.get("sources") or []])
    return snap


def prepare_bulk_rows(parsed, refs, *, status):
    """Resolve references of parsed rows for ``bulk_insert``.

    ``parsed`` is a list of ``(line, data)`` from ``schema.parse_incident``.
    Returns ``(rows, errors)``; ``errors`` are ``(line, field, reason)``. Actors
    are only created when there is no error at all, so a refused file leaves
    nothing behind.
    """
    errors = []
    missing = [i for i, (_, d) in enumerate(parsed) if not d.get("countries")]
    derived = refs.derive_countries([parsed[i][1]["geometry"] for i in missing])
    codes_for = dict(zip(missing, derived))
    rows = []
    for index, (line, data) in enumerate(parsed):
        row = dict(data)
        try:
            row["vector_ids"] = [v.id for v in refs.lookup("vectors", data["vectors"])]
            codes = data["countries"] or codes_for[index]
            row["country_codes"] = [c.iso_a3 for c in refs.lookup("countries", codes)]
            row["technique_ids"] = [t.id for t in refs.lookup("techniques",
                                                              data.get("techniques") or [])]
        except ValidationError as exc:
            errors.extend((line, field, reason) for field, reason in exc.errors)
            continue
        rows.append(row)
    if errors:
        return [], errors
    for row in rows:
        actor = refs.actor(row.get("actor"))
        row["actor_id"] = actor.id if actor else None
        row["snapshot"] = bulk_snapshot(row, status=status,
                                        actor_name=actor.name if actor else None)
    return rows, []
