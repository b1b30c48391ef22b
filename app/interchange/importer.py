"""All-or-nothing import of incident files, with a row-by-row refusal report.

Each format of the registry (``formats.FORMATS``) has a reader yielding
``(position, properties)`` with the CSV names of docs/product.md and the word
its report uses for a position (line, feature, object). Every row runs through the same validation
as the editor and the API (``schema.parse_incidents``, ``parse_incident``'s
rules for a chunk of rows at once). Valid rows are
inserted in chunks inside one transaction, so memory stays bounded on huge
files; any problem anywhere rolls everything back, and ``dry_run`` always
does. Rows equal to an existing incident or an earlier row (same title, start
date and geometry) are skipped and listed. A row that names its incident
(a STIX ``incident--<uuid>``: the reader's ``__uuid__``) is that incident: if
it is stored, the row UPDATES it (``service.import_update``: the edit's rules,
a revision, the version named by ``__version__``); if not, it is inserted
keeping that uuid, so an export read back keeps its ids.

An import has two halves: ``_Reader`` reads, validates and prepares rows
without the database; ``_Run`` checks them against stored incidents and
inserts them (``app.incidents.rows``). How they load is the ``loader``'s
business: ``PlainLoad`` (web uploads, and whatever else passes none) runs both
in this process, one thread, no fork; the CLI passes ``app.bulk.Loader``,
whose devices (a forked reader, a packed R*Tree…) no web request reaches.
"""
import hashlib
from contextlib import nullcontext
from dataclasses import dataclass, field

import shapely
import sqlalchemy as sa

from app.extensions import db
from app.geo.geometry import to_geojson
from app.incidents import policy
from app.incidents.models import Incident
from app.incidents.schema import ValidationError, parse_incidents
from app.incidents.rows import (bigger_cache, bulk_columns, insert_bulk_columns,
                                link_problems, prepare_bulk_rows, resolve_actors,
                                select_bulk_rows)
from app.incidents.service import (ConflictError, PermissionDenied, References,
                                   check_import_update, import_update)
from app.interchange import formats
from app.interchange.errors import FormatError
from app.interchange.export import paused_gc
from app.interchange.sniff import check_claimed_format
from app.messages import N_, Message
from app.ops import metrics

MAX_REPORTED = 1000
PREVIEW = 200  # rows a dry run shows in its table and map
CHUNK = 10_000
FIRST_CHUNK = 1000
TITLES_PER_QUERY = 5000

__all__ = ["FormatError", "PermissionDenied", "ImportResult", "detect_format",
           "import_stream"]


@dataclass
class ImportResult:
    """What an import did or would do (``ids``/``count``), what it skipped, why it refused.

    ``errors`` are ``(position, field, reason)``; ``duplicates`` are
    ``(position, title)``; ``updated`` the ids of stored incidents the file
    updates (or would: ``dry_run``); ``unit`` names a position (line, feature,
    object). A dry run that finds no problem fills ``preview``: the first
    ``PREVIEW`` incidents it would insert, as ``preview_row`` describes them.
    """

    ids: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    count: int = 0
    dry_run: bool = False
    unit: str = "line"
    preview: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def report(self):
        """The refusal report, one line per problem."""
        lines = [f"{self.unit} {pos}: {fld}: {reason}"
                 for pos, fld, reason in self.errors[:MAX_REPORTED]]
        if len(self.errors) > MAX_REPORTED:
            lines.append(f"… and {len(self.errors) - MAX_REPORTED} more problems")
        return "\n".join(lines)

    def duplicate_report(self):
        """One line per skipped duplicate."""
        return "\n".join(f"{self.unit} {pos}: duplicate of an existing incident: {title}"
                         for pos, title in self.duplicates[:MAX_REPORTED])


def detect_format(path):
    """The format named by a file's extension."""
    return formats.by_file_name(path)


def duplicate_keys(titles, start_dates, geometries):
    """Compact keys for "same title, start date and geometry" (normalised WKB, vectorised)."""
    wkbs = shapely.to_wkb(shapely.normalize(geometries)).tolist() if len(geometries) else []
    blake2b = hashlib.blake2b
    return [blake2b(b"\x00".join((title.encode(), str(start).encode(), wkb)),
                    digest_size=12).digest()
            for title, start, wkb in zip(titles, start_dates, wkbs)]


