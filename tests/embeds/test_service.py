"""Embeds: keys, filters, hosts, freezing (on SQLite and PostGIS)."""
import json

import pytest

from app.embeds import service
from app.incidents import service as incidents
from app.incidents.filters import FilterError
from app.incidents.schema import parse_incident


PLACES = iter(f"POINT ({lon} {lat})" for lon, lat in
              [(2.35, 48.86), (24.11, 56.95), (13.4, 52.52), (21.01, 52.23), (-3.7, 40.42),
               (12.5, 41.9), (16.37, 48.21), (4.35, 50.85)] * 10)


def _titles(embed, zoom=8):
    """Titles of the single incidents ``embed`` shows at ``zoom`` (frozen or live)."""
    return sorted(f["title"] for f in service.level_for_view(embed, zoom)["features"])


def test_keys_are_unguessable_and_distinct(make_embed):
    keys = {make_embed().key for _ in range(3)}
    assert len(keys) == 3
    assert all(len(k) >= 22 for k in keys)


def test_filters_are_stored_as_the_shared_query_string(make_embed):
    embed = make_embed(filters="?country=fra&vector=cyber,information")
    assert embed.filters == "vector=cyber&vector=information&country=FRA"
    with pytest.raises(FilterError):
        make_embed(filters="country=France")


def test_hosts_are_checked():
    assert service.parse_hosts("news.example.org\n*.example.com, http://127.0.0.1:8001") == [
        "news.example.org", "*.example.com", "http://127.0.0.1:8001"]
    for bad in ("evil.org; script-src *", "'unsafe-inline'", "a b;"):
        with pytest.raises(service.EmbedError):
            service.parse_hosts(bad)


def test_embed_may_be_framed_by_any_site_unless_restricted(app, make_embed):
    app.config["ATLAS_EMBED_HOSTS"] = []
    assert service.frame_ancestors(make_embed()) == "'self' *"
    assert service.frame_ancestors(make_embed(allowed_hosts=["own.example"])) == (
        "'self' own.example")


def test_frame_ancestors_fall_back_to_site_hosts(app, make_embed):
    app.config["ATLAS_EMBED_HOSTS"] = ["site.example"]
    assert service.frame_ancestors(make_embed()) == "'self' site.example"
    assert service.frame_ancestors(make_embed(allowed_hosts=["own.example"])) == (
        "'self' own.example")


def test_live_embed_shows_published_only(make_embed, make_incident):
    make_incident(title="Public", wkt=next(PLACES))
    make_incident(title="Secret draft", status="draft", wkt=next(PLACES))
    assert _titles(make_embed()) == ["Public"]


def test_live_embed_is_the_map_data_of_its_filters(make_embed, make_incident):
    """Clusters come from the server's index, as on the full map."""
    for i in range(6):
        make_incident(title=f"Paris {i}", wkt=f"POINT (2.3{i} 48.8{i})", vectors=["cyber"])
    make_incident(title="Riga", wkt="POINT (24.11 56.95)", vectors=["information"])
    level = service.level_for_view(make_embed(filters="vector=cyber"), 4)
    assert [c["count"] for c in level["clusters"]] == [6] and level["features"] == []
    assert level["total"] == 6
    wide = service.level_for_view(make_embed(), 4)
    assert wide["total"] == 7 and [f["title"] for f in wide["features"]] == ["Riga"]


