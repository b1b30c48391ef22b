"""Finding 9: small leaks — actors of others' drafts, dry-run duplicates, the Host header.

- The editor's actor list names only actors the signed-in user may know of.
- A dry-run import reports "duplicate" only for incidents the importer may see.
- A ``Host`` the site is not (``ATLAS_TRUSTED_HOSTS``) gets 400 before any
  page, link or cache entry is built for it.
"""
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.interchange.importer import import_stream
from tests.helpers import fresh_g


def test_the_editor_does_not_list_an_actor_named_only_by_anothers_draft(client, auth,
                                                                       make_user,
                                                                       make_incident):
    author = make_user("contributor")
    make_incident(status="draft", author=author, actor="Secret Draft Actor")
    make_incident(actor="Public Actor")
    auth.login(make_user("contributor").email)
    page = client.get("/incidents/new").get_data(as_text=True)
    assert "Public Actor" in page and "Secret Draft Actor" not in page
    fresh_g()
    editor = client.application.test_client()
    from tests.conftest import Auth
    Auth(editor).login(make_user("editor").email)
    fresh_g()
    assert "Secret Draft Actor" in editor.get("/incidents/new").get_data(as_text=True)


CSV = ("title,start_date,wkt,vectors\n"
       "Hidden draft,2025-02-02,POINT (2 48),cyber\n").encode()


def test_a_dry_run_names_no_duplicate_the_importer_may_not_see(app, make_user,
                                                              make_incident):
    make_incident(status="draft", author=make_user("contributor"), title="Hidden draft",
                  start_date="2025-02-02", wkt="POINT (2 48)")
    stranger = make_user("contributor")
    result = import_stream(io.BytesIO(CSV), fmt="csv", user=stranger, dry_run=True)
    assert result.duplicates == []
    editor = make_user("editor")
    seen = import_stream(io.BytesIO(CSV), fmt="csv", user=editor, dry_run=True)
    assert [title for _, title in seen.duplicates] == ["Hidden draft"]


PUBLIC_CACHED = ("/", "/feeds/incidents.atom", "/api/v1/incidents", "/barometer",
                 "/oembed?url=http://localhost/embed/x", "/healthz")


def test_an_untrusted_host_gets_400_everywhere(client, make_embed):
    embed = make_embed()
    for path in PUBLIC_CACHED + (f"/embed/{embed.key}",):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert b"evil.example" not in response.get_data()
        assert "Cache-Control" not in response.headers or \
            "public" not in response.headers["Cache-Control"]


@pytest.mark.parametrize("query, headers, lang, words", [
    ("", {}, "en", "this site does not answer to that host name"),
    ("?lang=fr", {}, "fr", "ce site ne répond pas à ce nom d’hôte"),
    ("", {"Accept-Language": "fr-FR,fr;q=0.9"}, "fr", "ce site ne répond pas"),
    ("?lang=en", {"Accept-Language": "fr"}, "en", "this site does not answer"),
])
def test_the_untrusted_host_answer_speaks_the_readers_language_without_the_database(
        client, query, headers, lang, words):
    statements = []

    def count(*_args):
        statements.append(1)
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"/barometer{query}", headers={"Host": "evil.example",
                                                             **headers})
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert words in response.get_data(as_text=True)
    assert response.headers["Content-Language"] == lang
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []  # no session, no user, no page data was read


def test_the_sites_own_hosts_work_and_links_use_them(app, client, make_embed):
    app.config["TRUSTED_HOSTS"] = ["atlas.example", "localhost"]
    embed = make_embed()
    page = client.get(f"/embed/{embed.key}", headers={"Host": "atlas.example"})
    assert page.status_code == 200
    assert "http://atlas.example/embed/" in page.get_data(as_text=True)
    assert client.get("/healthz", headers={"Host": "localhost:5000"}).status_code == 200
