"""Embed pages for other sites, their data, PNG and download, oEmbed, and the builder."""
import base64
import functools
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import (abort, current_app, flash, g, jsonify, redirect, render_template,
                   request, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.models import utcnow
from app.embeds import bp, service
from app.embeds.forms import EmbedForm
from app.i18n import LANGUAGES, code_label, format_moment, interface_labels
from app.incidents import taxonomy
from app.incidents.filters import FilterError
from app.main.routes import basemap_urls
from app.inputs import whole_number
from app.ops import abuse
from app.maps.embed_page import (iframe_html, inline_assets, responsive_snippet,
                                 script_hashes, stable_ids)
from app.maps.static_map import MapNotes, render_png
from app.maps.threat_map import build_threat_map, page_parts
from app.sessions import cookieless
from config import BASE_DIR

BASEMAP = BASE_DIR / "geodata" / "countries-110m.geojson"
YEAR = 365 * 86400
OEMBED_SIZE = (640, 480)
PNG_SIZE = (1200, 630)  # og:image's usual size
_EMBED_PATH = re.compile(r"^/embed/([A-Za-z0-9_-]{1,43})$")


# --- reader side: no session, no cookies, cacheable (``cookieless``) -------------

def _lookup(key):
    """The saved embed for ``key``; ``map`` is a live embed of the query's filters."""
    if key == "map":
        return service.adhoc(request.query_string.decode())  # FilterError: a 400
    return service.get_active(key)


def _key_args(embed):
    """``url_for`` arguments addressing ``embed`` (ad-hoc ones carry their filters)."""
    args = {"key": embed.key}
    if embed.key == "map" and embed.filters:
        args["_query"] = embed.filters
    return args


def _url(endpoint, embed, **extra):
    args = _key_args(embed)
    query = args.pop("_query", "")
    url = url_for(endpoint, **args, **extra)
    return url + ("&" if "?" in url else "?") + query if query else url


def _level_url(embed):
    """A frozen embed's level URL, ``{z}`` standing for the zoom; versioned, immutable."""
    url = url_for("embeds.level", key=embed.key, zoom=0, v=embed.frozen_etag[:16])
    return url.replace("/z/0.json", "/z/{z}.json")


def _full_map_url(embed):
    """The full map with the embed's filters, and its view when it has one."""
    args = embed.filters
    where = service.view(embed)
    if where:
        at = f"at={where['center'][0]:.4f},{where['center'][1]:.4f},{where['zoom']}"
        args = f"{args}&{at}" if args else at
    return url_for("main.map_page", _external=True) + ("?" + args if args else "")


def _map_config(embed, *, inline=None, basemap):
    """The map page's config for ``atlas-map.js``, with its embed mode (``embed``).

    A live embed asks ``/api/v1/map`` for each view, like the full map; a frozen one
    reads its stored levels at their immutable URLs, a downloaded one the levels
    ``inline`` (``{zoom: JSON text}``) as data URIs.
    """
    lang = str(get_locale())
    zooms = sorted(inline) if inline else service.frozen_levels(embed)
    mode = {"query": embed.filters, "legend": embed.legend_position,
            "layers": list(embed.layers), "fullMapUrl": _full_map_url(embed)}
    if inline:
        mode["frozen"] = {"zooms": zooms, "levels": {
            str(z): _data_uri(inline[z].encode(), "application/json") for z in zooms}}
    elif zooms:
        mode["frozen"] = {"zooms": zooms, "url": _level_url(embed)}
    if embed.fit_to_data or embed.zoom is None:
        fit = max(zooms[0], min(zooms[-1], service.FIT_ZOOM)) if zooms else service.FIT_ZOOM
        level = json.loads(inline[fit]) if inline else service.level_for_view(embed, fit)
        mode["fitBounds"] = service.bounds(level)
    return {
        "dataUrl": url_for("api.map_data"),
        "incidentsApiUrl": url_for("api.list_incidents"),
        "incidentApiUrl": url_for("api.get_incident", incident_id=0).rsplit("0", 1)[0],
        "incidentUrl": url_for("incidents.show", incident_id=0,
                               _external=True).rsplit("0", 1)[0],
        "basemap": basemap,
        "vectors": taxonomy.vector_styles(lang),
        "countries": taxonomy.country_names(lang),
        "labels": interface_labels(),
        "embed": mode,
    }


def _folium_map(embed, config, tiles):
    view = service.view(embed)
    m = build_threat_map(config=config, tiles=tiles,
                         tiles_attribution=current_app.config["ATLAS_TILES_ATTRIBUTION"],
                         static_url=lambda f: url_for("static", filename=f), **view)
    return stable_ids(m)


def _page(embed, *, standalone=False, config=None, tiles=None):
    # No 1:50m file in an embed (1.2 MB, over a reader's first-load budget): the
    # 1:110m outline, then the 1:10m tiles of the view from the closest zooms.
    config = config or _map_config(embed, basemap=dict(basemap_urls(), medium=None))
    m = _folium_map(embed, config, tiles or current_app.config["ATLAS_TILES"])
    return render_template("embeds/embed.html", embed=embed, parts=page_parts(m, ""),
                           standalone=standalone, full_map_url=_full_map_url(embed),
                           png_url=_url("embeds.png", embed, _external=True),
                           oembed_url=url_for("embeds.oembed", format="json",
                                              url=_page_url(embed), _external=True))


def _page_url(embed):
    """The absolute URL of the embed page (ad-hoc ones with their filters)."""
    return _url("embeds.show", embed, _external=True)


def _cacheable(response, max_age, *, immutable=False, etag=None):
    """Public caching for ``max_age`` seconds, with an ETag (304 on If-None-Match)."""
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if immutable:
        response.cache_control.immutable = True
    if etag:
        response.set_etag(etag)
    else:
        response.add_etag()
    return response.make_conditional(request)


@bp.get("/embed/<key>")
@cookieless
def show(key):
    """The iframe-ready map: minimal chrome, framed only by the allowed hosts."""
    embed = _lookup(key)
    page = _page(embed)
    response = current_app.make_response(page)
    response.csp_script_src = " ".join(script_hashes(page))
    response.csp_frame_ancestors = service.frame_ancestors(embed)
    response.vary.add("Accept-Language")  # labels and dates follow the reader's language
    return _cacheable(response, 3600 if embed.frozen else 300)


@bp.get("/embed/<key>/z/<int:zoom>.json")
@cookieless
def level(key, zoom):
    """One frozen level of the map data: immutable at its versioned URL."""
    embed = _lookup(key)
    view = service.frozen_level(embed, zoom)
    response = current_app.response_class(view.body, mimetype="application/json")
    versioned = request.args.get("v") == (embed.frozen_etag or "")[:16]
    return _cacheable(response, YEAR if versioned else 3600, immutable=versioned,
                      etag=view.etag)


def _size_arg(name, default, hi=2400):
    return whole_number(request.args.get(name), name=name, lo=16, hi=hi, default=default)


@bp.get("/embed/<key>.png")
@cookieless
def png(key):
    """A static PNG of the embed's view, drawn on the server (og:image, no-JS, print)."""
    embed = _lookup(key)
    width, height = _size_arg("width", PNG_SIZE[0]), _size_arg("height", PNG_SIZE[1])
    image = service.cached_png(embed, width, height, str(get_locale()),
                               lambda: _render(embed, width, height))
    response = current_app.response_class(image, mimetype="image/png")
    return _cacheable(response, 86400 if embed.frozen else 300)


def _render(embed, width, height):
    """Draw the PNG: one client charge, then a place in the bounded render queue."""
    abuse.charge("png", "ATLAS_PNG_LIMIT")
    view = service.view(embed)
    notes = _png_notes(embed)
    return abuse.render_queue().run(lambda: render_png(
        service.png_features(embed), basemap=BASEMAP, width=width, height=height,
        notes=notes, **view))


def _png_notes(embed):
    """The PNG's title, legend (layers with incidents), credit and "as of" line."""
    lang = str(get_locale())
    level = service.level_for_view(embed, service.FIT_ZOOM)
    legend = [(code_label(group, "layer_group"), items) for group, items in service.legend(
        embed, level, vectors=taxonomy.vector_styles(lang),
        countries=taxonomy.country_names(lang), top=service.LEGEND_ITEMS)]
    when = embed.as_of if embed.frozen and embed.as_of else utcnow()
    return MapNotes(title=embed.title, legend=legend,
                    credit=_("Hybrid Threat Atlas · basemap: Natural Earth"),
                    as_of=_("As of %(when)s UTC", when=format_moment(when)))


@bp.get("/embed/<key>/download.html")
@cookieless
def download(key):
    """The embed as one HTML file that works offline (scripts, styles, data inlined)."""
    embed = _lookup(key)
    config = _map_config(embed, inline=service.frozen_bodies(embed) or service.snapshot(embed),
                         basemap={"coarse": _data_uri(BASEMAP.read_bytes(), "application/json")})
    page = inline_assets(_page(embed, standalone=True, config=config, tiles="offline"),
                         _read_static)
    response = current_app.response_class(page, mimetype="text/html")
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", embed.title).strip("-")[:60] or "embed"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.html"'
    return response


def _data_uri(body, mimetype):
    return f"data:{mimetype};base64,{base64.b64encode(body).decode()}"


def _read_static(url):
    prefix = current_app.static_url_path + "/"
    path = url.split("?", 1)[0]
    if not path.startswith(prefix):
        raise ValueError(f"not a static asset of this site: {url}")
    root = Path(current_app.static_folder).resolve()
    file = (root / path[len(prefix):]).resolve()
    if root not in file.parents:
        raise ValueError(f"outside the static folder: {url}")
    return file.read_text(encoding="utf-8")


# --- oEmbed 1.0 ---------------------------------------------------------------------

def _embed_for_url(url):
    """The embed a pasted URL of this site stands for, or ``None``."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    try:
        if parts.path in ("/", "/map"):
            return service.adhoc(parts.query)
        match = _EMBED_PATH.match(parts.path)
        if match and match[1] != "map":
            return service.find_active(match[1])
        if match:
            return service.adhoc(parts.query)
    except FilterError:
        return None
    return None


def _with_lang(src, url):
    """``src`` with the ``lang`` the pasted ``url`` asked for, if any: a page that
    pinned its language keeps it in the iframe; otherwise the reader's language wins."""
    lang = dict(parse_qsl(urlsplit(url or "").query)).get("lang")
    if lang not in LANGUAGES:
        return src
    return src + ("&" if "?" in src else "?") + urlencode({"lang": lang})


@bp.get("/oembed")
@cookieless
def oembed():
    """oEmbed 1.0 (JSON only): a ``rich`` iframe for map and embed URLs of this site."""
    if request.args.get("format", "json") != "json":
        abort(501, _("Only format=json is supported."))
    embed = _embed_for_url(request.args.get("url"))
    if embed is None:
        abort(404, _("No map or embed at that URL."))
    width = min(OEMBED_SIZE[0], _size_arg("maxwidth", OEMBED_SIZE[0], 10_000))
    height = min(OEMBED_SIZE[1], _size_arg("maxheight", OEMBED_SIZE[1], 10_000))
    src = _with_lang(_page_url(embed), request.args.get("url"))
    thumb = _url("embeds.png", embed, width=width, height=height, _external=True)
    response = jsonify({
        "type": "rich", "version": "1.0", "title": embed.title,
        "provider_name": "Hybrid Threat Atlas",
        "provider_url": url_for("main.map_page", _external=True),
        "html": iframe_html(src, title=embed.title, width=width, height=height),
        "width": width, "height": height,
        "cache_age": 86400 if embed.frozen else 300,
        "thumbnail_url": thumb, "thumbnail_width": width, "thumbnail_height": height,
    })
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


# --- the builder (editors) ------------------------------------------------------------

def editor_required(view):
    """Signed-in editors only (publishers are editors)."""
    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_editor:
            abort(403, _("Only editors build embeds."))
        return view(*args, **kwargs)
    return wrapped


@bp.get("/embeds")
@editor_required
def index():
    """Every embed with its state, and links to edit, preview and revoke."""
    return render_template("embeds/index.html", embeds=service.get_all())


def _save(form, embed=None):
    """Validate and save ``form``; an error message for the user, or ``None``."""
    try:
        data = form.embed_data(service.parse_hosts(form.allowed_hosts.data))
        if embed is None:
            return service.create(data=data, author=current_user), None
        return service.update(embed=embed, data=data), None
    except (FilterError, service.EmbedError) as exc:
        return embed, exc.localised()


@bp.route("/embeds/new", methods=["GET", "POST"])
@editor_required
def new():
    """Build a new embed, starting from the map view in the query (filters, ``at``,
    ``layers``) when the map's "Embed this view" link sent one."""
    form = EmbedForm()
    if request.method == "GET":
        form.prefill(service.prefill_from_map(request.args))
    if form.validate_on_submit():
        embed, error = _save(form)
        if error is None:
            flash(_("Embed created."))
            return redirect(url_for("embeds.edit", embed_id=embed.id))
        flash(error, "error")
    return render_template("embeds/edit.html", form=form, embed=None,
                           framing_hosts=service.framing_hosts(None)), (
        400 if request.method == "POST" else 200)


@bp.route("/embeds/<int:embed_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(embed_id):
    """Edit an embed; previews it at phone and desktop widths, with its snippet."""
    embed = service.get(embed_id)
    form = EmbedForm()
    status = 200
    if form.validate_on_submit():
        _embed, error = _save(form, embed)
        if error is None:
            flash(_("Embed saved."))
            return redirect(url_for("embeds.edit", embed_id=embed.id))
        flash(error, "error")
        status = 400
    elif request.method == "GET":
        form.fill(embed)
    else:
        status = 400
    src = url_for("embeds.show", key=embed.key, _external=True)
    return render_template("embeds/edit.html", form=form, embed=embed, src=src,
                           framing_hosts=service.framing_hosts(embed),
                           snippet=responsive_snippet(src, title=embed.title)), status


@bp.post("/embeds/<int:embed_id>/revoke")
@editor_required
def revoke(embed_id):
    """Withdraw an embed everywhere it is shown (its key then answers 410)."""
    service.revoke(embed=service.get(embed_id))
    flash(_("Embed revoked."))
    return redirect(url_for("embeds.index"))
