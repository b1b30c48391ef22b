"""The one place where numbers, texts and dates from requests are judged.

Pure (no Flask). Every route, API, filter and form that reads a number from
a request goes through ``whole_number``; every stored user text through
``clean_text``; every date through ``check_date_range``. Each raises
``InputError`` (a 400 wherever it escapes, see ``app/__init__.py``) with a
message the user can act on, so that no input reaches ``int()``, the
database or an XML feed in a shape they choke on.

Why so strict: ``str.isdigit()`` accepts ``"²"`` and ``"٣"`` (``int()``
refuses the first and misreads the second), ``int()`` accepts ``" +5_0"``,
and an id past 64 bits overflows PostgreSQL's ``bigint`` mid-query. C0
control characters (``\\x01``, ``\\x0b``) are not allowed in XML 1.0, so one
such title made the Atom feed unreadable for every subscriber; a lone
surrogate cannot be encoded as UTF-8 at all.
"""
import re
from datetime import date, timedelta

from app.messages import N_, Message, MessageError

INT32 = 2**31 - 1   # a version, a revision number, a zoom: PostgreSQL ``integer``
INT64 = 2**63 - 1   # ids and cursors: PostgreSQL ``bigint``
EARLIEST_DATE = date(1900, 1, 1)
DATE_AHEAD = timedelta(days=366)   # a year ahead, leap day included

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
# C0 controls except tab, LF and CR, lone surrogates (never valid Unicode text) and
# U+FFFE/U+FFFF (not characters; XML 1.0 refuses them too).
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class InputError(MessageError):
    """A number, text or date from a request that cannot be accepted (a 400)."""


def whole_number(raw, *, name, lo=0, hi=INT32, default=None):
    """``raw`` (text of ASCII digits, or a JSON integer) as an int in ``lo..hi``.

    ``None`` and ``""`` give ``default``. Anything else — signs, spaces,
    underscores, non-ASCII digits, floats, booleans, lists — is an
    ``InputError`` naming the parameter and the accepted range.
    """
    if raw is None or raw == "":
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and _ASCII_DIGITS.fullmatch(raw):
        value = int(raw)
    else:
        value = None
    if value is None or not lo <= value <= hi:
        raise InputError(N_("%(name)s: expected a whole number from %(lo)s to %(hi)s"),
                         name=name, lo=lo, hi=hi)
    return value


def text_problem(value):
    """The reason ``value`` may not be stored as text, or None when it may.

    Refused: C0 control characters other than tab, CR and LF (invalid in
    XML 1.0, invisible on pages) and lone surrogates (not encodable).
    """
    found = FORBIDDEN.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return Message(N_("contains a NUL character"))
    if "\ud800" <= char <= "\udfff":
        return Message(N_("contains an unpaired surrogate (not valid Unicode text)"))
    return Message(N_("contains a control character"))


def clean_text(value, *, name):
    """``value`` when it may be stored as text, else ``InputError``."""
    problem = text_problem(value)
    if problem:
        raise InputError(N_("%(name)s: %(reason)s"), name=name, reason=problem)
    return value


def latest_date(today=None):
    """The latest date accepted anywhere: a year from ``today``."""
    return (today or date.today()) + DATE_AHEAD


def date_problem(day, today=None):
    """The reason ``day`` is implausible (before 1900 or over a year ahead), or None."""
    if day < EARLIEST_DATE:
        return Message(N_("is before 1900"))
    if day > latest_date(today):
        return Message(N_("is more than a year ahead"))
    return None


def plausible(day, today=None):
    """True when ``day`` lies in 1900-01-01 .. a year from today."""
    return date_problem(day, today) is None
