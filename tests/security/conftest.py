"""Helpers for the attack-class modules: tokens, a valid Feature, counting what is stored."""
import copy

import pytest
import sqlalchemy as sa
from flask import g

from app.auth.service import create_token
from app.extensions import db
from app.incidents.models import Incident, Revision

FEATURE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
           "properties": {"title": "Bot network", "start_date": "2025-04-01",
                          "vectors": ["information"], "actor": "Someone", "confidence": 60}}


def feature(**geometry):
    """A valid Feature whose geometry is replaced by ``geometry`` when given."""
    body = copy.deepcopy(FEATURE)
    if geometry:
        body["geometry"] = geometry
    return body


def stored():
    """(incidents, revisions) in the database: an attack must leave both unchanged."""
    db.session.commit()
    count = sa.select(sa.func.count())
    return (db.session.scalar(count.select_from(Incident)),
            db.session.scalar(count.select_from(Revision)))


def fresh_g():
    """Test requests share the fixture's app context, hence ``g``: drop its caches."""
    g.pop("csrf_token", None)
    g.pop("_login_user", None)


@pytest.fixture
def token(app, make_user):
    """``token("contributor")`` → (user, headers with a Bearer token)."""
    def make(role="contributor"):
        user = make_user(role)
        return user, {"Authorization": "Bearer " + create_token(user)}
    return make


# The stored-XSS module drives real Chromium with the browser fixtures of tests/e2e.
from tests.e2e.conftest import browser, live_app, live_server, page  # noqa: E402,F401
