"""Editors triage tips: queue grouped by evidence and country, reject, merge, convert."""
import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Incident
from app.tips import service
from app.tips.models import Tip
from tests.tips.conftest import TIP, csrf_token


def _tip(receipt):
    from app.tips.models import receipt_hash
    return db.session.scalar(sa.select(Tip).where(Tip.receipt_hash == receipt_hash(receipt)))


def _status_text(client, receipt):
    html = client.get(f"/tips/{receipt}").get_data(as_text=True)
    return html.split('id="tip-status">', 1)[1].split("<", 1)[0]


def test_triage_is_for_editors_only(client, send_tip, make_user, auth):
    receipt = send_tip()
    tip_id = _tip(receipt).id
    assert client.get("/tips/triage").status_code == 302  # to the login page
    contributor = make_user("contributor")
    auth.login(contributor.email)
    assert client.get("/tips/triage").status_code == 403
    assert client.get(f"/tips/triage/{tip_id}").status_code == 404
    assert client.post(f"/tips/triage/{tip_id}/reject").status_code in (400, 404)
    assert _tip(receipt).status == "received"


def test_queue_groups_tips_sharing_an_evidence_link(send_tip, editor_client):
    send_tip(description="first", evidence=["https://x.example/post/9"])
    send_tip(description="second", evidence=["http://www.x.example/post/9/?utm_source=t",
                                             "https://y.example/1"])
    send_tip(description="third", evidence=["https://y.example/1/"])
    send_tip(description="alone", evidence=["https://z.example/"], country="FRA")
    tips = service.open_tips(editor_client.editor)
    groups = service.group_by_evidence(tips)
    assert [[t.description for t in members] for _, members in groups] == [
        ["first", "second", "third"], ["alone"]]
    assert groups[0][0] == ["https://x.example/post/9", "https://y.example/1"]
    assert groups[1][0] == []
    html = editor_client.get("/tips/triage").get_data(as_text=True)
    assert "3 tips share evidence" in html and "https://x.example/post/9" in html


def test_queue_groups_by_country(send_tip, editor_client):
    send_tip(description="a")
    send_tip(description="b")
    send_tip(description="c", country="FRA")
    send_tip(description="d", country="")
    by_country = service.group_by_country(service.open_tips(editor_client.editor))
    assert [(k, [t.description for t in v]) for k, v in by_country] == [
        ("LTU", ["a", "b"]), ("FRA", ["c"]), (None, ["d"])]
    html = editor_client.get("/tips/triage?group=country").get_data(as_text=True)
    assert "Lithuania" in html and "No country given" in html


def test_review_then_reject_updates_the_receipt(client, send_tip, editor_client):
    receipt = send_tip()
    tip_id = _tip(receipt).id
    page = f"/tips/triage/{tip_id}"
    assert editor_client.post(f"{page}/review").status_code == 400  # CSRF
    assert editor_client.post_form(f"{page}/review", page).status_code == 302
    assert _status_text(client, receipt) == "Under review"
    assert editor_client.post_form(f"{page}/reject", page).status_code == 302
    assert _status_text(client, receipt) == "Not retained"
    # A closed tip leaves the queue and cannot be triaged again.
    assert f'href="/tips/triage/{tip_id}"' not in editor_client.get("/tips/triage").get_data(
        as_text=True)
    editor_client.post_form(f"{page}/reject", "/tips/triage")
    assert _tip(receipt).status == "not_retained"


def test_merge_folds_links_and_the_receipt_follows(client, send_tip, editor_client):
    kept = send_tip(evidence=["https://a.example/1"])
    folded = send_tip(evidence=["https://a.example/1/", "https://b.example/2"])
    kept_id, folded_id = _tip(kept).id, _tip(folded).id
    page = f"/tips/triage/{folded_id}"
    response = editor_client.post_form(f"{page}/merge", page, {"into": str(kept_id)})
    assert response.status_code == 302
    tip = _tip(kept)
    assert [e.url for e in tip.evidence] == ["https://a.example/1", "https://b.example/2"]
    assert _tip(folded).status == "merged" and _tip(folded).merged_into_id == kept_id
    assert _status_text(client, folded) == "Received"
    editor_client.post_form(f"/tips/triage/{kept_id}/reject", f"/tips/triage/{kept_id}")
    assert _status_text(client, folded) == "Not retained"


def test_merge_into_itself_or_a_closed_tip_is_refused(send_tip, editor_client):
    receipt = send_tip()
    tip = _tip(receipt)
    page = f"/tips/triage/{tip.id}"
    editor_client.post_form(f"{page}/merge", page, {"into": str(tip.id)})
    assert _tip(receipt).status == "received"
    closed = _tip(send_tip())
    editor_client.post_form(f"/tips/triage/{closed.id}/reject", f"/tips/triage/{closed.id}")
    response = editor_client.post_form(f"{page}/merge", page, {"into": str(closed.id)})
    assert response.status_code == 302
    assert "is not an open tip" in editor_client.get("/tips/triage").get_data(as_text=True)
    assert _tip(receipt).status == "received" and _tip(receipt).merged_into_id is None


