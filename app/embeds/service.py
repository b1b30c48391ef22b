"""Embeds: create, edit, freeze, revoke, and the data an embed shows.

Readers of an embed are anonymous people on other sites: an embed shows
published incidents only, whoever built it (``policy.visibility_clause(None)``
through ``search.find_incidents``).
"""
import hashlib
import json
import re
import secrets
import time

from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.auth.models import utcnow
from app.embeds.models import LAYER_GROUPS, LEGEND_POSITIONS, Embed
from app.extensions import db
from app.incidents import search
from app.incidents.filters import parse_filters, to_query
from app.incidents.serialize import feature_collection

# A CSP host-source: optional scheme, host (or *.host), optional port. Nothing that
# could end the directive or add another (no spaces, ';', ',' or quotes).
_HOST = re.compile(r"^(?:https?://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d{1,5})?$")


class EmbedError(ValueError):
    """An embed setting that cannot be used; the message says which and why."""


def parse_hosts(text):
    """Allowed framing hosts from text (spaces, commas or lines), each checked."""
    hosts = [h.strip().lower().rstrip("/") for h in re.split(r"[\s,]+", text or "")]
    hosts = [h for h in hosts if h]
    for host in hosts:
        if not _HOST.match(host):
            raise EmbedError(f"allowed hosts: {host!r} is not a host such as "
                             "news.example.org, *.example.org or https://example.org:8443")
    return hosts


def normalise_filters(query):
    """The shared filter query string for ``query`` (raises ``FilterError``)."""
    args = MultiDict(parse_qsl((query or "").lstrip("?"), keep_blank_values=False))
    filters = parse_filters(args)
    return urlencode(to_query(filters)), filters


def filters_of(embed):
    """The ``IncidentFilters`` of ``embed`` (published incidents only)."""
    return normalise_filters(embed.filters)[1]


def frame_ancestors(embed):
    """CSP ``frame-ancestors`` sources: the embed's hosts, else the site-wide list."""
    hosts = embed.allowed_hosts or current_app.config["ATLAS_EMBED_HOSTS"]
    return " ".join(["'self'", *hosts])


def view(embed):
    """``build_threat_map``/``render_png`` view arguments: centre and zoom, or none (fit)."""
    if embed.fit_to_data or embed.zoom is None:
        return {}
    return {"center": (embed.center_lat, embed.center_lon), "zoom": embed.zoom}


def features(embed):
    """The GeoJSON FeatureCollection ``embed`` shows now (frozen: as of ``as_of``)."""
    if embed.frozen and embed.frozen_data is not None:
        return json.loads(embed.frozen_data)
    return _live_collection(filters_of(embed))


# What the map draws, its popups and its list read: an embed sends nothing else
# (no summaries or sources), so a viral article's readers download a third as much.
SHOWN_PROPERTIES = ("id", "title", "start_date", "end_date", "actor", "actor_id",
                    "actor_type", "attribution", "confidence", "vectors", "countries",
                    "geo_precision", "location_name")


def _live_collection(filters):
    cap = current_app.config["ATLAS_EMBED_FEATURE_CAP"]
    found = search.find_incidents(filters, None, limit=cap + 1, newest_first=True)
    members = {"count": min(len(found), cap)}
    if len(found) > cap:
        members["next"] = True  # the map says "the newest N" when truncated
    collection = feature_collection(found[:cap], **members)
    for feature in collection["features"]:
        props = feature["properties"]
        feature["properties"] = {k: props[k] for k in SHOWN_PROPERTIES}
    return collection


