"""A static choropleth of a per-country value as an SVG document.

Pure: takes ``{iso_a3: value}`` and country names, reads the 1:110m countries
derived in ``geodata/`` once, and returns SVG markup built with escaping. Being
plain vector markup rendered by the server, it needs no script, prints sharply
and works offline — the barometer page and the printed quarterly reports use it.
Coordinates are EPSG:4326 drawn in an equirectangular projection scaled by
cos(latitude of the view's centre), which keeps Europe's shapes readable.
"""
import math
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

import geopandas
import shapely

from config import BASE_DIR

#: Europe and its neighbourhood (W, S, E, N) in degrees.
EUROPE_VIEW = (-25.0, 33.0, 50.0, 72.0)
#: Sequential palette, light to dark (ColorBrewer "Blues", 5 classes).
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#f2f2f2"


@lru_cache(maxsize=1)
def _countries():
    frame = geopandas.read_file(BASE_DIR / "geodata" / "countries-110m.geojson")
    return list(zip(frame["iso_a3"], frame.geometry))


def class_breaks(values, classes=len(PALETTE)):
    """Upper bounds of ``classes`` equal-interval classes from 0 to the largest value."""
    top = max(values, default=0)
    if top <= 0:
        return []
    return [round(top * (i + 1) / classes, 2) for i in range(classes)]


def fill_for(value, breaks):
    """The palette colour of ``value`` (``NO_DATA`` for none or zero)."""
    if not value or not breaks:
        return NO_DATA
    for colour, upper in zip(PALETTE, breaks):
        if value <= upper:
            return colour
    return PALETTE[-1]


def _path(geometry, project):
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in [polygon.exterior, *polygon.interiors]:
            points = [project(x, y) for x, y in ring.coords]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def choropleth_svg(values, *, names, title, view=EUROPE_VIEW, width=720,
                   value_format=str):
    """SVG markup of the countries in ``view`` coloured by ``values``.

    Parameters
    ----------
    values : dict
        ``{iso_a3: number}``; countries without a value are drawn grey.
    names : dict
        ``{iso_a3: name}`` for the tooltips (``<title>``), in the page's language.
    title : str
        Accessible name of the figure.
    view : tuple of float
        ``(west, south, east, north)`` in degrees, EPSG:4326.
    width : int
        Width of the drawing in SVG units; the height follows the view.
    value_format : callable
        Formats a value for the tooltips (locale-aware in pages).
    """
    west, south, east, north = view
    kx = math.cos(math.radians((south + north) / 2))
    scale = width / ((east - west) * kx)
    height = round((north - south) * scale)

    def project(x, y):
        return (x - west) * kx * scale, (north - y) * scale

    box = shapely.box(*view)
    breaks = class_breaks(list(values.values()))
    shapes = []
    for iso, geometry in _countries():
        if geometry is None or not geometry.intersects(box):
            continue
        clipped = shapely.intersection(geometry, box)
        if clipped.is_empty or clipped.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        value = values.get(iso)
        label = names.get(iso, iso) + (f": {value_format(value)}" if value else "")
        shapes.append(
            f'<path d="{_path(clipped, project)}" fill="{fill_for(value, breaks)}" '
            f'data-iso={quoteattr(iso)}><title>{escape(label)}</title></path>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label={quoteattr(title)} class="choropleth">'
            f'<title>{escape(title)}</title>'
            f'<rect width="{width}" height="{height}" fill="#dbe9f6"/>'
            f'<g stroke="#ffffff" stroke-width="0.6">{"".join(shapes)}</g></svg>')


def legend(breaks):
    """``[(colour, lower, upper)]`` for a legend of the classes of ``breaks``."""
    lowers = [0] + breaks[:-1]
    return list(zip(PALETTE, lowers, breaks))
