"""One description of an incident's fields, which every other layer reads.

``FIELDS`` lists them in the order of the JSON and GeoJSON properties. Each
says its kind (how it is validated, stored and written), its default, its
CSV column and GeoPackage type (None: not in that format), the OpenAPI schema
of its value, whether it is a shared filter, shown on the incident page,
snapshotted in revisions, and the label forms and error lists give it. The
validator (``schema``), the JSON renderers (``serialize``: the mapping, its
fast text and the SQLite expression of the GeoJSON export, all three built
from here), revision snapshots and bulk columns (``service``), the CSV and
GeoPackage readers and writers, OpenAPI (``api/openapi``), the editor form
and the shared filters read this table instead of listing fields again.

A list of references (vectors, platforms, countries, techniques) is a
``links`` field: its ``Links`` names the reference model, its key, the link
table and the message for an unknown key, so adding one such field is one
entry here, its model and migration, and its reference data.
"""
from dataclasses import dataclass, field

from app.incidents.models import (ATTRIBUTIONS, GEO_PRECISIONS, STATUSES, TIME_PRECISIONS,
                                  Country, Platform, Technique, Vector, incident_countries,
                                  incident_platforms, incident_techniques, incident_vectors)
from app.messages import N_

MAX_TITLE = 300
MAX_SUMMARY = 20_000
MAX_LIST = 50
MAX_PRECISION_M = 20_000_000  # half the Equator: beyond it a place is not located


@dataclass(frozen=True)
class Links:
    """How a list field is stored: links from the incident to a reference table.

    ``key`` is the reference's attribute that files, the API and filters name
    (a slug, an ISO code, a DISARM id); ``column`` the link table's column
    pointing at the reference's primary key; ``upper``: keys are upper-case
    codes and input is upper-cased; ``taxonomy``: editors keep the reference
    table from the taxonomy pages (it has ``label_en``/``label_fr``).
    """

    model: type
    key: str
    table: object
    column: str
    unknown: str
    upper: bool = False
    taxonomy: bool = False

    @property
    def target(self):
        """The reference model's primary key column the link points at."""
        return next(iter(self.model.__table__.primary_key.columns))


@dataclass(frozen=True)
class FieldRow:
    """One property of an incident (see the module docstring)."""

    name: str
    kind: str                # text, choice, int, date, datetime, links, actor*, campaign,
    #                          sources, geometry
    label: str = ""          # N_() label of forms and error lists ("": not an input)
    default: object = None   # the value of an input that leaves it out
    csv: bool = False        # a CSV column (named ``name``)
    gpkg: str | None = None  # pyarrow type name of its GeoPackage column
    schema: dict = field(default_factory=dict)  # OpenAPI schema of the value out
    filter: str | None = None  # the shared filter parameter (filters.py) it answers
    shown: bool = False      # on the incident page
    snapshot: bool = False   # in revision snapshots (scalars; lists and geometry always)
    stored: bool = False     # a plain column the service copies from clean input
    limit: int | None = None  # text: most characters
    choices: tuple = ()      # choice: the allowed values
    bounds: tuple = ()       # int: (lowest, highest)
    links: Links | None = None

    @property
    def required(self):
        return self.name in ("title", "start_date")


def _text(name, label, limit, *, default="", **extra):
    return FieldRow(name, "text", label, default, limit=limit, stored=True, snapshot=True,
                 schema={"type": "string"}, **extra)


def _choice(name, label, choices, default, **extra):
    return FieldRow(name, "choice", label, default, choices=choices, stored=True, snapshot=True,
                 schema={"enum": list(choices)}, gpkg="string", **extra)


def _links(name, label, links, *, filter=None, csv=True):
    return FieldRow(name, "links", label, (), csv=csv, gpkg="string", filter=filter, shown=True,
                 schema={"type": "array", "items": {"type": "string"}}, links=links)


VECTORS = Links(Vector, "slug", incident_vectors, "vector_id", N_("unknown vector %(keys)s"),
                taxonomy=True)
PLATFORMS = Links(Platform, "slug", incident_platforms, "platform_id",
                  N_("unknown platform %(keys)s"), taxonomy=True)
COUNTRIES = Links(Country, "iso_a3", incident_countries, "iso_a3",
                  N_("unknown country %(keys)s"), upper=True)
TECHNIQUES = Links(Technique, "id", incident_techniques, "technique_id",
                   N_("unknown technique %(keys)s"), upper=True)

NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}