def _existing_keys(batch, before_id, user):
    """Keys of incidents ``user`` may see, stored before the import (id ≤ ``before_id``)
    and sharing a title.

    ``batch`` holds ``(position, title, key)``; rows of this import are checked
    against each other in memory instead (``_Reader``). Only visible incidents
    count: "duplicate of …" about someone else's draft would reveal it.
    """
    titles = sorted({title for _, title, _ in batch})
    keys = set()
    for start in range(0, len(titles) if before_id else 0, TITLES_PER_QUERY):
        rows = db.session.execute(
            sa.select(Incident.title, Incident.start_date, Incident.geometry)
            .where(Incident.title.in_(titles[start:start + TITLES_PER_QUERY]),
                   Incident.id <= before_id, Incident.status != "archived",
                   policy.visibility_clause(user))).all()
        if rows:
            keys.update(duplicate_keys(*zip(*rows)))
    return keys


def preview_row(position, data):
    """What a dry run shows of a row it would insert: its clean fields, its references
    resolved (countries derived from the geometry when the row names none), the
    geometry's kind and its GeoJSON (the locator map's ``location``)."""
    geometry = data["geometry"]
    return {"position": position, "title": data["title"], "start_date": data["start_date"],
            "end_date": data["end_date"], "time_precision": data["time_precision"],
            "actor": data.get("actor"), "vectors": data["vectors"],
            "platforms": data["platforms"], "countries": data["countries"],
            "geo_precision": data["geo_precision"], "precision_m": data["precision_m"],
            "kind": geometry.geom_type, "location": {
                "geometry": to_geojson(geometry), "geo_precision": data["geo_precision"],
                "precision_m": data["precision_m"]}}


def _unreadable(props):
    """A row the reader could not make into properties (its problem is already known)."""
    return "__extra__" in props or "__error__" in props


IDENTITY = ("__uuid__", "__version__")  # what a reader says of the incident a row names


def _fields(props):
    """``props`` without the identity a reader gave it (``IDENTITY``)."""
    if "__uuid__" not in props:
        return props
    return {k: v for k, v in props.items() if k not in IDENTITY}


@dataclass
class _Chunk:
    """What ``_Reader`` made of up to ``CHUNK`` rows read, in file order.

    ``errors`` are validation problems; ``rows`` are ``(position, title, key,
    repeated)`` of the valid rows, ``repeated`` when an earlier row of the
    file has the same key; ``problems`` are the references that do not resolve
    among the others (``prepare_bulk_rows``), ``columns`` (``bulk_columns``)
    the rows that do resolve, at ``positions``. ``named`` maps the position of
    a row naming its incident (a uuid) to its data; ``preview`` holds
    ``preview_row`` of the first rows that resolve, while the reader is asked
    for a preview. Whether a row repeats a
    stored incident, which voids its problems, or updates one, is for ``_Run``
    to tell.
    """

    errors: list
    rows: list
    problems: list = field(default_factory=list)
    positions: list = field(default_factory=list)
    columns: dict = None
    named: dict = field(default_factory=dict)
    preview: list = field(default_factory=list)