def data_body(embed):
    """``(bytes, etag)`` of the embed's data as JSON.

    Live data is computed at most once per ``ATLAS_EMBED_LIVE_TTL`` seconds per
    filters and process (the time it may be cached downstream anyway), so a
    viral article costs the database one query a minute, not one per reader.
    """
    if embed.frozen and embed.frozen_data is not None:
        return embed.frozen_data.encode(), embed.frozen_etag
    cache = current_app.extensions.setdefault("atlas_embed_live", {})
    now = time.monotonic()
    hit = cache.get(embed.filters)
    if hit and hit[0] > now:
        return hit[1], hit[2]
    body = _dumps(features(embed)).encode()
    if len(cache) > 1000:
        cache.clear()
    cache[embed.filters] = (now + current_app.config["ATLAS_EMBED_LIVE_TTL"], body,
                            hashlib.sha256(body).hexdigest())
    return cache[embed.filters][1:]


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def freeze(embed):
    """Materialise what ``embed`` shows now, so it never changes afterwards."""
    body = _dumps(_live_collection(filters_of(embed)))
    embed.frozen_data = body
    embed.frozen_etag = hashlib.sha256(body.encode()).hexdigest()
    embed.as_of = utcnow()


def _apply(embed, data):
    query, _filters = normalise_filters(data.get("filters", ""))
    refreeze = data.get("frozen") and (not embed.frozen or query != embed.filters
                                       or data.get("refreeze"))
    embed.filters = query
    for name in ("title", "caption", "fit_to_data", "center_lat", "center_lon", "zoom",
                 "allowed_hosts"):
        setattr(embed, name, data[name])
    if data["legend_position"] not in LEGEND_POSITIONS:
        raise EmbedError(f"legend position: one of {', '.join(LEGEND_POSITIONS)}")
    embed.legend_position = data["legend_position"]
    embed.layers = [g for g in LAYER_GROUPS if g in data["layers"]]
    if not data.get("fit_to_data") and None in (data["center_lat"], data["center_lon"],
                                                data["zoom"]):
        raise EmbedError("view: give a centre and a zoom, or fit to the data")
    embed.frozen = bool(data.get("frozen"))
    if refreeze:
        freeze(embed)
    elif not embed.frozen:
        embed.frozen_data = embed.frozen_etag = embed.as_of = None


def create(*, data, author):
    """Create an embed with a new unguessable key; ``data`` as the builder form gives."""
    embed = Embed(key=secrets.token_urlsafe(16), created_by_id=author.id)
    _apply(embed, data)
    db.session.add(embed)
    db.session.commit()
    return embed


def update(*, embed, data):
    """Change an embed's settings (re-freezing when its filters change)."""
    _apply(embed, data)
    db.session.commit()
    return embed


def revoke(*, embed):
    """Stop serving an embed; its key answers 410 Gone from now on."""
    embed.revoked_at = embed.revoked_at or utcnow()
    db.session.commit()
    return embed


def get(embed_id):
    """An embed by id for the builder (404 when missing)."""
    return db.session.get(Embed, embed_id) or abort(404, _("No such embed."))


def get_all():
    """Every embed, newest first, revoked ones included (the builder's list)."""
    return list(db.session.scalars(sa.select(Embed).order_by(Embed.id.desc())))


def get_active(key):
    """The embed to serve for ``key``: 404 when unknown, 410 when revoked."""
    embed = db.session.scalar(sa.select(Embed).where(Embed.key == key))
    if embed is None:
        abort(404, _("No such embed."))
    if embed.is_revoked:
        abort(410, _("This embed was withdrawn by its publisher."))
    return embed


def adhoc(query):
    """An unsaved, live embed of the map for ``query`` (oEmbed of a ``/map`` link)."""
    embed = Embed(key="map", title="Threat map", caption="", layers=list(LAYER_GROUPS),
                  fit_to_data=False, legend_position="bottomleft", frozen=False,
                  allowed_hosts=[])
    embed.filters = normalise_filters(query)[0]
    return embed


def find_active(key):
    """The live (not revoked) embed for ``key``, or ``None``."""
    embed = db.session.scalar(sa.select(Embed).where(Embed.key == key))
    return None if embed is None or embed.is_revoked else embed
