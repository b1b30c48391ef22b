"""Finding 2: a refused request changes nothing.

A contributor's PATCH that edits a field and asks for a status only editors
may set is refused as a whole: 403, the field unchanged, the version and the
revisions where they were. Permission is checked before anything is applied.
"""
import pytest

from app.extensions import db
from app.incidents.models import Incident
from tests.security.conftest import FEATURE, stored


def _draft(client, headers):
    response = client.post("/api/v1/incidents", json=FEATURE, headers=headers)
    assert response.status_code == 201
    return response.get_json()["id"]


@pytest.mark.parametrize("status, code", [("published", 403), ("archived!", 400)])
def test_patch_with_a_refused_status_writes_nothing(client, token, status, code):
    """A status only editors may set (403), or none that exists (400): no field moves."""
    _, contributor = token("contributor")
    incident_id = _draft(client, contributor)
    before = stored()
    response = client.patch(f"/api/v1/incidents/{incident_id}", headers=contributor,
                            json={"properties": {"title": "Changed", "status": status,
                                                 "version": 1}})
    assert response.status_code == code
    assert stored() == before
    incident = db.session.get(Incident, incident_id)
    assert (incident.title, incident.version, incident.status) == \
        ("Bot network", 1, "draft")


def test_patch_with_a_list_as_rejection_reason_is_a_400_and_writes_nothing(client, token):
    _, contributor = token("contributor")
    _, editor = token("editor")
    incident_id = _draft(client, contributor)
    before = stored()
    response = client.patch(f"/api/v1/incidents/{incident_id}", headers=editor,
                            json={"properties": {"title": "Changed", "status": "rejected",
                                                 "rejection_reason": ["a", "b"],
                                                 "version": 1}})
    assert response.status_code == 400
    assert "reason" in response.get_data(as_text=True)
    assert stored() == before


def test_an_allowed_patch_edits_and_moves_in_one_go(client, token):
    _, contributor = token("contributor")
    incident_id = _draft(client, contributor)
    response = client.patch(f"/api/v1/incidents/{incident_id}", headers=contributor,
                            json={"properties": {"title": "Changed", "status": "submitted",
                                                 "version": 1}})
    assert response.status_code == 200, response.get_json()
    incident = db.session.get(Incident, incident_id)
    assert (incident.title, incident.status) == ("Changed", "submitted")
    assert [r.action for r in incident.revisions] == ["create", "update", "submitted"]
