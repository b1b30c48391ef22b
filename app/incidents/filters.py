"""The one filter parser shared by the map, the API, embeds, feeds and exports.

``parse_filters(args)`` takes any mapping with ``getlist`` (Flask's
``request.args``, a ``MultiDict`` built from CLI options) and returns an
``IncidentFilters``; ``to_query(filters)`` turns it back into URL parameters,
so that every view is a permalink.
"""
import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from werkzeug.datastructures import MultiDict

from app.i18n import N_
from app.inputs import INT64, InputError, date_problem, whole_number
from app.messages import Message, MessageError

MAX_Q = 200
# ``actor=none``, ``vector=none``, ``platform=none``, ``country=none``: incidents
# with no actor, no vector, no platform, no target country — so ticking layers
# can reach every incident.
NONE = "none"
_ISO3 = re.compile(r"^[A-Z]{3}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class FilterError(MessageError):
    """A filter value that cannot be understood; the message says which and why.

    ``str(exc)`` is the English message: the JSON API's stable ``error`` and the
    CLI's output. ``exc.localised()`` is the same in the reader's language, for
    pages and the API's ``message``. A date's error has the field ``name`` and the
    bare ``reason`` (a ``Message``) as parameters, for forms that show the field apart.
    """


@dataclass(frozen=True)
class IncidentFilters:
    """What a researcher asked to see. Empty tuples and ``None`` mean "any"."""

    actors: tuple = ()          # actor ids (int) or names (str), or NONE
    vectors: tuple = ()         # vector slugs, or NONE
    platforms: tuple = ()       # platform slugs, or NONE
    countries: tuple = ()       # ISO 3166-1 alpha-3, or NONE
    date_from: date | None = None
    date_to: date | None = None
    min_confidence: int | None = None
    q: str | None = None
    bbox: tuple | None = None   # (west, south, east, north) in degrees
    campaigns: tuple = ()       # campaign ids (int)
    statuses: tuple = field(default=())  # empty: the caller's default

    def is_empty(self):
        return self == IncidentFilters(statuses=self.statuses)


def _values(args, name):
    """All values of a parameter, whether repeated or comma-separated."""
    out = []
    for raw in args.getlist(name):
        out.extend(v.strip() for v in str(raw).split(",") if v.strip())
    return out


def parse_date(text, *, end=False, name="date"):
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``end`` picks the period's last day.

    ``YYYY/MM/DD`` is read too: GDAL's CSV driver writes dates so.
    """
    m = re.fullmatch(r"(\d{4})(?:([-/])(\d{1,2})(?:\2(\d{1,2}))?)?", text.strip())
    if not m:
        raise FilterError(N_("%(name)s: %(reason)s"), name=name, reason=Message(
            N_("'%(value)s' is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)"), value=text))
    try:
        day = _period_day(int(m[1]), m[3], m[4], end)
    except ValueError as exc:
        raise FilterError(N_("%(name)s: %(reason)s"), name=name, reason=Message(
            N_("'%(value)s' is not a real date (%(reason)s)"), value=text,
            reason=str(exc))) from None
    problem = date_problem(day)
    if problem:
        # A date past 9999 or before 1900 would crash quarter arithmetic, feeds
        # and the barometer for every reader; nothing that far is an incident.
        raise FilterError(N_("%(name)s: %(reason)s"), name=name, reason=Message(
            N_("%(value)s %(reason)s (dates run from 1900 to a year from today)"),
            value=text, reason=problem))
    return day


def _period_day(year, month, day, end):
    """The first (or with ``end`` the last) day of a year, a month or one day."""
    if month is None:
        return date(year, 12, 31) if end else date(year, 1, 1)
    month = int(month)
    if day is None:
        last = calendar.monthrange(year, month)[1]
        return date(year, month, last if end else 1)
    return date(year, month, int(day))


def _whole_number(raw, **rules):
    """``app.inputs.whole_number``, its refusal a ``FilterError`` like every filter's."""
    try:
        return whole_number(raw, **rules)
    except InputError as exc:
        raise FilterError(exc.message, **exc.params) from None


def parse_bbox(text):
    """Parse ``W,S,E,N`` in degrees. ``W > E`` means the box crosses the antimeridian."""
    parts = text.split(",")
    if len(parts) != 4:
        raise FilterError(N_("bbox: expected four numbers W,S,E,N"))
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise FilterError(N_("bbox: expected four numbers W,S,E,N")) from None
    for v in (west, south, east, north):
        if v != v or v in (float("inf"), float("-inf")):
            raise FilterError(N_("bbox: numbers must be finite"))
    # Leaflet reports longitudes past ±180 when the world wraps; clamp them.
    west, east = max(-180.0, min(180.0, west)), max(-180.0, min(180.0, east))
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise FilterError(N_("bbox: latitudes must be within -90..90"))
    if south > north:
        raise FilterError(N_("bbox: south must not be greater than north"))
    return (west, south, east, north)


def _slugs(args, name, message):
    """The sorted distinct slugs of the taxonomy parameter ``name`` (``vector``…)."""
    slugs = _values(args, name)
    for value in slugs:
        if not _SLUG.match(value):
            raise FilterError(message, value=value)
    return tuple(sorted(set(slugs)))


def parse_filters(args):
    """Build ``IncidentFilters`` from request-style arguments or raise ``FilterError``."""
    if not hasattr(args, "getlist"):
        args = MultiDict(args)
    for name, value in args.items(multi=True):
        # PostgreSQL text holds no NUL: one in a name or a search is bad input, not a 500.
        if "\x00" in str(value):
            raise FilterError(N_("%(name)s: may not contain a NUL character"), name=name)
    actors = []
    for value in _values(args, "actor"):
        if value.lower() == NONE:
            actors.append(NONE)
            continue
        # A number is an actor id (ASCII digits, within bigint); other text a name.
        actors.append(_whole_number(value, name="actor", hi=INT64)
                      if value.isdigit() else value)
    vectors = _slugs(args, "vector", N_("vector: '%(value)s' is not a vector slug"))
    platforms = _slugs(args, "platform", N_("platform: '%(value)s' is not a platform slug"))
    countries = []
    for value in _values(args, "country"):
        if value.lower() == NONE:
            countries.append(NONE)
            continue
        if not _ISO3.match(value.upper()):
            raise FilterError(N_("country: '%(value)s' is not an ISO 3166-1 alpha-3 code"),
                              value=value)
        countries.append(value.upper())
    date_from = args.get("from")
    date_to = args.get("to")
    date_from = parse_date(date_from, name="from") if date_from else None
    date_to = parse_date(date_to, end=True, name="to") if date_to else None
    if date_from and date_to and date_from > date_to:
        raise FilterError(N_("from must not be after to"))
    min_conf = _whole_number(args.get("min_confidence"), name="min_confidence", hi=100)
    q = (args.get("q") or "").strip() or None
    if q and len(q) > MAX_Q:
        raise FilterError(N_("q: at most %(max)s characters"), max=MAX_Q)
    bbox = args.get("bbox")
    statuses = tuple(_values(args, "status"))
    campaigns = []
    for value in _values(args, "campaign"):
        if not (value.isascii() and value.isdigit() and 0 < int(value) < 2**31):
            raise FilterError(N_("campaign: '%(value)s' is not a campaign number"),
                              value=value)
        campaigns.append(int(value))
    return IncidentFilters(
        actors=tuple(actors), vectors=vectors, platforms=platforms,
        countries=tuple(sorted(set(countries))), date_from=date_from, date_to=date_to,
        min_confidence=min_conf, q=q, bbox=parse_bbox(bbox) if bbox else None,
        statuses=statuses, campaigns=tuple(sorted(set(campaigns))))


def to_query(filters):
    """Return the URL parameters (a list of pairs) that reproduce ``filters``."""
    pairs = [("actor", str(a)) for a in filters.actors]
    pairs += [("vector", v) for v in filters.vectors]
    pairs += [("platform", p) for p in filters.platforms]
    pairs += [("country", c) for c in filters.countries]
    if filters.date_from:
        pairs.append(("from", filters.date_from.isoformat()))
    if filters.date_to:
        pairs.append(("to", filters.date_to.isoformat()))
    if filters.min_confidence is not None:
        pairs.append(("min_confidence", str(filters.min_confidence)))
    if filters.q:
        pairs.append(("q", filters.q))
    if filters.bbox:
        # 6 decimals (~0.1 m); "%g" kept 6 significant digits, ~100 m at 123.456°.
        pairs.append(("bbox", ",".join(f"{v:.6f}".rstrip("0").rstrip(".")
                                       for v in filters.bbox)))
    pairs += [("status", s) for s in filters.statuses]
    pairs += [("campaign", str(c)) for c in filters.campaigns]
    return pairs


def url_args(filters, *extra):
    """``url_for`` keyword arguments for ``filters`` plus extra (name, value) pairs."""
    out = {}
    for name, value in to_query(filters) + list(extra):
        out.setdefault(name, []).append(value)
    return out
