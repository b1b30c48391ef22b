"""Every page in French, in real Chromium, signed out and as each role, free of English.

The page's text — text nodes, ``<title>``, and the ``title``, ``aria-label``,
``placeholder`` and ``alt`` attributes (Leaflet's and Geoman's control tooltips
are ``title`` attributes) — is checked against the catalogue: an English msgid
whose French msgstr differs is an untranslated leak when it shows. So are the
English strings of third-party widgets and of raw codes (``KNOWN_ENGLISH``),
which are not in the catalogue. Text inside an element whose ``lang`` is not
French (the language switch's "English", data marked with its language) is
the data's own and not checked.

The map's popup, the editor's drawing hints and the error pages are opened too.
"""
import json
import re

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from app.auth.service import create_user
from app.campaigns import service as campaigns
from app.embeds import service as embeds
from app.embeds.models import Embed
from app.extensions import db
from app.geo.countries import geodata_dir
from app.i18n import CODE_LABELS
from app.incidents import service as incidents
from app.incidents.schema import parse_incident
from app.notes import service as notes
from app.tips import service as tips
from app.tips.models import TIP_STATUSES, Tip
from app.tips.schema import parse_tip
from tests.e2e.test_editor_browser import _sign_in
from tests.embeds.conftest import DEFAULTS
from tests.i18n.test_translations import FR

PASSWORD = "correct horse battery"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
ROLES = ("reader", "contributor", "editor", "admin")

PUBLIC = ["/map", "/barometer", "/barometer?country=FRA", "/reports", "/reports/2025-Q2",
          "/tips/new", "/tips/status", "/tips/privacy", "/tips/{receipt}",
          "/incidents/{published}", "/incidents/{published}/history", "/api/v1/docs",
          "/campaigns", "/campaigns/{campaign}", "/campaigns/{campaign}/history",
          "/notes", "/notes/{note}", "/notes/{note}/print",
          "/embed/{embed_key}?lang=fr",  # embeds are cookieless: the language is in the URL
          "/no-such-page", "/barometer?from=someday"]
SIGNED_OUT = ["/login", "/incidents/new"]
SIGNED_IN = ["/account/password"]
READER = ["/import"]  # refused: the 403 page
CONTRIBUTOR = ["/incidents/new", "/incidents/mine", "/incidents/{draft}/edit", "/import"]
EDITOR = ["/incidents/review", "/incidents/review?status=published",
          "/incidents/{submitted}/review", "/tips/triage", "/tips/triage/{tip}",
          "/taxonomy/actors", "/taxonomy/vectors", "/taxonomy/platforms",
          "/embeds", "/embeds/new", "/embeds/{embed}/edit", "/signals",
          "/campaigns/new", "/campaigns/{campaign}/edit", "/notes/new",
          "/notes/{note}/edit", "/notes/{note}/history"]
ADMIN = ["/admin/users", "/admin/audit"]


# What each role is shown (refusals included): signed out, then each role's own.
PAGES = {None: PUBLIC + SIGNED_OUT, "reader": PUBLIC + SIGNED_IN + READER,
         "contributor": PUBLIC + SIGNED_IN + CONTRIBUTOR,
         "editor": PUBLIC + SIGNED_IN + CONTRIBUTOR + EDITOR,
         "admin": PUBLIC + SIGNED_IN + CONTRIBUTOR + EDITOR + ADMIN}


# English that is not in the catalogue: the drawing tool's and Leaflet's own strings,
# geometry types, the enumerations' raw codes, the months of English dates.
THIRD_PARTY = ["Draw Marker", "Draw Polyline", "Draw Polygons", "Finish", "Cancel",
               "Remove Last Vertex", "Click to place marker", "Click to place first vertex",
               "Click to continue drawing", "Click first marker to finish",
               "Click any existing marker to finish", "Zoom in", "Zoom out",
               "Full Screen", "Exit Full Screen", "A JavaScript library for interactive maps",
               "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
               "GeometryCollection"]
MONTHS = ["January", "February", "March", "April", "June", "July", "August",
          "September", "October", "November", "December"]
# The codes behind every enumeration ("published", "state-affiliated", "bottomleft"…),
# but language codes and "incident" (French too).
RAW_CODES = sorted(({code for kind, labels in CODE_LABELS.items()
                     if kind not in ("lang", "geometry") for code in labels}
                    | set(TIP_STATUSES)) - {"incident"})


def english_country_names():
    """Country names whose English differs from the French ("Germany", "Spain"…)."""
    features = json.loads((geodata_dir() / "countries-110m.geojson").read_text())["features"]
    return sorted({f["properties"]["name_en"] for f in features
                   if f["properties"]["name_en"] != f["properties"]["name_fr"]})


KNOWN_ENGLISH = THIRD_PARTY + MONTHS + RAW_CODES + english_country_names()

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")


