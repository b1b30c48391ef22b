"""Campaigns: pages, the editor with revisions and optimistic locking, and the
``campaign=`` filter reaching the API, the map data, feeds and exports."""
import json

import pytest
from flask_babel import refresh

from app.campaigns import service
from app.revisions import StaleVersion
from tests.helpers import csrf_from, fresh_g


@pytest.fixture
def campaign_with_incidents(make_user, make_incident):
    editor = make_user("editor")
    published = [make_incident(title=f"Surge {n}", start_date=f"2025-0{n}-10",
                               countries=["FRA", "DEU"][: 1 + n % 2], author=editor)
                 for n in (1, 2, 3)]
    draft = make_incident(title="Secret draft <b>x</b>", status="draft", author=editor)
    other = make_incident(title="Unrelated", author=editor)
    data = service.parse_campaign({
        "name": "Doppelgänger <script>alert(1)</script>", "aliases": "RRN\nRecent Reliable News",
        "actor": "Social Design Agency", "first_seen": "2025-01", "last_seen": "",
        "description": "Cloned news sites.",
        "incidents": " ".join(str(i.id) for i in published + [draft])})
    campaign = service.create(data=data, editor=editor)
    return campaign, published, draft, other, editor


def test_campaign_page_shows_facts_timeline_and_only_published_incidents(
        client, campaign_with_incidents):
    campaign, published, draft, _, _ = campaign_with_incidents
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Doppelgänger &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "RRN, Recent Reliable News" in html and "Social Design Agency" in html
    for incident in published:
        assert f'/incidents/{incident.id}"' in html
    assert "Secret draft" not in html and f'/incidents/{draft.id}"' not in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert html.count("<tr><td>") >= 3  # the timeline's table twin: one row a month
    assert f"/embed/map?campaign={campaign.id}" in html
    listing = client.get("/campaigns").get_data(as_text=True)
    assert "Social Design Agency" in listing and "<td>3</td>" in listing


def test_campaign_page_counts_platforms_in_both_languages(client, make_user, make_incident):
    editor = make_user("editor")
    tv = make_incident(title="Spot", platforms=["tv", "x"], author=editor)
    both = make_incident(title="Thread", platforms=["tv"], author=editor)
    hidden = make_incident(title="Draft", status="draft", platforms=["radio"], author=editor)
    campaign = service.create(data=service.parse_campaign(
        {"name": "Airwaves", "incidents": f"{tv.id} {both.id} {hidden.id}"}), editor=editor)
    english = client.get(f"/campaigns/{campaign.id}?lang=en").get_data(as_text=True)
    assert '<dd id="campaign-platforms">Television (2), X (Twitter) (1)</dd>' in english
    fresh_g()
    refresh()  # the English request's locale stays in the test's shared app context
    french = client.get(f"/campaigns/{campaign.id}?lang=fr").get_data(as_text=True)
    assert "Plateformes" in french
    assert '<dd id="campaign-platforms">Télévision (2), X (Twitter) (1)</dd>' in french
    assert "Radio" not in english  # a draft's platform stays out of the public counts


def test_campaign_filter_reaches_api_map_feed_and_export(client, campaign_with_incidents):
    campaign, published, draft, other, _ = campaign_with_incidents
    api = client.get(f"/api/v1/incidents?campaign={campaign.id}").get_json()
    assert sorted(f["id"] for f in api["features"]) == sorted(i.id for i in published)
    map_data = client.get(f"/api/v1/map?campaign={campaign.id}&zoom=2").get_json()
    assert map_data["total"] == 3
    feed = client.get(f"/feeds/incidents.atom?campaign={campaign.id}").get_data(as_text=True)
    assert "Surge 1" in feed and "Unrelated" not in feed and "Secret draft" not in feed
    embed = client.get(f"/embed/map?campaign={campaign.id}")
    assert embed.status_code == 200
    assert client.get("/api/v1/incidents?campaign=abc").status_code == 400


def test_editors_edit_with_revisions_and_a_stale_version_is_refused(
        client, auth, campaign_with_incidents):
    campaign, published, _, other, editor = campaign_with_incidents
    auth.login(editor.email)
    token = csrf_from(client, f"/campaigns/{campaign.id}/edit")
    form = {"csrf_token": token, "version": str(campaign.version), "name": "Doppelgänger",
            "aliases": "RRN", "actor": "", "first_seen": "", "last_seen": "",
            "description": "Edited.", "incidents": f"{published[0].id} {other.id}"}
    fresh_g()
    answer = client.post(f"/campaigns/{campaign.id}/edit", data=form)
    assert answer.status_code == 302
    fresh_g()
    stale = client.post(f"/campaigns/{campaign.id}/edit", data={**form, "name": "Lost"})
    assert stale.status_code == 409
    assert service.get(campaign.id).name == "Doppelgänger"
    assert service.get(campaign.id).version == 2  # one edit, one version step
    assert service.snapshot(service.get(campaign.id))["incidents"] == sorted(
        [published[0].id, other.id])
    fresh_g()
    history = client.get(f"/campaigns/{campaign.id}/history").get_data(as_text=True)
    assert "Revision 2" in history and "Edited." in history
    with pytest.raises(StaleVersion):
        service.update(campaign=service.get(campaign.id),
                       data=service.parse_campaign({**form, "name": "Again"}),
                       expected_version=1, editor=editor)


def test_readers_and_contributors_cannot_edit_and_bad_input_changes_nothing(
        app, client, auth, make_user, campaign_with_incidents):
    campaign, _, _, _, editor = campaign_with_incidents
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code in (302, 401)
    assert client.get(f"/campaigns/{campaign.id}/history").status_code in (302, 401)
    contributor = make_user("contributor")
    auth.login(contributor.email)
    assert client.get("/campaigns/new").status_code == 403
    fresh_g()
    client = app.test_client()
    type(auth)(client).login(editor.email)
    token = csrf_from(client, "/campaigns/new")
    fresh_g()
    unknown = client.post("/campaigns/new", data={"csrf_token": token, "name": "New",
                                                  "incidents": "99999"})
    assert unknown.status_code == 400 and "no incident 99999" in unknown.get_data(as_text=True)
    fresh_g()
    bad = client.post("/campaigns/new", data={"csrf_token": token, "name": "",
                                              "first_seen": "2025-13", "incidents": "99999"})
    assert bad.status_code == 400
    assert len(service.get_all(editor)) == 1
    assert client.get("/campaigns/999999").status_code == 404


def test_timeline_counts_months_and_countries_reached(campaign_with_incidents):
    campaign, published, _, _, _ = campaign_with_incidents
    months = service.spread_by_month(published)
    assert [(m.isoformat(), n, reached) for m, n, reached in months] == [
        ("2025-01-01", 1, 2), ("2025-02-01", 1, 2), ("2025-03-01", 1, 2)]
