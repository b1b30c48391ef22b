"""The barometer on a crafted data set, on SQLite and PostGIS: its figures, and the
same figures as the SQL ``GROUP BY`` reference (tests/barometer/sql_reference.py)."""
import pytest

from app.barometer import service
from app.incidents.filters import parse_filters
from tests.barometer import sql_reference

FRA_POINT = "POINT (2.35 48.86)"
DEU_POINT = "POINT (13.4 52.52)"


def _crafted(make_incident):
    """Q2 2025: FRA 2 incidents (conf 80+40), DEU 1 (conf 50); Q1 2025: FRA 1 (60);
    Q2 2024: FRA 1 (100); plus a draft and a rejected one that must not count."""
    make_incident(start_date="2025-04-02", wkt=FRA_POINT, confidence=80,
                  vectors=["cyber", "information"], actor="Actor A")
    make_incident(start_date="2025-06-30", wkt=FRA_POINT, confidence=40,
                  vectors=["information"], actor="Actor B")
    make_incident(start_date="2025-05-10", wkt=DEU_POINT, confidence=50,
                  vectors=["sabotage"], actor="Actor A")
    make_incident(start_date="2025-03-31", wkt=FRA_POINT, confidence=60)
    make_incident(start_date="2024-05-01", wkt=FRA_POINT, confidence=100)
    make_incident(start_date="2025-04-03", wkt=FRA_POINT, confidence=100, status="draft")
    make_incident(start_date="2025-04-03", wkt=DEU_POINT, confidence=100,
                  status="rejected")


def test_barometer_counts_published_only_per_country_and_quarter(app, make_incident):
    _crafted(make_incident)
    b = service.barometer(parse_filters({}))
    assert b.quarter == (2025, 2)
    assert [(q, n) for q, n, _ in b.series] == [((2024, 2), 1), ((2025, 1), 1),
                                                ((2025, 2), 3)]
    fra, deu = b.countries
    assert (fra.iso_a3, fra.count, fra.index) == ("FRA", 2, 1.2)
    assert fra.trend_previous == 100.0      # 1.2 vs 0.6
    assert fra.trend_year == 20.0           # 1.2 vs 1.0
    assert (deu.iso_a3, deu.count, deu.index, deu.trend_previous) == ("DEU", 1, 0.5, None)
    assert b.vectors == [("information", 2), ("cyber", 1), ("sabotage", 1)]
    assert b.actors == [("Actor A", 2), ("Actor B", 1)]
    assert b.vectors_by_country["FRA"] == [("information", 2), ("cyber", 1)]
    assert b.actors_by_country["DEU"] == [("Actor A", 1)]


def test_barometer_honours_shared_filters_and_chosen_quarter(app, make_incident):
    _crafted(make_incident)
    b = service.barometer(parse_filters({"vector": "information"}))
    assert [(f.iso_a3, f.count) for f in b.countries] == [("FRA", 2)]
    b = service.barometer(parse_filters({"country": "DEU"}))
    assert [f.iso_a3 for f in b.countries] == ["DEU"]
    b = service.barometer(parse_filters({}), quarter=(2025, 1))
    assert [(f.iso_a3, f.count, f.index, f.trend_year) for f in b.countries] == [
        ("FRA", 1, 0.6, None)]


@pytest.mark.parametrize("args", [
    {}, {"vector": "information"}, {"country": "DEU,FRA"}, {"actor": "actor a"},
    {"min_confidence": "50", "from": "2025-04", "to": "2025-06"}, {"q": "Incident"},
    {"country": "POL"}, {"bbox": "0,40,10,55"}])
def test_figures_equal_the_sql_reference(app, make_incident, args):
    _crafted(make_incident)
    make_incident(start_date="2025-05-01", wkt="LINESTRING (13 52, 21 52)", confidence=30,
                  vectors=["cyber", "sabotage"], actor="Actor B")
    filters = parse_filters(args)
    for quarter in (None, (2025, 1), (2024, 2), (2023, 1)):
        assert service.barometer(filters, quarter) == sql_reference.barometer(filters, quarter)


def test_figures_follow_every_change(app, make_incident):
    from app.incidents import service as incidents
    _crafted(make_incident)
    assert service.barometer(parse_filters({})).countries[0].count == 2
    extra = make_incident(start_date="2025-04-20", wkt=FRA_POINT, confidence=90)
    fra = service.barometer(parse_filters({})).countries[0]
    assert (fra.iso_a3, fra.count, fra.index) == ("FRA", 3, 2.1)
    incidents.set_status(incident=extra, status="archived", reason="Duplicate",
                         expected_version=extra.version, editor=extra.created_by)
    assert service.barometer(parse_filters({})).countries[0].count == 2


def test_barometer_of_nothing_is_empty(app):
    b = service.barometer(parse_filters({}))
    assert b.quarter is None and b.countries == [] and b.series == []


def test_default_quarter_is_the_latest_one_over():
    from datetime import date
    quarters = [(2025, 3), (2025, 4)]
    assert service.default_quarter(quarters, date(2025, 12, 1)) == (2025, 3)
    assert service.default_quarter(quarters, date(2026, 1, 1)) == (2025, 4)
    assert service.default_quarter([(2025, 4)], date(2025, 12, 1)) == (2025, 4)
    assert service.default_quarter([], date(2025, 12, 1)) is None
