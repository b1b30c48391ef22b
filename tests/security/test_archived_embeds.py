"""Finding 10: an archived incident leaves every public surface, frozen embeds included.

A frozen embed keeps the map as it was, but an incident taken off the public
record (archived) is purged from its stored levels in the same transaction —
its feature and its share of every count (clusters, total, facets, barometer)
— and the embed's "as of" note says when.
"""
import json

from app.embeds import service as embeds
from app.extensions import db
from app.incidents import service
from app.incidents.schema import parse_incident


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


def _levels(embed):
    return {zoom: json.loads(body) for zoom, body in embeds.frozen_bodies(embed).items()}


def _cluster_counts(level):
    return sorted(c["count"] for c in level["clusters"])


def test_an_archived_incident_leaves_the_frozen_counts_too(client, make_embed,
                                                          make_incident, make_user):
    """Clusters, total, facets (the legend) and barometer of every level forget it;
    the incidents drawn alone keep their frozen text."""
    together = [make_incident(title=f"Together {n}", wkt="POINT (2.35 48.86)",
                              countries=["FRA"], vectors=["cyber"], actor="Shared")
                for n in range(3)]
    alone = make_incident(title="Alone", wkt="POINT (-60 -20)", countries=["BRA"],
                          vectors=["information"], actor="Lonely")
    embed = make_embed(frozen=True)
    before = _levels(embed)
    for level in before.values():  # three in one cluster, one alone, at every zoom
        assert level["total"] == 4 and _cluster_counts(level) == [3]
        assert level["facets"]["vectors"]["information"] == 1
        assert level["barometer"]["counts"] == {"FRA": 3, "BRA": 1}
    editor = make_user("editor")
    service.update_incident(incident=alone, data=parse_incident(
        {"title": "Edited after the freeze"}, partial=True), expected_version=alone.version,
        editor=editor)
    for gone in (together[0], alone):
        db.session.refresh(gone)
        service.set_status(incident=gone, status="archived", expected_version=gone.version,
                           editor=editor)
    db.session.refresh(embed)
    after = _levels(embed)
    assert sorted(after) == sorted(before)
    for zoom, level in after.items():
        assert level["total"] == 2 and _cluster_counts(level) == [2], zoom
        assert level["clusters"][0]["vectors"] == {"cyber": 2}
        assert level["features"] == []
        assert "information" not in level["facets"]["vectors"]  # its layer left the legend
        assert [(a["name"], a["count"]) for a in level["facets"]["actors"]] == [("Shared", 2)]
        assert level["barometer"]["counts"] == {"FRA": 2}
    assert json.loads(embed.frozen_ids) == sorted(i.id for i in together[1:])
    assert "archived incidents removed" in client.get(f"/embed/{embed.key}").get_data(
        as_text=True)


def test_single_features_keep_their_frozen_text_after_a_purge(make_embed, make_incident,
                                                            make_user):
    kept = make_incident(title="Frozen title", wkt="POINT (20 50)")
    gone = make_incident(title="Archived", wkt="POINT (-60 -20)")
    embed = make_embed(frozen=True)
    editor = make_user("editor")
    service.update_incident(incident=kept, data=parse_incident(
        {"title": "Edited later"}, partial=True), expected_version=kept.version,
        editor=editor)
    service.set_status(incident=gone, status="archived", expected_version=gone.version,
                       editor=editor)
    for level in _levels(embed).values():
        assert [f["title"] for f in level["features"]] == ["Frozen title"]
        assert level["total"] == 1


def test_embeds_frozen_before_the_ids_were_kept_still_lose_the_feature(
        client, make_embed, make_incident, make_user):
    gone = make_incident(title="Soon archived", wkt="POINT (20 50)")
    make_incident(title="Stays public", wkt="POINT (-60 -20)")
    embed = make_embed(frozen=True)
    embed.frozen_ids = None  # as frozen before migration 0013_trust2
    db.session.commit()
    service.set_status(incident=gone, status="archived", expected_version=gone.version,
                       editor=make_user("editor"))
    db.session.refresh(embed)
    assert _frozen_titles(client, embed) == {"Stays public"}
    assert embed.purged_at is not None
