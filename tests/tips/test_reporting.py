"""Anonymous reporting: the form and its JSON twin, receipts, and the abuse guards."""
import http.server
import re
import threading
from html import unescape

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tips.models import Tip, TipEvidence
from tests.tips.conftest import TIP, csrf_token, only_tip

NBSP = "\u00a0"


def test_json_twin_answers_202_with_a_receipt_and_stores_only_its_hash(client, send_tip):
    receipt = send_tip()
    assert len(receipt) >= 22
    tip = only_tip()
    assert tip.receipt_hash != receipt and len(tip.receipt_hash) == 64
    assert tip.status == "received" and tip.country == "LTU"
    assert [e.url for e in tip.evidence] == TIP["evidence"]
    # Nothing about the connection is kept: no column holds the client address.
    row = db.session.execute(sa.select(Tip.__table__)).one()._asdict()
    assert not any("127.0.0.1" in str(v) for v in row.values())
    assert set(row) == {c.name for c in Tip.__table__.columns}
    assert not {"ip", "remote_addr", "user_agent"} & set(row)


def test_receipt_page_shows_the_status_and_nothing_else(client, send_tip):
    receipt = send_tip()
    response = client.get(f"/tips/{receipt}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'id="tip-status">Received<', html)
    for secret in ("Coordinated accounts", "Vilnius", "signal", "social.example",
                   "news.example", "2026-11-20", "Lithuania"):
        assert secret not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_receipt_page_speaks_french(client, send_tip):
    receipt = send_tip()
    html = client.get(f"/tips/{receipt}?lang=fr").get_data(as_text=True)
    assert re.search(r'id="tip-status">Reçu<', html)


def test_unknown_or_altered_receipt_is_404(client, send_tip):
    receipt = send_tip()
    altered = receipt[:-1] + ("y" if receipt[-1] == "x" else "x")
    assert client.get(f"/tips/{altered}").status_code == 404
    assert client.get("/tips/" + "A" * 80).status_code == 404


def test_receipt_can_be_checked_without_putting_it_in_the_url(client, send_tip):
    receipt = send_tip()
    response = client.post("/tips/status", data={
        "receipt": receipt, "csrf_token": csrf_token(client, "/tips/status")})
    assert response.status_code == 200
    assert 'id="tip-status">Received<' in response.get_data(as_text=True)


def test_form_without_account_needs_csrf_and_returns_a_receipt(client):
    form = {**TIP, "evidence": "\n".join(TIP["evidence"])}
    assert client.post("/tips/new", data=form).status_code == 400  # no CSRF token
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tip)) == 0
    response = client.post("/tips/new", data={**form,
                                              "csrf_token": csrf_token(client, "/tips/new")})
    # Post/redirect/get: the browser lands on the receipt page, and reloading it
    # shows the same receipt without sending the tip again.
    assert response.status_code == 303 and response.location.endswith("/tips/received")
    page = client.get("/tips/received").get_data(as_text=True)
    receipt = re.search(r'id="receipt">([^<]+)<', page).group(1)
    assert client.get("/tips/received").get_data(as_text=True) == page
    assert only_tip().description == TIP["description"]
    assert "Received" in client.get(f"/tips/{receipt}").get_data(as_text=True)


def test_receipts_avoid_look_alike_characters_and_forgive_how_they_are_typed(
        client, send_tip):
    from app.tips.service import RECEIPT_ALPHABET, new_receipt
    assert not set("01lIoO") & set(RECEIPT_ALPHABET)
    codes = [new_receipt() for _ in range(200)]
    assert all(re.fullmatch(r"([2-9a-z]{4}-){6}[2-9a-z]{4}", c) for c in codes)
    assert not set("".join(codes)) & set("01lio")
    receipt = send_tip()
    typed = receipt.replace("-", " ").upper()
    assert "Received" in client.get(f"/tips/{typed}").get_data(as_text=True)


def test_receipt_page_without_a_tip_sends_back_to_the_form(client):
    response = client.get("/tips/received")
    assert response.status_code == 302 and response.location.endswith("/tips/new")


def test_form_shows_every_problem_and_stores_nothing(client):
    response = client.post("/tips/new", data={
        "description": "", "evidence": "javascript:alert(1)", "lat": "200", "lon": "1",
        "csrf_token": csrf_token(client, "/tips/new")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Description: is required" in html and "Latitude: must be between" in html
    assert "is not an http(s) URL" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tip)) == 0


