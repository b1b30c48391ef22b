"""Weak signals on a real database: counts from the map index equal the plain
GROUP BY, a surge of published incidents becomes a signal with its reasons,
drafts never count, and editors' decisions work and show."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents import mapindex, service as incidents
from app.notes.models import Note
from app.signals import service
from tests.helpers import csrf_from, fresh_g

TODAY = date.today()
THIS_MONDAY = TODAY - timedelta(days=TODAY.weekday())
SURGE_WEEK = THIS_MONDAY - timedelta(weeks=1)


def _day(weeks_back, extra=0):
    return (THIS_MONDAY - timedelta(weeks=weeks_back, days=-extra)).isoformat()


@pytest.fixture
def surge(make_user, make_incident):
    """FRA × cyber: one incident every other week for 30 weeks, then 6 in one week;
    DEU × information: 3 drafts that week (never counted while drafts)."""
    editor = make_user("editor")
    for weeks_back in range(2, 32, 2):
        make_incident(title=f"Baseline {weeks_back}", start_date=_day(weeks_back, 2),
                      countries=["FRA"], vectors=["cyber"], author=editor)
    surge = [make_incident(title=f"Surge {n}", start_date=_day(1, n % 7), countries=["FRA"],
                           vectors=["cyber"], author=editor) for n in range(6)]
    drafts = [make_incident(title=f"Draft {n}", start_date=_day(1, n), countries=["DEU"],
                            vectors=["information"], status="draft", author=editor)
              for n in range(3)]
    return editor, surge, drafts


def test_index_counts_equal_the_group_by(surge):
    until = service.week_number(TODAY)
    fast = service.weekly_counts_index(mapindex.holder().current(), until=until)
    plain = service.weekly_counts_sql(until=until)
    assert fast.cells == plain.cells == [("FRA", "cyber")]
    assert fast.first_week == plain.first_week
    assert fast.counts.tolist() == plain.counts.tolist()


def test_a_published_surge_is_a_signal_that_says_why(client, surge):
    answer = client.get("/api/v1/signals?country=FRA")
    assert answer.status_code == 200
    signals = answer.get_json()["signals"]
    assert [(s["week"], s["country"], s["vector"], s["observed"]) for s in signals] == [
        (SURGE_WEEK.isoformat(), "FRA", "cyber", 6)]
    assert signals[0]["expected"] == 0.5 and signals[0]["score"] > 3
    assert signals[0]["explanation"].startswith(
        "6 incidents vs 0.5 expected a week over the last 26 weeks; p < 0.0001")
    assert client.get("/api/v1/signals?country=DEU").get_json()["signals"] == []
    assert client.get("/api/v1/signals?country=FR").status_code == 400
    assert client.get("/api/v1/signals?limit=0").status_code == 400
    early = client.get(f"/api/v1/signals?to={(SURGE_WEEK - timedelta(days=1)).isoformat()}")
    assert early.get_json()["count"] == 0
    page = client.get("/signals").get_data(as_text=True)
    assert "6 incidents vs 0.5 expected" in page and "Draft" not in page
    barometer = client.get("/barometer").get_data(as_text=True)
    assert 'id="rising"' in barometer and "6 incidents vs 0.5 expected" in barometer


def test_signals_are_recomputed_when_incidents_are_published(client, surge):
    editor, _, drafts = surge
    for draft in drafts:
        incidents.set_status(incident=draft, status="published",
                             expected_version=draft.version, editor=editor)
    signals = client.get("/api/v1/signals?country=DEU").get_json()["signals"]
    assert [(s["vector"], s["observed"]) for s in signals] == [("information", 3)]


def _review(client, editor_email, auth, **fields):
    fresh_g()
    token = csrf_from(client, "/signals")
    fresh_g()
    return client.post("/signals/review", data={
        "csrf_token": token, "week": SURGE_WEEK.isoformat(), "country": "FRA",
        "vector": "cyber", **fields})


def test_editors_acknowledge_dismiss_with_a_reason_or_write_a_note(app, client, auth, surge):
    editor, surge_incidents, _ = surge
    auth.login(editor.email)
    assert _review(client, editor.email, auth, decision="dismissed").status_code == 400
    assert _review(client, editor.email, auth, decision="acknowledged").status_code == 302
    noted = _review(client, editor.email, auth, decision="noted")
    assert noted.status_code == 302 and "/notes/" in noted.headers["Location"]
    note = db.session.scalars(sa.select(Note)).one()
    assert note.status == "draft"
    assert sorted(i.id for i in note.incidents) == sorted(i.id for i in surge_incidents)
    assert note.title_fr.startswith("En hausse\u00a0: cyber en FRA")
    dismissed = _review(client, editor.email, auth, decision="dismissed",
                        reason="A known botnet, already reported")
    assert dismissed.status_code == 302
    fresh_g()
    page = client.get("/signals").get_data(as_text=True)
    assert "A known botnet, already reported" in page
    anonymous = app.test_client()
    fresh_g()
    assert anonymous.get("/api/v1/signals").get_json()["signals"] == []
    fresh_g()
    assert "6 incidents vs" not in anonymous.get("/barometer").get_data(as_text=True)
    fresh_g()
    assert anonymous.get(f"/notes/{note.id}").status_code == 404
    fresh_g()
    assert anonymous.post("/signals/review", data={"decision": "acknowledged"}).status_code \
        in (400, 403)
    unknown = _review(client, editor.email, auth, decision="acknowledged", country="ITA")
    assert unknown.status_code == 400
