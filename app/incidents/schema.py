"""Turn user input (form, API JSON, CSV row) into clean incident fields.

One parser for every entry point, so that the same rules and the same
messages hold for the editor, the API and imports. Field names are the CSV
names of docs/product.md. Errors are collected, not raised one by one, so a person
sees everything wrong at once.
"""
import functools
import math
import re
from datetime import date

from app.geo.geometry import (GeometryError, parse_geometry, parse_wkt_many,
                              point_from_lat_lon)
from app.i18n import field_label, localise
from app.inputs import plausible, text_problem
from app.incidents.fields import (BY_NAME, CSV_COLUMNS, FIELDS, LINK_FIELDS, MAX_LIST,
                                  MAX_SUMMARY, MAX_TITLE)
from app.incidents.filters import FilterError, parse_date
from app.incidents.urls import PLAIN_URI, normalise_url
from app.messages import N_, Message

__all__ = ["MAX_LIST", "MAX_SUMMARY", "MAX_TITLE", "ValidationError", "parse_incident",
           "parse_incidents", "split_list"]


class ValidationError(ValueError):
    """Input that cannot be stored; ``errors`` is a list of ``(field, reason)``.

    ``clean`` holds the fields that did validate (``parse_incident``), so that
    an import can still check their references and report every problem of
    a row at once. A reason is an English ``str`` (the API's and the CLI's text by contract),
    usually a ``Message`` that pages show in the reader's language
    (``localised()``, template filters ``field_label`` and ``localise``).
    """

    def __init__(self, errors, clean=None):
        self.errors = list(errors)
        self.clean = clean or {}
        super().__init__("; ".join(f"{f}: {r}" for f, r in self.errors))

    def as_json(self):
        return {"error": str(self), "fields": [{"field": f, "reason": r}
                                               for f, r in self.errors]}

    def localised(self):
        """Every problem, field names and reasons in the current request's language."""
        return "; ".join(localise(Message(N_("%(field)s: %(reason)s"), field=field_label(f),
                                          reason=r)) for f, r in self.errors)


def split_list(value):
    """A list of texts from an array or a ``;``-separated string, blanks dropped.

    An array's items must be text: ``str()`` of a number, an object or a nested
    array (JSON of the wrong shape) would become a nonsense slug or URL.
    """
    if value is None:
        return []
    if isinstance(value, str):
        if ";" not in value:  # the usual cell: one item, split without a loop
            value = value.strip()
            return [value] if value else []
        items = value.split(";")
    elif isinstance(value, (list, tuple)):
        items = value
        for n, item in enumerate(items, 1):
            if not isinstance(item, str):
                raise ValueError(Message(N_("item %(n)s must be text"), n=n))
    else:
        raise ValueError(Message(N_("expected a list or a ;-separated string")))
    return [v.strip() for v in items if v.strip()]


def _text(data, name, errors, *, required=False, limit=None):
    value = data.get(name)
    if value is None:
        if required:
            errors.append((name, Message(N_("is required"))))
        return None
    if not isinstance(value, str):
        errors.append((name, Message(N_("must be text"))))
        return None
    value = value.strip()
    if required and not value:
        errors.append((name, Message(N_("is required"))))
    if limit and len(value) > limit:
        errors.append((name, Message(N_("is longer than %(limit)s characters"), limit=limit)))
    problem = text_problem(value)
    if problem:
        errors.append((name, problem))
    return value


def _choice(data, name, errors):
    choices = BY_NAME[name].choices
    value = data.get(name)
    if value in (None, ""):
        return None
    if value not in choices:
        errors.append((name, Message(N_("%(value)s is not one of %(choices)s"),
                                     value=repr(value), choices=", ".join(choices))))
        return None
    return value


def _date(data, name, errors, *, end=False):
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value), end=end, name=name)
    except FilterError as exc:
        errors.append((name, exc.params["reason"]))
        return None


