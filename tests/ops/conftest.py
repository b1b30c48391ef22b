"""Fixtures for operations tests: brand-new databases the real CLI and server use."""
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL, unavailable


@pytest.fixture
def empty_postgis():
    """A brand-new PostgreSQL database (no schema), dropped afterwards."""
    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {str(exc).splitlines()[0]}")
    name = f"atlas_copy_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgis"])
def fresh_url(request, tmp_path):
    """An empty database URL of each backend (no schema yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return request.getfixturevalue("empty_postgis")