class _Reader:
    """The half of an import that needs no database: validate and prepare rows.

    ``chunks`` yields a ``_Chunk`` per ``CHUNK`` rows. Once a row is invalid
    nothing more is prepared for insertion (the import will be refused), but every
    row is still validated and its references checked, for the report. Pure, so
    that a worker process can run it (``app.bulk.Loader.chunks``).
    """

    def __init__(self, refs, status, dialect, preview=0):
        self.refs, self.status, self.dialect = refs, status, dialect
        self.preview = preview  # rows still to describe for a dry run's preview
        self.seen = set()
        self.named = set()  # uuids of the rows naming their incident
        self.invalid = False

    def chunks(self, rows):
        """One ``_Chunk`` per ``CHUNK`` rows, the first one smaller.

        With a worker (``app.bulk.Loader.chunks``), the writer waits for the
        first chunk and the worker for nothing at the end: a small first chunk
        shortens that wait (a tenth of a 100,000-row import with full chunks).
        """
        raw, size = [], min(FIRST_CHUNK, CHUNK)
        for position, props in rows:
            raw.append((position, props))
            if len(raw) >= size:
                yield self._chunk(raw)
                raw, size = [], CHUNK
        yield self._chunk(raw)

    def _chunk(self, raw):
        errors, parsed, partial = _parse(raw)
        self.invalid = self.invalid or bool(errors)
        # An invalid row's references are checked too: one pass names all its problems.
        errors += link_problems(partial, self.refs)
        keys = duplicate_keys([d["title"] for _, d in parsed],
                              [d["start_date"] for _, d in parsed],
                              [d["geometry"] for _, d in parsed])
        chunk = _Chunk(errors, [])
        unseen = []
        for (position, data), key in zip(parsed, keys):
            if data.get("uuid"):
                # Its identity is its uuid, not its title, date and place.
                if data["uuid"] in self.named:
                    errors.append((position, "id", Message(N_(
                        "names incident %(uuid)s again"), uuid=data["uuid"])))
                    self.invalid = True
                    continue
                self.named.add(data["uuid"])
                chunk.named[position] = data
                unseen.append((position, data))
                continue
            repeated = key in self.seen
            chunk.rows.append((position, data["title"], key, repeated))
            if not repeated:
                self.seen.add(key)
                unseen.append((position, data))
        if unseen:
            # References are checked even once the file is refused, so that one
            # upload reports every problem of every row, not the first stage's only.
            rows, chunk.problems = prepare_bulk_rows(unseen, self.refs)
            if rows and not self.invalid:
                chunk.positions = [position for position, _ in rows]
                chunk.preview = [preview_row(position, row)
                                 for position, row in rows[:self.preview]]
                self.preview -= len(chunk.preview)
                chunk.columns = bulk_columns([row for _, row in rows], status=self.status,
                                             dialect=self.dialect)
        return chunk


def _parse(raw):
    """``(errors, [(position, data)], [(position, clean)])`` of rows read
    (``parse_incidents``), in file order; ``clean`` holds the fields of an
    invalid row that did validate (``ValidationError.clean``)."""
    errors, valid, partial = [], [], []
    parsed = iter(parse_incidents([_fields(p) for _, p in raw if not _unreadable(p)]))
    for position, props in raw:
        if "__extra__" in props:
            errors.append((position, "row", Message(
                N_("has more cells than the header has columns"))))
        elif "__error__" in props:
            errors.append((position, *props["__error__"]))
        else:
            data = next(parsed)
            if isinstance(data, ValidationError):
                errors.extend((position, f, r) for f, r in data.errors)
                partial.append((position, data.clean))
            else:
                if props.get("__uuid__"):
                    data.update(uuid=props["__uuid__"], version=props.get("__version__"))
                valid.append((position, data))
    return errors, valid, partial


class _Run:
    """The half of an import that writes: check stored duplicates, insert, remember problems."""

    def __init__(self, user, status, write=None):
        self.user, self.status, self.write = user, status, write
        self.refs = References()
        self.refs.campaigns()  # read here: the reader (maybe a worker) resolves without SQL
        self.result = ImportResult()
        self.before_id = db.session.scalar(sa.select(sa.func.max(Incident.id))) or 0

    def take(self, chunk):
        """Report ``chunk``'s problems and duplicates; insert or update its rows while
        all is well."""
        fresh = [row[:3] for row in chunk.rows if not row[3]]
        stored = _existing_keys(fresh, self.before_id, self.user) if fresh else set()
        updates = self._stored_named(chunk.named)
        self.result.errors += chunk.errors
        self.result.duplicates += [(position, title) for position, title, key, repeated
                                   in chunk.rows if repeated or key in stored]
        skipped = {position for position, _, key in fresh if key in stored}
        self.result.errors += [p for p in chunk.problems if p[0] not in skipped]
        # Reported in file order, whichever stage found them.
        self.result.errors.sort(key=lambda problem: problem[0])
        if self.result.errors or chunk.columns is None:
            # Nothing will be written; the rows naming stored incidents are still
            # asked whether they could update them, so the report is complete.
            self._check_updates(updates, chunk)
            return
        for position, incident in updates.items():
            self._update(position, incident, chunk.named[position])
        if self.result.errors:
            return
        columns = chunk.columns
        skipped |= updates.keys()
        self.result.preview += [row for row in chunk.preview if row["position"] not in skipped]
        if skipped:
            columns = select_bulk_rows(columns, [p not in skipped for p in chunk.positions])
        if columns["actor"]:
            resolve_actors(columns, self.refs)
            self.result.ids += insert_bulk_columns(columns, author_id=self.user.id,
                                                   status=self.status, action="import",
                                                   write=self.write)

    def _stored_named(self, named):
        """``{position: stored incident}`` of the rows of ``named`` whose uuid is stored."""
        if not named or not self.before_id:
            return {}
        positions = {data["uuid"]: position for position, data in named.items()}
        found = db.session.scalars(sa.select(Incident).where(
            Incident.uuid.in_(list(positions)))).all()
        return {positions[incident.uuid]: incident for incident in found}

    def _check_updates(self, updates, chunk):
        """Report why rows of ``updates`` could not update their incidents; change nothing."""
        reported = {problem[0] for problem in self.result.errors}
        for position, incident in updates.items():
            if position in reported:
                continue
            data = chunk.named[position]
            try:
                check_import_update(incident, data.get("version"), self.user,
                                    self.status == "published")
            except (PermissionDenied, ConflictError) as exc:
                self.result.errors.append((position, "id", exc.reason()))
            except ValidationError as exc:
                self.result.errors.extend((position, f, r) for f, r in exc.errors)
        self.result.errors.sort(key=lambda problem: problem[0])

    def _update(self, position, incident, data):
        """Update the stored ``incident`` from the row at ``position``, or report why not."""
        try:
            import_update(incident=incident, data=data, expected_version=data.get("version"),
                          editor=self.user, publish=self.status == "published",
                          refs=self.refs)
        except (PermissionDenied, ConflictError) as exc:
            self.result.errors.append((position, "id", exc.reason()))
        except ValidationError as exc:
            self.result.errors.extend((position, f, r) for f, r in exc.errors)
        else:
            self.result.updated.append(incident.id)