def _int(data, name, errors):
    lo, hi = BY_NAME[name].bounds
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors.append((name, Message(N_("must be a whole number"))))
        return None
    try:
        number = float(value)
    except OverflowError:  # a JSON integer past float's range: far out of bounds
        errors.append((name, Message(N_("must be between %(lo)s and %(hi)s"), lo=lo, hi=hi)))
        return None
    except (TypeError, ValueError):
        errors.append((name, Message(N_("%(value)s is not a number"), value=repr(value))))
        return None
    if not math.isfinite(number) or number != int(number):
        errors.append((name, Message(N_("must be a whole number"))))
        return None
    if not lo <= number <= hi:
        errors.append((name, Message(N_("must be between %(lo)s and %(hi)s"), lo=lo, hi=hi)))
        return None
    return int(number)


def _geometry(data, errors):
    try:
        if data.get("geometry") not in (None, ""):
            return parse_geometry(data["geometry"])
        if data.get("wkt") not in (None, ""):
            return parse_geometry(str(data["wkt"]))
        if data.get("lat") not in (None, "") or data.get("lon") not in (None, ""):
            return point_from_lat_lon(data.get("lat"), data.get("lon"))
    except GeometryError as exc:
        errors.append(("geometry", exc.reason()))
        return None
    errors.append(("geometry", Message(N_("is required (wkt, GeoJSON geometry, or lat and "
                                          "lon)"))))
    return None


def _sources(data, errors):
    """The ``sources`` objects, or the ``source_url`` texts as sources; None when neither.

    Every problem with one source is reported on ``sources[i]``, and one with
    ``source_url`` as a whole (a number, an object) on ``source_url``.
    """
    raw = data.get("sources")
    if raw is None and data.get("source_url") not in (None, ""):
        try:
            raw = [{"url": u} for u in split_list(data["source_url"])]
        except ValueError as exc:
            errors.append(("source_url", exc.args[0]))
            return None
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_LIST:
        errors.append(("sources", Message(N_("must be a list of at most %(n)s sources"),
                                          n=MAX_LIST)))
        return None
    sources = []
    for i, item in enumerate(raw):
        item = {"url": item} if isinstance(item, str) else item
        if not isinstance(item, dict):
            errors.append((f"sources[{i}]", Message(N_("must be an object with a url"))))
            continue
        source = _source(item, f"sources[{i}]", errors)
        if source is not None:
            sources.append(source)
    return sources


def _source(item, name, errors):
    """One source object's clean fields, or None after adding its problems to ``errors``.

    Its url, archived_url and publisher must be text (or absent): ``str()`` of
    a number or an object is no URL, and would be stored as a publisher's name.
    """
    problems = []
    for key in ("url", "archived_url", "publisher"):
        if not isinstance(item.get(key), (str, type(None))):
            problems.append(Message(N_("%(key)s must be text"), key=key))
        elif item.get(key) and text_problem(item[key]):
            problems.append(Message(N_("%(key)s %(reason)s"), key=key,
                                    reason=text_problem(item[key])))
    if not problems:
        try:
            url = normalise_url((item.get("url") or "").strip())
            archived = item.get("archived_url")
            archived = normalise_url(archived.strip()) if archived else None
        except ValueError as exc:
            problems.append(exc.args[0])
    dates = []
    published = _date(item, "date", dates)
    problems += [reason for _, reason in dates]
    errors.extend((name, reason) for reason in problems)
    if problems:
        return None
    return {"url": url, "publisher": (item.get("publisher") or "")[:200],
            "published_on": published, "archived_url": archived}


def _list(data, name, errors, *, upper=False):
    """The keys of the links field ``name``, upper-cased for codes; None when absent."""
    if name not in data:
        return None
    try:
        items = split_list(data[name])
    except ValueError as exc:
        errors.append((name, exc.args[0]))
        return None
    if len(items) > MAX_LIST:
        errors.append((name, Message(N_("at most %(n)s items"), n=MAX_LIST)))
    return [i.upper() for i in items] if upper else items


