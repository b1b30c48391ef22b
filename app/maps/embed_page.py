"""Pure helpers for embed pages: stable element ids, CSP hashes, one-file HTML.

No request, no database: these take folium maps and HTML text.
"""
import base64
import hashlib
import html
import re

_INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)
_SCRIPT_SRC = re.compile(r'<script[^>]*\bsrc="([^"]+)"[^>]*>\s*</script>')
# A stylesheet's URL may carry a query (the static version, ``?v=…``).
_CSS_LINK = re.compile(r'<link[^>]*\bhref="([^"]+\.css(?:\?[^"]*)?)"[^>]*/?>')


def stable_ids(folium_map):
    """Give every element of ``folium_map`` an id that depends only on its place.

    folium names elements with random UUIDs, so the same map renders to a
    different page each time; stable ids make the page byte-identical for the
    same settings, so its ETag and its CSP script hashes hold across servers.
    """
    stack = [folium_map.get_root()]
    number = 0
    while stack:
        element = stack.pop()
        number += 1
        element._id = f"{number:08x}"
        stack.extend(reversed(list(getattr(element, "_children", {}).values())))
    return folium_map


def script_hashes(page):
    """CSP ``'sha256-…'`` sources of every inline ``<script>`` in ``page``."""
    out = []
    for body in _INLINE.findall(page):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        out.append(f"'sha256-{digest}'")
    return out


def _script_text(text):
    """JavaScript made safe to sit inside an inline ``<script>`` element."""
    return text.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def inline_assets(page, read_asset):
    """Replace each ``<script src>`` and stylesheet ``<link>`` by the file's contents.

    ``read_asset(url) -> str`` returns an asset's text (only this site's files are
    ever asked for). The result loads nothing from anywhere: it works offline.
    """
    page = _SCRIPT_SRC.sub(
        lambda m: f"<script>{_script_text(read_asset(html.unescape(m[1])))}</script>", page)
    return _CSS_LINK.sub(
        lambda m: "<style>" + _style_text(read_asset(html.unescape(m[1]))) + "</style>",
        page)


def _style_text(text):
    """CSS made safe to sit inside an inline ``<style>`` element."""
    return text.replace("</style", "<\\/style")


def iframe_html(src, *, title, width, height):
    """The ``<iframe>`` element of an embed (attributes escaped). ``allow="fullscreen"``
    alone: beside it, the legacy ``allowfullscreen`` only draws a console warning."""
    return (f'<iframe src="{html.escape(src)}" width="{width}" height="{height}" '
            f'title="{html.escape(title)}" style="border:0;max-width:100%" '
            'allow="fullscreen" loading="lazy"></iframe>')


SNIPPET_MIN_HEIGHT_PX = 360
"""The snippet's floor: at 3:2 a 350 px article column would leave the map ~230 px
under the embed's title and controls; it keeps this height instead."""


def responsive_snippet(src, *, title, ratio=(3, 2)):
    """An iframe that fills its column's width at ``ratio`` on wide columns and keeps
    ``SNIPPET_MIN_HEIGHT_PX`` on narrow ones (phones, 320–400 px columns)."""
    return (f'<div style="position:relative;width:100%;aspect-ratio:{ratio[0]}/{ratio[1]};'
            f'min-height:{SNIPPET_MIN_HEIGHT_PX}px">'
            f'<iframe src="{html.escape(src)}" title="{html.escape(title)}" '
            'style="position:absolute;inset:0;width:100%;height:100%;border:0" '
            'allow="fullscreen" loading="lazy"></iframe></div>')
