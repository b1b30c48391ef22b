"""Embeds: keys, filters, hosts, freezing (on SQLite and PostGIS)."""
import json

import pytest

from app.embeds import service
from app.incidents import service as incidents
from app.incidents.filters import FilterError
from app.incidents.schema import parse_incident


def _titles(embed):
    return sorted(f["properties"]["title"] for f in service.features(embed)["features"])


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


def test_frame_ancestors_fall_back_to_site_hosts(app, make_embed):
    app.config["ATLAS_EMBED_HOSTS"] = ["site.example"]
    assert service.frame_ancestors(make_embed()) == "'self' site.example"
    assert service.frame_ancestors(make_embed(allowed_hosts=["own.example"])) == (
        "'self' own.example")


def test_live_embed_shows_published_only(make_embed, make_incident):
    make_incident(title="Public")
    make_incident(title="Secret draft", status="draft")
    assert _titles(make_embed()) == ["Public"]


def test_frozen_embed_is_unchanged_after_edits_and_archiving(make_embed, make_incident):
    kept = make_incident(title="Before edit")
    gone = make_incident(title="Will be archived")
    embed = make_embed(frozen=True)
    before = service.data_body(embed)
    editor = kept.created_by
    incidents.update_incident(incident=kept, data=parse_incident(
        {"title": "After edit"}, partial=True), expected_version=kept.version, editor=editor)
    incidents.set_status(incident=gone, status="archived", expected_version=gone.version,
                         editor=editor)
    make_incident(title="Published later")
    assert service.data_body(embed) == before
    assert _titles(embed) == ["Before edit", "Will be archived"]
    live = make_embed()
    assert _titles(live) == ["After edit", "Published later"]


def test_changing_filters_refreezes(make_embed, make_incident):
    make_incident(title="Cyber", vectors=["cyber"])
    make_incident(title="Info", vectors=["information"])
    embed = make_embed(frozen=True, filters="vector=cyber")
    assert _titles(embed) == ["Cyber"]
    service.update(embed=embed, data={**_settings(embed), "filters": "vector=information"})
    assert _titles(embed) == ["Info"]
    assert json.loads(embed.frozen_data)["type"] == "FeatureCollection"


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
