"""Example files for the import page, in each column format's own columns.

The columns come from the format registry (``Format.columns``, built from the
field table), so a field added there is in the example at once: a column
``EXAMPLES`` gives no value takes the field's default, or for a list of
references the first key the database knows (vectors, platforms…), so the
file always imports cleanly. Titles and summaries are in the reader's
language; the rest are codes a file carries as they are.
"""
import io
import json

import shapely
import sqlalchemy as sa
from flask_babel import gettext

from app.extensions import db
from app.geo.geometry import to_geojson
from app.incidents.fields import BY_NAME
from app.interchange.formats import FORMATS
from app.messages import N_
from app.spreadsheet import csv_writer

# Two incidents: one exact point with its country named, one city-level point
# with a precision radius whose country the import derives. ``wkt`` is the
# geometry; ``sources`` objects (``source_url`` in CSV).
EXAMPLES = (
    {"title": N_("Example: undersea data cable cut outside a harbour"),
     "summary": N_("Replace these rows with your own; keep the header."),
     "start_date": "2025-03-14", "end_date": "2025-03-15", "actor": "",
     "confidence": 70, "countries": ["FIN"], "geo_precision": "exact",
     "location_name": "Helsinki", "wkt": "POINT (24.95 60.16)",
     "sources": [{"url": "https://example.org/reports/cable-cut",
                  "publisher": "Example Gazette", "date": "2025-03-16"}]},
    {"title": N_("Example: coordinated posts about a city's water supply"),
     "summary": N_("A place known only to the city: city-level, about 10 km."),
     "start_date": "2025-04", "end_date": "", "time_precision": "month",
     "actor": "Example Network", "confidence": 40, "countries": [],
     "geo_precision": "city", "precision_m": 10000, "location_name": "Warsaw",
     "wkt": "POINT (21.01 52.23)",
     "sources": [{"url": "https://example.org/analysis/water"}]},
)


def _first_key(links):
    """The first key of a reference table (None when it is empty)."""
    return db.session.scalar(sa.select(getattr(links.model, links.key))
                             .order_by(getattr(links.model, links.key)).limit(1))


def _values(example, columns):
    """``{column: value}`` of one example for ``columns``, in the values' own types."""
    out = {}
    for name in columns:
        if name in ("wkt", "geometry"):
            out[name] = example["wkt"]
        elif name == "source_url":
            out[name] = [s["url"] for s in example["sources"]]
        elif name in example:
            value = example[name]
            out[name] = gettext(value) if name in ("title", "summary") else value
        elif BY_NAME[name].kind == "links":
            key = _first_key(BY_NAME[name].links)
            out[name] = [key] if key else []
        else:
            default = BY_NAME[name].default
            out[name] = "" if default is None else default
    return out


def example_file(fmt):
    """``(text, media type, file name)`` of the example file in ``fmt``."""
    file_format = FORMATS[fmt]
    rows = [_values(example, file_format.columns) for example in EXAMPLES]
    text = WRITERS[fmt](file_format.columns, rows)
    return text, file_format.media_type, f"example.{file_format.extension}"


def _csv(columns, rows):
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([";".join(v) if isinstance(v, list) else v
                         for v in (row[name] for name in columns)])
    return buffer.getvalue()


def _geojson(_columns, rows):
    features = []
    for row in rows:
        properties = {k: v for k, v in row.items() if k != "geometry" and v not in ("", None)}
        features.append({"type": "Feature",
                         "geometry": to_geojson(shapely.from_wkt(row["geometry"])),
                         "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, indent=1) + "\n"


# Formats an example is offered in: text a person can read and edit.
WRITERS = {"csv": _csv, "geojson": _geojson}
EXAMPLE_FORMATS = tuple(WRITERS)