def _pattern(english):
    """A regular expression matching ``english`` as shown, its placeholders filled."""
    parts = PLACEHOLDER.split(" ".join(english.split()))
    return r".+?".join(re.escape(p) for p in parts)


def catalogue_leaks():
    """English msgids whose French differs, and the English of ``KNOWN_ENGLISH``, minus
    any that is itself French somewhere in the catalogue ("Actions", "commercial"…)."""
    with open(FR / "messages.po", "rb") as f:
        catalog = read_po(f)
    english, french = set(), set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = (message.string if isinstance(message.string, (list, tuple))
                   else [message.string])
        french |= {" ".join(s.split()) for s in strings}
        english |= {" ".join(i.split()) for i in ids if i not in strings}
    return sorted((english | set(KNOWN_ENGLISH)) - french)


def _matchers():
    """One compiled pattern for whole texts, one for words within longer texts."""
    whole, inside = [], []
    for text in catalogue_leaks():
        if not re.search(r"[A-Za-z]{2}", PLACEHOLDER.sub("", text)):
            continue  # "%(a)s – %(b)s", "{n}": no English in it
        pattern = _pattern(text)
        whole.append(pattern)
        # Several words, or one long word: recognisable inside a longer text too.
        if " " in text.strip() and len(PLACEHOLDER.sub("", text)) >= 10 or (
                text in MONTHS or text in THIRD_PARTY):
            inside.append(r"(?<![\w-])" + pattern + r"(?![\w-])")
    return (re.compile("(?:" + "|".join(whole) + ")"),
            re.compile("|".join(sorted(inside, key=len, reverse=True))))


WHOLE, INSIDE = _matchers()
# A text is also read in pieces: "(editor)", "Statut : published", "a · b".
SEPARATORS = re.compile(r"\s*[()\[\]:·|,;/—–«»\u00a0]+\s*")


def english_in(text):
    """The English of ``text`` a French reader should not see, or ``None``."""
    text = " ".join(text.split())
    if not text:
        return None
    for piece in [text] + SEPARATORS.split(text):
        if piece and WHOLE.fullmatch(piece):
            return piece
    found = INSIDE.search(text)
    return found[0] if found else None


# Visible text and shown attributes of the page, outside anything marked as another
# language; each with where it was found.
TEXTS = """() => {
  const out = [];
  const foreign = el => { const l = el.closest('[lang]'); return l && !l.lang.startsWith('fr'); };
  const where = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  out.push(['title', document.title]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    // Code and what people typed (a textarea's text) are not the interface's.
    if (!el || el.closest('script, style, noscript, template, code, pre, kbd, samp, textarea') ||
        foreign(el)) continue;
    if (n.textContent.trim()) out.push([where(el), n.textContent]);
  }
  for (const el of document.body.querySelectorAll(
      '[title], [aria-label], [placeholder], [alt], input[type=submit][value], input[type=button][value]')) {
    if (foreign(el)) continue;
    for (const a of ['title', 'aria-label', 'placeholder', 'alt', 'value']) {
      if (el.hasAttribute(a) && (a !== 'value' || el.type === 'submit' || el.type === 'button')) {
        out.push([where(el) + '@' + a, el.getAttribute(a)]);
      }
    }
  }
  return out;
}"""


def leaks(page, label):
    """``label: where: "text" (english)`` for each English text the page shows."""
    found = []
    for where, text in page.evaluate(TEXTS):
        english = english_in(text)
        if english:
            found.append(f"{label}: {where}: {' '.join(text.split())[:120]!r} ({english})")
    return found


def test_the_detector_finds_leaks_and_spares_french():
    assert english_in("Sign in") == "Sign in"
    assert english_in("ed@example.org (editor)") == "editor"
    assert english_in("Statut\u00a0: published") == "published"
    assert english_in("15 June 2025") == "June"
    assert english_in("Cluster of 3 incidents") is not None
    assert english_in("Draw Marker") == "Draw Marker"
    assert english_in("Allemagne, Germany") == "Germany"
    assert english_in("Se connecter") is None
    assert english_in("Acteur\u00a0: Test Actor (inconnu)") is None
    assert english_in("15 juin 2025") is None and english_in("Description") is None


