"""Embed pages, data, PNG, download, oEmbed and the builder, over HTTP."""
import base64
import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

from app.extensions import db
from app.maps.static_map import INCIDENT_COLOR


def _csp(response):
    return dict(d.strip().split(" ", 1) for d in
                response.headers["Content-Security-Policy"].split(";"))


def test_embed_page_is_framable_by_its_hosts_only(client, make_embed):
    embed = make_embed(allowed_hosts=["news.example.org", "http://127.0.0.1:8001"])
    response = client.get(f"/embed/{embed.key}")
    assert response.status_code == 200
    assert _csp(response)["frame-ancestors"] == (
        "'self' news.example.org http://127.0.0.1:8001")
    assert "X-Frame-Options" not in response.headers
    # Every other page still refuses to be framed.
    other = client.get("/map")
    assert _csp(other)["frame-ancestors"] == "'none'"
    assert other.headers["X-Frame-Options"] == "DENY"


def test_embed_page_sets_no_cookie_and_is_cacheable(client, make_embed):
    embed = make_embed()
    response = client.get(f"/embed/{embed.key}", headers={"Accept-Language": "fr"})
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")  # one cached copy for all
    assert "public" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get(f"/embed/{embed.key}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    # Same settings, same bytes: the CSP hashes hold for every copy a CDN keeps.
    assert client.get(f"/embed/{embed.key}").get_data() == response.get_data()


def test_inline_scripts_are_allowed_by_hash_only(client, make_embed):
    response = client.get(f"/embed/{make_embed().key}")
    script_src = _csp(response)["script-src"]
    assert "'sha256-" in script_src and "nonce" not in script_src
    assert "unsafe-inline" not in script_src


def test_embed_page_has_chrome_links_and_discovery(client, make_embed):
    embed = make_embed(title="<b>Tribune</b>", filters="vector=cyber", caption="Source: X")
    html = client.get(f"/embed/{embed.key}").get_data(as_text=True)
    assert "&lt;b&gt;Tribune&lt;/b&gt;" in html and "<b>Tribune" not in html
    assert 'href="http://localhost/map?vector=cyber"' in html
    assert 'type="application/json+oembed"' in html
    assert f"/embed/{embed.key}.png" in html  # og:image and <noscript>
    assert "<noscript><img" in html
    assert "atlas-embed.js" in html and "Control.FullScreen.js" in html


def test_unknown_and_revoked_keys(client, make_embed):
    from app.embeds import service
    assert client.get("/embed/nope-nope").status_code == 404
    embed = make_embed(frozen=True)
    assert client.get(f"/embed/{embed.key}/z/2.json").status_code == 200
    assert client.get(f"/embed/{embed.key}/z/19.json").status_code == 404
    service.revoke(embed=embed)
    assert client.get(f"/embed/{embed.key}").status_code == 410
    assert client.get(f"/embed/{embed.key}/z/2.json").status_code == 410


def _config(html):
    return json.loads(re.search(r"AtlasMap\.init\([^,]+, (\{.*\})\);", html)[1])


def test_frozen_levels_are_immutable_with_etag(client, make_embed, make_incident):
    make_incident(title="Frozen one")
    embed = make_embed(frozen=True)
    config = _config(client.get(f"/embed/{embed.key}").get_data(as_text=True))
    frozen = config["embed"]["frozen"]
    assert frozen["zooms"] == list(range(2, 9))
    assert f"v={embed.frozen_etag[:16]}" in frozen["url"] and "{z}" in frozen["url"]
    response = client.get(frozen["url"].replace("{z}", "8"))
    assert response.status_code == 200
    assert [f["title"] for f in response.json["features"]] == ["Frozen one"]
    cache = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache
    assert "Set-Cookie" not in response.headers
    again = client.get(frozen["url"].replace("{z}", "8"),
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    # Without the current version the URL is not immutable (an old copy may differ).
    plain = client.get(f"/embed/{embed.key}/z/8.json")
    assert "immutable" not in plain.headers["Cache-Control"]
    # Only what the map and its popups show: no summary, no sources.
    assert "summary" not in response.json["features"][0]
    assert config["embed"]["fitBounds"] == [2.35, 48.86, 2.35, 48.86]


def test_live_embed_asks_the_map_api_with_its_filters(client, make_embed, make_incident):
    make_incident(title="Live one", vectors=["cyber"])
    embed = make_embed(filters="vector=cyber", legend_position="topright",
                       layers=["actor", "vector"])
    config = _config(client.get(f"/embed/{embed.key}").get_data(as_text=True))
    assert config["dataUrl"] == "/api/v1/map"
    mode = config["embed"]
    assert (mode["query"], mode["legend"], mode["layers"]) == (
        "vector=cyber", "topright", ["actor", "vector"])
    assert "frozen" not in mode
    assert mode["fullMapUrl"] == "http://localhost/map?vector=cyber"
    assert config["labels"]["legend"] == "Legend"
    data = client.get(f"/api/v1/map?{mode['query']}&bbox=-180,-85,180,85&zoom=2")
    assert data.json["total"] == 1 and "Set-Cookie" not in data.headers


def test_embed_strings_follow_the_language(client, make_embed):
    embed = make_embed()
    html = client.get(f"/embed/{embed.key}?lang=fr").get_data(as_text=True)
    labels = _config(html)["labels"]
    assert (labels["legend"], labels["fullScreen"]) == ("Légende", "Plein écran")


def test_full_map_link_carries_the_view(client, make_embed):
    embed = make_embed(filters="vector=cyber", fit_to_data=False, center_lat=50.0,
                       center_lon=10.0, zoom=5)
    html = client.get(f"/embed/{embed.key}").get_data(as_text=True)
    assert 'href="http://localhost/map?vector=cyber&amp;at=50.0000,10.0000,5"' in html
    assert "fitBounds" not in _config(html)["embed"]


def _red_pixels(image):
    target = np.array([int(INCIDENT_COLOR[i:i + 2], 16) for i in (1, 3, 5)])
    pixels = np.asarray(image.convert("RGB")).astype(int)
    return int((np.abs(pixels - target).max(axis=2) <= 6).sum())


def test_png_is_an_image_of_the_right_size_showing_the_incidents(client, make_embed,
                                                                 make_incident):
    make_incident(title="Paris", wkt="POINT (2.35 48.86)")
    make_incident(title="Riga", wkt="POINT (24.11 56.95)")
    embed = make_embed()
    response = client.get(f"/embed/{embed.key}.png?width=400&height=300")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.get_data()))
    assert image.format == "PNG" and image.size == (400, 300)
    assert _red_pixels(image) >= 2 * 20
    empty = make_embed(filters="vector=energy")
    blank = Image.open(io.BytesIO(client.get(f"/embed/{empty.key}.png?width=400&height=300")
                                  .get_data()))
    assert _red_pixels(blank) == 0
    assert client.get(f"/embed/{embed.key}.png?width=9").status_code == 400


