"""The barometer's counts over numpy columns: pure functions, no database, no Flask.

The inputs are the columns of the map's in-memory index
(``app.incidents.mapindex``): per incident a start day (days since
1970-01-01), a confidence and an actor id, and many-valued columns given as
parallel ``rows``/``codes`` arrays (entry ``k``: incident ``rows[k]`` has
label ``codes[k]``). ``selected`` is a boolean mask over the incidents (the
shared filters, already applied). Every function returns rows in the shapes
``app.barometer.index`` takes, so the arithmetic (index, trends, top lists)
stays in one place.

A *quarter code* counts quarters since 1970-Q1: ``(year − 1970) × 4 + n − 1``.
"""
from collections import namedtuple

import numpy as np

Column = namedtuple("Column", "rows codes labels")
Column.__doc__ = "A many-valued column: entry k says incident rows[k] has labels[codes[k]]."


def quarter_codes(days):
    """Quarter code of each day number (int32: 4 MB per 1,000,000 incidents)."""
    months = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]")
    return (months.astype(np.int64) // 3).astype(np.int32)


def quarter_code(quarter):
    """``(year, n)`` → quarter code."""
    return (quarter[0] - 1970) * 4 + quarter[1] - 1


def quarter_of_code(code):
    """Quarter code → ``(year, n)``."""
    return (1970 + int(code) // 4, int(code) % 4 + 1)


def quarter_rows(codes, confidence, selected):
    """``[(year, n, count, confidence_sum)]`` of the selected incidents, per quarter."""
    picked = codes[selected]
    if not len(picked):
        return []
    low = int(picked.min())
    counts = np.bincount(picked - low)
    sums = np.bincount(picked - low, weights=confidence[selected])
    return [(*quarter_of_code(low + i), int(counts[i]), int(sums[i]))
            for i in np.flatnonzero(counts)]


def _entries(rows, codes, selected, wanted=None):
    """The many-valued entries of selected incidents (and wanted labels, if given)."""
    keep = selected[rows]
    if wanted is not None:
        keep &= wanted[codes]
    return rows[keep], codes[keep]


def country_quarter_rows(countries, quarter_of_row, confidence, selected, quarters,
                         wanted=None):
    """``[(label, year, n, count, confidence_sum)]`` per country for ``quarters``.

    ``countries`` is a many-valued column (see ``Column``), ``quarter_of_row``
    the quarter code of each incident; ``wanted``, a boolean per label, keeps only those countries' rows (the asked
    ones when the filters name countries).
    """
    wanted_q = np.array(sorted({quarter_code(q) for q in quarters}), dtype=np.int64)
    in_quarters = selected & np.isin(quarter_of_row, wanted_q)
    rows, labels = _entries(countries.rows, countries.codes, in_quarters, wanted)
    slot = np.searchsorted(wanted_q, quarter_of_row[rows])
    key = labels.astype(np.int64) * len(wanted_q) + slot
    size = len(countries.labels) * len(wanted_q)
    counts = np.bincount(key, minlength=size)
    sums = np.bincount(key, weights=confidence[rows], minlength=size)
    out = []
    for k in np.flatnonzero(counts):
        label, q = divmod(int(k), len(wanted_q))
        out.append((countries.labels[label], *quarter_of_code(wanted_q[q]),
                    int(counts[k]), int(sums[k])))
    return out


def label_counts(column, selected):
    """``[(label, count)]``: selected incidents having each label of a many-valued column."""
    rows, codes = _entries(column.rows, column.codes, selected)
    found = np.bincount(codes, minlength=len(column.labels))
    return [(column.labels[i], int(found[i])) for i in np.flatnonzero(found)]


def value_counts(values, selected):
    """``[(value, count)]`` of a single-valued integer column, negative values left out."""
    picked = values[selected]
    picked = picked[picked >= 0]
    found = np.bincount(picked) if len(picked) else np.zeros(0, np.int64)
    return [(int(v), int(found[v])) for v in np.flatnonzero(found)]


def single_column(values, selected):
    """The selected rows of a single-valued integer column (negative: none) as a ``Column``.

    So that ``pair_counts`` treats actors like countries and vectors.
    """
    rows = np.flatnonzero(selected & (values >= 0))
    labels, codes = np.unique(values[rows], return_inverse=True)
    return Column(rows, codes.reshape(-1), [int(v) for v in labels])


def pair_counts(first, second, selected, first_wanted=None):
    """``[(first label, second label, count)]``: selected incidents having both labels.

    ``first`` and ``second`` are many-valued columns (see ``Column``) of two
    attributes of the same incidents (e.g. countries and vectors); an incident with
    two countries and three vectors counts in six pairs, once in each, as a SQL
    join of the two link tables would.
    """
    rows_a, codes_a = _entries(first.rows, first.codes, selected, first_wanted)
    rows_b, codes_b = _entries(second.rows, second.codes, selected)
    order = np.argsort(rows_b, kind="stable")
    rows_b, codes_b = rows_b[order], codes_b[order]
    start = np.searchsorted(rows_b, rows_a, side="left")
    repeats = np.searchsorted(rows_b, rows_a, side="right") - start
    total = int(repeats.sum())
    ends = np.cumsum(repeats)
    offsets = np.arange(total) - np.repeat(ends - repeats, repeats)
    a = np.repeat(codes_a, repeats).astype(np.int64)
    b = codes_b[np.repeat(start, repeats) + offsets]
    width = len(second.labels)
    found = np.bincount(a * width + b, minlength=len(first.labels) * width)
    return [(first.labels[k // width], second.labels[k % width], int(found[k]))
            for k in np.flatnonzero(found)]
