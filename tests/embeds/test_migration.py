"""Migration 0008: embeds frozen before it (a stored FeatureCollection) keep working."""
import json

import sqlalchemy as sa

from app.embeds import service
from app.extensions import db
from tests.helpers import before_migration

REVISION = "0008_embeds_view"


def _feature(incident_id, title, wkt_coordinates, geometry_type="Point"):
    return {"type": "Feature", "id": incident_id,
            "geometry": {"type": geometry_type, "coordinates": wkt_coordinates},
            "properties": {"id": incident_id, "title": title, "start_date": "2025-03-01",
                           "end_date": "2025-03-01", "actor": "Old actor", "actor_id": 7,
                           "actor_type": "state", "attribution": "direct",
                           "confidence": 80, "vectors": ["cyber"], "countries": ["FRA"],
                           "geo_precision": "exact", "location_name": "Paris"}}


def test_legacy_frozen_embed_is_served_from_its_stored_incidents(app, client, make_embed):
    embed = make_embed(frozen=True, title="Old tribune")
    key, embed_id = embed.key, embed.id
    db.session.commit()
    legacy = {"type": "FeatureCollection", "count": 2, "features": [
        _feature(1, "<img src=x onerror=alert(1)>", [2.35, 48.86]),
        _feature(2, "A square", [[[2, 48], [3, 48], [3, 49], [2, 49], [2, 48]]],
                 "Polygon")]}
    with before_migration(REVISION), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE embeds SET frozen_data = :d WHERE id = :id"),
                     {"d": json.dumps(legacy), "id": embed_id})
    embed = service.get_active(key)
    assert service.frozen_levels(embed) == [2]
    level = json.loads(client.get(f"/embed/{key}/z/2.json").get_data())
    assert level["clusters"] == [] and level["total"] == 2
    point, square = level["features"]
    assert (point["title"], point["lon"], point["lat"], point["kind"]) == (
        "<img src=x onerror=alert(1)>", 2.35, 48.86, "point")
    assert square["kind"] == "polygon" and square["geometry"]["type"] == "Polygon"
    assert (point["actor"], point["attribution"], point["location_name"]) == (
        "Old actor", "direct", "Paris")
    assert level["facets"]["actors"] == [{"id": 7, "name": "Old actor", "count": 2}]
    # Every zoom reads that one level; the page and the PNG work.
    assert service.level_for_view(embed, 12)["total"] == 2
    assert client.get(f"/embed/{key}").status_code == 200
    assert client.get(f"/embed/{key}.png").status_code == 200


def test_migrated_schema_matches_the_embed_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, db.metadata)
    ours = [d for d in diffs if "embed" in repr(d)]
    assert ours == []