def test_download_is_one_offline_file(client, make_embed, make_incident):
    make_incident(title="Offline one")
    embed = make_embed(title="My tribune")
    response = client.get(f"/embed/{embed.key}/download.html")
    assert response.status_code == 200
    assert 'filename="My-tribune.html"' in response.headers["Content-Disposition"]
    html = response.get_data(as_text=True)
    assert not re.search(r'<script[^>]+src=', html)
    assert not re.search(r'<link[^>]+stylesheet', html)
    assert "data:application/json;base64," in html
    assert "AtlasMap.init(" in html and "Leaflet" in html and "MarkerClusterGroup" not in html
    levels = _config(html)["embed"]["frozen"]["levels"]
    assert sorted(levels, key=int) == [str(z) for z in range(2, 9)]
    level = json.loads(base64.b64decode(levels["8"].split(",", 1)[1]))
    assert [f["title"] for f in level["features"]] == ["Offline one"]


# --- oEmbed 1.0 -------------------------------------------------------------------

def test_oembed_for_an_embed_url_field_by_field(client, make_embed):
    embed = make_embed(title="Interference & elections", frozen=True)
    url = f"http://localhost/embed/{embed.key}"
    response = client.get("/oembed", query_string={"url": url, "format": "json",
                                                   "maxwidth": "500", "maxheight": "300"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.json
    assert body["type"] == "rich"
    assert body["version"] == "1.0"
    assert body["title"] == "Interference & elections"
    assert body["provider_name"] == "Hybrid Threat Atlas"
    assert body["provider_url"] == "http://localhost/map"
    assert body["width"] == 500 and body["height"] == 300
    assert isinstance(body["cache_age"], int)
    html = body["html"]
    assert html.startswith("<iframe ") and html.endswith("</iframe>")
    assert f'src="{url}"' in html
    assert 'width="500"' in html and 'height="300"' in html
    assert 'allow="fullscreen"' in html
    assert "Interference &amp; elections" in html
    thumb = urlsplit(body["thumbnail_url"])
    assert thumb.path == f"/embed/{embed.key}.png"
    assert parse_qs(thumb.query) == {"width": ["500"], "height": ["300"]}
    assert (body["thumbnail_width"], body["thumbnail_height"]) == (500, 300)


def test_oembed_default_size_and_map_urls(client):
    body = client.get("/oembed", query_string={
        "url": "http://localhost/map?vector=cyber&country=fra"}).json
    assert (body["width"], body["height"]) == (640, 480)
    assert 'src="http://localhost/embed/map?vector=cyber&amp;country=FRA"' in body["html"]
    thumb = client.get(body["thumbnail_url"])
    assert thumb.mimetype == "image/png"
    assert Image.open(io.BytesIO(thumb.get_data())).size == (640, 480)
    page = client.get("/embed/map?vector=cyber&country=FRA")
    assert page.status_code == 200
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    map_page = client.get("/map?vector=cyber").get_data(as_text=True)
    href = re.search(r'<link rel="alternate" type="application/json\+oembed" '
                     r'href="([^"]+)"', map_page)[1].replace("&amp;", "&")
    assert parse_qs(urlsplit(href).query) == {
        "url": ["http://localhost/map?vector=cyber"], "format": ["json"]}
    assert client.get(href).json["type"] == "rich"


@pytest.mark.parametrize("url", ["http://elsewhere.example/map", "http://localhost/incidents/1",
                                 "http://localhost/embed/unknown-key", "ftp://localhost/map",
                                 "http://localhost/map?country=France", ""])
def test_oembed_404_for_other_urls(client, url):
    assert client.get("/oembed", query_string={"url": url}).status_code == 404


def test_oembed_revoked_is_404_and_xml_is_501(client, make_embed):
    from app.embeds import service
    embed = make_embed()
    url = f"http://localhost/embed/{embed.key}"
    assert client.get("/oembed", query_string={"url": url, "format": "xml"}).status_code == 501
    service.revoke(embed=embed)
    assert client.get("/oembed", query_string={"url": url}).status_code == 404


# --- the builder ------------------------------------------------------------------

def test_builder_is_for_editors(client, auth, make_user):
    assert client.get("/embeds").status_code == 302  # to sign in
    auth.login(make_user("contributor").email)
    assert client.get("/embeds/new").status_code == 403


def _form(**fields):
    data = {"title": "Built", "caption": "", "filters": "vector=cyber",
            "layers": ["actor", "vector"], "fit_to_data": "y", "legend_position": "below",
            "allowed_hosts": "news.example.org"}
    data.update(fields)
    return data


def test_builder_creates_previews_edits_and_revokes(app, client, auth, make_user):
    from app.embeds.models import Embed
    from app.extensions import db
    auth.login(make_user("editor").email)
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/embeds/new", data=_form())
    assert response.status_code == 302
    embed = db.session.scalars(db.select(Embed)).one()
    assert (embed.filters, embed.layers, embed.allowed_hosts) == (
        "vector=cyber", ["actor", "vector"], ["news.example.org"])
    page = client.get(f"/embeds/{embed.id}/edit").get_data(as_text=True)
    assert 'class="preview-phone"' in page and 'width="360"' in page
    assert 'class="preview-desktop"' in page
    # The responsive snippet: 3:2, but never shorter than a phone's map needs.
    snippet = re.search(r'class="snippet"[^>]*>([^<]*)<', page).group(1)
    assert "aspect-ratio:3/2;min-height:360px" in snippet
    assert "allowfullscreen" not in snippet and "loading=&#34;lazy&#34;" in snippet
    bad = client.post(f"/embeds/{embed.id}/edit", data=_form(allowed_hosts="x;y"))
    assert bad.status_code == 400 and "allowed hosts" in bad.get_data(as_text=True)
    client.post(f"/embeds/{embed.id}/edit", data=_form(title="Renamed", frozen="y"))
    db.session.refresh(embed)
    assert embed.title == "Renamed" and embed.frozen and embed.as_of is not None
    client.post(f"/embeds/{embed.id}/revoke")
    db.session.refresh(embed)
    assert embed.is_revoked
    assert "revoked" in client.get("/embeds").get_data(as_text=True)


def test_builder_forms_need_csrf(client, auth, make_user):
    auth.login(make_user("editor").email)
    assert client.post("/embeds/new", data=_form()).status_code == 400


def test_embed_page_varies_by_accept_language_not_by_the_site_cookie(app, make_embed):
    embed = make_embed()
    db.session.commit()  # SQLite: the requests below run in their own contexts
    pages = {}
    for lang, query in (("en", ""), ("fr", ""), ("en", "?lang=fr")):
        with app.app_context():  # the locale of one request only
            client = app.test_client()
            client.set_cookie("lang", "fr")  # the site's switch must not split the cache
            pages[lang + query] = client.get(f"/embed/{embed.key}{query}",
                                             headers={"Accept-Language": lang})
    for response in pages.values():
        assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
        assert "Accept-Language" in response.headers["Vary"]
        assert "Cookie" not in response.headers["Vary"]
    assert '<html lang="en" data-locale="en-GB">' in pages["en"].get_data(as_text=True)
    assert '<html lang="fr" data-locale="fr-FR">' in pages["fr"].get_data(as_text=True)
    assert '<html lang="fr" data-locale="fr-FR">' in pages["en?lang=fr"].get_data(as_text=True)  # pinned in URL


def test_oembed_keeps_a_pinned_language_in_the_iframe(client, make_embed):
    embed = make_embed()
    pinned = client.get("/oembed", query_string={
        "url": f"http://localhost/embed/{embed.key}?lang=fr"}).json["html"]
    assert f'src="http://localhost/embed/{embed.key}?lang=fr"' in pinned
    adhoc = client.get("/oembed", query_string={
        "url": "http://localhost/map?vector=cyber&lang=fr"}).json["html"]
    assert 'src="http://localhost/embed/map?vector=cyber&amp;lang=fr"' in adhoc
    reader = client.get("/oembed", query_string={
        "url": f"http://localhost/embed/{embed.key}?lang=de"}).json["html"]
    assert f'src="http://localhost/embed/{embed.key}"' in reader  # the reader's language


def test_builder_starts_from_the_map_view_it_was_opened_from(app, client, auth, make_user):
    auth.login(make_user("editor").email)
    page = client.get("/embeds/new?vector=cyber&country=FRA&at=48.5,2.5,6"
                      "&layers=vector,country&lang=fr").get_data(as_text=True)
    assert 'id="filters"' in page and 'value="vector=cyber&amp;country=FRA"' in page
    assert 'id="center_lat"' in page and 'value="48.5"' in page and 'value="2.5"' in page
    assert re.search(r'id="zoom"[^>]*value="6"', page)
    assert not re.search(r'id="fit_to_data"[^>]*checked', page)
    assert re.search(r'value="vector"[^>]*checked|checked[^>]*value="vector"', page)
    assert not re.search(r'value="actor"[^>]*checked|checked[^>]*value="actor"', page)
    # With no restriction, the builder says plainly that any site may show it (the
    # map's lang=fr is the page's language, not a filter).
    assert "Tout site peut afficher cette intégration" in page
