"""The GeoJSON export's properties text is exactly the JSON of ``incident_properties``."""
import json
from datetime import date, datetime
from types import SimpleNamespace as Obj

import pytest

from app.incidents.serialize import incident_properties, incident_properties_json

ACTOR = Obj(id=7, name='Jade "Typhoon" \\ 🐉', type="state-affiliated")
SOURCES = [Obj(url="https://example.org/a?b=1&c=é", publisher="", published_on=None,
               archived_url=None),
           Obj(url="https://example.org/\u2028", publisher="Le Monde\n\t",
               published_on=date(2024, 2, 29), archived_url="https://archive.example/x")]


def _incident(**changes):
    fields = dict(id=12, uuid="0f8e6c3a-1b2c-4d5e-8f90-123456789abc",
                  title="<script>alert(1)</script> \x01\x1f \"quoted\" ünïcode",
                  summary="", lang="fr", status="published", version=3,
                  start_date=date(2024, 3, 1), end_date=date(2024, 3, 31),
                  time_precision="month", actor=ACTOR, attribution="inferred",
                  campaign=Obj(name='Doppelgänger "RRN" \\ 🦆'),
                  confidence=0, vectors=[Obj(slug="cyber"), Obj(slug="information")],
                  platforms=[Obj(slug="telegram"), Obj(slug="x")],
                  countries=[Obj(iso_a3="FRA")], techniques=[Obj(id="T0002.001")],
                  geo_precision="city", precision_m=5000, location_name="Saint-Étienne",
                  sources=SOURCES, published_at=datetime(2025, 1, 2, 3, 4, 5, 60))
    fields.update(changes)
    return Obj(**fields)


@pytest.mark.parametrize("changes", [
    {}, {"actor": None}, {"campaign": None},
    {"sources": [], "vectors": [], "platforms": [], "countries": [], "techniques": []},
    {"precision_m": None, "published_at": None}, {"published_at": datetime(2025, 1, 2)},
    {"confidence": 100, "summary": "x" * 5000, "location_name": "北京"},
])
def test_properties_text_matches_the_json_of_the_properties(changes):
    incident = _incident(**changes)
    expected = json.dumps(incident_properties(incident), ensure_ascii=False,
                          separators=(",", ":"))
    assert incident_properties_json(incident) == expected
