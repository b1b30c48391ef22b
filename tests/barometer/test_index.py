"""The barometer's arithmetic on hand-made rows (no database)."""
from datetime import date

from app.barometer import index as idx


def test_quarters_parse_label_and_bounds():
    assert idx.parse_quarter("2025-Q3") == (2025, 3)
    assert idx.parse_quarter("2025-Q5") is None
    assert idx.parse_quarter("2025Q1") is None
    assert idx.quarter_label((2024, 4)) == "2024-Q4"
    assert idx.quarter_bounds((2024, 1)) == (date(2024, 1, 1), date(2024, 3, 31))
    assert idx.quarter_bounds((2024, 4)) == (date(2024, 10, 1), date(2024, 12, 31))
    assert idx.quarter_of(date(2025, 3, 31)) == (2025, 1)
    assert idx.quarter_of(date(2025, 4, 1)) == (2025, 2)
    assert idx.previous_quarter((2025, 1)) == (2024, 4)
    assert idx.year_before((2025, 2)) == (2024, 2)


def test_index_weighs_incidents_by_confidence():
    # ten incidents at 50 weigh as much as five certain ones
    assert idx.weighted_index(10 * 50) == idx.weighted_index(5 * 100) == 5.0
    assert idx.weighted_index(None) == 0


def test_trend_against_reference_and_none_without_one():
    assert idx.trend(6.0, 4.0) == 50.0
    assert idx.trend(2.0, 4.0) == -50.0
    assert idx.trend(3.0, 0) is None


def test_country_figures_with_previous_quarter_and_year_before():
    rows = [  # iso, year, quarter, count, sum of confidence
        ("FRA", 2025, 2, 3, 240),   # index 2.4
        ("FRA", 2025, 1, 2, 120),   # previous quarter: 1.2 → +100 %
        ("FRA", 2024, 2, 4, 320),   # a year before: 3.2 → -25 %
        ("DEU", 2025, 2, 5, 250),   # index 2.5, no reference
        ("POL", 2025, 1, 9, 900),   # other quarter only: not listed
    ]
    figures = idx.country_figures(rows, (2025, 2))
    assert [f.iso_a3 for f in figures] == ["DEU", "FRA"]
    deu, fra = figures
    assert (deu.count, deu.index, deu.trend_previous, deu.trend_year) == (5, 2.5, None, None)
    assert (fra.count, fra.index, fra.trend_previous, fra.trend_year) == (3, 2.4, 100.0, -25.0)


def test_series_sorted_in_time_and_top_ties_by_key():
    assert idx.quarter_series([(2025, 1, 2, 150), (2024, 4, 1, 80)]) == [
        ((2024, 4), 1, 0.8), ((2025, 1), 2, 1.5)]
    assert idx.top([("b", 2), ("a", 2), ("c", 5)], limit=2) == [("c", 5), ("a", 2)]
    assert idx.bar_width(5, 10) == 50.0 and idx.bar_width(0, 0) == 0


def test_days_fold_into_quarters():
    rows = [("FRA", date(2025, 3, 31), 2, 100), ("FRA", date(2025, 1, 2), 1, 50),
            ("FRA", date(2025, 4, 1), 1, 70), ("DEU", "2025-02-01", 1, 30)]
    assert sorted(idx.fold_into_quarters(rows, keys=1)) == [
        ("DEU", 2025, 1, 1, 30), ("FRA", 2025, 1, 3, 150), ("FRA", 2025, 2, 1, 70)]
    assert idx.fold_into_quarters([(date(2024, 12, 31), 4, 200)], keys=0) == [
        (2024, 4, 4, 200)]