def test_form_problems_are_in_french_with_lang_fr(app, client):
    db.session.commit()  # SQLite: let the request's own session write
    with app.app_context():  # a fresh context: the locale of this request only
        response = client.post("/tips/new?lang=fr", data={
            "description": "", "evidence": "javascript:alert(1)", "lat": "200", "lon": "1",
            "csrf_token": csrf_token(client, "/tips/new?lang=fr")})
        html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert f"Description{NBSP}: est obligatoire" in html
    assert f"Latitude{NBSP}: doit être compris entre -90 et 90" in html
    assert "n’est pas une URL http(s)" in html and "is required" not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tip)) == 0


def test_form_page_is_french_with_lang_fr(client):
    html = client.get("/tips/new?lang=fr").get_data(as_text=True)
    assert "Qu&#39;avez-vous vu" in html or "Qu'avez-vous vu" in html
    assert "Envoyer le signalement" in html


def test_honeypot_looks_accepted_but_stores_nothing(client):
    api = client.post("/api/v1/tips", json={**TIP, "website": "http://spam.example"})
    assert api.status_code == 202 and api.get_json()["receipt"]
    form = client.post("/tips/new", data={
        "description": "buy now", "website": "http://spam.example",
        "csrf_token": csrf_token(client, "/tips/new")})
    assert form.status_code == 303
    assert 'id="receipt"' in client.get(form.location).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tip)) == 0
    assert client.get("/tips/" + api.get_json()["receipt"]).status_code == 404


def test_oversized_body_is_413(client):
    response = client.post("/api/v1/tips", json={**TIP, "description": "x" * 70_000})
    assert response.status_code == 413
    assert "error" in response.get_json()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tip)) == 0


def test_too_long_description_is_400_with_the_reason(client):
    response = client.post("/api/v1/tips", json={**TIP, "description": "x" * 5001})
    assert response.status_code == 400
    assert response.get_json()["fields"] == [
        {"field": "description", "reason": "is longer than 5000 characters"}]


def test_unknown_country_is_400(client):
    response = client.post("/api/v1/tips", json={**TIP, "country": "XXX"})
    assert response.status_code == 400
    assert "unknown country XXX" in response.get_json()["error"]


def test_rate_limit_per_client_is_429_and_shared_by_form_and_api(app, client):
    app.config["ATLAS_TIP_THROTTLE"] = "3 per minute"
    codes = [client.post("/api/v1/tips", json=TIP).status_code for _ in range(3)]
    assert codes == [202, 202, 202]
    blocked = client.post("/api/v1/tips", json=TIP)
    assert blocked.status_code == 429
    assert "Too many reports" in blocked.get_json()["error"]
    token = csrf_token(client, "/tips/new")  # reading the form is not limited
    form = client.post("/tips/new", data={**TIP, "evidence": "", "csrf_token": token})
    assert form.status_code == 429
    # Another client is not affected.
    other = client.post("/api/v1/tips", json=TIP,
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 202
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tip)) == 4


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 — http.server's naming
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def watched_url():
    """A local HTTP server that records every request it gets."""
    _CountingHandler.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/evidence", _CountingHandler.hits
    server.shutdown()


def test_evidence_links_are_never_fetched(client, editor_client, watched_url):
    url, hits = watched_url
    response = client.post("/api/v1/tips", json={**TIP, "evidence": [url]})
    assert response.status_code == 202
    tip = only_tip()
    editor_client.get("/tips/triage")
    editor_client.get(f"/tips/triage/{tip.id}")
    editor_client.post_form(f"/tips/triage/{tip.id}/convert", f"/tips/triage/{tip.id}")
    assert db.session.get(Tip, tip.id).incident_id is not None
    assert hits == []
    assert db.session.scalar(sa.select(TipEvidence.url)) == url


def test_privacy_notice_says_no_ip_is_stored(client):
    html = client.get("/tips/privacy").get_data(as_text=True)
    assert "we do not store your IP address" in html
    assert "10 per hour" in html  # the window the address is kept for, from the config
    assert "never opened by our server" in html


def test_the_exact_time_of_a_tip_is_stored_nowhere(client, send_tip):
    send_tip()
    row = db.session.execute(sa.select(Tip.__table__)).one()._asdict()
    assert row["updated_at"] is None
    assert not any(hasattr(v, "hour") for v in row.values())
