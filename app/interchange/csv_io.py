"""CSV in the PRODUCT.md columns: read rows for import.

Columns: ``title, summary, start_date, end_date, actor, vectors, countries,
wkt, geo_precision, confidence, source_url``; ``lat`` and ``lon`` may replace
``wkt``; ``vectors`` and ``countries`` are ``;``-separated.
"""
import csv
import io

COLUMNS = ("title", "summary", "start_date", "end_date", "actor", "vectors", "countries",
           "wkt", "geo_precision", "confidence", "source_url")
REQUIRED = ("title", "start_date")
MAX_FIELD = 1_000_000


class FormatError(ValueError):
    """The file as a whole is not a CSV we can read (header, encoding)."""


def read_rows(stream):
    """Yield ``(line_number, row_dict)`` from a binary or text stream of CSV.

    Line numbers are those a spreadsheet shows (the header is line 1).
    """
    if isinstance(stream, (io.BufferedIOBase, io.RawIOBase)) or hasattr(stream, "mode") \
            and "b" in getattr(stream, "mode", ""):
        stream = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    csv.field_size_limit(MAX_FIELD)
    reader = csv.DictReader(stream)
    try:
        header = reader.fieldnames
    except UnicodeDecodeError as exc:
        raise FormatError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
    except csv.Error as exc:
        raise FormatError(f"the header is not valid CSV: {exc}") from None
    if not header:
        raise FormatError("the file is empty: expected a header row")
    header = [h.strip() for h in header]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if "wkt" not in header and not {"lat", "lon"} <= set(header):
        missing.append("wkt (or lat and lon)")
    if missing:
        raise FormatError(f"the header lacks the column(s) {', '.join(missing)}; "
                          f"expected {', '.join(COLUMNS)}")
    try:
        for row in reader:
            if None in row:
                yield reader.line_num, {"__extra__": row.pop(None)}
                continue
            yield reader.line_num, {k: (v if v is not None else "") for k, v in row.items()}
    except UnicodeDecodeError as exc:
        raise FormatError(f"the file is not UTF-8 text ({exc.reason} near line "
                          f"{reader.line_num + 1})") from None
    except csv.Error as exc:
        raise FormatError(f"line {reader.line_num}: {exc}") from None
