"""The Atom feed: valid Atom 1.0, published only, newest first, shared filters."""
import xml.etree.ElementTree as ET
from datetime import datetime

from app.extensions import db

A = "{http://www.w3.org/2005/Atom}"


def _feed(client, query=""):
    response = client.get("/feeds/incidents.atom" + query)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def _published_at(incident, moment):
    incident.published_at = moment
    db.session.commit()


def test_feed_is_atom_with_required_elements_newest_first(client, make_incident):
    old = make_incident(title="Older <b>one</b>")
    new = make_incident(title="Newer one", vectors=["sabotage"])
    make_incident(title="Secret draft", status="draft")
    _published_at(old, datetime(2025, 1, 1, 9, 0))
    _published_at(new, datetime(2025, 2, 1, 9, 0))
    feed = _feed(client)
    assert feed.tag == A + "feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(A + tag) is not None, tag
    assert feed.find(A + "updated").text == "2025-02-01T09:00:00Z"
    assert feed.find(A + "link[@rel='self']").get("href").startswith("http://")
    entries = feed.findall(A + "entry")
    assert [e.find(A + "title").text for e in entries] == ["Newer one", "Older <b>one</b>"]
    first = entries[0]
    for tag in ("id", "title", "updated", "published", "summary"):
        assert first.find(A + tag) is not None, tag
    assert first.find(A + "id").text == f"urn:uuid:{new.uuid}"
    assert first.find(A + "link").get("href").endswith(f"/incidents/{new.id}")
    assert {c.get("term") for c in first.findall(A + "category")} == {"sabotage", "FRA"}


def test_feed_honours_shared_filters_and_hides_drafts_even_from_editors(
        client, auth, make_user, make_incident):
    make_incident(title="Cable cut", vectors=["sabotage"])
    make_incident(title="Leak", vectors=["information"], wkt="POINT (13.4 52.52)")
    make_incident(title="Draft sabotage", vectors=["sabotage"], status="draft")
    editor = make_user("editor")
    auth.login(editor.email)
    titles = [e.find(A + "title").text
              for e in _feed(client, "?vector=sabotage").findall(A + "entry")]
    assert titles == ["Cable cut"]
    titles = [e.find(A + "title").text
              for e in _feed(client, "?country=DEU").findall(A + "entry")]
    assert titles == ["Leak"]


def test_feed_rejects_bad_filters_with_a_message(client):
    response = client.get("/feeds/incidents.atom?country=France")
    assert response.status_code == 400
    assert b"ISO 3166-1 alpha-3" in response.data


def test_feed_title_speaks_french(client, make_incident):
    feed = _feed(client, "?lang=fr")
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert feed.find(A + "title").text == "Atlas des menaces hybrides\u00a0: nouveaux incidents"


def test_map_page_links_the_feed_for_its_filters(client):
    html = client.get("/map?vector=sabotage&country=FRA").get_data(as_text=True)
    link = ('<link rel="alternate" type="application/atom+xml" title="New incidents for '
            'these filters" href="/feeds/incidents.atom?vector=sabotage&amp;country=FRA">')
    assert link in html
    assert 'class="feed-link" href="/feeds/incidents.atom?vector=sabotage&amp;country=FRA"' in html
