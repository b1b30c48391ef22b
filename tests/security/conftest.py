"""Helpers for the attack-class modules: tokens, a valid Feature, counting what is stored."""
import copy

import sqlalchemy as sa

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


# The API tests' token fixture: ``token("contributor")`` → (user, Bearer headers).
from tests.api.test_incidents_api import token  # noqa: E402,F401
from tests.helpers import fresh_g  # noqa: E402,F401

from tests.embeds.conftest import make_embed  # noqa: E402,F401
