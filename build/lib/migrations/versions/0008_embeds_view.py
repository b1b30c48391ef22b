"""embed_views: a frozen embed keeps aggregated map data per zoom level

Revision ID: 0008_embeds_view
Revises: 0007_interchange
Create Date: 2026-11-29 11:00:00

Frozen embeds used to keep, in ``embeds.frozen_data``, a GeoJSON FeatureCollection
(at most 2,000 features) drawn by a browser-side renderer. They now keep one
``/api/v1/map``-shaped answer per zoom level in ``embed_views``. The data step
turns each stored FeatureCollection into one level (zoom 2, served at every zoom)
holding those same incidents, each drawn on its own: what the embed showed when
it was frozen, unchanged. Self-contained on purpose (a migration must not follow
the app's code as it changes).
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op
from shapely.geometry import shape

revision = '0008_embeds_view'
down_revision = '0007_interchange'
branch_labels = None
depends_on = None

LEGACY_ZOOM = 2
KINDS = {"Point": "point", "LineString": "line", "Polygon": "polygon",
         "GeometryCollection": "polygon"}


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _item(feature):
    """A stored GeoJSON Feature as a single incident of a map level."""
    p = feature["properties"]
    geom = shape(feature["geometry"])
    point = geom.representative_point()
    kind = KINDS.get(geom.geom_type.removeprefix("Multi"), "polygon")
    item = {"id": p["id"], "title": p["title"], "lon": round(point.x, 6),
            "lat": round(point.y, 6), "kind": kind, "geo_precision": p["geo_precision"],
            "precision_m": None, "actor_id": p["actor_id"], "confidence": p["confidence"],
            "start_date": p["start_date"], "end_date": p["end_date"],
            "vectors": p["vectors"], "countries": p["countries"], "actor": p["actor"],
            "actor_type": p["actor_type"], "attribution": p["attribution"],
            "location_name": p["location_name"]}
    if kind != "point":
        item["geometry"] = feature["geometry"]
    return item


def legacy_level(collection):
    """A map level (``mapview.map_view``'s shape) of a stored FeatureCollection."""
    items = [_item(f) for f in collection["features"]]
    actors, vectors, countries = {}, {}, {}
    for f in items:
        if f["actor_id"] is not None:
            entry = actors.setdefault(f["actor_id"], {"id": f["actor_id"],
                                                      "name": f["actor"], "count": 0})
            entry["count"] += 1
        for v in f["vectors"]:
            vectors[v] = vectors.get(v, 0) + 1
        for c in f["countries"]:
            countries[c] = countries.get(c, 0) + 1
    return {"zoom": LEGACY_ZOOM, "total": len(items), "clusters": [], "features": items,
            "facets": {"actors": sorted(actors.values(), key=lambda a: a["name"].lower()),
                       "vectors": vectors, "countries": countries},
            "barometer": {"counts": countries, "breaks": []}, "period": None}


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, frozen_data FROM embeds WHERE frozen_data IS NOT NULL")).all()
    with op.batch_alter_table('embeds', schema=None) as batch_op:
        batch_op.drop_column('frozen_data')
    # No ON DELETE CASCADE: embeds are revoked, never deleted, and SQLite's batch
    # mode (copy, drop, rename the embeds table) would otherwise empty this table.
    views = op.create_table(
        'embed_views',
        sa.Column('embed_id', sa.Integer(), nullable=False),
        sa.Column('zoom', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('etag', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['embed_id'], ['embeds.id'],
                                name=op.f('fk_embed_views_embed_id_embeds')),
        sa.PrimaryKeyConstraint('embed_id', 'zoom', name=op.f('pk_embed_views')))
    for embed_id, frozen_data in rows:
        body = _dumps(legacy_level(json.loads(frozen_data)))
        etag = hashlib.sha256(body.encode()).hexdigest()
        connection.execute(views.insert().values(embed_id=embed_id, zoom=LEGACY_ZOOM,
                                                 body=body, etag=etag))
        # The version in the levels' immutable URLs: new bytes, new version.
        connection.execute(sa.text("UPDATE embeds SET frozen_etag = :v WHERE id = :id"),
                           {"v": hashlib.sha256(etag.encode()).hexdigest(), "id": embed_id})


def downgrade():
    # The levels are not turned back into FeatureCollections: a frozen embed comes
    # back without data (and shows live data) until it is frozen again.
    op.drop_table('embed_views')
    with op.batch_alter_table('embeds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frozen_data', sa.Text(), nullable=True))