def test_convert_makes_a_prefilled_draft_with_provenance(client, send_tip, editor_client):
    receipt = send_tip()
    tip = _tip(receipt)
    page = f"/tips/triage/{tip.id}"
    response = editor_client.post_form(f"{page}/convert", page,
                                       {"title": "Fake ministry letter",
                                        "vectors": ["information", "political"]})
    assert response.status_code == 302
    tip = _tip(receipt)
    incident = db.session.get(Incident, tip.incident_id)
    assert response.headers["Location"] == f"/incidents/{incident.id}"
    assert incident.status == "draft" and incident.created_by_id == editor_client.editor.id
    assert incident.title == "Fake ministry letter"
    assert incident.summary == TIP["description"]
    assert [s.url for s in incident.sources] == TIP["evidence"]
    assert [c.iso_a3 for c in incident.countries] == ["LTU"]
    assert sorted(v.slug for v in incident.vectors) == ["information", "political"]
    assert incident.start_date.isoformat() == "2026-11-20"
    assert incident.geo_precision == "country"
    assert "signal" not in incident.summary  # the reporter's contact stays with the tip
    assert _status_text(client, receipt) == "Turned into an incident"
    # Converting twice does not make a second incident.
    editor_client.post_form(f"{page}/convert", "/tips/triage")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 1


def test_a_point_picked_on_the_map_becomes_the_geometry(send_tip, editor_client):
    tip = _tip(send_tip(lat="54.69", lon="25.28", country=""))
    incident = service.convert(tip=tip, editor=editor_client.editor)
    assert (incident.geometry.x, incident.geometry.y) == (25.28, 54.69)
    assert incident.geo_precision == "city"
    assert [c.iso_a3 for c in incident.countries] == ["LTU"]  # derived by spatial join
    assert incident.title == TIP["description"].splitlines()[0]


def test_a_tip_without_place_needs_the_editor_to_name_a_country(send_tip, editor_client):
    receipt = send_tip(country="")
    tip = _tip(receipt)
    page = f"/tips/triage/{tip.id}"
    response = editor_client.post_form(f"{page}/convert", page)
    assert response.headers["Location"] == page
    assert "geometry" in editor_client.get(page).get_data(as_text=True)
    assert _tip(receipt).status == "received"  # nothing changed
    editor_client.post_form(f"{page}/convert", page, {"country": "EST"})
    incident = db.session.get(Incident, _tip(receipt).incident_id)
    assert [c.iso_a3 for c in incident.countries] == ["EST"]


def test_converted_draft_then_published_appears_on_the_map(client, send_tip, editor_client):
    from app.incidents import service as incidents
    tip = _tip(send_tip())
    incident = service.convert(tip=tip, editor=editor_client.editor, title="Letter op")
    app = client.application
    public = app.test_client()

    def public_features(query=""):
        with app.app_context():  # a fresh ``g``: nobody is signed in
            return public.get("/api/v1/incidents" + query).get_json()["features"]
    assert public_features() == []  # a draft is not public
    incidents.set_status(incident=incident, status="published",
                         expected_version=incident.version, editor=editor_client.editor)
    assert [f["properties"]["title"] for f in public_features()] == ["Letter op"]
    feature = public_features("?country=LTU")[0]
    assert feature["properties"]["sources"][0]["url"] == TIP["evidence"][0]


def test_triage_messages_speak_french(send_tip, editor_client):
    tip_id = _tip(send_tip()).id
    # End this thread's SQLite transaction (BEGIN IMMEDIATE outside requests)
    # before the request below, in its own app context, writes.
    db.session.commit()
    page = f"/tips/triage/{tip_id}"
    editor_client.set_cookie("lang", "fr")  # the language switch's cookie
    with editor_client.application.app_context():  # a fresh ``g``: no cached locale
        editor_client.post_form(f"{page}/review", page)
        html = editor_client.get(page).get_data(as_text=True)
    assert f"Le signalement {tip_id} est en cours d&#39;examen." in html


def test_editors_find_the_queue_in_the_menu_and_others_do_not(client, make_user, auth):
    assert 'href="/tips/triage"' not in client.get("/tips/new").get_data(as_text=True)
    editor = make_user("editor")
    auth.login(editor.email)
    with client.application.app_context():  # a fresh ``g`` for the signed-in user
        assert 'href="/tips/triage"' in client.get("/tips/new").get_data(as_text=True)


def test_tip_text_reaches_editors_as_text_only(send_tip, editor_client):
    payload = "<img src=x onerror=alert(1)> `${alert(1)}`"
    tip = _tip(send_tip(description=payload, location_name="<b>here</b>"))
    for path in ("/tips/triage", f"/tips/triage/{tip.id}"):
        html = editor_client.get(path).get_data(as_text=True)
        assert "<img src=x" not in html and "<b>here</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_triaging_a_closed_tip_again_says_so_in_both_languages(app, send_tip, editor_client):
    tip_id = _tip(send_tip()).id
    page = f"/tips/triage/{tip_id}"
    editor_client.post_form(f"{page}/reject", page)
    token = csrf_token(editor_client, "/tips/triage")
    said = {}
    for lang in ("en", "fr"):
        db.session.commit()
        with app.app_context():  # one request's locale
            response = editor_client.post(f"{page}/reject?lang={lang}",
                                          data={"csrf_token": token}, follow_redirects=True)
            said[lang] = response.get_data(as_text=True)
    assert f"Tip {tip_id} was already triaged." in said["en"]
    assert f"Le signalement {tip_id} a déjà été trié." in said["fr"]
