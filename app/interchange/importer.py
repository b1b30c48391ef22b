"""All-or-nothing import of incident files, with a row-by-row refusal report.

Formats register a reader yielding ``(line, properties)`` with the CSV names
of PRODUCT.md; the import then runs the same validation as the editor and the
API (``schema.parse_incident``) and inserts everything in one transaction, or
nothing.
"""
from dataclasses import dataclass, field

from app.extensions import db
from app.incidents import policy
from app.incidents.schema import ValidationError, parse_incident
from app.incidents.service import PermissionDenied, References, bulk_insert, prepare_bulk_rows
from app.interchange import csv_io

READERS = {"csv": csv_io.read_rows}
FormatError = csv_io.FormatError
MAX_REPORTED = 1000


@dataclass
class ImportResult:
    """What an import did (``ids``) or why it refused (``errors``: line, field, reason)."""

    ids: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def report(self):
        """The refusal report, one line per problem."""
        lines = [f"line {line}: {fld}: {reason}" for line, fld, reason in self.errors[:MAX_REPORTED]]
        if len(self.errors) > MAX_REPORTED:
            lines.append(f"… and {len(self.errors) - MAX_REPORTED} more problems")
        return "\n".join(lines)


def detect_format(path):
    """The format named by a file's extension."""
    suffix = str(path).rsplit(".", 1)[-1].lower()
    if suffix not in READERS:
        raise FormatError(f"cannot tell the format of {path}; pass --format "
                          f"({', '.join(sorted(READERS))})")
    return suffix


def import_stream(stream, *, fmt, user, publish=False):
    """Import every incident in ``stream`` or none; return an ``ImportResult``."""
    if fmt not in READERS:
        raise FormatError(f"unknown format {fmt!r}; use one of {', '.join(sorted(READERS))}")
    if not policy.can_create(user):
        raise PermissionDenied("Only contributors, editors and admins import incidents.")
    if publish and not policy.can_publish(user):
        raise PermissionDenied("Only editors may publish on import.")
    status = "published" if publish else "draft"
    parsed, errors = [], []
    for line, props in READERS[fmt](stream):
        if "__extra__" in props:
            errors.append((line, "row", "has more cells than the header has columns"))
            continue
        try:
            parsed.append((line, parse_incident(props)))
        except ValidationError as exc:
            errors.extend((line, f, r) for f, r in exc.errors)
    if not parsed and not errors:
        errors.append((1, "file", "has a header but no incident rows"))
    if errors:
        return ImportResult(errors=errors)
    try:
        rows, errors = prepare_bulk_rows(parsed, References(), status=status)
        if errors:
            db.session.rollback()
            return ImportResult(errors=errors)
        ids = bulk_insert(rows, author_id=user.id, status=status, action="import")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ImportResult(ids=ids)