# Fields naming another record by its name (text, or None): the actor, the campaign.
NAMED = tuple(f.name for f in FIELDS if f.kind in ("actor", "campaign"))


def parse_incident(data, *, partial=False):
    """Validate ``data`` and return the clean fields it sets.

    With ``partial`` (a PATCH), absent fields are left out instead of being
    required or defaulted. Raises ``ValidationError`` listing every problem.
    """
    if not isinstance(data, dict):
        raise ValidationError([("body", Message(N_("must be a JSON object of incident "
                                                   "properties")))])
    errors = []
    out = {}
    has = (lambda k: k in data) if partial else (lambda k: True)
    geometry_keys = ("geometry", "wkt", "lat", "lon")
    for name in ("title", "summary", "location_name", "lang"):
        if has(name):
            f = BY_NAME[name]
            out[name] = _text(data, name, errors, required=f.required,
                              limit=f.limit) or f.default
    if has("start_date"):
        out["start_date"] = _date(data, "start_date", errors)
        if out["start_date"] is None and not any(f == "start_date" for f, _ in errors):
            errors.append(("start_date", Message(N_("is required"))))
    if has("end_date"):
        out["end_date"] = _date(data, "end_date", errors, end=True)
    if has("time_precision"):
        out["time_precision"] = _choice(data, "time_precision", errors) or "day"
    if not partial or any(k in data for k in geometry_keys):
        out["geometry"] = _geometry(data, errors)
    if has("geo_precision"):
        out["geo_precision"] = _choice(data, "geo_precision", errors) or "exact"
    if has("precision_m"):
        out["precision_m"] = _int(data, "precision_m", errors)
    for name in NAMED:  # the actor's or the campaign's name, or None
        if has(name):
            out[name] = (_text(data, name, errors, limit=BY_NAME[name].limit) or None) \
                if data.get(name) else None
    if has("attribution"):
        out["attribution"] = _choice(data, "attribution", errors) or "unattributed"
    if has("confidence"):
        conf = _int(data, "confidence", errors)
        out["confidence"] = 50 if conf is None else conf
    for f in LINK_FIELDS:
        if f.name in data:
            out[f.name] = _list(data, f.name, errors, upper=f.links.upper)
        elif not partial:
            out[f.name] = []
    sources = _sources(data, errors)
    if sources is not None:
        out["sources"] = sources
    elif not partial:
        out["sources"] = []
    start, end = out.get("start_date"), out.get("end_date")
    if start and not partial and end is None:
        # "2025-03" alone is the whole month: the interval ends on its last day.
        raw = data.get("start_date")
        out["end_date"] = start if isinstance(raw, date) else parse_date(str(raw), end=True)
    if start and out.get("end_date") and out["end_date"] < start:
        errors.append(("end_date", Message(N_("is before start_date"))))
    if errors:
        raise ValidationError(errors, clean=out)
    return out


# --- many rows at once (imports) ---------------------------------------------

# The columns a plain CSV row may carry for ``parse_incidents``'s fast path;
# any other key (GeoJSON geometry, lat/lon, sources objects, techniques…) sends
# the row through ``parse_incident``.
_FAST_KEYS = frozenset(CSV_COLUMNS)
# The links fields a CSV row holds, ``;``-separated.
_CSV_LINKS = tuple(f for f in LINK_FIELDS if f.name in _FAST_KEYS)
_NAMED_LIMITS = tuple((name, BY_NAME[name].limit) for name in NAMED)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_incidents(rows):
    """``parse_incident`` for many rows: a dict of clean fields or a ``ValidationError`` each.

    The same rules and messages by construction: geometries are parsed in bulk
    (``parse_wkt_many``, identical to ``parse_geometry``), the usual CSV cells
    are checked by ``_fast_fields`` only when it can prove ``parse_incident``
    would accept them as they are, and every other row — every row with a
    problem among them — goes through ``parse_incident`` itself.
    """
    texts = [row.get("wkt") if isinstance(row, dict) and _FAST_KEYS.issuperset(row)
             and isinstance(row.get("wkt"), str) and row["wkt"] else None for row in rows]
    wanted = [i for i, text in enumerate(texts) if text is not None]
    geometries = dict(zip(wanted, parse_wkt_many([texts[i] for i in wanted])))
    out = []
    for i, row in enumerate(rows):
        geometry = geometries.get(i)
        fields = None
        if geometry is not None and not isinstance(geometry, GeometryError):
            fields = _fast_fields(row)
        if fields is None:
            try:
                fields = parse_incident(row)
            except ValidationError as exc:
                fields = exc
        else:
            fields["geometry"] = geometry
        out.append(fields)
    return out


