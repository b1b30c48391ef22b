"""Finding 10: an archived incident leaves every public surface, frozen embeds included.

A frozen embed keeps the map as it was, but an incident taken off the public
record (archived) is purged from its stored levels in the same transaction,
and the embed's "as of" note says when.
"""
from app.embeds import service as embeds
from app.extensions import db
from app.incidents import service


def _frozen_titles(client, embed):
    titles = set()
    for zoom in embeds.frozen_levels(embed):
        body = client.get(f"/embed/{embed.key}/z/{zoom}.json").get_json()
        titles |= {f["title"] for f in body["features"]}
    return titles


def test_archiving_purges_the_incident_from_frozen_levels(client, make_embed,
                                                         make_incident, make_user):
    gone = make_incident(title="Soon archived", wkt="POINT (20 50)")
    make_incident(title="Stays public", wkt="POINT (-60 -20)")
    embed = make_embed(frozen=True)
    assert _frozen_titles(client, embed) == {"Soon archived", "Stays public"}
    etag = embed.frozen_etag
    service.set_status(incident=gone, status="archived", expected_version=gone.version,
                       editor=make_user("editor"))
    assert client.get(f"/incidents/{gone.id}").status_code == 404
    db.session.refresh(embed)
    assert _frozen_titles(client, embed) == {"Stays public"}
    assert embed.frozen_etag != etag  # a new versioned URL for every cache
    page = client.get(f"/embed/{embed.key}").get_data(as_text=True)
    assert "Soon archived" not in page
    assert "archived incidents removed" in page


def test_a_live_embed_and_untouched_frozen_embeds_are_left_alone(client, make_embed,
                                                                make_incident, make_user):
    kept = make_incident(title="Public", wkt="POINT (20 50)")
    frozen = make_embed(frozen=True)
    other = make_incident(title="Other", wkt="POINT (-60 -20)")
    etag = frozen.frozen_etag
    service.set_status(incident=other, status="archived", expected_version=other.version,
                       editor=make_user("editor"))
    db.session.refresh(frozen)
    assert frozen.frozen_etag == etag and frozen.purged_at is None
    assert _frozen_titles(client, frozen) == {kept.title}
