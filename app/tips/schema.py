"""Turn a tip from the public form or the JSON twin into clean fields.

One parser for both entry points. Everything is plain text: the app's one
text rule (``app.inputs.text_problem``) refuses control characters but tab,
CR and LF, and lone surrogates; nothing is ever rendered as HTML. Evidence links are checked for shape only — the server
never fetches them (no SSRF) — and normalised so duplicates group.
"""
import hashlib
import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.incidents.filters import FilterError, parse_date
from app.incidents.schema import ValidationError, split_list
from app.incidents.urls import normalise_url
from app.inputs import text_problem
from app.messages import N_, Message

MAX_DESCRIPTION = 5000
MAX_SHORT = 200
MAX_EVIDENCE = 10
MAX_BODY_BYTES = 64 * 1024
_ISO3 = re.compile(r"^[A-Z]{3}$")
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_eid|igshid)$", re.I)


def url_key(url):
    """SHA-256 of ``url`` normalised: case of scheme and host, default port, fragment,
    tracking parameters and a trailing slash do not make two links different."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and (parts.scheme.lower(), port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    normal = urlunsplit(("https" if parts.scheme.lower() == "http" else parts.scheme.lower(),
                         host.removeprefix("www."), path, query, ""))
    return hashlib.sha256(normal.encode()).hexdigest()


def _text(data, name, errors, *, limit, required=False):
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors.append((name, Message(N_("is required"))))
        return ""
    if not isinstance(value, str):
        errors.append((name, Message(N_("must be text"))))
        return ""
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        errors.append((name, Message(N_("is required"))))
    if len(value) > limit:
        errors.append((name, Message(N_("is longer than %(limit)s characters"), limit=limit)))
    problem = text_problem(value)
    if problem:
        errors.append((name, problem))
    return value


def _coordinate(data, name, bound, errors):
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.append((name, Message(N_("must be a number"))))
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append((name, Message(N_("%(value)s is not a number"),
                                     value=repr(str(value)[:40]))))
        return None
    if not -bound <= number <= bound:  # also refuses NaN
        errors.append((name, Message(N_("must be between %(lo)s and %(hi)s"), lo=-bound,
                                     hi=bound)))
        return None
    return number


def _seen_on(data, errors, today):
    value = data.get("seen_on")
    if value in (None, ""):
        return None
    try:
        seen = parse_date(str(value)[:20], name="seen_on")
    except FilterError as exc:
        errors.append(("seen_on", exc.params["reason"]))
        return None
    if seen > today:
        errors.append(("seen_on", Message(N_("is in the future"))))
    return seen


def _evidence(data, errors):
    raw = data.get("evidence")
    try:
        items = split_list(raw.replace("\n", ";") if isinstance(raw, str) else raw)
    except ValueError as exc:
        errors.append(("evidence", exc.args[0]))
        return []
    if len(items) > MAX_EVIDENCE:
        errors.append(("evidence", Message(N_("at most %(n)s links"), n=MAX_EVIDENCE)))
        return []
    links = {}
    for i, item in enumerate(items):
        try:
            url = normalise_url(item)
        except ValueError as exc:
            errors.append((f"evidence[{i}]", exc.args[0]))
            continue
        links.setdefault(url_key(url), url)  # the same link twice counts once
    return [{"url": url, "url_key": key} for key, url in links.items()]


def parse_tip(data, *, today=None):
    """Validate a tip and return its clean fields, or raise ``ValidationError``.

    Fields: ``description`` (required), ``location_name``, ``country`` (ISO
    alpha-3), ``lat`` and ``lon`` (degrees, EPSG:4326, both or neither),
    ``seen_on`` (date), ``evidence`` (URLs: a list, or one per line),
    ``contact``, ``lang``.
    """
    if not isinstance(data, dict):
        raise ValidationError([("body", Message(N_("must be a JSON object")))])
    errors = []
    out = {
        "description": _text(data, "description", errors, limit=MAX_DESCRIPTION,
                             required=True),
        "location_name": _text(data, "location_name", errors, limit=MAX_SHORT),
        "contact": _text(data, "contact", errors, limit=MAX_SHORT),
        "lang": data.get("lang") if data.get("lang") in ("en", "fr") else "en",
        "lat": _coordinate(data, "lat", 90, errors),
        "lon": _coordinate(data, "lon", 180, errors),
        "seen_on": _seen_on(data, errors, today or date.today()),
        "evidence": _evidence(data, errors),
    }
    if (out["lat"] is None) != (out["lon"] is None):
        errors.append(("lat", Message(N_("give both lat and lon, or neither"))))
    country = _text(data, "country", errors, limit=3).upper()
    if country and not _ISO3.match(country):
        errors.append(("country", Message(N_("%(code)s is not an ISO 3166-1 alpha-3 code"),
                                          code=repr(country))))
    out["country"] = country or None
    if errors:
        raise ValidationError(errors)
    return out