def _plain_text(value, limit):
    """``value`` stripped, or None unless ``_text`` would accept it without a message."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) > limit or text_problem(value):
        return None
    return value


def _iso_day(value):
    return _iso_day_text(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)
def _iso_day_text(value):
    """The date of a ``YYYY-MM-DD`` text, or None; cached: an import repeats its days."""
    if not _ISO_DAY.fullmatch(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if plausible(day) else None


def _items(value):
    """``split_list(value)`` of a text of at most ``MAX_LIST`` items, else None."""
    if not isinstance(value, str):
        return None
    items = split_list(value)
    return items if len(items) <= MAX_LIST else None


def _fast_fields(data):
    """The clean fields of a plain CSV row, or None when it needs ``parse_incident``.

    None means "not proven", not "invalid": the caller then runs the full
    parser, which gives the verdict and the messages.
    """
    get = data.get
    title = _plain_text(get("title"), MAX_TITLE)
    summary = get("summary")
    summary = "" if summary is None else _plain_text(summary, MAX_SUMMARY)
    start = _iso_day(get("start_date"))
    raw_end = get("end_date")
    end = start if raw_end in (None, "") else _iso_day(raw_end)
    if not title or summary is None or start is None or end is None or end < start:
        return None
    precision = get("geo_precision")
    if precision in (None, ""):
        precision = "exact"
    elif precision not in BY_NAME["geo_precision"].choices:
        return None
    names = {}
    for name, limit in _NAMED_LIMITS:
        value = get(name)
        if value:
            value = _plain_text(value, limit)
            if value is None:
                return None
        names[name] = value or None
    confidence = _whole(get("confidence"), "confidence")
    radius = _whole(get("precision_m"), "precision_m")
    if confidence is _NOT_PROVEN or radius is _NOT_PROVEN:
        return None
    lists = {f.name: _items(get(f.name)) if f.name in data else [] for f in _CSV_LINKS}
    if None in lists.values():
        return None
    sources = []
    urls = get("source_url")
    if urls not in (None, ""):
        urls = _items(urls)
        if urls is None or urls and (max(map(len, urls)) > 2000
                                     or not all(map(PLAIN_URI.fullmatch, urls))):
            return None
        sources = [{"url": u, "publisher": "", "published_on": None, "archived_url": None}
                   for u in urls]
    for f in _CSV_LINKS:
        if f.links.upper:
            lists[f.name] = [v.upper() for v in lists[f.name]]
    return {"title": title, "summary": summary, "location_name": "", "lang": "en",
            "start_date": start, "end_date": end, "time_precision": "day",
            "geo_precision": precision, "precision_m": radius,
            **names,
            "attribution": "unattributed", "confidence": confidence,
            "techniques": [], **lists, "sources": sources}


_NOT_PROVEN = object()


def _whole(value, name):
    """A CSV cell of the whole-number field ``name`` in its bounds, its default when
    empty, or ``_NOT_PROVEN`` (``_int`` then gives the verdict)."""
    if value in (None, ""):
        return BY_NAME[name].default
    lo, hi = BY_NAME[name].bounds
    if isinstance(value, str) and len(value) <= len(str(hi)) and value.isascii() \
            and value.isdigit() and lo <= int(value) <= hi:
        return int(value)
    return _NOT_PROVEN
