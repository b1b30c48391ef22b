"""CSV in the docs/product.md columns: rows read for import, rows written on export.

Columns: the CSV fields of ``fields.FIELDS`` (``title, summary, start_date,
end_date, actor, campaign, confidence, vectors, platforms, countries,
geo_precision, precision_m``), then ``wkt`` and ``source_url``; ``lat`` and ``lon`` may
replace ``wkt``; lists (vectors, platforms, countries, source_url) are
``;``-separated.

Exports are safe to open in a spreadsheet: a text cell starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return gets a leading apostrophe so it is
never run as a formula; real numbers stay numbers. The reader removes that
apostrophe again, so a file round-trips unchanged.
"""
import csv
import io

import shapely

from app.geo.geometry import for_output
from app.incidents.fields import BY_NAME, CSV_COLUMNS
from app.interchange.errors import FormatError
from app.messages import N_
from app.interchange.jsonstream import text_stream
from app.spreadsheet import FORMULA_START, NUMBER as _NUMBER, csv_writer, restore  # noqa: F401

COLUMNS = CSV_COLUMNS
IMPORT_COLUMNS = COLUMNS  # what the import page lists (``formats.Format.columns``)
REQUIRED = ("title", "start_date")
MAX_FIELD = 1_000_000


def _cell(name):
    """``(record, wkt) -> cell`` of the column ``name``."""
    if name == "wkt":
        return lambda record, wkt: wkt
    if name == "source_url":
        return lambda record, wkt: ";".join(s.url for s in record.sources)
    f = BY_NAME[name]
    if f.kind == "date":
        return lambda record, wkt: getattr(record, name).isoformat()
    if f.kind in ("actor", "campaign"):  # a record named by its name
        return lambda record, wkt: getattr(record, name).name if getattr(record, name) else ""
    if f.kind == "links":
        key = f.links.key
        return lambda record, wkt: ";".join(getattr(o, key) for o in getattr(record, name))
    return lambda record, wkt: getattr(record, name)


_CELLS = [_cell(name) for name in COLUMNS]


def csv_row(record, wkt):
    """The docs/product.md columns of one incident record (``csv_writer`` neutralises them)."""
    return [cell(record, wkt) for cell in _CELLS]


def write(records, *, batch=2000):
    """Yield CSV text chunks: the header, then ``batch`` rows at a time."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= batch:
            yield _rows(writer, buffer, chunk)
            chunk = []
    yield _rows(writer, buffer, chunk)


def _rows(writer, buffer, records):
    wkts = shapely.to_wkt(for_output([r.geometry for r in records]),
                         rounding_precision=-1).tolist() \
        if records else []
    writer.writerows(csv_row(r, w) for r, w in zip(records, wkts))
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def read_rows(stream):
    """Yield ``(line_number, row_dict)`` from a binary or text stream of CSV.

    Line numbers are those a spreadsheet shows (the header is line 1).
    """
    stream = text_stream(stream)
    csv.field_size_limit(MAX_FIELD)
    reader = csv.DictReader(stream)
    try:
        header = reader.fieldnames
    except UnicodeDecodeError as exc:
        raise FormatError(N_("the file is not UTF-8 text (%(reason)s at byte %(byte)s)"),
                          reason=exc.reason, byte=exc.start)
    except csv.Error as exc:
        raise FormatError(N_("the header is not valid CSV: %(error)s"), error=exc) from None
    if not header:
        raise FormatError(N_("the file is empty: expected a header row"))
    # GDAL writes ``WKT`` (``-lco GEOMETRY=AS_WKT``) and spreadsheets capitalise:
    # the columns are matched whatever their case (a BOM is skipped by text_stream).
    header = [h.strip().lower() for h in header]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if "wkt" not in header and not {"lat", "lon"} <= set(header):
        missing.append("wkt (or lat and lon)")
    if missing:
        raise FormatError(N_("the header lacks the column(s) %(missing)s; expected %(columns)s"),
                          missing=", ".join(missing), columns=", ".join(COLUMNS))
    try:
        yield from _records(reader.reader, header)
    except _ReadError as exc:
        cause, line = exc.args
        if isinstance(cause, UnicodeDecodeError):
            raise FormatError(N_("the file is not UTF-8 text (%(reason)s near line %(line)s)"),
                              reason=cause.reason, line=line + 1) from None
        raise FormatError(N_("line %(line)s: %(error)s"), line=line, error=cause) from None


class _ReadError(Exception):
    """``(cause, line)``: reading failed after ``line`` (as ``csv.DictReader`` counts)."""


def _records(reader, header):
    """``(line, props)`` of a ``csv.reader``'s rows, as ``csv.DictReader`` would give them.

    Blank lines are skipped; a row longer than the header is ``{"__extra__":
    cells}``. Cells are zipped with the header at once, not put in a dict that
    ``read_rows`` would copy again: about a third of the reading. A failure
    is raised as ``_ReadError`` with the line DictReader would have reached.
    """
    width, line, blank = len(header), reader.line_num, False
    try:
        for row in reader:
            if not row:
                if not blank:  # DictReader's line_num stops at the first blank line
                    line, blank = reader.line_num, True
                continue
            line, blank = reader.line_num, False
            if len(row) > width:
                yield line, {"__extra__": row[width:]}
                continue
            if len(row) < width:
                row += [""] * (width - len(row))
            # One search of the joined row finds every cell that might start with
            # the apostrophe of ``neutralise`` (rare): the others are zipped in C.
            if "\n'" in "\n" + "\n".join(row):
                yield line, {k: restore(v) for k, v in zip(header, row)}
            else:
                yield line, dict(zip(header, row))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _ReadError(exc, line) from None
