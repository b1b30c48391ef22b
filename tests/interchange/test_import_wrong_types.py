"""A GeoJSON or STIX import whose properties hold wrong JSON types reports each one.

The importer must give its "feature, field, reason" report and store nothing,
not stop on an exception from one feature's properties or geometry.
"""
import io
import json

import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Incident
from app.interchange.importer import import_stream

POINT = {"type": "Point", "coordinates": [2.35, 48.86]}


def _feature(geometry=POINT, **props):
    return {"type": "Feature", "geometry": geometry,
            "properties": {"title": "Leaflets", "start_date": "2025-03-04", **props}}


def _import(features, user):
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    return import_stream(io.BytesIO(body), fmt="geojson", user=user)


def test_wrong_types_are_reported_per_feature_and_nothing_is_stored(app, make_user):
    result = _import([_feature(),
                      _feature(source_url=5),
                      _feature(vectors=["cyber", 7]),
                      _feature(sources=[{"url": "https://example.org/a", "publisher": True}]),
                      _feature(precision_m=10 ** 400)], make_user("editor"))
    assert not result.ok
    assert [(pos, field) for pos, field, _ in result.errors] == [
        (2, "source_url"), (3, "vectors"), (4, "sources[0]"), (5, "precision_m")]
    report = result.report().splitlines()
    assert report[0] == "feature 2: source_url: expected a list or a ;-separated string"
    assert report[1] == "feature 3: vectors: item 2 must be text"
    assert report[2] == "feature 4: sources[0]: publisher must be text"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def test_invalid_polygon_across_the_antimeridian_is_reported(app, make_user):
    """GEOS failed to split it ("side location conflict"): now the geometry's message."""
    bowtie = {"type": "Polygon",
              "coordinates": [[[0, 0], [0, 1], [179, -1], [-170, 0], [0, 0]]]}
    result = _import([_feature(), _feature(geometry=bowtie)], make_user("editor"))
    assert result.report() == ("feature 2: geometry: Polygon is invalid: self-intersection "
                               "at (89.5, 0)")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def _stix_import(incidents, user):
    body = json.dumps({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
                       "objects": incidents}).encode()
    return import_stream(io.BytesIO(body), fmt="stix", user=user)


def _incident(number, **fields):
    return {"type": "incident", "spec_version": "2.1",
            "id": f"incident--00000000-0000-4000-8000-{number:012d}",
            "created": "2025-01-01T00:00:00Z", "modified": "2025-01-01T00:00:00Z",
            "name": f"Incident {number}", "first_seen": "2025-03-04T00:00:00Z",
            "x_atlas_geometry": POINT, **fields}


def test_stix_incidents_with_wrong_types_are_reported_per_object(app, make_user):
    """The reader passed timestamps, labels and references to validation unchecked:
    a number where text or a list belongs stopped the import with a TypeError."""
    result = _stix_import([_incident(1), _incident(2, first_seen=20250304),
                           _incident(3, last_seen=5), _incident(4, labels=7),
                           _incident(5, external_references=3)], make_user("editor"))
    assert not result.ok
    assert [(pos, field) for pos, field, _ in result.errors] == [
        (2, "start_date"), (3, "end_date"), (4, "vectors"), (5, "sources")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
