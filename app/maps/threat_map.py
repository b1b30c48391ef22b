"""The threat map as a folium figure: basemap, incident layer, layer control.

Pure: takes plain data and settings, returns a folium ``Map`` or the HTML
parts of a page. No request, no database. The incident layer is drawn in the
browser by ``static/js/atlas-map.js`` from ``/api/v1/map`` (clusters and
incidents aggregated on the server for the bbox and zoom in view), so the
page's size and build time do not grow with the number of incidents, and every string from
the database reaches the page as JSON data and is shown with ``textContent``
— never through folium's popup/tooltip templates, which paste strings raw into
JavaScript template literals.
"""
import json
import re

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from app.maps.assets import use_local_assets

EUROPE_CENTER = (50.0, 15.0)
EUROPE_ZOOM = 4
AGGREGATED_SCRIPT = "js/atlas-map.js"


def script_json(value):
    """JSON safe to place inside a ``<script>`` element or a JS expression.

    ``<``, ``>``, ``&`` and the JS line separators are escaped, so no string can
    close the script element or break out of the literal.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class ThreatLayer(JSCSSMixin, MacroElement):
    """Loads the map data from the API and draws it with the atlas layer control.

    ``config`` is a JSON-able dict read by ``AtlasMap.init`` (data URL,
    taxonomy, labels; ``embed`` for an embed's mode). It is embedded with
    ``script_json``.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            AtlasMap.init({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
    """)

    def __init__(self, config, script_url, common_url, basemap_url):
        super().__init__()
        self._name = "ThreatLayer"
        self.config_json = script_json(config)
        # Clusters are computed by the server (live) or stored (frozen embeds):
        # no clustering plugin in the browser.
        self.default_js = [("atlas_common", common_url), ("atlas_basemap", basemap_url),
                           ("atlas_map", script_url)]
        self.default_css = []


def build_threat_map(*, config, tiles, tiles_attribution, static_url,
                     center=EUROPE_CENTER, zoom=EUROPE_ZOOM):
    """Build the map shell.

    Parameters
    ----------
    config : dict
        Settings for the browser side (``dataUrl``, ``basemap``, taxonomy…).
    tiles : str
        A tile URL template, or ``"offline"`` to draw countries from ``geodata/``.
    tiles_attribution : str
        Attribution HTML for the tile layer (operator-configured, trusted).
    static_url : callable
        ``filename -> URL`` under the app's static folder.
    center, zoom : tuple of float (lat, lon), int
        The initial view.
    """
    m = folium.Map(location=list(center), zoom_start=zoom, tiles=None,
                   control_scale=True, world_copy_jump=True)
    # folium hands min/max zoom to the tile layer only; clustering needs them on the
    # map itself, including the offline basemap that has no tile layer.
    m.options.update(minZoom=2, maxZoom=18)
    if tiles != "offline":
        folium.TileLayer(tiles=tiles, attr=tiles_attribution, name="Basemap",
                         control=False).add_to(m)
    config = dict(config, offline=tiles == "offline")
    ThreatLayer(config, static_url(AGGREGATED_SCRIPT), static_url("js/atlas-common.js"),
                static_url("js/basemap.js")).add_to(m)
    use_local_assets(m, static_url)
    return m


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)>")
# folium's own viewport tag forbids zooming (``user-scalable=no``, WCAG 1.4.4); the
# pages set theirs.
_FOLIUM_VIEWPORT = re.compile(r"<meta name=\"viewport\"[^>]*>\s*")


def page_parts(folium_map, nonce):
    """Render ``folium_map`` into ``header``, ``html`` and ``script`` strings for a page.

    Inline ``<script>`` tags get the CSP ``nonce``; external ones are same-origin.
    """
    root = folium_map.get_root()
    root.render()
    header = _INLINE_SCRIPT.sub(f'<script nonce="{nonce}">',
                                _FOLIUM_VIEWPORT.sub("", root.header.render()))
    return {"header": header, "html": root.html.render(),
            "script": root.script.render()}