FIELDS = (
    FieldRow("id", "int", schema={"type": "integer"}),
    FieldRow("uuid", "text", gpkg="string", schema={"type": "string", "format": "uuid"}),
    _text("title", N_("Title"), MAX_TITLE, csv=True, gpkg="string", shown=True),
    _text("summary", N_("Summary"), MAX_SUMMARY, csv=True, gpkg="string", shown=True),
    _text("lang", N_("Language"), 8, default="en", gpkg="string"),
    FieldRow("status", "text", schema={"enum": list(STATUSES)}, snapshot=True),
    FieldRow("version", "int", schema={"type": "integer", "minimum": 1}),
    FieldRow("start_date", "date", N_("Start date"), csv=True, gpkg="date32", schema=DATE,
          stored=True, snapshot=True, shown=True, filter="from"),
    FieldRow("end_date", "date", N_("End date"), csv=True, gpkg="date32", schema=DATE,
          stored=True, snapshot=True, shown=True, filter="to"),
    _choice("time_precision", N_("Date precision"), TIME_PRECISIONS, "day"),
    FieldRow("actor", "actor", N_("Actor"), csv=True, gpkg="string", schema=NULLABLE_STRING,
          shown=True, filter="actor", limit=200),
    FieldRow("actor_id", "actor_id", schema={"type": ["integer", "null"]}),
    FieldRow("actor_type", "actor_type", schema=NULLABLE_STRING),
    _choice("attribution", N_("Attribution"), ATTRIBUTIONS, "unattributed", shown=True),
    # The campaign the incident belongs to, written by its NAME, not its id: names
    # are unique, mean the same in a spreadsheet, in another atlas and in STIX
    # (whose ``campaign`` objects are named), where a row id of this database
    # means nothing. Read back, a campaign's name or any of its aliases matches
    # whatever the case (what an editor types); a name that matches none is a
    # per-row error naming it: campaigns are kept by editors on their pages
    # (summary, actor, revisions), so an import never creates one. The shared
    # filter ``campaign=`` takes the campaign's id (filters.py). Snapshots
    # carry the name (``service.snapshot``); restoring a revision keeps the
    # incident's current campaign, as membership is kept on the campaign's page.
    FieldRow("campaign", "campaign", N_("Campaign"), None, csv=True, gpkg="string",
             schema=NULLABLE_STRING, shown=True, limit=200),
    FieldRow("confidence", "int", N_("Confidence (0–100)"), 50, csv=True, gpkg="int16",
          schema={"type": "integer", "minimum": 0, "maximum": 100}, stored=True,
          snapshot=True, shown=True, filter="min_confidence", bounds=(0, 100)),
    _links("vectors", N_("Vectors"), VECTORS, filter="vector"),
    _links("platforms", N_("Platforms"), PLATFORMS, filter="platform"),
    _links("countries", N_("Countries"), COUNTRIES, filter="country"),
    _links("techniques", N_("DISARM techniques"), TECHNIQUES, csv=False),
    _choice("geo_precision", N_("Geographic precision"), GEO_PRECISIONS, "exact", csv=True,
            shown=True),
    # A circle's radius around the geometry, in whole metres (at least 1).
    FieldRow("precision_m", "int", N_("Precision (metres)"), None, csv=True, gpkg="int32",
          schema={"type": ["integer", "null"], "minimum": 1}, stored=True, snapshot=True,
          shown=True, bounds=(1, MAX_PRECISION_M)),
    _text("location_name", N_("Place name"), 200, gpkg="string", shown=True),
    FieldRow("sources", "sources", N_("Sources"), (), gpkg="string", shown=True),
    FieldRow("published_at", "datetime", schema={"type": ["string", "null"],
                                               "format": "date-time"}),
)

BY_NAME = {f.name: f for f in FIELDS}
# Lists of references, in property order.
LINK_FIELDS = tuple(f for f in FIELDS if f.kind == "links")
# Scalars stored as they come from clean input (``service._apply``, bulk columns).
STORED = tuple(f.name for f in FIELDS if f.stored)
# Scalars of a revision's snapshot (lists, geometry, actor and sources are added).
SNAPSHOT_FIELDS = tuple(f.name for f in FIELDS if f.snapshot) + ("rejection_reason",)
# The CSV columns, in file order: the fields', then the geometry as ``wkt`` and
# the sources' URLs (``;``-separated).
CSV_COLUMNS = (*(f.name for f in FIELDS if f.csv), "wkt", "source_url")


def links(name):
    """The ``Links`` of the list field ``name``."""
    return BY_NAME[name].links


def label(name):
    """The (untranslated) label of field ``name``, or ``None``."""
    found = BY_NAME.get(name)
    return found.label if found is not None and found.label else None
