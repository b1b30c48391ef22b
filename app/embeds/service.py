"""Embeds: create, edit, freeze, revoke, and the data an embed shows.

Readers of an embed are anonymous people on other sites: an embed shows
published incidents only, whoever built it — the data of ``/api/v1/map``
(``mapview.map_view``), which holds nothing else. A live embed asks that API
itself; a frozen one reads the levels stored here at its freeze.
"""
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.auth.models import utcnow
from app.embeds.models import LAYER_GROUPS, LEGEND_POSITIONS, Embed, EmbedView
from app.extensions import db
from app.incidents import mapindex, mapview, service as incidents_service
from app.incidents.filters import NONE, parse_filters, to_query
from app.incidents.models import Actor, Incident
from app.messages import N_, MessageError

# A CSP host-source: optional scheme, host (or *.host), optional port. Nothing that
# could end the directive or add another (no spaces, ';', ',' or quotes).
_HOST = re.compile(r"^(?:https?://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d{1,5})?$")


class EmbedError(MessageError):
    """An embed setting that cannot be used; the message says which and why.

    ``str()`` is English; ``localised()`` is for the builder page.
    """


def parse_hosts(text):
    """Allowed framing hosts from text (spaces, commas or lines), each checked."""
    hosts = [h.strip().lower().rstrip("/") for h in re.split(r"[\s,]+", text or "")]
    hosts = [h for h in hosts if h]
    for host in hosts:
        if not _HOST.match(host):
            raise EmbedError(N_("allowed hosts: %(host)s is not a host such as "
                                "news.example.org, *.example.org or "
                                "https://example.org:8443"), host=repr(host))
    return hosts


def normalise_filters(query):
    """The shared filter query string for ``query`` (raises ``FilterError``)."""
    args = MultiDict(parse_qsl((query or "").lstrip("?"), keep_blank_values=False))
    filters = parse_filters(args)
    return urlencode(to_query(filters)), filters


MAP_VIEW_KEYS = ("at", "layers", "lang")
"""Query keys of a /map link that are not filters: the view, the legend's layers and
the language."""


def prefill_from_map(args):
    """The builder's starting settings from a ``/map`` query (its "Embed this view"
    link): ``filters`` (a query string), ``view`` ((lat, lon), zoom) or ``None``, and
    ``layers`` (known groups only, ``None`` when the link names none)."""
    from app.main.routes import parse_view  # the map's own reading of ``at=``
    filters = urlencode([(k, v) for k, v in args.items(multi=True)
                         if k not in MAP_VIEW_KEYS and v])
    layers = [g for g in args.get("layers", "").split(",") if g in LAYER_GROUPS]
    return {"filters": filters, "view": parse_view(args.get("at")),
            "layers": layers or None}


def filters_of(embed):
    """The ``IncidentFilters`` of ``embed`` (published incidents only)."""
    return normalise_filters(embed.filters)[1]


ANY_SITE = "*"


def framing_hosts(embed=None):
    """The sites that may frame ``embed`` (``None``: a new one): its own hosts, else the
    site-wide list, else ``[ANY_SITE]`` — an embed shows published data only, so by
    default a journalist can paste it into any site without asking anyone."""
    own = embed.allowed_hosts if embed is not None else []
    return own or current_app.config["ATLAS_EMBED_HOSTS"] or [ANY_SITE]


def frame_ancestors(embed):
    """CSP ``frame-ancestors`` sources: this site and ``framing_hosts(embed)``."""
    return " ".join(["'self'", *framing_hosts(embed)])


def view(embed):
    """``build_threat_map``/``render_png`` view arguments: centre and zoom, or none (fit)."""
    if embed.fit_to_data or embed.zoom is None:
        return {}
    return {"center": (embed.center_lat, embed.center_lon), "zoom": embed.zoom}


# Frozen embeds keep one world-wide level of map data per zoom from 2 (the map's
# least zoom) to FROZEN_MAX_ZOOM (or the embed's own zoom, when deeper): a reader
# zooms freely, and past the deepest level the clusters of that level stay whole.
FROZEN_MIN_ZOOM = 2
FROZEN_MAX_ZOOM = 8
FROZEN_DEEPEST_ZOOM = 12  # an embed set at a city's zoom keeps its own level too
FIT_ZOOM = 4  # the level a fitted embed's view and PNG are computed from


