"""Files as GDAL and spreadsheets write them are read; files we write GDAL 3.6 reads cleanly."""
import functools
import io
import json
import shutil
import sqlite3
import subprocess

import pytest

from app.extensions import db
from app.incidents.models import Incident
from app.interchange.importer import import_stream
from tests.conftest import unavailable

OGR2OGR, OGRINFO = shutil.which("ogr2ogr"), shutil.which("ogrinfo")


def needs_gdal(test):
    """Skip locally, fail in CI, when GDAL's command-line tools are missing."""
    def run(*args, **kwargs):
        if OGR2OGR is None or OGRINFO is None:
            unavailable("GDAL's ogr2ogr/ogrinfo (Debian gdal-bin) is not installed")
        return test(*args, **kwargs)
    return functools.wraps(test)(run)


@needs_gdal
def test_csv_written_by_ogr2ogr_as_wkt_imports(app, make_user, tmp_path):
    """``ogr2ogr -lco GEOMETRY=AS_WKT`` names its column ``WKT`` (upper case)."""
    source = tmp_path / "in.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [24.1, 56.95]},
        "properties": {"Title": "Cable cut", "START_DATE": "2025-01-02",
                       "confidence": 60}}]}))
    out = tmp_path / "out.csv"
    subprocess.run([OGR2OGR, "-f", "CSV", str(out), str(source), "-lco", "GEOMETRY=AS_WKT"],
                   check=True, capture_output=True)
    assert out.read_text().splitlines()[0].startswith('WKT,')
    result = import_stream(io.BytesIO(out.read_bytes()), fmt="csv", user=make_user("editor"))
    assert result.ok, result.report()
    incident = db.session.get(Incident, result.ids[0])
    assert incident.title == "Cable cut" and incident.geometry.x == pytest.approx(24.1)


def test_spreadsheet_csv_with_bom_and_capitalised_headers_imports(app, make_user):
    """Excel's "CSV UTF-8" starts with a BOM; people write ``Title``."""
    text = "\ufeffTitle,Start_Date,Lat,Lon\nBot network,2025-03-01,54.69,25.28\n"
    result = import_stream(io.BytesIO(text.encode("utf-8")), fmt="csv",
                           user=make_user("editor"))
    assert result.ok, result.report()
    assert db.session.get(Incident, result.ids[0]).title == "Bot network"


@needs_gdal
def test_geopackage_export_opens_in_gdal_3_6_without_a_warning(client, make_incident,
                                                               tmp_path):
    """GeoPackage 1.3 (application_id GPKG, user_version 10300): no version warning."""
    make_incident(title="Square", wkt="POLYGON ((2 48, 2 49, 3 49, 3 48, 2 48))")
    path = tmp_path / "incidents.gpkg"
    path.write_bytes(client.get("/export/incidents.gpkg").data)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10300
    info = subprocess.run([OGRINFO, "-ro", "-al", "-so", str(path)], capture_output=True,
                          text=True, check=True)
    assert "Feature Count: 1" in info.stdout
    assert "Warning" not in info.stderr and "ERROR" not in info.stderr, info.stderr
