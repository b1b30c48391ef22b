"""All-or-nothing import of incident files, with a row-by-row refusal report.

Each format registers a reader yielding ``(position, properties)`` with the
CSV names of PRODUCT.md (``READERS``) and the word its report uses for a
position (line, feature, object). Every row runs through the same validation
as the editor and the API (``schema.parse_incidents``, ``parse_incident``'s
rules for a chunk of rows at once). Valid rows are
inserted in chunks inside one transaction, so memory stays bounded on huge
files; any problem anywhere rolls everything back, and ``dry_run`` always
does. Rows equal to an existing incident or an earlier row (same title, start
date and geometry) are skipped and listed.
"""
import hashlib
from dataclasses import dataclass, field

import shapely
import sqlalchemy as sa

from app.extensions import db
from app.incidents import policy
from app.incidents.models import Incident
from app.incidents.schema import ValidationError, parse_incidents
from app.incidents.service import (PermissionDenied, References, bulk_insert, bulk_writing,
                                   prepare_bulk_rows)
from app.interchange import csv_io, geojson_io, gpkg_io, stix_io
from app.interchange.errors import FormatError
from app.interchange.export import paused_gc
from app.interchange.sniff import check_claimed_format
from app.messages import N_, Message

FORMATS = {"csv": csv_io, "geojson": geojson_io, "gpkg": gpkg_io, "stix": stix_io}
READERS = {name: module.read_rows for name, module in FORMATS.items()}
EXTENSIONS = {"csv": "csv", "geojson": "geojson", "json": "geojson", "gpkg": "gpkg",
              "stix": "stix"}
MAX_REPORTED = 1000
CHUNK = 10_000
TITLES_PER_QUERY = 5000

__all__ = ["FormatError", "PermissionDenied", "ImportResult", "detect_format",
           "import_stream"]


@dataclass
class ImportResult:
    """What an import did or would do (``ids``/``count``), what it skipped, why it refused.

    ``errors`` are ``(position, field, reason)``; ``duplicates`` are
    ``(position, title)``; ``unit`` names a position (line, feature, object).
    """

    ids: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    count: int = 0
    dry_run: bool = False
    unit: str = "line"

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
    suffix = str(path).rsplit(".", 1)[-1].lower()
    if suffix not in EXTENSIONS:
        raise FormatError(N_("cannot tell the format of %(path)s; pass --format (%(formats)s)"),
                          path=path, formats=", ".join(sorted(FORMATS)))
    return EXTENSIONS[suffix]


def duplicate_keys(titles, start_dates, geometries):
    """Compact keys for "same title, start date and geometry" (normalised WKB, vectorised)."""
    wkbs = shapely.to_wkb(shapely.normalize(geometries)).tolist() if len(geometries) else []
    return [hashlib.blake2b(f"{title}\x00{start}".encode() + b"\x00" + wkb,
                            digest_size=12).digest()
            for title, start, wkb in zip(titles, start_dates, wkbs)]


def _existing_keys(batch, before_id):
    """Keys of incidents stored before the import (id ≤ ``before_id``) sharing a title.

    Rows of this import are checked against each other in memory instead.
    """
    titles = sorted({data["title"] for _, data in batch})
    keys = set()
    for start in range(0, len(titles) if before_id else 0, TITLES_PER_QUERY):
        rows = db.session.execute(
            sa.select(Incident.title, Incident.start_date, Incident.geometry)
            .where(Incident.title.in_(titles[start:start + TITLES_PER_QUERY]),
                   Incident.id <= before_id, Incident.status != "archived")).all()
        if rows:
            keys.update(duplicate_keys(*zip(*rows)))
    return keys


def _unreadable(props):
    """A row the reader could not make into properties (its problem is already known)."""
    return "__extra__" in props or "__error__" in props


class _Run:
    """One import: parse, deduplicate, insert in chunks, remember problems."""

    def __init__(self, user, status):
        self.user, self.status = user, status
        self.refs = References()
        self.result = ImportResult()
        self.seen = set()
        self.raw, self.pending = [], []
        self.before_id = db.session.scalar(sa.select(sa.func.max(Incident.id))) or 0

    def add(self, position, props):
        self.raw.append((position, props))
        if len(self.raw) >= CHUNK:
            self.flush()

    def _parse(self):
        """Validate the rows read so far (``parse_incidents``), in file order."""
        raw, self.raw = self.raw, []
        parsed = iter(parse_incidents([p for _, p in raw if not _unreadable(p)]))
        for position, props in raw:
            if "__extra__" in props:
                self.result.errors.append((position, "row", Message(
                    N_("has more cells than the header has columns"))))
            elif "__error__" in props:
                self.result.errors.append((position, *props["__error__"]))
            else:
                data = next(parsed)
                if isinstance(data, ValidationError):
                    self.result.errors.extend((position, f, r) for f, r in data.errors)
                else:
                    self.pending.append((position, data))

    def flush(self):
        self._parse()
        batch, self.pending = self._fresh(self.pending), []
        if self.result.errors or not batch:
            return  # keep validating for the report, but insert nothing more
        rows, errors = prepare_bulk_rows(batch, self.refs)
        if errors:
            self.result.errors.extend(errors)
            return
        self.result.ids += bulk_insert(rows, author_id=self.user.id, status=self.status,
                                       action="import")

    def _fresh(self, batch):
        existing = _existing_keys(batch, self.before_id) if batch else set()
        fresh = []
        keys = duplicate_keys([d["title"] for _, d in batch], [d["start_date"] for _, d in batch],
                              [d["geometry"] for _, d in batch])
        for (position, data), key in zip(batch, keys):
            if key in existing or key in self.seen:
                self.result.duplicates.append((position, data["title"]))
                continue
            self.seen.add(key)
            fresh.append((position, data))
        return fresh


def import_stream(stream, *, fmt, user, publish=False, dry_run=False):
    """Import every incident in ``stream`` or none; return an ``ImportResult``.

    Raises ``FormatError`` when the file as a whole cannot be read as ``fmt``
    and ``PermissionDenied`` when ``user`` may not import (or publish).
    """
    if fmt not in READERS:
        raise FormatError(N_("unknown format %(fmt)r; use one of %(formats)s"), fmt=fmt,
                          formats=", ".join(sorted(READERS)))
    if not policy.can_create(user):
        raise PermissionDenied(N_("Only contributors, editors and admins import incidents."))
    if publish and not policy.can_publish(user):
        raise PermissionDenied(N_("Only editors may publish on import."))
    stream = check_claimed_format(stream, fmt)
    run = _Run(user, "published" if publish else "draft")
    run.result.unit, run.result.dry_run = FORMATS[fmt].UNIT, dry_run
    with paused_gc(), bulk_writing():
        return _read_and_insert(run, stream, fmt, dry_run)


def _read_and_insert(run, stream, fmt, dry_run):
    """Feed every row of ``stream`` to ``run``; commit, or roll back on any problem."""
    try:
        for position, props in READERS[fmt](stream):
            run.add(position, props)
        run.flush()
        result = run.result
        if not result.errors and not result.ids and not result.duplicates:
            result.errors.append((1, "file", Message(N_("has no incident rows"))))
        result.count = 0 if result.errors else len(result.ids)
        if result.errors or dry_run:
            db.session.rollback()
            result.ids = []
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