def frozen_zooms(embed):
    """The zoom levels a frozen ``embed`` keeps (ascending)."""
    deepest = max(FROZEN_MAX_ZOOM, min(embed.zoom or 0, FROZEN_DEEPEST_ZOOM))
    return list(range(FROZEN_MIN_ZOOM, deepest + 1))


def live_level(embed, zoom, only=None):
    """The map data of ``embed``'s filters over the whole world at ``zoom``, now
    (limited to the incidents ``only`` when given: a frozen embed's)."""
    return mapview.map_view(filters_of(embed), zoom, only=only)


def _popup_details(ids):
    """``{id: {actor, actor_type, attribution, location_name}}`` for a frozen popup."""
    out = {}
    ids = sorted(ids)
    for start in range(0, len(ids), 5000):
        rows = db.session.execute(
            sa.select(Incident.id, Actor.name, Actor.type, Incident.attribution,
                      Incident.location_name)
            .outerjoin(Actor, Actor.id == Incident.actor_id)
            .where(Incident.id.in_(ids[start:start + 5000])))
        for row in rows:
            out[row.id] = {"actor": row.name, "actor_type": row.type,
                           "attribution": row.attribution,
                           "location_name": row.location_name}
    return out


def snapshot(embed, only=None):
    """``{zoom: JSON text}``: every level ``embed`` shows now, popups included.

    What a frozen embed keeps, and what a downloaded embed carries inline: each
    level is the whole world's ``/api/v1/map`` answer at that zoom, its single
    incidents completed with the rest of what their popup shows, so a frozen
    reader never asks the live API anything. ``only`` limits every level to
    those incident ids (``purge_incident``).
    """
    return {zoom: _dumps(level) for zoom, level in _levels(embed, only).items()}


def _levels(embed, only=None):
    """``{zoom: level}`` of ``snapshot``, as data."""
    levels = {zoom: live_level(embed, zoom, only) for zoom in frozen_zooms(embed)}
    ids = {f["id"] for level in levels.values() for f in level["features"]}
    details = _popup_details(ids)
    for level in levels.values():
        for feature in level["features"]:
            feature.update(details.get(feature["id"], {}))
    return levels


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _store_levels(embed, bodies):
    """Write ``bodies`` ({zoom: JSON text}) as ``embed``'s frozen levels and its version."""
    db.session.execute(sa.delete(EmbedView).where(EmbedView.embed_id == embed.id))
    digest = hashlib.sha256()
    for zoom, body in sorted(bodies.items()):
        etag = hashlib.sha256(body.encode()).hexdigest()
        digest.update(etag.encode())
        db.session.add(EmbedView(embed_id=embed.id, zoom=zoom, body=body, etag=etag))
    embed.frozen_etag = digest.hexdigest()


def freeze(embed):
    """Materialise what ``embed`` shows now, so it never changes afterwards; keep the
    ids of the incidents it shows, so that archiving one can take it out."""
    ids = mapview.matching_ids(filters_of(embed))
    embed.frozen_ids = json.dumps(ids)
    _store_levels(embed, snapshot(embed, only=ids))  # the levels are exactly ``ids``
    embed.as_of = utcnow()
    embed.purged_at = None


def purge_incident(incident_id):
    """Take ``incident_id`` out of every frozen embed that shows it (it was archived).

    A frozen embed keeps what it showed, except incidents that left the public
    record: its levels are made again from its remaining incidents
    (``frozen_ids``), so the incident leaves the features and every count —
    clusters, total, facets, legend, barometer — and the embed's ``purged_at``
    (its "as of" note) says when. Incidents drawn one by one before keep their
    frozen feature (title, popup); clusters are placed from the remaining
    incidents' current places, and one left alone by the purge is drawn as it
    is now. Runs in the caller's transaction; the map index holds the committed
    state, so the archived incident is left out by its id.
    """
    for embed in db.session.scalars(sa.select(Embed).where(  # LIKE: a cheap superset
            Embed.frozen.is_(True), Embed.frozen_ids.contains(str(int(incident_id))))):
        frozen = json.loads(embed.frozen_ids)
        if incident_id not in frozen:
            continue
        kept = [i for i in frozen if i != incident_id]
        before = frozen_bodies(embed)
        levels = _levels(embed, only=kept)
        for zoom, level in levels.items():
            was = {f["id"]: f for f in json.loads(before[zoom])["features"]} \
                if zoom in before else {}
            level["features"] = [was.get(f["id"], f) for f in level["features"]]
        _store_levels(embed, {zoom: _dumps(level) for zoom, level in levels.items()})
        embed.frozen_ids = json.dumps(kept)
        embed.purged_at = utcnow()
    _purge_features_of_older_freezes(incident_id)


