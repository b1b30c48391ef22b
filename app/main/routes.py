"""The map page, the offline basemap data, and ``/healthz``."""
from dataclasses import replace

from flask import (abort, current_app, g, jsonify, render_template, request,
                   send_from_directory, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.geo import basemap as fine_tiles
from app.geo.countries import geodata_dir
from app.geo.gazetteer import country_view_bounds, map_places
from app.i18n import interface_labels
from app.incidents import taxonomy
from app.incidents.filters import parse_filters, url_args
from app.main import bp
from app.maps.threat_map import build_threat_map, page_parts
from config import BASE_DIR


def parse_request_filters():
    """The shared filters from the query string; ``FilterError`` becomes a 400 saying
    what is wrong, in the reader's language (app error handler)."""
    return parse_filters(request.args)


def parse_view(text):
    """``at=lat,lon,zoom`` from a permalink, or ``None`` when absent or malformed."""
    try:
        lat, lon, zoom = (float(v) for v in (text or "").split(","))
    except ValueError:
        return None
    if not (-85 <= lat <= 85 and -180 <= lon <= 180 and 2 <= zoom <= 18):
        return None
    return (lat, lon), int(zoom)


@bp.route("/")
@bp.route("/map")
def map_page():
    """The threat map shell for the filters in the URL; data comes from ``/api/v1/map``."""
    filters = parse_request_filters()
    lang = str(get_locale())
    # The builder is for editors; others get no "Embed this view".
    embed_url = (url_for("embeds.new") if current_user.is_authenticated
                 and current_user.is_editor else None)
    config = {
        "dataUrl": url_for("api.map_data", **url_args(replace(filters, statuses=()))),
        "incidentsApiUrl": url_for("api.list_incidents"),
        "incidentApiUrl": url_for("api.get_incident", incident_id=0).rsplit("0", 1)[0],
        "incidentUrl": url_for("incidents.show", incident_id=0).rsplit("0", 1)[0],
        "basemap": basemap_urls(),
        "placesUrl": url_for("main.places", lang=lang),
        "countryBounds": country_view_bounds(),
        "embedUrl": embed_url,
        "vectors": taxonomy.vector_styles(lang),
        "countries": taxonomy.country_names(lang),
        "labels": interface_labels(),
    }
    view = parse_view(request.args.get("at"))
    where = {"center": view[0], "zoom": view[1]} if view else {}
    m = build_threat_map(
        config=config, tiles=current_app.config["ATLAS_TILES"],
        tiles_attribution=current_app.config["ATLAS_TILES_ATTRIBUTION"],
        static_url=lambda filename: url_for("static", filename=filename), **where)
    return render_template("map.html", parts=page_parts(m, g.csp_nonce),
                           filters=filters, user=current_user, embed_url=embed_url,
                           platforms=taxonomy.platform_labels(lang),
                           feed_url=url_for("feeds.incidents_atom", **url_args(filters)))


@bp.route("/geodata/countries-110m.geojson")
def basemap():
    """The offline basemap: Natural Earth 1:110m countries, served by the app itself."""
    response = send_from_directory(BASE_DIR / "geodata", "countries-110m.geojson",
                                   mimetype="application/geo+json", max_age=86400)
    return response


@bp.route("/geodata/basemap-50m.geojson")
def basemap_fine():
    """The offline basemap from zoom 5: Natural Earth 1:50m countries, simplified."""
    return send_from_directory(BASE_DIR / "geodata", "basemap-50m.geojson",
                               mimetype="application/geo+json", max_age=86400)


@bp.route("/geodata/basemap-10m/<int:z>/<int:x>/<int:y>.geojson")
def basemap_tile(z, x, y):
    """The offline basemap from zoom 8: one tile of the 1:10m land, coasts and borders."""
    if z != fine_tiles.TILE_ZOOM or not fine_tiles.in_grid(x, y):
        abort(404)
    body = fine_tiles.fine_basemap(geodata_dir()).tile(x, y)
    response = current_app.response_class(body, mimetype="application/geo+json")
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    return response


# The zoom from which the browser swaps the 1:110m countries for the 1:50m ones.
MEDIUM_ZOOM = 5


@bp.app_template_global()
def basemap_urls():
    """What every offline map (threat map, embeds, editor, locator, tip picker) needs
    to draw the app's own basemap at every zoom (``static/js/basemap.js``)."""
    tile = url_for("main.basemap_tile", z=fine_tiles.TILE_ZOOM, x=0, y=0)
    return {"coarse": url_for("main.basemap"), "medium": url_for("main.basemap_fine"),
            "mediumZoom": MEDIUM_ZOOM, "tiles": tile.replace("/0/0.", "/{x}/{y}."),
            "tileZoom": fine_tiles.TILE_ZOOM, "fineZoom": fine_tiles.FINE_ZOOM}


@bp.route("/geodata/places-<lang>.json")
def places(lang):
    """The offline basemap's place names (capitals, large cities) in ``lang``."""
    from app.i18n import LANGUAGES
    if lang not in LANGUAGES:
        abort(404)
    response = jsonify(places=map_places(lang))
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    return response


@bp.route("/favicon.ico")
def favicon():
    """The icon browsers and feed readers fetch from the root without asking the page."""
    return send_from_directory(BASE_DIR / "app" / "static", "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.route("/healthz")
def healthz():
    """Liveness and database check, for load balancers and ``make run``."""
    try:
        db.session.execute(db.text("SELECT 1"))
    except Exception as exc:  # report, don't crash: this is what the check is for
        current_app.logger.error("healthz: database unreachable: %s", exc)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database=db.engine.dialect.name)


@bp.route("/lang/<lang>")
def set_language(lang):
    """The language switch: remember the choice in a cookie and go back."""
    from flask import redirect

    from app.auth.routes import safe_next
    from app.i18n import LANGUAGES
    if lang not in LANGUAGES:
        abort(404, _("No language %(lang)s; choose one of %(choices)s.", lang=lang,
                     choices=", ".join(LANGUAGES)))
    response = redirect(safe_next(request.args.get("next")) or url_for("main.map_page"))
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
