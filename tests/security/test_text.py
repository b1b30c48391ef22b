"""One text rule for every stored user text (``app/stored_text.py``).

C0 control characters other than tab, CR and LF, NUL and lone surrogates are
refused wherever a user's text is stored — the tip form and its JSON twin,
taxonomy, report sections, embeds, campaigns, alert notes, signal decisions,
incident reasons, a tip turned into an incident, the API, accounts made by
``flask user create`` — with a 4xx (or the form's error) naming the field, and
nothing in the database changes: every table is compared before and after.
"""
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.inputs import text_problem
from app.stored_text import row_problem
from tests.helpers import fresh_g
from tests.security.conftest import FEATURE

CONTROL = "Bots\x01 at work"
VERTICAL_TAB = "Word\x0bline"
NUL = "nul\x00byte"
FORM_TEXTS = [CONTROL, VERTICAL_TAB, NUL]
SURROGATE = "Lone \ud800 surrogate"


def everything():
    """Every row of every table (as text), after the request's session is gone."""
    db.session.rollback()
    rows = {}
    for table in db.metadata.sorted_tables:
        result = db.session.execute(sa.select(table)).all()
        rows[table.name] = sorted(repr(tuple(row)) for row in result)
    db.session.rollback()
    return rows


def json_with(body):
    """JSON text of ``body`` with control characters and surrogates as ``\\u`` escapes,
    as a hostile client sends them."""
    return json.dumps(body, ensure_ascii=True)


@pytest.fixture
def editor(app, auth, make_user):
    """Sign the test client in as an editor; forms without CSRF tokens."""
    user = make_user("editor")
    auth.login(user.email)
    app.config["WTF_CSRF_ENABLED"] = False
    yield user
    app.config["WTF_CSRF_ENABLED"] = True


def _flashed(client):
    with client.session_transaction() as stored_session:
        return " ".join(text for _, text in stored_session.get("_flashes", []))


# Each surface: (client, editor, fixtures, bad text) → the response. Prepared rows
# (an actor to edit, a section to change) are made before ``everything()`` is read.

def _tip_form(client, text, **_):
    return client.post("/tips/new", data={
        "description": text, "seen_on": "2026-11-20", "location_name": "Vilnius",
        "country": "LTU", "evidence": "https://news.example/a", "contact": ""})


def _tip_form_contact(client, text, **_):
    return client.post("/tips/new", data={
        "description": "Fake letter", "evidence": "https://news.example/a",
        "contact": text})


def _actor_new(client, text, **_):
    return client.post("/taxonomy/actors", data={
        "name": text, "type": "state", "aliases": "", "sponsor_country": "",
        "description": ""})


def _actor_alias(client, text, prepared, **_):
    actor = prepared["actor"]
    return client.post(f"/taxonomy/actors/{actor}", data={
        "name": "Edited actor", "type": "state", "aliases": f"One; {text}",
        "sponsor_country": "", "description": "Edited"})


def _actor_description(client, text, prepared, **_):
    return client.post(f"/taxonomy/actors/{prepared['actor']}", data={
        "name": "Edited actor", "type": "state", "aliases": "", "sponsor_country": "",
        "description": text})


def _vector_label(client, text, **_):
    return client.post("/taxonomy/vectors", data={
        "slug": "elections", "label_en": text, "label_fr": "Élections",
        "color": "#aa0011", "symbol": "x"})


def _platform_label(client, text, **_):
    return client.post("/taxonomy/platforms", data={
        "slug": "newsite", "label_en": "New site", "label_fr": text})


def _report_section(client, text, **_):
    return client.post("/reports/2025-Q2/sections/summary", data={
        "summary-title": "Summary", "summary-body": text, "summary-version": "0"})


def _embed_title(client, text, **_):
    return client.post("/embeds/new", data={
        "title": text, "caption": "", "filters": "vector=cyber", "layers": ["actor"],
        "fit_to_data": "y", "legend_position": "bottomleft", "allowed_hosts": ""})


def _embed_caption(client, text, prepared, **_):
    return client.post(f"/embeds/{prepared['embed']}/edit", data={
        "title": "Embed", "caption": text, "filters": "vector=cyber", "layers": ["actor"],
        "fit_to_data": "y", "legend_position": "bottomleft", "allowed_hosts": ""})


def _campaign(client, text, **_):
    return client.post("/campaigns/new", data={
        "name": "Doppelgänger", "aliases": f"RRN\n{text}", "actor": "", "first_seen": "",
        "last_seen": "", "description": "", "incidents": ""})


def _campaign_description(client, text, **_):
    return client.post("/campaigns/new", data={
        "name": "Doppelgänger", "aliases": "", "actor": "", "first_seen": "",
        "last_seen": "", "description": text, "incidents": ""})


def _note(client, text, **_):
    return client.post("/notes/new", data={
        "title_en": "Bot wave", "title_fr": "", "body_en": text, "body_fr": "",
        "campaign": "", "countries": "", "vectors": "", "incidents": ""})