@pytest.fixture
def site(live_app):
    """One user per role; a published, a submitted and a draft incident, a tip, an
    embed, a campaign and a published note — the content in French, as a French
    contributor writes it, so any English on the pages is the interface's."""
    users = {r: create_user(email=f"{r}@exemple.fr", password=PASSWORD, role=r)
             for r in ROLES}
    fields = {"start_date": "2025-06-15", "end_date": "2025-06-18",
              "wkt": "POINT (13.4 52.52)", "vectors": ["information"],
              "actor": "Agence Zeta", "confidence": 60, "attribution": "inferred",
              "geo_precision": "city", "location_name": "Berlin",
              "summary": "Lettre ministérielle falsifiée relayée par des comptes coordonnés.",
              "sources": [{"url": "https://exemple.fr/enquete", "publisher": "Exemple"}]}
    published = incidents.create_incident(data=parse_incident(
        {**fields, "title": "Fausse lettre ministérielle"}), author=users["editor"],
        status="published")
    # A second revision: the history page names changed fields and values.
    incidents.update_incident(incident=published, data=parse_incident(
        {**fields, "title": "Fausse lettre ministérielle", "attribution": "proxy",
         "geo_precision": "region", "vectors": ["information", "cyber"],
         "start_date": "2025-06-14", "wkt": "POLYGON ((13 52, 14 52, 14 53, 13 53, 13 52))",
         "sources": [{"url": "https://exemple.fr/suite", "publisher": "Exemple",
                      "published_on": "2025-06-20"}]}),
        expected_version=published.version, editor=users["editor"])
    incidents.create_incident(data=parse_incident(
        {**fields, "title": "Sites clonés", "wkt": "POINT (-3.7 40.4)",
         "start_date": "2025-04", "end_date": "2025-04", "time_precision": "month",
         "attribution": "direct", "geo_precision": "exact", "vectors": ["cyber"]}),
        author=users["editor"], status="published")
    submitted = incidents.create_incident(data=parse_incident(
        {**fields, "title": "Lettre soumise"}), author=users["contributor"],
        status="submitted")
    draft = incidents.create_incident(data=parse_incident(
        {**fields, "title": "Brouillon de lettre"}), author=users["contributor"],
        status="draft")
    receipt = tips.submit_tip(data=parse_tip(
        {"description": "Une fausse lettre circule.", "lang": "fr", "country": "DEU"}))
    tip_id = db.session.scalars(sa.select(Tip.id)).one()
    embed = embeds.create(data={**DEFAULTS, "title": "Ingérences en France"},
                          author=users["editor"])
    campaign = campaigns.create(data=campaigns.parse_campaign({
        "name": "Doppelgänger", "aliases": "RRN", "actor": "Agence Zeta",
        "first_seen": "2025-01", "last_seen": "",
        "description": "Réseaux de faux sites d’information.",
        "incidents": str(published.id)}), editor=users["editor"])
    note = notes.create(data=notes.parse_note({
        "title_fr": "Vague de faux médias", "body_fr": "## Ce que nous voyons\n\nDouze sites.",
        "campaign": str(campaign.id), "countries": "FRA", "vectors": "information",
        "incidents": str(published.id)}), author=users["editor"])
    notes.set_status(note=note, status="published", expected_version=note.version,
                     editor=users["editor"])
    ids = {"published": published.id, "submitted": submitted.id, "draft": draft.id,
           "tip": tip_id, "receipt": receipt, "embed": embed.id,
           "embed_key": db.session.get(Embed, embed.id).key, "campaign": campaign.id,
           "note": note.id}
    emails = {role: user.email for role, user in users.items()}
    db.session.commit()  # the live server writes too (sessions, audit)
    db.session.close()
    return emails, ids


def _settle(page, path):
    """Wait for what the page's scripts draw: the map, its list and a popup; the
    editor's drawing tool and the hint that follows the pointer."""
    if path == "/map" or path.startswith("/embed/"):
        page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=15000)
        marker = page.locator(".leaflet-marker-icon.atlas-marker").first
        if marker.count():
            marker.dispatch_event("click")  # it may sit outside a phone's view
            page.wait_for_selector(".leaflet-popup .atlas-popup h3")
    elif page.locator("#editor-map").count():
        page.wait_for_selector("#editor-map[data-ready=true]")
        page.click(".leaflet-pm-icon-marker")
        box = page.locator("#editor-map").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".leaflet-tooltip")
    elif page.locator(".locator-map[data-locator]").count():
        page.wait_for_selector(".locator-map[data-ready=true]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("role", (None,) + ROLES)
def test_french_pages_show_no_english(browser, live_server, site, role):
    users, ids = site
    base, found = live_server.url, []
    sizes = SIZES if role in (None, "editor") else {"desktop": SIZES["desktop"]}
    for size, (width, height) in sizes.items():
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="en-US")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        if role:
            _sign_in(page, base, users[role])
        page.goto(f"{base}/lang/fr?next=/map")  # the switch: every page after it
        for path in PAGES[role]:
            url = base + path.format(**ids)
            page.goto(url)
            _settle(page, path)
            assert page.evaluate("document.documentElement.lang") == "fr", url
            found += leaks(page, f"{size} {role or 'signed out'} {path}")
        assert errors == [], errors
        context.close()
    assert found == [], "\n".join(found)
