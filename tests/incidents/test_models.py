"""The schema built by the migrations, and geometry round trips, on SQLite and PostGIS."""
import shapely
import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Country, Incident, Technique, Vector


def test_migrations_build_the_schema_with_a_spatial_index(app, backend):
    inspector = sa.inspect(db.engine)
    tables = set(inspector.get_table_names())
    assert {"incidents", "actors", "vectors", "countries", "techniques", "sources",
            "revisions", "users", "api_tokens", "incident_vectors",
            "incident_countries", "incident_techniques"} <= tables
    if backend == "postgis":
        indexdef = db.session.scalar(sa.text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_incidents_geometry'"))
        assert "USING gist (geometry)" in indexdef
        coltype = db.session.scalar(sa.text(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'incidents'::regclass AND attname = 'geometry'"))
        assert coltype == "geometry(Geometry,4326)"
    else:
        assert "incident_rtree" in tables


def test_reference_data_is_loaded(app):
    slugs = set(db.session.scalars(sa.select(Vector.slug)))
    assert slugs == {"cyber", "information", "political", "economic", "sabotage",
                     "critical-infrastructure", "migration", "espionage", "military",
                     "lawfare", "energy"}
    cyber = db.session.scalar(sa.select(Vector).where(Vector.slug == "cyber"))
    assert cyber.label_fr == "Cyberattaque"
    france = db.session.get(Country, "FRA")
    assert (france.iso_a2, france.name_fr) == ("FR", "France")
    assert db.session.get(Technique, "T0002") is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Technique)) > 300


def test_every_geometry_type_round_trips(app, make_incident, backend):
    shapes = {
        "POINT (2.35 48.86)": "Point",
        "LINESTRING (22.93 54.1, 23.97 54.02)": "LineString",
        "POLYGON ((15.5 55, 16 55, 16 55.3, 15.5 55.3, 15.5 55))": "Polygon",
        "MULTIPOINT ((2.35 48.86), (13.4 52.52))": "MultiPoint",
        "MULTILINESTRING ((2 48, 3 49), (13 52, 14 53))": "MultiLineString",
        "MULTIPOLYGON (((2 48, 3 48, 3 49, 2 49, 2 48)))": "MultiPolygon",
    }
    ids = {wkt: make_incident(wkt=wkt).id for wkt in shapes}
    db.session.expire_all()
    for wkt, kind in shapes.items():
        stored = db.session.get(Incident, ids[wkt])
        assert stored.geometry.geom_type == kind
        assert shapely.equals_exact(stored.geometry, shapely.from_wkt(wkt), tolerance=1e-12)
        assert stored.min_x <= stored.rep_x <= stored.max_x
    if backend == "postgis":
        srid = db.session.scalar(sa.text("SELECT DISTINCT ST_SRID(geometry) FROM incidents"))
        assert srid == 4326
        valid = db.session.scalar(sa.text("SELECT bool_and(ST_IsValid(geometry)) FROM incidents"))
        assert valid is True