def test_frozen_embed_keeps_edits_out_but_drops_archived_incidents(make_embed,
                                                                  make_incident):
    """Frozen: later edits and publications do not reach it; an archived incident
    leaves it all the same (issue 16: it must leave every public surface)."""
    kept = make_incident(title="Before edit", wkt=next(PLACES))
    gone = make_incident(title="Will be archived", wkt=next(PLACES))
    embed = make_embed(frozen=True)
    before = service.frozen_bodies(embed)
    assert sorted(before) == list(range(2, 9))
    editor = kept.created_by
    incidents.update_incident(incident=kept, data=parse_incident(
        {"title": "After edit"}, partial=True), expected_version=kept.version, editor=editor)
    incidents.set_status(incident=gone, status="archived", expected_version=gone.version,
                         editor=editor)
    make_incident(title="Published later", wkt=next(PLACES))
    assert service.frozen_bodies(embed) != before
    assert _titles(embed) == ["Before edit"]
    assert embed.purged_at is not None
    # The popup's details are frozen too: nothing is asked of the live API.
    feature = json.loads(before[8])["features"][0]
    assert {"actor", "actor_type", "attribution", "location_name"} <= set(feature)
    live = make_embed()
    assert _titles(live) == ["After edit", "Published later"]


def test_frozen_levels_cover_every_zoom(make_embed, make_incident):
    for _ in range(3):
        make_incident(title="Same place")  # one cluster at every zoom
    embed = make_embed(frozen=True, fit_to_data=False, center_lat=48.86, center_lon=2.35,
                       zoom=11)
    assert service.frozen_levels(embed) == list(range(2, 12))
    assert service.level_for_view(embed, 18)["zoom"] == 11  # deeper: the deepest kept
    assert service.level_for_view(embed, 0)["zoom"] == 2
    assert service.bounds(service.level_for_view(embed, 4)) == [2.35, 48.86, 2.35, 48.86]


def test_changing_filters_refreezes(make_embed, make_incident):
    make_incident(title="Cyber", vectors=["cyber"], wkt=next(PLACES))
    make_incident(title="Info", vectors=["information"], wkt=next(PLACES))
    embed = make_embed(frozen=True, filters="vector=cyber")
    version = embed.frozen_etag
    assert _titles(embed) == ["Cyber"]
    service.update(embed=embed, data={**_settings(embed), "filters": "vector=information"})
    assert _titles(embed) == ["Info"]
    assert embed.frozen_etag != version
    service.update(embed=embed, data={**_settings(embed), "frozen": False})
    assert service.frozen_levels(embed) == [] and embed.as_of is None


def _settings(embed):
    from tests.embeds.conftest import DEFAULTS
    return {**DEFAULTS, **{k: getattr(embed, k) for k in DEFAULTS if hasattr(embed, k)},
            "refreeze": False}


def test_view_needs_centre_and_zoom_unless_fitted(make_embed):
    with pytest.raises(service.EmbedError):
        make_embed(fit_to_data=False)
    embed = make_embed(fit_to_data=False, center_lat=50.0, center_lon=10.0, zoom=5)
    assert (embed.center_lat, embed.zoom) == (50.0, 5)


def test_revoked_embed_is_gone(make_embed):
    embed = make_embed()
    service.revoke(embed=embed)
    assert service.find_active(embed.key) is None


def test_legend_lists_only_layers_with_incidents_under_the_filters(make_embed,
                                                                   make_incident):
    make_incident(title="Paris", vectors=["cyber"], actor="Alpha")
    make_incident(title="Riga", wkt="POINT (24.11 56.95)", vectors=["energy"],
                  actor="Beta")
    embed = make_embed(filters="vector=cyber", layers=["actor", "vector"])
    level = service.level_for_view(embed, service.FIT_ZOOM)
    vectors = [{"slug": "cyber", "label": "Cyber"}, {"slug": "energy", "label": "Energy"}]
    groups = dict(service.legend(embed, level, vectors=vectors, countries={}))
    assert list(groups) == ["actor", "vector"]  # no country group: not in the embed
    assert groups["vector"] == [("Cyber", 1)]  # energy has 0 under vector=cyber
    assert groups["actor"] == [("Alpha", 1)]  # Beta's only incident is energy
    assert service.legend(embed, level, vectors=vectors, countries={}, top=0) == [
        ("actor", [("Alpha", 1)]), ("vector", [("Cyber", 1)])]
