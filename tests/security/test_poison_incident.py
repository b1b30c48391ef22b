"""Finding 3: no single incident takes a public page down.

A published incident dated 9999-12-31 made ``/barometer`` and ``/reports``
answer 500 for everyone, ``/reports/9999-Q4`` was a 500, and a title with C0
control characters made the Atom feed invalid XML. Now dates outside
1900 .. a year ahead are refused with a message (``app/inputs.py``), quarter
pages outside that range are 404s, C0 controls and lone surrogates are
refused in every stored text, and what was stored before these rules (written
straight into the database here) still cannot crash a public page.
"""
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Incident
from tests.security.conftest import FEATURE, stored

PUBLIC_PAGES = ("/", "/barometer", "/barometer.csv", "/barometer.json", "/reports",
                "/feeds/incidents.atom", "/api/v1/incidents", "/api/v1/map?zoom=2",
                "/export/incidents.csv", "/export/incidents.geojson")


def _post(client, headers, **properties):
    body = {**FEATURE, "properties": {**FEATURE["properties"], **properties}}
    return client.post("/api/v1/incidents", json=body, headers=headers)


@pytest.mark.parametrize("start", ["9999-12-31", "1899-12-31", "0001-01-01"])
def test_implausible_dates_are_refused_with_a_message(client, token, start):
    _, headers = token("contributor")
    before = stored()
    response = _post(client, headers, start_date=start)
    assert response.status_code == 400
    assert "start_date" in response.get_data(as_text=True)
    assert "1900" in response.get_data(as_text=True)
    assert stored() == before


def test_a_date_a_year_ahead_is_accepted_and_two_years_is_not(client, token):
    _, headers = token("contributor")
    soon = date.today() + timedelta(days=300)
    assert _post(client, headers, start_date=soon.isoformat()).status_code == 201
    later = soon + timedelta(days=400)
    assert _post(client, headers, start_date=later.isoformat()).status_code == 400
    assert _post(client, headers, start_date="2025-01-01",
                 end_date=later.isoformat()).status_code == 400


@pytest.mark.parametrize("title", ["Bots\x01 at work", "Tab\x0bbed", "Bell\x07",
                                   "Lone \ud800 surrogate", "Escape\x1b[31m"])
def test_control_characters_and_lone_surrogates_are_refused(client, token, title):
    _, headers = token("contributor")
    before = stored()
    response = client.post("/api/v1/incidents", headers={
        **headers, "Content-Type": "application/json"},
        data=('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2, 48]},'
              ' "properties": {"title": %s, "start_date": "2025-01-01"}}'
              % _json_string(title)).encode())
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "title" in response.get_data(as_text=True)
    assert stored() == before


def _json_string(text):
    """JSON text of ``text`` with surrogates as \\u escapes (as a hostile client sends)."""
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF
                         else c for c in text) + '"'


def test_tab_newline_and_carriage_return_stay_allowed(client, token):
    _, headers = token("contributor")
    response = _post(client, headers, title="Two\tcolumns", summary="line\r\nbreak")
    assert response.status_code == 201


def _stored_before_the_rules(make_incident, **columns):
    """A published incident, then changed behind validation's back (an old row)."""
    incident = make_incident(title="Old row")
    db.session.execute(sa.update(Incident).where(Incident.id == incident.id)
                       .values(**columns))
    db.session.commit()
    return incident


def test_an_old_incident_dated_9999_crashes_no_public_page(client, make_incident):
    make_incident(title="Normal")
    _stored_before_the_rules(make_incident, start_date=date(9999, 12, 31),
                             end_date=date(9999, 12, 31))
    for path in PUBLIC_PAGES + ("/reports/2025-Q1",):
        response = client.get(path)
        response.get_data()  # streamed exports: read to the end
        assert response.status_code == 200, (path, response.status_code)


@pytest.mark.parametrize("key", ["9999-Q4", "1899-Q4", "0001-Q1", "٢٠٢٥-Q1"])
def test_quarter_pages_outside_the_plausible_range_are_404(client, key):
    assert client.get(f"/reports/{key}").status_code == 404
    assert client.get(f"/barometer?quarter={key}").status_code == 400


def test_an_old_title_with_control_characters_keeps_the_feed_valid_xml(client,
                                                                       make_incident):
    _stored_before_the_rules(make_incident, title="Bots\x01 and\x0b tabs",
                             summary="Ring\x07 ring")
    response = client.get("/feeds/incidents.atom")
    assert response.status_code == 200
    root = ET.fromstring(response.get_data())  # raises on invalid XML
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert any(t and t.startswith("Bots") for t in titles)