class PlainLoad:
    """The plain way to load: reader and writer in this process (``rows.write_tables``),
    no fork, no thread. Web uploads use it; ``app.bulk.Loader`` (the CLI's) has
    the same four members."""

    write = None  # ``rows.write_tables``
    writing = staticmethod(nullcontext)

    @staticmethod
    def inserting(**_):
        return nullcontext()

    @staticmethod
    def chunks(chunks, _stream):
        return chunks


def import_stream(stream, *, fmt, user, publish=False, dry_run=False, loader=None):
    """Import every incident in ``stream`` or none; return an ``ImportResult``.

    Raises ``FormatError`` when the file as a whole cannot be read as ``fmt``
    and ``PermissionDenied`` when ``user`` may not import (or publish).
    ``loader``: how to load (``PlainLoad`` when None; the CLI passes
    ``app.bulk.Loader``).
    """
    file_format = formats.get(fmt)
    if not policy.can_create(user):
        raise PermissionDenied(N_("Only contributors, editors and admins import incidents."))
    if publish and not policy.can_publish(user):
        raise PermissionDenied(N_("Only editors may publish on import."))
    loader = loader or PlainLoad()
    run = _Run(user, "published" if publish else "draft", loader.write)
    run.result.unit, run.result.dry_run = file_format.unit, dry_run
    try:
        stream = check_claimed_format(stream, fmt)
        with paused_gc(), bigger_cache(), loader.writing():
            result = _read_and_insert(run, stream, fmt, dry_run, loader)
    except FormatError:
        metrics.import_finished(fmt, "rejected")
        raise
    metrics.import_finished(fmt, "rejected" if not result.ok else
                            "dry_run" if dry_run else "committed")
    return result


def _read_and_insert(run, stream, fmt, dry_run, loader):
    """Feed every chunk of ``stream`` to ``run``; commit, or roll back on any problem."""
    reader = _Reader(run.refs, run.status, db.engine.dialect.name,
                     preview=PREVIEW if dry_run else 0)
    chunks = reader.chunks(formats.FORMATS[fmt].reader(stream))
    try:
        with loader.inserting(dry_run=dry_run, empty=not run.before_id):
            for chunk in loader.chunks(chunks, stream):
                run.take(chunk)
        result = run.result
        if not result.errors and not result.ids and not result.duplicates \
                and not result.updated:
            result.errors.append((1, "file", Message(N_("has no incident rows"))))
        result.count = 0 if result.errors else len(result.ids)
        if result.errors or dry_run:
            db.session.rollback()
            result.ids = []
            result.preview = [] if result.errors else result.preview
            result.updated = result.updated if dry_run and not result.errors else []
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
