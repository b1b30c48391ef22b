"""The file formats incidents travel in: one registry that every layer reads.

Each ``Format`` names its module (a ``*_io.py`` with ``read_rows`` and
``write``), the extensions it is known by (the first is the export's), its
media type, the word an import report uses for a position in it, and what
its first bytes must look like (``sniff.describe``). The importer, the
sniffer, the export, the CLI's ``--format`` choices, the upload form and the
pages' download links all read ``FORMATS``; adding a format is an entry here
and its module.
"""
import importlib
from dataclasses import dataclass

from app.interchange.errors import FormatError
from app.messages import N_


@dataclass(frozen=True)
class Format:
    """One file format (see the module docstring)."""

    name: str
    label: str          # its name for people ("GeoPackage")
    claim: str          # N_(): what the file was sent as, in a refusal
    extensions: tuple   # without the dot; the first is the export's
    media_type: str
    unit: str           # a position in an import report: line, feature, object
    content: tuple      # ``sniff.describe`` answers its content may give
    to_path: bool = False  # written to a file path (an SQLite file), not streamed as text

    @property
    def module(self):
        """The ``*_io`` module that reads and writes it (imported on first use)."""
        return importlib.import_module(f"app.interchange.{self.name}_io")

    @property
    def reader(self):
        """``read_rows(stream)``: yields ``(position, properties)``."""
        return self.module.read_rows

    @property
    def writer(self):
        """``write(records, …)``: text chunks, or (``to_path``) a file at a path."""
        return self.module.write

    @property
    def extension(self):
        return self.extensions[0]

    @property
    def columns(self):
        """The columns (properties) an import of this format reads, in file order;
        empty for a format of objects rather than columns (STIX)."""
        return getattr(self.module, "IMPORT_COLUMNS", ())


FORMATS = {f.name: f for f in (
    Format("geojson", "GeoJSON", "GeoJSON", ("geojson", "json"), "application/geo+json",
           "feature", ("JSON",)),
    Format("csv", "CSV", N_("CSV text"), ("csv",), "text/csv; charset=utf-8", "line",
           ("text",)),
    Format("gpkg", "GeoPackage", N_("a GeoPackage"), ("gpkg",),
           "application/geopackage+sqlite3", "feature", ("an SQLite database",),
           to_path=True),
    Format("stix", "STIX 2.1", N_("a STIX bundle"), ("stix.json", "stix"),
           "application/stix+json;version=2.1", "object", ("JSON",)),
)}
NAMES = tuple(FORMATS)
# Every extension a file may carry (a ZIP holds one of them), for the upload field.
UPLOAD_EXTENSIONS = tuple(dict.fromkeys(
    "." + ext.rsplit(".", 1)[-1] for f in FORMATS.values() for ext in f.extensions)) + (".zip",)


def get(name):
    """The format called ``name``, else ``FormatError`` listing the known ones."""
    if name not in FORMATS:
        raise FormatError(N_("unknown format %(fmt)r; use one of %(formats)s"), fmt=name,
                          formats=", ".join(sorted(FORMATS)))
    return FORMATS[name]


def by_file_name(path):
    """The format a file's name says (``.stix.json`` before ``.json``)."""
    name = str(path).lower()
    found = [(len(ext), f) for f in FORMATS.values() for ext in f.extensions
             if name.endswith("." + ext)]
    if not found:
        raise FormatError(N_("cannot tell the format of %(path)s; pass --format (%(formats)s)"),
                          path=path, formats=", ".join(sorted(FORMATS)))
    return max(found, key=lambda pair: pair[0])[1].name
