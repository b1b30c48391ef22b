"""Finding 1: an incident's history shows each viewer only what that viewer may see.

A reader (or any signed-in account) sees the published record: the revisions
in which the incident was published, diffed against each other, with no
draft text, no rejection reason and no email address. The author and the
editors see every revision.
"""
from app.incidents import service
from tests.conftest import Auth
from tests.helpers import fresh_g

DRAFT_TEXT = "Unverified: the source is a cousin of the neighbour"
REASON = "Sources missing, see internal ticket 4711"


def _rejected_then_published(make_user, make_incident):
    """An incident whose draft text and rejection reason precede its publication."""
    author, editor = make_user("contributor"), make_user("editor")
    incident = make_incident(status="draft", author=author, title=DRAFT_TEXT)
    service.set_status(incident=incident, status="rejected", reason=REASON,
                       expected_version=incident.version, editor=editor)
    service.set_status(incident=incident, status="draft",
                       expected_version=incident.version, editor=author)
    service.update_incident(incident=incident, data={"title": "Bot network in Lyon"},
                            expected_version=incident.version, editor=author)
    service.set_status(incident=incident, status="published",
                       expected_version=incident.version, editor=editor)
    service.update_incident(incident=incident, data={"title": "Bot network in Lyon (2)"},
                            expected_version=incident.version, editor=editor)
    return incident, author, editor


def test_a_reader_sees_published_revisions_only_without_emails(client, auth, make_user,
                                                              make_incident):
    incident, author, editor = _rejected_then_published(make_user, make_incident)
    reader = make_user("reader")
    auth.login(reader.email)
    page = client.get(f"/incidents/{incident.id}/history").get_data(as_text=True)
    assert "Bot network in Lyon (2)" in page
    for secret in (DRAFT_TEXT, REASON, author.email, editor.email):
        assert secret not in page
    # Two published revisions: the publication itself and the later edit.
    assert page.count('id="revision-') == 2


def test_another_contributor_sees_the_public_record_too(client, auth, make_user,
                                                       make_incident):
    incident, author, _ = _rejected_then_published(make_user, make_incident)
    auth.login(make_user("contributor").email)
    page = client.get(f"/incidents/{incident.id}/history").get_data(as_text=True)
    assert DRAFT_TEXT not in page and REASON not in page and author.email not in page


def test_the_author_and_editors_see_every_revision(app, client, auth, make_user,
                                                  make_incident):
    incident, author, editor = _rejected_then_published(make_user, make_incident)
    auth.login(author.email)
    page = client.get(f"/incidents/{incident.id}/history").get_data(as_text=True)
    assert DRAFT_TEXT in page and REASON in page and author.email in page
    assert editor.email not in page  # an editor's address is not the author's to see
    other = Auth(app.test_client())
    fresh_g()
    other.login(make_user("editor").email)
    fresh_g()
    page = other.client.get(f"/incidents/{incident.id}/history").get_data(as_text=True)
    assert DRAFT_TEXT in page and REASON in page
    assert author.email in page and editor.email in page
    assert page.count('id="revision-') == len(incident.revisions)


def test_signed_out_visitors_are_sent_to_sign_in(client, make_incident):
    incident = make_incident()
    assert client.get(f"/incidents/{incident.id}/history").status_code == 302