def _incident_form(client, text, **_):
    return client.post("/incidents/new", data={
        "title": "Title", "summary": text, "lang": "en", "start_date": "2025-03-01",
        "end_date": "", "time_precision": "day", "geometry": "POINT (2.35 48.86)",
        "geo_precision": "exact", "precision_m": "", "location_name": "Paris",
        "countries": "", "actor": "", "attribution": "unattributed", "confidence": "50",
        "vectors": ["cyber"], "techniques": "", "sources": ""})


def _tip_convert(client, text, prepared, **_):
    return client.post(f"/tips/triage/{prepared['tip']}/convert", data={
        "title": text, "vectors": ["information"], "country": "LTU"})


FORM_SURFACES = {
    "tip description": _tip_form, "tip contact": _tip_form_contact,
    "actor name": _actor_new, "actor alias": _actor_alias,
    "actor description": _actor_description,
    "vector label": _vector_label, "platform label": _platform_label,
    "report section": _report_section, "embed title": _embed_title,
    "embed caption": _embed_caption, "campaign alias": _campaign,
    "campaign summary": _campaign_description, "alert note": _note,
    "incident summary": _incident_form, "tip turned into an incident": _tip_convert,
}


@pytest.fixture
def prepared(editor, make_embed):
    """The rows the edit surfaces change: an actor, an embed, a tip."""
    from app.taxonomy import service as taxonomy
    from app.tips import service as tips
    from app.tips.schema import parse_tip
    taxonomy.save_actor(None, {"name": "Actor to edit", "type": "state", "aliases": "",
                               "sponsor_country": "", "description": ""})
    actor = db.session.scalar(sa.text("SELECT id FROM actors WHERE name = 'Actor to edit'"))
    embed = make_embed(author=editor).id
    tips.submit_tip(data=parse_tip({"description": "A fake letter", "country": "LTU",
                                    "evidence": ["https://news.example/a"]}))
    tip = db.session.scalar(sa.text("SELECT max(id) FROM tips"))
    db.session.commit()
    return {"actor": actor, "embed": embed, "tip": tip}


@pytest.mark.parametrize("text", FORM_TEXTS, ids=["control", "vertical-tab", "nul"])
@pytest.mark.parametrize("surface", list(FORM_SURFACES))
def test_every_form_refuses_bad_text_and_stores_nothing(client, prepared, surface, text):
    before = everything()
    fresh_g()
    response = FORM_SURFACES[surface](client, text, prepared=prepared)
    page = response.get_data(as_text=True) + _flashed(client)
    assert 400 <= response.status_code < 500 or "control character" in page \
        or "NUL" in page, (response.status_code, page[:300])
    assert "NUL character" in page if text == NUL else "control character" in page
    assert everything() == before


def _status_reason(client, text, make_incident, **_):
    incident = make_incident(status="submitted")
    before = everything()
    fresh_g()
    response = client.post(f"/incidents/{incident.id}/status", data={
        "status": "rejected", "reason": text, "version": str(incident.version)})
    return before, response


def _batch_reason(client, text, make_incident, **_):
    incident = make_incident(status="submitted")
    before = everything()
    fresh_g()
    response = client.post("/incidents/review/batch", data={
        "items": [f"{incident.id}:{incident.version}"], "status": "rejected",
        "reason": text})
    return before, response


@pytest.mark.parametrize("review", [_status_reason, _batch_reason], ids=["one", "batch"])
def test_rejection_reasons_refuse_bad_text(client, editor, make_incident, review):
    before, response = review(client, CONTROL, make_incident=make_incident)
    assert response.status_code == 302
    assert "control character" in _flashed(client)
    assert everything() == before


def test_signal_dismissal_reason_refuses_bad_text(client, editor, make_incident):
    today = date.today()
    surge_week = today - timedelta(days=today.weekday(), weeks=1)
    for weeks_back in range(3, 31, 3):
        make_incident(title="Baseline", countries=["FRA"], vectors=["cyber"],
                      start_date=(surge_week - timedelta(weeks=weeks_back)).isoformat())
    for day in range(6):
        make_incident(title="Surge", countries=["FRA"], vectors=["cyber"],
                      start_date=(surge_week + timedelta(days=day)).isoformat())
    before = everything()
    fresh_g()
    response = client.post("/signals/review", data={
        "week": surge_week.isoformat(), "country": "FRA", "vector": "cyber",
        "decision": "dismissed", "reason": CONTROL})
    assert response.status_code == 400
    assert "reason: contains a control character" in response.get_data(as_text=True)
    assert everything() == before
    fresh_g()
    fine = client.post("/signals/review", data={
        "week": surge_week.isoformat(), "country": "FRA", "vector": "cyber",
        "decision": "dismissed", "reason": "A known\tbotnet\r\n(tab and newlines pass)"})
    assert fine.status_code == 302  # the same signal with a clean reason is stored


