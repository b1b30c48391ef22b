"""The ``datetime`` parameter of OGC API - Features: an RFC 3339 instant or interval.

Incidents are dated by day, so the days of the instant or of the interval's
ends are what filter them (``IncidentFilters.date_from``/``date_to``: an
incident whose period overlaps them matches). Pure: no Flask.

>>> parse_datetime("2025-03-01T10:00:00Z/..")
(datetime.date(2025, 3, 1), None)
"""
import re
from datetime import date

from app.incidents.filters import FilterError
from app.messages import N_

_INSTANT = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?"
                      r"(?:[Zz]|[+-]\d{2}:\d{2}))?")


def _day(text):
    match = _INSTANT.fullmatch(text)
    try:
        return date.fromisoformat(match[1]) if match else None
    except ValueError:
        return None


def parse_datetime(value):
    """``(first_day, last_day)`` of ``value``; None for an open end or no value.

    Raises ``FilterError`` for anything RFC 3339 and the standard do not allow
    (``2025-13-01``, ``../..``, an interval whose start is after its end).
    """
    if value in (None, ""):
        return None, None
    ends = value.split("/")
    if len(ends) > 2 or ends == ["..", ".."] or ends == ["", ""]:
        raise FilterError(N_("datetime: expected an RFC 3339 date-time or an interval "
                             "start/end (.. for open)"))
    days = [None if end in ("..", "") and len(ends) == 2 else _day(end) for end in ends]
    if any(day is None and end not in ("..", "") for day, end in zip(days, ends)):
        raise FilterError(N_("datetime: expected an RFC 3339 date-time or an interval "
                             "start/end (.. for open)"))
    start, end = (days[0], days[0]) if len(days) == 1 else days
    if start and end and start > end:
        raise FilterError(N_("datetime: the interval's start is after its end"))
    return start, end
