"""No page is wider than the screen: every page, phone (390×844) and desktop
(1366×900), English and French, signed out and as each role, in real Chromium.

The header's links fold behind an accessible "Menu" button on the phone."""
import pytest
import sqlalchemy as sa

from app.auth.service import create_user
from app.campaigns import service as campaigns
from app.embeds import service as embeds
from app.extensions import db
from app.incidents import service as incidents
from app.incidents.schema import parse_incident
from app.notes import service as notes
from app.tips import service as tips
from app.tips.models import Tip
from app.tips.schema import parse_tip
from tests.e2e.test_editor_browser import _sign_in
from tests.embeds.conftest import DEFAULTS

PASSWORD = "correct horse battery"
SIZES = {"phone": (390, 844), "desktop": (1366, 900)}
ROLES = ("reader", "contributor", "editor", "admin")

# /map is branch mapui's page, with its own overflow test (tests/e2e/test_map_browser.py).
PUBLIC = ["/barometer", "/reports", "/reports/2025-Q2", "/tips/new",
          "/tips/status", "/tips/privacy", "/incidents/{published}",
          "/incidents/{published}/history", "/api/v1/docs", "/campaigns",
          "/campaigns/{campaign}", "/notes", "/notes/{note}", "/signals"]
SIGNED_IN = ["/account/password"]
CONTRIBUTOR = ["/incidents/new", "/incidents/mine", "/incidents/{draft}/edit", "/import"]
EDITOR = ["/incidents/review", "/incidents/{submitted}/review", "/tips/triage",
          "/tips/triage/{tip}", "/taxonomy/actors", "/taxonomy/vectors", "/embeds",
          "/embeds/new", "/embeds/{embed}/edit"]
ADMIN = ["/admin/users", "/admin/audit"]


def pages_for(role):
    """The pages a person in ``role`` (or ``None``, signed out) can open."""
    pages = list(PUBLIC)
    if not role:
        pages.append("/login")
    if role:
        pages += SIGNED_IN
    if role in ("contributor", "editor", "admin"):
        pages += CONTRIBUTOR
    if role in ("editor", "admin"):
        pages += EDITOR
    if role == "admin":
        pages += ADMIN
    return pages


@pytest.fixture
def site(live_app):
    """One user per role, a published and a submitted incident (with long words and
    a long title), a tip, an embed, a campaign and a published alert note: every
    page has something to show."""
    users = {r: create_user(email=f"{r}.with.a.long.address@example.org",
                            password=PASSWORD, role=r) for r in ROLES}
    long_title = "Coordinated inauthentic amplification of a forged ministerial letter " * 2
    fields = {"start_date": "2025-06-15", "wkt": "POINT (2.35 48.86)",
              "vectors": ["information"], "actor": "Unattributed", "confidence": 60,
              "summary": "https://example.org/" + "very-long-path-segment-" * 8}
    published = incidents.create_incident(data=parse_incident(
        {**fields, "title": long_title}), author=users["editor"], status="published")
    submitted = incidents.create_incident(data=parse_incident(
        {**fields, "title": "Submitted " + long_title}), author=users["contributor"],
        status="submitted")
    draft = incidents.create_incident(data=parse_incident(
        {**fields, "title": "Draft " + long_title}), author=users["contributor"],
        status="draft")
    tips.submit_tip(data=parse_tip({"description": "Fake letter " * 30, "lang": "en"}))
    tip_id = db.session.scalars(sa.select(Tip.id)).one()
    embed = embeds.create(data={**DEFAULTS, "title": long_title[:120]},
                          author=users["editor"])
    campaign = campaigns.create(data=campaigns.parse_campaign({
        "name": long_title[:150], "aliases": "", "actor": "Unattributed",
        "first_seen": "2025-06", "last_seen": "", "description": fields["summary"],
        "incidents": str(published.id)}), editor=users["editor"])
    note = notes.create(data=notes.parse_note({
        "title_en": long_title[:150], "title_fr": "Lettre ministérielle falsifiée",
        "body_en": "## What we see\n\n" + fields["summary"], "body_fr": "## Ce que nous voyons",
        "campaign": str(campaign.id), "countries": "FRA", "vectors": "information",
        "incidents": str(published.id)}), author=users["editor"])
    notes.set_status(note=note, status="published", expected_version=note.version,
                     editor=users["editor"])
    ids = {"published": published.id, "submitted": submitted.id, "draft": draft.id,
           "tip": tip_id, "embed": embed.id, "embed_key": embed.key,
           "campaign": campaign.id, "note": note.id}
    emails = {role: user.email for role, user in users.items()}
    # End the fixture's transaction: the live server writes (sessions, audit) too.
    db.session.commit()
    db.session.close()
    return emails, ids


def _overflow(page):
    """How many CSS pixels the page is wider than its viewport, and the widest
    culprits (tag.class) when it is."""
    return page.evaluate("""() => {
      const width = document.documentElement.clientWidth;
      const over = document.documentElement.scrollWidth - width;
      if (over <= 0) { return [0, []]; }
      const culprits = [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > width + 1)
        .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || ''));
      return [over, culprits];
    }""")


@pytest.mark.parametrize("role", (None,) + ROLES)
def test_no_page_is_wider_than_the_screen(browser, live_server, site, role):
    users, ids = site
    base, wide = live_server.url, []
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        if role:
            _sign_in(page, base, users[role])
        for lang in ("en", "fr"):
            page.goto(f"{base}/lang/{lang}?next=/map")
            for path in pages_for(role):
                url = base + path.format(**ids)
                response = page.goto(url)
                assert response.status < 400, f"{url}: {response.status}"
                over, culprits = _overflow(page)
                if over > 0:
                    wide.append(f"{size} {lang} {role} {path}: +{over}px {culprits}")
        context.close()
    assert wide == [], "\n".join(wide)


def test_phone_header_folds_into_a_menu_button(browser, live_server, site):
    users, _ = site
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _sign_in(page, live_server.url, users["editor"])
    page.goto(live_server.url + "/barometer")
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Embeds").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    embeds_link = page.get_by_role("link", name="Embeds")
    assert embeds_link.is_visible()
    box = embeds_link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    embeds_link.focus()
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    # On a desktop the links are in view with no button.
    desktop = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    _sign_in(desktop, live_server.url, users["editor"])
    assert not desktop.get_by_role("button", name="Menu").is_visible()
    assert desktop.get_by_role("link", name="Embeds").is_visible()
    context.close()
    desktop.context.close()