def _purge_features_of_older_freezes(incident_id):
    """Embeds frozen before ``frozen_ids`` existed: only the incident's own features
    can go (their clusters do not say what they hold); freezing again fixes that."""
    marker = f'"id":{int(incident_id)},'
    views = db.session.scalars(sa.select(EmbedView).join(Embed).where(
        Embed.frozen_ids.is_(None), EmbedView.body.contains(marker)))
    touched = set()
    for view in views:
        level = json.loads(view.body)
        kept = [f for f in level["features"] if f.get("id") != incident_id]
        if len(kept) == len(level["features"]):
            continue
        level["total"] -= len(level["features"]) - len(kept)
        level["features"] = kept
        view.body = _dumps(level)
        view.etag = hashlib.sha256(view.body.encode()).hexdigest()
        touched.add(view.embed_id)
    for embed in db.session.scalars(sa.select(Embed).where(Embed.id.in_(touched))):
        digest = hashlib.sha256()
        for etag in db.session.scalars(sa.select(EmbedView.etag).where(
                EmbedView.embed_id == embed.id).order_by(EmbedView.zoom)):
            digest.update(etag.encode())
        embed.frozen_etag = digest.hexdigest()
        embed.purged_at = utcnow()


incidents_service.WITHDRAWN.append(purge_incident)


def cached_png(embed, width, height, lang, render):
    """The PNG of ``embed`` at this size in ``lang``, from the per-process LRU when drawn before.

    Keyed by what decides the picture — the map index's generation, the
    embed's normalised filters (an ad-hoc ``/embed/map.png`` normalises its
    query: equivalent queries share the entry), its view and frozen version,
    and the size — so reordered or repeated parameters draw nothing new.
    """
    holder = mapindex.holder()
    key = ("png", holder.current().generation, embed.key, embed.filters,
           embed.frozen_etag, str(embed.updated_at), embed.center_lat, embed.center_lon,
           embed.zoom, width, height, lang)
    return holder.cached_body(key, render)


def frozen_levels(embed):
    """The zoom levels a frozen ``embed`` keeps, ascending (empty when live)."""
    if not embed.frozen or embed.id is None:
        return []
    return list(db.session.scalars(sa.select(EmbedView.zoom)
                                   .where(EmbedView.embed_id == embed.id)
                                   .order_by(EmbedView.zoom)))


def frozen_bodies(embed):
    """``{zoom: JSON text}`` of a frozen ``embed``'s stored levels (empty when live)."""
    if not embed.frozen or embed.id is None:
        return {}
    return dict(db.session.execute(sa.select(EmbedView.zoom, EmbedView.body)
                                   .where(EmbedView.embed_id == embed.id)).all())


def frozen_level(embed, zoom):
    """The stored ``EmbedView`` of a frozen ``embed`` at ``zoom`` (404 when none)."""
    view = db.session.get(EmbedView, (embed.id, zoom)) if embed.frozen else None
    return view or abort(404, _("No such level of this embed."))


def bounds(level):
    """``[west, south, east, north]`` of what a level draws, or ``None`` when empty.

    From the clusters' mean positions (their cells are as wide as the zoom is
    shallow) and the incidents' points: the view an embed fitted to its data opens on.
    """
    points = [(c["lon"], c["lat"]) for c in level["clusters"]]
    points += [(f["lon"], f["lat"]) for f in level["features"]]
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return [min(lons), min(lats), max(lons), max(lats)]


