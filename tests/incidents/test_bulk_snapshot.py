"""A bulk-inserted incident's first snapshot equals ``snapshot`` of the stored incident.

``bulk_insert`` writes the snapshot as JSON text from the values it stores
(``incident_rows._snapshot_texts``) instead of ``json.dumps`` of ``service.snapshot``;
after ``json.loads`` both must be the same, for every kind of field.
"""
import io
import json
from datetime import date

import shapely
import sqlalchemy as sa

from app.extensions import db
from app.incidents import rows as incident_rows
from app.incidents import service
from app.incidents.models import Incident, Revision
from app.interchange.importer import import_stream

FEATURES = [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
     "properties": {"title": 'Cable "cut" – Łódź\\ \u00e9t\u00e9', "summary": "Line one\nline two",
                    "start_date": "2025-01-02", "end_date": "2025-01-09",
                    "actor": "Northern Bear", "vectors": "sabotage;cyber;cyber",
                    "campaign": "rrn", "platforms": "x;telegram",
                    "techniques": ["T0002", "T0002"], "geo_precision": "city",
                    "precision_m": 5000, "location_name": "Paris", "confidence": 0,
                    "attribution": "proxy",
                    "sources": [{"url": "https://example.org/a", "publisher": "Le Monde",
                                 "date": "2025-01-03",
                                 "archived_url": "https://archive.example.org/a"},
                                {"url": "https://example.org/b"}]}},
    {"type": "Feature",
     "geometry": {"type": "LineString", "coordinates": [[22.93, 54.1], [23.97, 54.02]]},
     "properties": {"title": "Border push", "start_date": "2025-02", "vectors": "migration",
                    "countries": "ltu;POL", "actor": "northern bear",
                    "campaign": 'Doppelgänger "100%"'}},
    {"type": "Feature",
     "geometry": {"type": "Polygon",
                  "coordinates": [[[5, 49], [7, 49], [7, 51], [5, 51], [5, 49]]]},
     "properties": {"title": "Leaflets", "start_date": "2025-03-04", "confidence": 100}},
    {"type": "Feature",
     "geometry": {"type": "MultiPolygon",
                  "coordinates": [[[[20, 40], [21, 40], [21, 41], [20, 40]]],
                                  [[[22, 40], [23, 40], [23, 41], [22, 40]]]]},
     "properties": {"title": "Nowhere in particular", "start_date": "2024-12-31"}},
]


def _stored_snapshots(ids):
    """``{id: (revision snapshot, snapshot(incident))}`` read back from the database."""
    db.session.expire_all()
    revisions = {r.incident_id: r.snapshot for r in db.session.scalars(
        sa.select(Revision).where(Revision.incident_id.in_(ids)))}
    return {i: (revisions[i], service.snapshot(db.session.get(Incident, i))) for i in ids}


def _campaign(name, editor, aliases=""):
    from app.campaigns import service as campaigns
    return campaigns.create(data=campaigns.parse_campaign({"name": name, "aliases": aliases}),
                            editor=editor)


def test_imported_snapshots_equal_the_stored_incidents(app, make_user):
    editor = make_user("editor")
    _campaign('Doppelgänger "100%"', editor, aliases="RRN")
    body = json.dumps({"type": "FeatureCollection", "features": FEATURES}).encode()
    result = import_stream(io.BytesIO(body), fmt="geojson", user=editor, publish=True)
    assert result.ok, result.report()
    snapshots = _stored_snapshots(result.ids)
    for written, stored in snapshots.values():
        assert written == stored
    first, second, _, last = (written for written, _ in snapshots.values())
    # The cases this test is about really occur.
    assert first["sources"][0]["published_on"] == "2025-01-03"
    assert first["sources"][1]["archived_url"] is None
    assert first["vectors"] == ["cyber", "sabotage"] and first["techniques"] == ["T0002"]
    assert first["precision_m"] == 5000 and first["confidence"] == 0
    assert second["actor"] == "Northern Bear" and second["countries"] == ["LTU", "POL"]
    # A campaign named by an alias, in another case, is stored (and snapshotted) by name.
    assert first["campaign"] == second["campaign"] == 'Doppelgänger "100%"'
    assert first["platforms"] == ["telegram", "x"] and last["campaign"] is None
    assert last["actor"] is None and last["precision_m"] is None
    assert last["rejection_reason"] is None and last["geometry"]["type"] == "MultiPolygon"


def test_bulk_insert_defaults_are_snapshotted_as_stored(app, make_user):
    """Rows without optional fields (the demo seed's way) store and snapshot the defaults."""
    editor = make_user("editor")
    row = {"title": "Bare", "start_date": date(2025, 5, 6), "end_date": date(2025, 5, 6),
           "geometry": shapely.Point(13.4, 52.5), "summary": None, "sources": []}
    ids = incident_rows.bulk_insert([row], author_id=editor.id, status="draft", action="seed")
    db.session.commit()
    (written, stored), = _stored_snapshots(ids).values()
    assert written == stored
    assert written["summary"] == "" and written["status"] == "draft"
    assert written["countries"] == [] and written["sources"] == []


def test_columns_shared_by_every_row_are_snapshotted_as_stored(app, make_user):
    """A column with one value in every row goes into the row template once (``%`` and all)."""
    editor = make_user("editor")
    campaign = _campaign("100% %(name)s", editor)
    source = {"url": "https://example.org/100%", "publisher": "50% Media",
              "published_on": date(2025, 1, 2), "archived_url": None}
    rows = [{"title": title, "start_date": date(2025, 5, 6), "end_date": date(2025, 5, 7),
             "geometry": shapely.Point(13.4, 52.5 + i), "summary": "100% sure, %s %(x)s",
             "location_name": "Łódź", "precision_m": 50, "confidence": 80,
             "campaign_id": campaign.id, "campaign": campaign.name,
             "sources": [source]} for i, title in enumerate(["%s", "%(title)s", "100%"])]
    ids = incident_rows.bulk_insert(rows, author_id=editor.id, status="draft", action="seed")
    db.session.commit()
    snapshots = _stored_snapshots(ids)
    for written, stored in snapshots.values():
        assert written == stored
    assert [w["title"] for w, _ in snapshots.values()] == ["%s", "%(title)s", "100%"]
    assert {w["summary"] for w, _ in snapshots.values()} == {"100% sure, %s %(x)s"}
    assert {w["campaign"] for w, _ in snapshots.values()} == {"100% %(name)s"}
