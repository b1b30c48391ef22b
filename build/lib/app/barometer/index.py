"""The barometer's arithmetic: pure functions over aggregated query rows.

No database, no Flask. A *quarter* is a ``(year, n)`` pair, ``n`` in 1..4, and an
incident belongs to the quarter of its ``start_date``.

The index of a country for a quarter is the number of published incidents
targeting it, each weighted by its confidence::

    index = Σ confidence_i / 100

so ten incidents at confidence 50 weigh as much as five certain ones. The trend
compares an index with a reference quarter::

    trend = (index − index_ref) / index_ref × 100   (percent; none when index_ref = 0)
"""
import re
from dataclasses import dataclass
from datetime import date, timedelta

QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_quarter(text):
    """``"2025-Q3"`` → ``(2025, 3)``; ``None`` when it is not a quarter."""
    match = QUARTER_RE.match(text or "")
    return (int(match[1]), int(match[2])) if match else None


def quarter_label(quarter):
    """``(2025, 3)`` → ``"2025-Q3"``."""
    return f"{quarter[0]}-Q{quarter[1]}"


def quarter_of(day):
    """The quarter a date falls in."""
    return (day.year, (day.month - 1) // 3 + 1)


def quarter_bounds(quarter):
    """First and last day of a quarter."""
    year, n = quarter
    first = date(year, 3 * n - 2, 1)
    after = date(year + 1, 1, 1) if n == 4 else date(year, 3 * n + 1, 1)
    return first, after - timedelta(days=1)


def previous_quarter(quarter):
    year, n = quarter
    return (year - 1, 4) if n == 1 else (year, n - 1)


def year_before(quarter):
    return (quarter[0] - 1, quarter[1])


def fold_into_quarters(rows, *, keys):
    """Sum per-day rows into per-quarter rows.

    ``rows`` are ``(*key, day, count, confidence_sum)`` with ``keys`` leading key
    columns; the result is ``[(*key, year, quarter, count, confidence_sum)]``.
    """
    totals = {}
    for row in rows:
        key, day, count, conf_sum = tuple(row[:keys]), row[keys], row[keys + 1], row[keys + 2]
        if isinstance(day, str):  # some drivers hand dates back as text
            day = date.fromisoformat(day[:10])
        slot = key + quarter_of(day)
        old = totals.get(slot, (0, 0))
        totals[slot] = (old[0] + int(count), old[1] + int(conf_sum or 0))
    return [slot + value for slot, value in totals.items()]


def weighted_index(confidence_sum):
    """The index from the sum of confidences (0–100 each) of a set of incidents."""
    return round((confidence_sum or 0) / 100.0, 2)


def trend(current, reference):
    """Percent change from ``reference`` to ``current``; ``None`` when reference is 0."""
    if not reference:
        return None
    return round((current - reference) / reference * 100.0, 1)


@dataclass(frozen=True)
class CountryFigure:
    """One country's figures for one quarter."""

    iso_a3: str
    count: int
    index: float
    trend_previous: float | None
    trend_year: float | None


def country_figures(rows, quarter):
    """Figures per country for ``quarter`` from ``(iso_a3, year, n, count, conf_sum)`` rows.

    Rows of other quarters serve as references for the trends. Sorted by index,
    highest first, then by code.
    """
    index = {}
    counts = {}
    for iso, year, n, count, conf_sum in rows:
        key = (iso, (int(year), int(n)))
        index[key] = weighted_index(conf_sum)
        counts[key] = int(count)
    prev, last_year = previous_quarter(quarter), year_before(quarter)
    figures = [
        CountryFigure(iso, counts[(iso, q)], value,
                      trend(value, index.get((iso, prev), 0)),
                      trend(value, index.get((iso, last_year), 0)))
        for (iso, q), value in index.items() if q == quarter]
    return sorted(figures, key=lambda f: (-f.index, f.iso_a3))


def quarter_series(rows):
    """``[(quarter, count, index)]`` in time order from ``(year, n, count, conf_sum)`` rows."""
    series = [((int(y), int(n)), int(c), weighted_index(s)) for y, n, c, s in rows]
    return sorted(series)


def top(rows, limit=5):
    """The ``limit`` largest ``(key, count)`` rows, ties by key."""
    return sorted(((k, int(c)) for k, c in rows), key=lambda r: (-r[1], str(r[0])))[:limit]


def bar_width(value, maximum):
    """A bar's length in percent of the largest one (0 when there is nothing)."""
    return 0 if not maximum else round(100.0 * value / maximum, 1)
