"""The GeoJSON export's SQLite-rendered properties are the bytes of ``serialize``'s."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents.filters import parse_filters
from app.incidents.models import Incident
from app.incidents.serialize import incident_properties_json
from app.interchange import geojson_io
from app.interchange.export import iter_features, iter_incidents

AWKWARD = 'quote " backslash \\ tab\t newline\n é 日本 \u2028 🙂 </script>'


@pytest.fixture
def varied(make_incident, make_user):
    from app.campaigns import service as campaigns
    campaigns.create(data=campaigns.parse_campaign({"name": AWKWARD}),
                     editor=make_user("editor"))
    make_incident(title=AWKWARD, summary=AWKWARD, location_name=AWKWARD, actor=AWKWARD,
                  campaign=AWKWARD, platforms=["x", "tv"],
                  vectors=["cyber", "information"], countries=["LTU", "POL"],
                  techniques=["T0002", "T0085.001"], precision_m=25, geo_precision="city",
                  sources=[{"url": "https://example.org/a", "publisher": AWKWARD,
                            "date": "2025-01-05", "archived_url": "https://archive.org/x"},
                           {"url": "https://example.org/b?q=\"x\""}])
    make_incident(title="No actor", actor=None, vectors=[], sources=[],
                  wkt="POLYGON ((23 54, 23.5 54.5, 24 54, 23 54))")
    zero = make_incident(title="Whole second")
    make_incident(title="Draft", status="draft")
    db.session.execute(sa.update(Incident).where(Incident.id == zero.id)
                       .values(published_at=sa.text("'2025-06-01 10:00:00.000000'")))
    db.session.commit()


@pytest.mark.parametrize("args", [{}, {"vector": "information"}, {"q": "whole"},
                                  {"bbox": "20,50,25,56"}])
def test_features_render_the_properties_exactly(app, varied, args):
    filters = parse_filters(args)
    expected = [(r.id, incident_properties_json(r)) for r in iter_incidents(filters, None)]
    got = [(r.id, getattr(r, "properties_json", None) or incident_properties_json(r))
           for r in iter_features(filters, None)]
    assert got == expected
    assert expected  # every filter above matches something
    assert all("Draft" not in text for _, text in got)


def test_geojson_text_is_the_same_through_either_row_source(app, varied):
    filters = parse_filters({})
    slow = "".join(geojson_io.write(iter_incidents(filters, None)))
    fast = "".join(geojson_io.write(iter_features(filters, None)))
    assert fast == slow
    assert '"published_at":"2025-06-01T10:00:00Z"' in fast
