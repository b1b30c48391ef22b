"""Weak signals: weekly counts per country × vector, the detector's flags, and the
editors' decisions on them.

The counts come from the map's in-memory index (``mapindex``: published
incidents only, kept current from the change log), by numpy in tens of
milliseconds at 1,000,000 incidents; the signals are computed on read and
memoised under the index's generation, so they are recomputed after — and
only after — a change to what is published, in whichever process reads next,
never by a job forked from a request. ``weekly_counts_sql`` is the plain
path (one ``GROUP BY``), kept as the reference the fast one is tested against.

A week is the ISO week (Monday to Sunday) of an incident's *start date*; an
incident in several countries or with several vectors counts in each cell.
"""
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from app.auth.models import utcnow
from app.extensions import db
from app.incidents import mapindex, policy
from app.incidents.models import Incident, incident_countries, incident_vectors, Vector
from app.messages import N_, Message, MessageError, Number
from app.signals import detector
from app.signals.models import DECISIONS, SignalReview

MONDAY_ZERO = date(1969, 12, 29)  # week 0 begins on this Monday (day -3)
MAX_WEEKS = 520                   # ten years of history looked at, at most
RECENT_WEEKS = 4                  # "rising" on the barometer: flagged this recently


class SignalError(MessageError):
    """A decision that cannot be taken (unknown signal, missing reason, role)."""


def week_number(day):
    """Weeks since the Monday 1969-12-29 (``day`` a ``date``)."""
    return (day - MONDAY_ZERO).days // 7


def week_start(number):
    """The Monday of week ``number``."""
    return MONDAY_ZERO + timedelta(weeks=int(number))


@dataclass(frozen=True)
class WeeklyCounts:
    """``counts[c, w]``: incidents of cell ``cells[c]`` (``(iso_a3, slug)``) in week
    ``first_week + w``."""

    cells: list
    first_week: int
    counts: np.ndarray


