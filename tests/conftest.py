"""Shared fixtures: an app on a real database per test, clients, users, incidents.

Every database test runs twice: on SQLite (a real file, migrated with Alembic)
and on PostgreSQL+PostGIS. PostGIS is found through ``ATLAS_TEST_POSTGRES``
(default ``postgresql://postgres@127.0.0.1:5432/postgres``). When it cannot be
reached those runs skip with the reason — except under ``CI=true``, where they
fail, because CI must exercise the production database.
"""
import os
import shutil
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db, limiter
from config import TestingConfig

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("ATLAS_TEST_POSTGRES",
                              "postgresql://postgres@127.0.0.1:5432/postgres")
REFERENCE_TABLES = {"countries", "vectors", "platforms", "techniques", "alembic_version"}


# Test files that start servers or processes, or move big files: ``slow``, which
# ``make test-quick`` leaves out (with the browser tests and the PostGIS runs).
SLOW_FILES = ("tests/ops/test_kill_recovery.py", "tests/ops/test_concurrent_writers.py",
              "tests/ops/test_map_warm.py", "tests/interchange/test_no_fork.py")


def pytest_collection_modifyitems(config, items):
    """Marks ``SLOW_FILES`` slow, and groups tests for pytest-xdist's ``--dist
    loadgroup`` (``make test``): a test file runs whole on one worker (its module
    fixtures built once), and every browser test on the same worker, one at a time
    (one Chromium at once on a 2-core machine)."""
    for item in items:
        path = item.nodeid.split("::")[0]
        if path in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
        item.add_marker(pytest.mark.xdist_group("e2e" if path.startswith("tests/e2e/")
                                                else path))


def unavailable(reason):
    """Skip locally, fail in CI: a missing real part must not pass CI silently."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true requires it)", pytrace=False)
    pytest.skip(reason)


def config_for(url, **extra):
    return type("TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, **extra})


def migrate_and_load(url):
    """Build the schema with the real migrations and load reference data."""
    from flask_migrate import upgrade

    from app.incidents.taxonomy import load_reference_data
    app = create_app(config_for(url))
    with app.app_context():
        upgrade()
        load_reference_data()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file with reference data, copied for each test."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrate_and_load(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgis_url():
    """A fresh PostGIS database for this test session, dropped at the end."""
    try:
        import psycopg2  # noqa: F401
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 — any failure means "no server here"
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {str(exc).splitlines()[0]}")
    name = f"atlas_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}"'))
        unavailable(f"PostGIS extension not installed: {str(exc).splitlines()[0]}")
    migrate_and_load(url)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgis"])
def backend(request):
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path):
    """The URL of an empty (but for reference data) database of ``backend``."""
    if backend == "sqlite":
        path = tmp_path / "atlas.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgis_url")


@pytest.fixture
def app(database_url, backend):
    app = create_app(config_for(database_url))
    limiter.reset()
    with app.app_context():
        yield app
        db.session.remove()
        if backend == "postgis":
            tables = [t for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
            with db.engine.begin() as conn:
                conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables)
                                     + " RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(app):
    """Create a user: ``make_user("editor")`` → User with password ``PASSWORD``."""
    from app.auth.service import create_user
    counter = iter(range(1, 10_000))

    def make(role="contributor", email=None):
        return create_user(email=email or f"{role}{next(counter)}@example.org",
                           password=PASSWORD, role=role)
    return make


class Auth:
    """Log a test client in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD):
        self.client.application.config["WTF_CSRF_ENABLED"] = False
        try:
            return self.client.post("/login", data={"email": email, "password": password})
        finally:
            self.client.application.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def make_incident(app, make_user):
    """Create an incident through the service: ``make_incident(title=..., status=...)``."""
    from app.incidents import service
    from app.incidents.schema import parse_incident
    state = {}

    def make(*, status="published", author=None, **fields):
        if author is None:
            state.setdefault("editor", make_user("editor"))
            author = state["editor"]
        data = {"title": "Incident", "start_date": "2025-03-01", "wkt": "POINT (2.35 48.86)",
                "vectors": ["cyber"], "actor": "Test Actor", "confidence": 70}
        data.update(fields)
        incident = service.create_incident(data=parse_incident(data), author=author,
                                           status="draft")
        if status != "draft":
            editor = author if author.is_editor else state.setdefault(
                "editor", make_user("editor"))
            reason = "Rejected in a test" if status == "rejected" else None
            service.set_status(incident=incident, status=status, reason=reason,
                               expected_version=incident.version, editor=editor)
        return incident
    return make


TODAY = date(2026, 11, 29)
