"""Migration 0012_eco_urls: links stored before the normaliser become RFC 3986 URIs."""
import sqlalchemy as sa

from app.extensions import db
from app.tips.models import Tip, TipEvidence
from app.tips.schema import url_key
from tests.helpers import before_migration

REVISION = "0012_eco_urls"
RAW = 'https://Example.org/x?<b>"q" y'
ENCODED = "https://example.org/x?%3Cb%3E%22q%22%20y"


def test_stored_links_are_encoded_and_hopeless_ones_kept(app, make_incident):
    """Sources and tip links with spaces, ``<`` or quotes come out encoded; a link no
    encoding makes a URI is left as stored, not deleted."""
    incident = make_incident(sources=[{"url": "https://example.org/ok"}])
    tip = Tip(receipt_hash="0" * 64, description="seen")
    tip.evidence = [TipEvidence(url="https://example.org/a", url_key="k1"),
                    TipEvidence(url="https://example.org/a b", url_key="k2"),
                    TipEvidence(url="https://example.org/a%20b", url_key=url_key(
                        "https://example.org/a%20b"))]
    db.session.add(tip)
    db.session.commit()
    incident_id, tip_id = incident.id, tip.id
    with before_migration(REVISION), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE sources SET url = :u, archived_url = :a "
                             "WHERE incident_id = :i"),
                     {"u": RAW, "a": "https://exa mple.org/", "i": incident_id})
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT url, archived_url FROM sources WHERE "
                                    "incident_id = :i"), {"i": incident_id}).one() == (
            ENCODED, "https://exa mple.org/")
        links = conn.execute(sa.text("SELECT url FROM tip_evidence WHERE tip_id = :t "
                                     "ORDER BY id"), {"t": tip_id}).scalars().all()
    # "a b" became "a%20b", the same link as the third: counted once.
    assert links == ["https://example.org/a", "https://example.org/a%20b"]
