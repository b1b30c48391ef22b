"""stored links as RFC 3986 URIs: percent-encode what was stored before the normaliser

Revision ID: 0012_eco_urls
Revises: 0012_trust
Create Date: 2026-12-07 18:20:00

Before ``app.incidents.urls.normalise_url``, a source or tip link was stored
as typed when it merely had an http(s) scheme and a host, so rows may hold
spaces, ``<``, ``>`` or quotes that make a STIX export or the API's own
``format: uri`` fail. This rewrites every such link with the normaliser the
entry points now use (one rule, not a copy of it in SQL). A tip link's
``url_key`` follows its URL; should two links of one tip now be the same, the
second is dropped, as the tip form would have done. A link no encoding makes
a URI (a host with a space in it, a port above 65535) is left as it is and
named in the log: deleting evidence is not a migration's call. Downgrade
keeps the encoded links (they are the same addresses).
"""
import logging

import sqlalchemy as sa
from alembic import op

from app.incidents.urls import normalise_url
from app.tips.schema import url_key

revision = '0012_eco_urls'
down_revision = '0012_trust'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _normal(url):
    """The normalised link, or None when it is already normal or cannot be."""
    if url is None:
        return None
    try:
        normal = normalise_url(url)
    except ValueError:
        log.warning("link left as stored, no URI can be made of it: %r", url)
        return None
    return normal if normal != url else None


def _fix_sources(bind):
    rows = bind.execute(sa.text("SELECT id, url, archived_url FROM sources")).all()
    for row_id, url, archived in rows:
        new_url, new_archived = _normal(url), _normal(archived)
        if new_url or new_archived:
            bind.execute(sa.text("UPDATE sources SET url = :u, archived_url = :a WHERE id = :i"),
                         {"u": new_url or url, "a": new_archived or archived, "i": row_id})


def _fix_tip_evidence(bind):
    rows = bind.execute(sa.text(
        "SELECT id, tip_id, url, url_key FROM tip_evidence ORDER BY id")).all()
    keys = {(tip_id, key) for _, tip_id, _, key in rows}
    for row_id, tip_id, url, key in rows:
        new_url = _normal(url)
        if not new_url:
            continue
        new_key = url_key(new_url)
        if new_key != key and (tip_id, new_key) in keys:
            bind.execute(sa.text("DELETE FROM tip_evidence WHERE id = :i"), {"i": row_id})
            continue
        keys.add((tip_id, new_key))
        bind.execute(sa.text("UPDATE tip_evidence SET url = :u, url_key = :k WHERE id = :i"),
                     {"u": new_url, "k": new_key, "i": row_id})


def upgrade():
    bind = op.get_bind()
    _fix_sources(bind)
    _fix_tip_evidence(bind)


def downgrade():
    pass  # the encoded links name the same resources; nothing to undo
