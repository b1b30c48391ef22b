"""The weak-signal detector: weeks whose count is surprising given the weeks before.

Pure: numpy in, numpy out. No Flask, no database.

Each cell (a country × vector pair) has a series of weekly counts. For week
``t`` the baseline is the ``baseline`` weeks before it (26 by default: half a
year, long enough to be stable, short enough to follow a trend; no seasonal
term). The count model suits small numbers:

* Poisson with mean λ = the baseline's mean, floored at ``0.5 / baseline``
  (half an incident over the whole baseline) so that an empty baseline means
  "rare", not "impossible";
* negative binomial with the baseline's mean and variance when the baseline is
  over-dispersed (variance > ``dispersion`` × mean): bursty cells need a bigger
  jump to surprise.

The surprise of an observed count ``k`` is the upper tail p = P(X ≥ k); its
``score`` is −log10 p. A week is flagged when ``k ≥ min_count`` (one or two
incidents are never a signal, however quiet the cell), ``k`` exceeds the
expected count, and ``score ≥ threshold`` (3: p < 0.001). Deterministic:
the same counts always give the same signals.
"""
from dataclasses import dataclass

import numpy as np

BASELINE = 26
MIN_COUNT = 3
THRESHOLD = 3.0      # −log10 p: 3 is p < 0.001
DISPERSION = 1.5     # variance / mean above which the negative binomial is used
MAX_SCORE = 300.0
MAX_TERMS = 2000    # terms of a tail summed past k, at most


@dataclass(frozen=True)
class Flags:
    """Flagged (cell, week) pairs, as parallel arrays.

    ``cell`` and ``week`` index the rows and columns of the counts matrix;
    ``model`` is 0 for Poisson, 1 for negative binomial.
    """

    cell: np.ndarray
    week: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    p: np.ndarray
    score: np.ndarray
    model: np.ndarray

    def __len__(self):
        return len(self.cell)


def baseline_moments(counts, baseline):
    """Mean and (sample) variance of the ``baseline`` weeks before each week.

    ``counts`` is ``(cells, weeks)``; columns before ``baseline`` get NaN (no
    full baseline yet).
    """
    counts = counts.astype(np.float64)
    cells, weeks = counts.shape
    zero = np.zeros((cells, 1))
    s1 = np.concatenate([zero, np.cumsum(counts, axis=1)], axis=1)
    s2 = np.concatenate([zero, np.cumsum(counts * counts, axis=1)], axis=1)
    mean = np.full((cells, weeks), np.nan)
    var = np.full((cells, weeks), np.nan)
    if weeks > baseline:
        total = s1[:, baseline:weeks] - s1[:, :weeks - baseline]
        squares = s2[:, baseline:weeks] - s2[:, :weeks - baseline]
        mean[:, baseline:] = total / baseline
        var[:, baseline:] = np.maximum(squares - baseline * mean[:, baseline:] ** 2,
                                       0) / (baseline - 1)
    return mean, var


def upper_tail(k, mean, var, *, dispersion=DISPERSION):
    """P(X ≥ k) under Poisson(mean), or the negative binomial of (mean, var) where
    ``var > dispersion × mean``; and which model was used (0 / 1).

    pmf(i+1) comes from pmf(i) in log space, vectorised over the arrays. First
    p = 1 − P(X < k) (``k`` terms); where that is below 1e-9 the subtraction
    has lost its digits, so those tails are summed term by term instead, which
    is quick because there ``k`` is far above the mean and the terms fall fast.
    """
    k = np.asarray(k, dtype=np.int64)
    mean = np.asarray(mean, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    nb = var > dispersion * mean
    r = np.where(nb, mean ** 2 / np.where(nb, var - mean, 1.0), 1.0)
    q = np.where(nb, r / (r + mean), 1.0)  # NB success probability
    step_nb = np.log1p(-q, where=nb, out=np.zeros_like(q))
    log_mean = np.log(mean)

    def next_log_pmf(log_pmf, i, rows):
        return log_pmf + np.where(nb[rows], np.log(i + r[rows]) - np.log(i + 1)
                                  + step_nb[rows], log_mean[rows] - np.log(i + 1))

    start = np.where(nb, r * np.log(q), -mean)
    below = np.zeros_like(mean)
    log_pmf = start.copy()
    for i in range(int(k.max(initial=0))):
        rows = np.flatnonzero(k > i)
        below[rows] += np.exp(log_pmf[rows])
        log_pmf[rows] = next_log_pmf(log_pmf[rows], i, rows)
    tail = np.maximum(1.0 - below, 0.0)
    # log_pmf now holds log pmf(k) for every element: sum the tiny tails directly.
    todo = np.flatnonzero(tail < 1e-9)
    direct = np.zeros(len(todo))
    term = log_pmf[todo]
    i = k[todo].astype(np.float64)
    for _ in range(MAX_TERMS):
        if not len(todo):
            break
        direct += np.exp(term)
        term = next_log_pmf(term, i, todo)
        i = i + 1
        if np.all(term < np.log(direct + 1e-300) - 30):
            break
    tail[todo] = direct
    return np.minimum(tail, 1.0), nb.astype(np.int8)


def detect(counts, *, baseline=BASELINE, min_count=MIN_COUNT, threshold=THRESHOLD,
           dispersion=DISPERSION, since=0):
    """Flag the surprising weeks of ``counts`` (``(cells, weeks)`` integer array).

    ``since`` skips the weeks before that column (only recent weeks wanted).
    """
    counts = np.asarray(counts)
    mean, var = baseline_moments(counts, baseline)
    expected = np.maximum(mean, 0.5 / baseline)
    candidate = (counts >= min_count) & (counts > expected) & ~np.isnan(mean)
    candidate[:, :since] = False
    cell, week = np.nonzero(candidate)
    observed = counts[cell, week]
    p, model = upper_tail(observed, expected[cell, week], var[cell, week],
                          dispersion=dispersion)
    score = np.minimum(-np.log10(np.maximum(p, 1e-300)), MAX_SCORE)
    keep = score >= threshold
    return Flags(cell[keep], week[keep], observed[keep], expected[cell, week][keep],
                 p[keep], score[keep], model[keep])
