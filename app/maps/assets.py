"""Serve folium's scripts and stylesheets from the app instead of CDNs.

How folium (0.20) loads its front-end assets: ``folium.Map`` and every plugin built
on ``folium.elements.JSCSSMixin`` (``GeoMan``, ``Fullscreen``, ``MarkerCluster``...)
declare *class attributes* ``default_js`` and ``default_css``: lists of
``(name, url)`` tuples pointing at CDNs. When the figure is rendered,
``JSCSSMixin.render`` adds one ``branca.element.JavascriptLink`` / ``CssLink`` per tuple to the root ``Figure.header``, keyed by *name* (so a name
listed by several elements is emitted once, in first-rendered order: the map's own
assets come first).

:func:`use_local_assets` walks the element tree of a map (from its root ``Figure``,
through ``_children`` and the ``header``/``html``/``script`` sub-elements of figures
and popups) and gives each element its own rewritten lists, as instance attributes:
folium's class-level lists are shared by every map in the process and are never
modified. Each asset is looked up by folium's name:

* names in :data:`LOCAL_JS` / :data:`LOCAL_CSS` point at the vendored copy under
  ``app/static/vendor/`` (see ``scripts/vendor_assets.sh``);
* names in :data:`DROPPED_JS` / :data:`DROPPED_CSS` (jQuery, Bootstrap, glyphicons,
  Font Awesome, awesome-markers: we use no ``folium.Icon``) are removed. jQuery is
  only called by two folium templates we do not use (``folium.Popup`` parses its
  HTML with ``$(html)[0]``, ``Map.keep_in_front`` uses ``$(document).ready``): the
  map's popups and layer control are drawn by ``static/js/atlas-map.js``;
* an asset already given by a local URL is kept as it is;
* any other CDN URL raises :class:`ValueError` naming it, so that a newly used
  plugin cannot silently send readers' browsers to a CDN.

Call it last, after every layer, plugin and popup has been added and before
rendering; elements added afterwards are not rewritten. It needs no Flask:
``url_for_static`` maps a path relative to the static folder to a URL, e.g.
``lambda f: url_for("static", filename=f)``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Callable, Iterator, List, Mapping, Tuple, TypeVar

from branca.element import Element, Link

__all__ = [
    "DROPPED_CSS",
    "DROPPED_JS",
    "LOCAL_CSS",
    "LOCAL_JS",
    "asset_urls",
    "is_remote",
    "remote_asset_urls",
    "use_local_assets",
]

#: folium ``default_js`` name -> path under the static folder.
LOCAL_JS: Mapping[str, str] = MappingProxyType(
    {
        # folium.Map
        "leaflet": "vendor/leaflet/leaflet.js",
        # folium.plugins.GeoMan
        "leaflet_geoman_js": "vendor/leaflet-geoman/leaflet-geoman.min.js",
        # folium.plugins.Fullscreen (folium spells the JS name "Fullscreen")
        "Control.Fullscreen.js": "vendor/leaflet.fullscreen/Control.FullScreen.js",
    }
)

#: folium ``default_css`` name -> path under the static folder.
LOCAL_CSS: Mapping[str, str] = MappingProxyType(
    {
        # folium.Map
        "leaflet_css": "vendor/leaflet/leaflet.css",
        # folium.plugins.GeoMan
        "leaflet_geoman_css": "vendor/leaflet-geoman/leaflet-geoman.css",
        # folium.plugins.Fullscreen
        "Control.FullScreen.css": "vendor/leaflet.fullscreen/Control.FullScreen.css",
    }
)

#: folium ``default_js`` names that are not served at all.
DROPPED_JS = frozenset({"jquery", "bootstrap", "awesome_markers"})

#: folium ``default_css`` names that are not served at all.
DROPPED_CSS = frozenset(
    {
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)

_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)

Asset = Tuple[str, str]
E = TypeVar("E", bound=Element)


def is_remote(url: str) -> bool:
    """True for an absolute (``https://...``) or protocol-relative (``//...``) URL."""
    return bool(_REMOTE.match(url or ""))


def _walk(root: Element) -> Iterator[Element]:
    """Every element reachable from ``root``, each once."""
    seen = set()
    stack = [root]
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        yield element
        # Figure and Popup keep header/html/script outside _children.
        for attr in ("header", "html", "script"):
            sub = getattr(element, attr, None)
            if isinstance(sub, Element):
                stack.append(sub)
        stack.extend(reversed(list(getattr(element, "_children", {}).values())))


def _localized(
    element: Element,
    assets: List[Asset],
    kind: str,
    local: Mapping[str, str],
    dropped: frozenset,
    url_for_static: Callable[[str], str],
) -> List[Asset]:
    out: List[Asset] = []
    for name, url in assets:
        if name in dropped:
            continue
        elif name in local:
            out.append((name, url_for_static(local[name])))
        elif not is_remote(url):
            out.append((name, url))
        else:
            table = "LOCAL_JS" if kind == "default_js" else "LOCAL_CSS"
            raise ValueError(
                f"No local copy of asset {name!r} ({url}) in {kind} of "
                f"{type(element).__module__}.{type(element).__name__}: vendor it with "
                f"scripts/vendor_assets.sh and map it in app/maps/assets.py {table} "
                f"(or drop it), so that readers are not sent to a CDN."
            )
    return out


def use_local_assets(map_obj: E, url_for_static: Callable[[str], str]) -> E:
    """Point ``map_obj``'s scripts and stylesheets, and its plugins', at local copies.

    ``map_obj`` is a ``folium.Map`` (or any element of one: the whole tree from its
    root figure is processed). ``url_for_static(path)`` turns a path relative to the
    static folder (``"vendor/leaflet/leaflet.js"``) into a URL.

    Raises ``ValueError`` naming the first CDN asset that has no local mapping; the
    tree is then left unchanged. Returns ``map_obj``.
    """
    root = map_obj.get_root()
    updates = []
    for element in _walk(root):
        if isinstance(element, Link) and is_remote(getattr(element, "url", "")):
            raise ValueError(
                f"No local copy of asset {element.url!r} linked by a "
                f"{type(element).__name__} in the map: vendor it and link the local copy."
            )
        new = {}
        for kind, local, dropped in (
            ("default_js", LOCAL_JS, DROPPED_JS),
            ("default_css", LOCAL_CSS, DROPPED_CSS),
        ):
            assets = getattr(element, kind, None)
            if isinstance(assets, (list, tuple)):
                new[kind] = _localized(
                    element, list(assets), kind, local, dropped, url_for_static
                )
        if new:
            updates.append((element, new))
    # Apply only once everything resolved, as instance attributes (the class-level
    # lists are folium's, shared by all maps).
    for element, new in updates:
        for kind, assets in new.items():
            setattr(element, kind, assets)
    return map_obj


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: List[Tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        wanted = {"script": "src", "link": "href"}.get(tag)
        # rel="alternate" links (oEmbed discovery, feeds) name other documents: the
        # browser loads nothing from them.
        if tag == "link" and "alternate" in (dict(attrs).get("rel") or "").split():
            return
        if wanted:
            for key, value in attrs:
                if key == wanted and value:
                    self.found.append((tag, value))

    handle_startendtag = handle_starttag


def asset_urls(html: str) -> List[Tuple[str, str]]:
    """``(tag, url)`` of every ``<script src>`` and ``<link href>`` in ``html``
    (but ``rel="alternate"`` links, which load nothing)."""
    parser = _AssetParser()
    parser.feed(html)
    parser.close()
    return parser.found


def remote_asset_urls(html: str) -> List[Tuple[str, str]]:
    """The :func:`asset_urls` of ``html`` that point off-site (absolute or
    protocol-relative URL). Empty means the page loads no script or stylesheet
    from elsewhere (tile URL templates live inside scripts and are not counted)."""
    return [(tag, url) for tag, url in asset_urls(html) if is_remote(url)]
