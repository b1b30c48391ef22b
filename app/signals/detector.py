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

    Summed in log space term by term (pmf(i+1) from pmf(i)), vectorised over
    the arrays; the tail is summed directly, not as 1 − cdf, so that p-values
    far below 1e-16 keep their size.
    """
    k = np.asarray(k, dtype=np.int64)
    mean = np.asarray(mean, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    nb = var > dispersion * mean
    r = np.where(nb, mean ** 2 / np.where(nb, var - mean, 1.0), 1.0)
    q = np.where(nb, r / (r + mean), 1.0)  # NB success probability
    tail = np.zeros_like(mean)
    # Work on the elements still summing; drop each once its next terms are
    # below e^-30 of its tail (or after ``MAX_TERMS`` terms past ``k``).
    todo = np.arange(len(k))
    log_pmf = np.where(nb, r * np.log(q), -mean)
    log_step_nb = np.log1p(-q, where=nb, out=np.zeros_like(q))
    log_mean = np.log(mean)
    i = 0
    while len(todo):
        kk = k[todo]
        lp = log_pmf[todo]
        tail[todo] += np.where(i >= kk, np.exp(lp), 0.0)
        n_b = nb[todo]
        rr = r[todo]
        log_pmf[todo] = lp + np.where(n_b, np.log(i + rr) - np.log(i + 1)
                                      + log_step_nb[todo], log_mean[todo] - np.log(i + 1))
        i += 1
        done = (i > kk) & ((log_pmf[todo] < np.log(tail[todo] + 1e-300) - 30)
                           | (i > kk + MAX_TERMS))
        todo = todo[~done]
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