@pytest.mark.parametrize("text", [CONTROL, SURROGATE, NUL], ids=["control", "surrogate",
                                                                  "nul"])
@pytest.mark.parametrize("field", ["description", "contact", "location_name"])
def test_the_tip_api_refuses_bad_text(client, field, text):
    body = {"description": "A fake letter", "country": "LTU",
            "evidence": ["https://news.example/a"]}
    body[field] = text
    before = everything()
    response = client.post("/api/v1/tips", data=json_with(body),
                           content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert field in response.get_json()["error"]
    assert everything() == before


@pytest.mark.parametrize("text", [CONTROL, SURROGATE], ids=["control", "surrogate"])
@pytest.mark.parametrize("field", ["title", "summary", "location_name", "actor"])
def test_the_incident_api_refuses_bad_text_on_create_and_patch(client, token, field, text):
    _, headers = token("editor")
    created = client.post("/api/v1/incidents", json=FEATURE, headers=headers)
    assert created.status_code == 201
    incident = created.get_json()
    before = everything()
    body = {**FEATURE, "properties": {**FEATURE["properties"], field: text}}
    refused = client.post("/api/v1/incidents", data=json_with(body), headers={
        **headers, "Content-Type": "application/json"})
    assert refused.status_code == 400 and field in refused.get_json()["error"]
    patch = client.patch(f"/api/v1/incidents/{incident['id']}", data=json_with(
        {"properties": {field: text}}), headers={
        **headers, "Content-Type": "application/json",
        "If-Match": str(incident["properties"]["version"])})
    assert patch.status_code == 400 and field in patch.get_json()["error"]
    assert everything() == before


@pytest.mark.parametrize("text", [CONTROL, SURROGATE, NUL], ids=["control", "surrogate",
                                                                  "nul"])
def test_evidence_links_are_stored_percent_encoded_never_raw(client, text):
    """A link is kept as the URI a browser would request (``incidents.urls``), so what
    is stored is clean text whatever was pasted."""
    body = {"description": "A fake letter", "evidence": [f"https://news.example/{text}"]}
    response = client.post("/api/v1/tips", data=json_with(body),
                           content_type="application/json")
    if response.status_code == 400:  # no encoding makes it a URI: refused, not stored
        assert everything()["tip_evidence"] == []
        return
    assert response.status_code == 202
    db.session.rollback()
    stored = db.session.scalars(sa.text("SELECT url FROM tip_evidence")).all()
    assert len(stored) == 1 and text_problem(stored[0]) is None
    assert stored[0].startswith("https://news.example/")


def test_flask_user_create_refuses_a_bad_email(app, runner, monkeypatch):
    monkeypatch.setenv("ATLAS_PASSWORD", "a long enough password")
    before = everything()
    result = runner.invoke(args=["user", "create", "bad\x01@example.org"])
    assert result.exit_code != 0
    assert "email: contains a control character" in result.output
    assert everything() == before


@pytest.mark.parametrize("lang, words", [("en", "contains a control character"),
                                         ("fr", "caractère de contrôle")])
def test_the_refusal_speaks_the_readers_language(app, client, lang, words):
    app.config["WTF_CSRF_ENABLED"] = False
    before = everything()
    response = client.post(f"/tips/new?lang={lang}", data={
        "description": CONTROL, "evidence": "https://news.example/a"})
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)
    assert everything() == before


def test_the_gate_checks_new_rows_whole_and_updated_rows_by_their_changes(app, make_user):
    """An old row stored before the rule can still be edited in its clean fields."""
    from app.incidents.models import Actor
    actor = Actor(name="Clean", aliases=["a", "b\x02"], description="")
    assert row_problem(actor) == ("aliases", text_problem("\x02"))
    db.session.add(Actor(name="Old", aliases=[], description=""))
    db.session.commit()
    db.session.execute(sa.text("UPDATE actors SET description = :d WHERE name = 'Old'"),
                       {"d": "stored before the rule\x01"})
    db.session.commit()
    old = db.session.scalar(sa.select(Actor).where(Actor.name == "Old"))
    old.name = "Renamed"
    assert row_problem(old) is None
    db.session.commit()
    old.name = "Again\x1f"
    assert row_problem(old)[0] == "name"
    db.session.rollback()


def test_a_nul_never_reaches_the_database_driver(app, client, editor):
    """PostgreSQL refuses a NUL even in a lookup (a sign-in's email, a taxonomy name's
    uniqueness check): a 4xx, never a 500."""
    before = everything()
    fresh_g()
    assert client.post("/taxonomy/actors", data={"name": NUL, "type": "state"}
                       ).status_code == 400
    anonymous = app.test_client()
    fresh_g()
    signed_in = anonymous.post("/login", data={"email": "nul\x00@example.org",
                                               "password": "whatever it is"})
    assert 400 <= signed_in.status_code < 500
    assert everything() == before
