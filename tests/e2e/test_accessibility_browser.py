"""axe-core on every page: no WCAG 2.0/2.1 A or AA violation, in real Chromium.

Each page of the responsive test's lists (tests/e2e/test_responsive_browser.py),
with the map and an embed, is checked in English and French, at a desktop
(1366 px) and a phone (390 px) width, signed out when anyone may open it, else as
the least role that can (a reader's account page, a contributor's editor, an
editor's queues, an admin's users). One browser; one context per role, whose
viewport and language change between passes, so the whole check stays short.
"""
import os
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.e2e.test_editor_browser import _sign_in
from tests.e2e.test_responsive_browser import (ADMIN, CONTRIBUTOR, EDITOR, PUBLIC, SIGNED_IN,
                                               SIZES, site)  # noqa: F401 (fixture)

AXE = Path(os.environ.get("ATLAS_AXE_JS", "node_modules/axe-core/axe.min.js"))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The pages only this role (and those above it) may open, beside those anyone may.
PAGES = {
    None: PUBLIC + ["/login", "/map", "/embed/{embed_key}"],
    "reader": SIGNED_IN,
    "contributor": CONTRIBUTOR,
    "editor": EDITOR,
    "admin": ADMIN,
}
# Pages that draw after loading: axe looks once they are drawn.
READY = {"/map": ".folium-map[data-atlas-ready=true]",
         "/embed/{embed_key}": ".folium-map[data-embed-ready=true]"}
RUN = """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},
  resultTypes: ['violations']})).violations.map(v => v.id + ' (' + v.impact + '): '
  + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | '))"""


@pytest.mark.parametrize("role", list(PAGES))
def test_axe_finds_no_wcag_a_or_aa_violation_on_any_page(browser, live_server, site, role):
    if not AXE.exists():
        unavailable(f"axe-core not found at {AXE} (npm install axe-core, or ATLAS_AXE_JS)")
    axe = AXE.read_text()
    users, ids = site
    base, found = live_server.url, []
    # The pages' CSP admits no injected script: this context alone bypasses it.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    if role:
        _sign_in(page, base, users[role])
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for lang in ("en", "fr"):
            page.goto(f"{base}/lang/{lang}?next=/tips/privacy")
            for path in PAGES[role]:
                url = base + path.format(**ids)
                response = page.goto(url)
                assert response.status < 400, f"{url}: {response.status}"
                if path in READY:
                    page.wait_for_selector(READY[path], timeout=20000)
                page.add_script_tag(content=axe)
                found += [f"{size} {lang} {role} {path}: {v}"
                          for v in page.evaluate(RUN, TAGS)]
    context.close()
    assert found == [], "\n".join(found)
