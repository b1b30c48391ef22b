"""Guessing the id of someone else's draft reveals nothing and changes nothing."""
from tests.security.conftest import fresh_g, stored


def test_someone_elses_draft_answers_like_a_missing_id(client, make_user, make_incident,
                                                       token):
    author = make_user("contributor")
    draft = make_incident(title="Secret draft", status="draft", author=author)
    missing = draft.id + 1000
    _, other = token("contributor")
    before = stored()
    for headers in ({}, other):
        for method in ("get", "patch", "delete"):
            call = getattr(client, method)
            kwargs = {"headers": headers}
            if method == "patch":
                kwargs["json"] = {"properties": {"title": "pwned", "version": 1}}
            if method != "get" and not headers:
                continue
            seen = call(f"/api/v1/incidents/{draft.id}", **kwargs)
            absent = call(f"/api/v1/incidents/{missing}", **kwargs)
            assert seen.status_code == absent.status_code == 404
            assert seen.get_json()["error"].replace(str(draft.id), "N") == \
                absent.get_json()["error"].replace(str(missing), "N")
    fresh_g()
    page = client.get(f"/incidents/{draft.id}")
    assert page.status_code == 404 and "Secret draft" not in page.get_data(as_text=True)
    listing = client.get("/api/v1/incidents", headers=other).get_json()
    assert "Secret draft" not in str(listing)
    assert stored() == before
    assert draft.title == "Secret draft" and draft.status == "draft"
