"""Helpers for tests: forms through the test client, calls counted through monkeypatch,
a database taken back before a migration."""
import re
from contextlib import contextmanager

from alembic.script import ScriptDirectory
from flask import current_app, g
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.incidents.taxonomy import load_reference_data


def fresh_g():
    """Test requests share the fixture's app context, hence ``g``: drop its caches
    (Flask-WTF's CSRF token and Flask-Login's user) so each request starts clean."""
    g.pop("csrf_token", None)
    g.pop("_login_user", None)


def csrf_from(client, path):
    """The CSRF token of the form on ``path``, as a browser would read it."""
    fresh_g()
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def count_calls(monkeypatch, owner, name):
    """Wrap ``owner.name`` so that each call appends to the returned list, then runs it."""
    real, calls = getattr(owner, name), []

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(owner, name, counted)
    return calls


@contextmanager
def before_migration(revision):
    """The database downgraded to just before ``revision`` inside the block, then
    upgraded to head with its reference data reloaded: a downgrade past a
    migration that creates a reference table (platforms) empties it, and the
    PostGIS database is shared by the tests of a worker."""
    db.session.remove()
    script = ScriptDirectory.from_config(
        current_app.extensions["migrate"].migrate.get_config())
    downgrade(revision=script.get_revision(revision).down_revision)
    try:
        yield
    finally:
        upgrade()
        load_reference_data()


def reimported(tmp_path, fmt, user):
    """Export every published incident as ``fmt``, empty the incidents table and import
    the file back as ``user`` (published); the import must succeed."""
    import sqlalchemy as sa

    from app.incidents.filters import parse_filters
    from app.incidents.models import Incident
    from app.interchange.export import export_to_path
    from app.interchange.importer import import_stream
    path = tmp_path / f"exported.{fmt}"
    export_to_path(path, fmt, parse_filters({}), None)
    db.session.execute(sa.delete(Incident))
    db.session.commit()
    with open(path, "rb") as stream:
        result = import_stream(stream, fmt=fmt, user=user, publish=True)
    assert result.ok, result.report()
    return result
