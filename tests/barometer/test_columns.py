"""The barometer's numpy counting against a straightforward Python count, on random data."""
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest

from app.barometer import columns, index as idx

LABELS = ["DEU", "FRA", "POL", "UKR"]
VECTORS = ["cyber", "information", "sabotage"]


def _random_incidents(seed, n=400):
    """Incidents with a start day, confidence, actor (maybe none), countries and vectors."""
    rng = np.random.default_rng(seed)
    start = rng.integers(-400, 1_500, n)   # ~22 quarters, some before 1970
    confidence = rng.integers(0, 101, n)
    actor = rng.integers(-1, 5, n)
    countries = [sorted(set(rng.choice(len(LABELS), rng.integers(0, 3)).tolist()))
                 for _ in range(n)]
    vectors = [sorted(set(rng.choice(len(VECTORS), rng.integers(0, 4)).tolist()))
               for _ in range(n)]
    selected = rng.random(n) < 0.7
    return start, confidence, actor, countries, vectors, selected


def _column(lists, labels, shuffle_seed):
    """A ``Column`` from per-incident code lists, entries in a shuffled order."""
    pairs = [(row, code) for row, codes in enumerate(lists) for code in codes]
    np.random.default_rng(shuffle_seed).shuffle(pairs)
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    codes = np.array([p[1] for p in pairs], dtype=np.int32)
    return columns.Column(rows, codes, labels)


def _day(number):
    return date(1970, 1, 1) + timedelta(days=int(number))


def test_quarter_codes_match_calendar_quarters():
    days = np.array([-1, 0, 89, 90, 20_000, -365])
    codes = columns.quarter_codes(days)
    assert [columns.quarter_of_code(c) for c in codes] == [
        idx.quarter_of(_day(d)) for d in days]
    assert columns.quarter_code((2025, 3)) == columns.quarter_codes(
        np.array([(date(2025, 8, 1) - date(1970, 1, 1)).days]))[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_equal_a_straightforward_count(seed):
    start, confidence, actor, country_lists, vector_lists, selected = _random_incidents(seed)
    countries = _column(country_lists, LABELS, seed)
    vectors = _column(vector_lists, VECTORS, seed + 10)
    quarter_of_row = columns.quarter_codes(start)
    quarter = idx.quarter_of(_day(start[0]))
    chosen = [quarter, idx.previous_quarter(quarter), idx.year_before(quarter)]
    wanted = np.array([label in ("FRA", "UKR") for label in LABELS])
    in_quarter = selected & (quarter_of_row == columns.quarter_code(quarter))

    series, per_country, by_vector, by_actor = Counter(), Counter(), Counter(), Counter()
    country_vector, country_actor = Counter(), Counter()
    for i in np.flatnonzero(selected):
        q = idx.quarter_of(_day(start[i]))
        series[q] += np.array([1, confidence[i]])
        for c in country_lists[i]:
            if q in chosen and LABELS[c] in ("FRA", "UKR"):
                per_country[(LABELS[c], *q)] += np.array([1, confidence[i]])
        if q != quarter:
            continue
        by_vector.update(VECTORS[v] for v in vector_lists[i])
        if actor[i] >= 0:
            by_actor[int(actor[i])] += 1
        for c in country_lists[i]:
            if LABELS[c] in ("FRA", "UKR"):
                country_vector.update((LABELS[c], VECTORS[v]) for v in vector_lists[i])
                if actor[i] >= 0:
                    country_actor[(LABELS[c], int(actor[i]))] += 1

    assert sorted(columns.quarter_rows(quarter_of_row, confidence, selected)) == sorted(
        (*q, int(v[0]), int(v[1])) for q, v in series.items())
    assert sorted(columns.country_quarter_rows(
        countries, quarter_of_row, confidence, selected, chosen, wanted)) == sorted(
        (*k, int(v[0]), int(v[1])) for k, v in per_country.items())
    assert sorted(columns.label_counts(vectors, in_quarter)) == sorted(by_vector.items())
    assert sorted(columns.value_counts(actor, in_quarter)) == sorted(by_actor.items())
    assert sorted(columns.pair_counts(countries, vectors, in_quarter, wanted)) == sorted(
        (*k, n) for k, n in country_vector.items())
    actors = columns.single_column(actor, in_quarter)
    assert sorted(columns.pair_counts(countries, actors, in_quarter, wanted)) == sorted(
        (*k, n) for k, n in country_actor.items())


def test_nothing_selected_counts_nothing():
    start, confidence, actor, country_lists, vector_lists, _ = _random_incidents(4, n=20)
    none = np.zeros(20, dtype=bool)
    countries = _column(country_lists, LABELS, 4)
    assert columns.quarter_rows(columns.quarter_codes(start), confidence, none) == []
    assert columns.pair_counts(countries, columns.single_column(actor, none), none) == []
    assert columns.label_counts(countries, none) == []
    assert columns.value_counts(actor, none) == []
