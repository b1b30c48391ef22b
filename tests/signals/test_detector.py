"""The detector alone (pure numpy): its p-values, its flags, its determinism."""
import math

import numpy as np

from app.signals import detector


def poisson_tail(k, lam):
    return 1 - sum(math.exp(-lam) * lam ** i / math.factorial(i) for i in range(k))


def nb_tail(k, mean, var):
    r = mean ** 2 / (var - mean)
    q = r / (r + mean)
    return 1 - sum(math.exp(math.lgamma(i + r) - math.lgamma(r) - math.lgamma(i + 1))
                   * q ** r * (1 - q) ** i for i in range(k))


def test_tails_equal_the_textbook_sums():
    p, model = detector.upper_tail(np.array([3, 5, 14, 10]), np.array([0.5, 2.3, 2.3, 2.0]),
                                   np.array([0.5, 2.3, 2.3, 6.0]))
    assert model.tolist() == [0, 0, 0, 1]
    for got, want in zip(p, [poisson_tail(3, 0.5), poisson_tail(5, 2.3),
                             poisson_tail(14, 2.3), nb_tail(10, 2.0, 6.0)]):
        assert math.isclose(got, want, rel_tol=1e-6)  # the reference is 1 - cdf too


def test_tiny_p_values_keep_their_size():
    """Summed as a tail, not 1 − cdf: 40 incidents against 0.1 is about 1.1e-88."""
    p, _ = detector.upper_tail(np.array([40]), np.array([0.1]), np.array([0.1]))
    first_term = math.exp(-0.1 + 40 * math.log(0.1) - math.lgamma(41))
    assert math.isclose(p[0], first_term, rel_tol=0.01)


def test_a_surge_is_flagged_with_its_figures_and_a_quiet_cell_is_not():
    counts = np.zeros((2, 40), dtype=np.int32)
    counts[:, ::2] = 2            # a steady two incidents every other week
    counts[0, 35] = 12            # then a surge in cell 0
    flags = detector.detect(counts)
    assert list(zip(flags.cell.tolist(), flags.week.tolist())) == [(0, 35)]
    assert flags.observed[0] == 12 and math.isclose(flags.expected[0], 1.0)
    assert flags.score[0] > 3


def test_small_counts_never_signal_even_from_nothing():
    counts = np.zeros((1, 30), dtype=np.int32)
    counts[0, 29] = detector.MIN_COUNT - 1
    assert len(detector.detect(counts)) == 0
    counts[0, 29] = detector.MIN_COUNT
    assert len(detector.detect(counts)) == 1


def test_bursty_baselines_need_a_bigger_jump():
    """Over-dispersed history: the negative binomial does not flag a jump Poisson would."""
    counts = np.zeros((1, 40), dtype=np.int32)
    counts[0, 0:26:5] = 6         # bursts of 6 every five weeks
    counts[0, 26] = 7
    flags = detector.detect(counts, since=26)
    assert len(flags) == 0
    mean = counts[0, :26].mean()
    assert poisson_tail(7, mean) < 0.001  # Poisson alone would have flagged it


def test_the_same_counts_give_the_same_signals():
    counts = np.random.default_rng(7).poisson(1.2, size=(50, 60))
    a, b = detector.detect(counts), detector.detect(counts.copy())
    assert a.cell.tolist() == b.cell.tolist() and a.p.tolist() == b.p.tolist()