def _dense(country_codes, vector_codes, weeks, countries, vectors, *, until):
    """``WeeklyCounts`` from parallel per-(incident, country, vector) arrays."""
    weeks = np.asarray(weeks, dtype=np.int64)
    last = min(int(weeks.max()), until) if len(weeks) else until
    first = max(int(weeks.min()) if len(weeks) else last, last - MAX_WEEKS + 1)
    keep = (weeks >= first) & (weeks <= last)
    n_weeks = last - first + 1
    key = (np.asarray(country_codes)[keep] * len(vectors)
           + np.asarray(vector_codes)[keep])
    # Cells are few (countries × vectors): number the ones present by a bincount
    # over all of them, no sort of the million keys.
    present = np.bincount(key, minlength=len(countries) * len(vectors)) > 0
    cell_keys = np.flatnonzero(present)
    number = np.cumsum(present) - 1
    cell_of = number[key]
    counts = np.bincount(cell_of * n_weeks + (weeks[keep] - first),
                         minlength=len(cell_keys) * n_weeks).astype(np.int32)
    counts = counts.reshape(len(cell_keys), n_weeks)
    cells = [(countries[k // len(vectors)], vectors[k % len(vectors)]) for k in cell_keys]
    return WeeklyCounts(cells, first, counts)


def weekly_counts_index(index, *, until):
    """``WeeklyCounts`` of the published incidents in the map ``index`` (numpy only).

    Joins each incident's country entries with its vector entries: every row's
    vector entries are contiguous (sorted by row), so the pairs are built with
    ``repeat`` and offsets, no Python loop.
    """
    n = len(index)
    countries, vectors = index.countries, index.vectors
    per_row = np.bincount(vectors.rows, minlength=n)
    first_entry = np.concatenate([[0], np.cumsum(per_row)[:-1]])
    repeat = per_row[countries.rows]
    rows = np.repeat(countries.rows, repeat)
    country_codes = np.repeat(countries.codes, repeat)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    vector_codes = vectors.codes[first_entry[rows] + offsets]
    weeks = (index.start[rows].astype(np.int64) + 3) // 7
    return _dense(country_codes, vector_codes, weeks, countries.labels, vectors.labels,
                  until=until)


def weekly_counts_sql(*, until):
    """The same ``WeeklyCounts`` by one ``GROUP BY`` (the plain path and reference)."""
    if db.engine.dialect.name == "postgresql":
        week = sa.literal_column("(incidents.start_date - DATE '1970-01-01' + 3) / 7")
    else:
        week = sa.literal_column(
            "CAST((julianday(incidents.start_date) - 2440587.5 + 3) / 7 AS INTEGER)")
    stmt = (sa.select(week, incident_countries.c.iso_a3, Vector.slug, sa.func.count())
            .select_from(Incident)
            .join(incident_countries, incident_countries.c.incident_id == Incident.id)
            .join(incident_vectors, incident_vectors.c.incident_id == Incident.id)
            .join(Vector, Vector.id == incident_vectors.c.vector_id)
            .where(Incident.status.in_(policy.PUBLIC_STATUSES))
            .group_by(week, incident_countries.c.iso_a3, Vector.slug))
    rows = db.session.execute(stmt).all()
    countries = sorted({r[1] for r in rows})
    vectors = sorted({r[2] for r in rows})
    c_pos = {c: i for i, c in enumerate(countries)}
    v_pos = {v: i for i, v in enumerate(vectors)}
    n = np.array([r[3] for r in rows], dtype=np.int64)
    return _dense(np.repeat([c_pos[r[1]] for r in rows], n).astype(np.int64),
                  np.repeat([v_pos[r[2]] for r in rows], n).astype(np.int64),
                  np.repeat([int(r[0]) for r in rows], n), countries, vectors, until=until)


# --- the signals -----------------------------------------------------------

@dataclass(frozen=True)
class Signal:
    """One flagged week of one cell, with the figures that explain it."""

    week: date
    country: str
    vector: str
    observed: int
    expected: float
    p: float
    score: float
    model: str        # "poisson" or "negative-binomial"
    baseline: int     # weeks in the baseline

    @property
    def key(self):
        return (self.week, self.country, self.vector)

    @property
    def week_end(self):
        """The Sunday that ends the week."""
        return self.week + timedelta(days=6)

    def explanation(self):
        """Why, in words and figures (a ``Message``: English, or the page's language
        through ``localise``)."""
        p_text = (Message(N_("p < 0.0001")) if self.p < 0.0001 else
                  Message(N_("p < 0.001")) if self.p < 0.001 else
                  Message(N_("p = %(p)s"), p=Number(self.p, 3)))
        model = (Message(N_("Poisson model")) if self.model == "poisson"
                 else Message(N_("negative binomial model, the baseline being irregular")))
        return Message(N_("%(observed)s incidents vs %(expected)s expected a week over the "
                          "last %(weeks)s weeks; %(p)s (%(model)s)"),
                       observed=self.observed, expected=Number(self.expected, 1),
                       weeks=self.baseline, p=p_text, model=model)


def signals_from_counts(weekly, **options):
    """Every ``Signal`` the detector flags in ``weekly`` (a ``WeeklyCounts``)."""
    baseline = options.get("baseline", detector.BASELINE)
    flags = detector.detect(weekly.counts, **options)
    out = []
    for c, w, k, e, p, s, m in zip(flags.cell.tolist(), flags.week.tolist(),
                                   flags.observed.tolist(), flags.expected.tolist(),
                                   flags.p.tolist(), flags.score.tolist(),
                                   flags.model.tolist()):
        country, vector = weekly.cells[c]
        out.append(Signal(week_start(weekly.first_week + w), country, vector, int(k),
                          round(e, 2), p, round(s, 2),
                          "negative-binomial" if m else "poisson", baseline))
    out.sort(key=lambda s: (s.week, s.score, s.country, s.vector), reverse=True)
    return out


def current_signals(today=None):
    """All signals of the published incidents now, newest week first (memoised by
    the map index's generation and the day)."""
    today = today or utcnow().date()
    holder = mapindex.holder()
    index = holder.current()
    until = week_number(today)
    return holder.cached(("signals", index.generation, until), lambda: signals_from_counts(
        weekly_counts_index(index, until=until)))


def decisions(keys=None):
    """``{(week, country, vector): SignalReview}`` (of ``keys`` only, if given)."""
    stmt = sa.select(SignalReview)
    if keys is not None:
        weeks = {k[0] for k in keys}
        if not weeks:
            return {}
        stmt = stmt.where(SignalReview.week.in_(weeks))
    return {(r.week, r.country, r.vector): r for r in db.session.scalars(stmt)}


def find(filters, *, today=None):
    """Signals matching the shared filters' ``country``, ``vector``, ``from``, ``to``."""
    found = current_signals(today)
    if filters.countries:
        found = [s for s in found if s.country in filters.countries]
    if filters.vectors:
        found = [s for s in found if s.vector in filters.vectors]
    if filters.date_from:
        found = [s for s in found if s.week_end >= filters.date_from]
    if filters.date_to:
        found = [s for s in found if s.week <= filters.date_to]
    return found


def rising(*, today=None, limit=10):
    """Signals of the last ``RECENT_WEEKS`` weeks that no editor dismissed (the
    barometer's "rising")."""
    today = today or utcnow().date()
    since = week_start(week_number(today) - RECENT_WEEKS + 1)
    recent = [s for s in current_signals(today) if s.week >= since]
    dismissed = {k for k, r in decisions([s.key for s in recent]).items()
                 if r.decision == "dismissed"}
    return [s for s in recent if s.key not in dismissed][:limit]


def get(week, country, vector, *, today=None):
    """The current signal of that cell and week, or ``SignalError``."""
    for signal in current_signals(today):
        if signal.key == (week, country, vector):
            return signal
    raise SignalError(N_("No current signal for %(country)s × %(vector)s in the week of "
                         "%(week)s."), country=country, vector=vector, week=week.isoformat())


def decide(*, signal, decision, editor, reason="", note=None):
    """Record ``editor``'s ``decision`` on ``signal`` (replacing an earlier one).

    Dismissing needs a reason, so that the next editor knows why.
    """
    if not policy.can_publish(editor):
        raise SignalError(N_("Only editors review signals."))
    if decision not in DECISIONS:
        raise SignalError(N_("Unknown decision %(decision)s."), decision=decision)
    reason = (reason or "").strip()
    if decision == "dismissed" and not reason:
        raise SignalError(N_("Say why the signal is dismissed."))
    if len(reason) > 2000 or "\x00" in reason:
        raise SignalError(N_("The reason must be plain text of at most 2,000 characters."))
    review = db.session.scalar(sa.select(SignalReview).where(
        SignalReview.week == signal.week, SignalReview.country == signal.country,
        SignalReview.vector == signal.vector))
    if review is None:
        review = SignalReview(week=signal.week, country=signal.country,
                              vector=signal.vector)
        db.session.add(review)
    review.decision, review.reason = decision, reason
    review.reviewed_by_id, review.reviewed_at = editor.id, utcnow()
    if note is not None:
        review.note_id = note.id
    db.session.commit()
    return review


def incidents_of(signal, *, limit=200):
    """The published incidents behind ``signal`` (its cell, its week)."""
    end = signal.week_end
    return list(db.session.scalars(
        sa.select(Incident).where(
            Incident.status.in_(policy.PUBLIC_STATUSES),
            Incident.start_date >= signal.week, Incident.start_date <= end,
            Incident.id.in_(sa.select(incident_countries.c.incident_id).where(
                incident_countries.c.iso_a3 == signal.country)),
            Incident.id.in_(sa.select(incident_vectors.c.incident_id)
                            .join(Vector, Vector.id == incident_vectors.c.vector_id)
                            .where(Vector.slug == signal.vector)))
        .order_by(Incident.start_date, Incident.id).limit(limit)))