def level_for_view(embed, zoom):
    """The map data ``embed`` shows at ``zoom``: frozen (nearest level kept) or live."""
    levels = frozen_levels(embed)
    if levels:
        nearest = max(levels[0], min(levels[-1], zoom))
        return json.loads(frozen_level(embed, nearest).body)
    return live_level(embed, zoom)


def png_features(embed):
    """GeoJSON features of the embed's PNG: its clusters as points, and its incidents."""
    zoom = FIT_ZOOM if embed.fit_to_data or embed.zoom is None else embed.zoom
    level = level_for_view(embed, zoom)
    out = [{"type": "Feature", "geometry": {"type": "Point",
                                            "coordinates": [c["lon"], c["lat"]]}}
           for c in level["clusters"]]
    out += [{"type": "Feature", "geometry": f.get("geometry") or {
        "type": "Point", "coordinates": [f["lon"], f["lat"]]}} for f in level["features"]]
    return out


LEGEND_ITEMS = 6  # per group in the PNG: the largest layers; the page lists them all


def legend(embed, level, *, vectors, countries, top=None):
    """The layers of ``level`` that hold incidents (count > 0), per group of the embed.

    ``[(group, [(label, count), …]), …]`` in the embed's group order, largest first,
    ``top`` at most per group. ``vectors`` is ``taxonomy.vector_styles``, ``countries``
    ``taxonomy.country_names``; the "none" layers are left out (they name no layer).
    Zero-count layers and layers the filters leave off are dropped: an embed's legend
    names only what its map shows.
    """
    facets, chosen = level["facets"], filters_of(embed)
    vector_names = {v["slug"]: v["label"] for v in vectors}

    def shown(key, on, *also):
        # A facet counts a layer under the *other* groups' filters (what ticking it
        # would add): a layer the embed's filters leave off is not on its map.
        return key != NONE and (not on or key in on or any(a in on for a in also))

    counts = {
        "actor": [(a["name"], a["count"]) for a in facets["actors"]
                  if a["name"] and shown(a["id"], chosen.actors, a["name"])],
        "vector": [(vector_names.get(k, k), c) for k, c in facets["vectors"].items()
                   if shown(k, chosen.vectors)],
        "country": [(countries.get(k, k), c) for k, c in facets["countries"].items()
                    if shown(k, chosen.countries)],
    }
    out = []
    for group in LAYER_GROUPS:
        if group not in embed.layers:
            continue
        items = sorted(((label, count) for label, count in counts[group] if count > 0),
                       key=lambda item: (-item[1], item[0].lower()))
        if items:
            out.append((group, items[:top] if top else items))
    return out


def _apply(embed, data):
    query, _filters = normalise_filters(data.get("filters", ""))
    refreeze = data.get("frozen") and (not embed.frozen or query != embed.filters
                                       or data.get("refreeze"))
    embed.filters = query
    for name in ("title", "caption", "fit_to_data", "center_lat", "center_lon", "zoom",
                 "allowed_hosts"):
        setattr(embed, name, data[name])
    if data["legend_position"] not in LEGEND_POSITIONS:
        raise EmbedError(N_("legend position: one of %(positions)s"),
                         positions=", ".join(LEGEND_POSITIONS))
    embed.legend_position = data["legend_position"]
    embed.layers = [g for g in LAYER_GROUPS if g in data["layers"]]
    if not data.get("fit_to_data") and None in (data["center_lat"], data["center_lon"],
                                                data["zoom"]):
        raise EmbedError(N_("view: give a centre and a zoom, or fit to the data"))
    embed.frozen = bool(data.get("frozen"))
    if not embed.frozen:
        embed.frozen_etag = embed.as_of = embed.frozen_ids = None
        if embed.id is not None:
            db.session.execute(sa.delete(EmbedView).where(EmbedView.embed_id == embed.id))
    return refreeze


def create(*, data, author):
    """Create an embed with a new unguessable key; ``data`` as the builder form gives."""
    embed = Embed(key=secrets.token_urlsafe(16), created_by_id=author.id)
    refreeze = _apply(embed, data)
    db.session.add(embed)
    db.session.flush()  # its id, for the frozen levels
    if refreeze:
        freeze(embed)
    db.session.commit()
    return embed


def update(*, embed, data):
    """Change an embed's settings (re-freezing when its filters change)."""
    if _apply(embed, data):
        freeze(embed)
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
