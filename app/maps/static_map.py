"""A static PNG of a map view, drawn from ``geodata/`` with geopandas and matplotlib.

Pure: takes GeoJSON features and a view, returns PNG bytes. No tile server, no
request. Drawn in Web Mercator (EPSG:3857) so it matches the Leaflet view of
the same centre and zoom.
"""
import io
import math
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import matplotlib
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

matplotlib.use("Agg")

INCIDENT_COLOR = "#c0392b"
SEA, LAND, BORDER = "#dfe9f3", "#fbfbf8", "#9aa5b1"
EARTH_RADIUS = 6378137.0
TILE = 256
MAX_Y = 20037508.34


@lru_cache(maxsize=2)
def _countries(path):
    return gpd.read_file(path).to_crs(3857)


def mercator(lon, lat):
    """Web Mercator metres of a lon/lat in degrees."""
    lat = max(-85.0511, min(85.0511, lat))
    return (EARTH_RADIUS * math.radians(lon),
            EARTH_RADIUS * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def view_box(*, center, zoom, width, height):
    """The EPSG:3857 box Leaflet shows at ``center`` (lat, lon) and ``zoom``, in px."""
    x, y = mercator(center[1], center[0])
    metres_per_px = 2 * math.pi * EARTH_RADIUS / (TILE * 2 ** zoom)
    half_w, half_h = width * metres_per_px / 2, height * metres_per_px / 2
    return (x - half_w, y - half_h, x + half_w, y + half_h)


def fit_box(bounds, *, width, height, pad=0.1):
    """``bounds`` (EPSG:3857) grown by ``pad`` and to the image's aspect ratio."""
    minx, miny, maxx, maxy = bounds
    w = max(maxx - minx, 50_000.0) * (1 + 2 * pad)
    h = max(maxy - miny, 50_000.0) * (1 + 2 * pad)
    w, h = max(w, h * width / height), max(h, w * height / width)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def incident_geoseries(features):
    """The features' geometries as a GeoSeries in EPSG:3857 (empty ones dropped)."""
    geoms = [shapely.geometry.shape(f["geometry"]) for f in features if f.get("geometry")]
    series = gpd.GeoSeries(geoms, crs=4326)
    return series[~series.is_empty].to_crs(3857)


def render_png(features, *, basemap, width, height, center=None, zoom=None, notes=None):
    """PNG bytes, ``width`` × ``height`` px, of ``features`` over the countries.

    Parameters
    ----------
    features : list of dict
        GeoJSON Features (EPSG:4326).
    basemap : str or Path
        A countries GeoJSON from ``geodata/``.
    width, height : int
        Image size in pixels.
    center, zoom : (lat, lon), int, optional
        The view; without them the view fits the features (Europe when empty).
    notes : MapNotes, optional
        Title, legend, credit and date drawn over the map (see ``draw_notes``).
    """
    fig = build_figure(features, basemap=basemap, width=width, height=height,
                       center=center, zoom=zoom, notes=notes)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100, facecolor=SEA)
    return out.getvalue()


def build_figure(features, *, basemap, width, height, center=None, zoom=None, notes=None):
    """The matplotlib Figure ``render_png`` saves (kept apart so tests can read its texts)."""
    incidents = incident_geoseries(features)
    if center is not None and zoom is not None:
        box = view_box(center=center, zoom=zoom, width=width, height=height)
    elif len(incidents):
        box = fit_box(incidents.total_bounds, width=width, height=height)
    else:
        box = view_box(center=(50.0, 15.0), zoom=4, width=width, height=height)
    fig = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor=SEA)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_facecolor(SEA)
    _countries(str(basemap)).plot(ax=ax, color=LAND, edgecolor=BORDER, linewidth=0.5)
    _draw_incidents(ax, incidents)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(max(box[1], -MAX_Y), min(box[3], MAX_Y))
    ax.set_aspect("auto")
    if notes is not None:
        draw_notes(fig, notes, width=width, height=height)
    return fig


@dataclass(frozen=True)
class MapNotes:
    """What a static map says besides the map: all plain text (never markup).

    ``legend`` is ``[(group title, [(label, count), …]), …]``: only layers with
    incidents; ``as_of`` is the line giving the data's date, already worded.
    """
    title: str
    credit: str
    as_of: str
    legend: list = field(default_factory=list)


_BOX = {"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": BORDER,
        "alpha": 0.9, "linewidth": 0.6}
LEGEND_MIN_HEIGHT = 200  # px: below it (thumbnails) the legend gives way to the map


def draw_notes(fig, notes, *, width, height):
    """Title top left; legend bottom left; credit and date bottom right.

    Sizes follow the image's height (14 pt on an og:image, 7 pt on a thumbnail).
    ``parse_math=False``: a ``$`` in a title is a dollar, not TeX.
    """
    size = max(7.0, min(14.0, height / 45))
    pad_x, pad_y = 10 / width, 10 / height
    text = {"parse_math": False, "color": "#1b1f24", "bbox": _BOX}
    fig.text(pad_x, 1 - pad_y, _fit(notes.title, width, size * 1.15), ha="left", va="top",
             fontsize=size * 1.15, fontweight="bold", **text)
    fig.text(1 - pad_x, pad_y, f"{notes.as_of}\n{notes.credit}", ha="right", va="bottom",
             fontsize=size * 0.8, linespacing=1.3, **text)
    if notes.legend and height >= LEGEND_MIN_HEIGHT:
        lines = [_fit(f"{group}: " + " · ".join(f"{label} {count}" for label, count in items),
                      width * 0.55, size * 0.85) for group, items in notes.legend]
        fig.text(pad_x, pad_y, "\n".join(lines), ha="left", va="bottom",
                 fontsize=size * 0.85, linespacing=1.3, **text)


def _fit(line, width_px, size_pt):
    """``line`` cut with an ellipsis to about ``width_px`` at ``size_pt`` (≈0.55 em a glyph)."""
    room = max(8, int((width_px - 30) / (size_pt * 0.55 * 100 / 72)))
    return line if len(line) <= room else line[:room - 1].rstrip() + "…"


def _draw_incidents(ax, incidents):
    points = incidents[incidents.geom_type == "Point"]
    others = incidents[incidents.geom_type != "Point"]
    if len(others):
        others.plot(ax=ax, color=INCIDENT_COLOR, edgecolor=INCIDENT_COLOR, alpha=0.45,
                    linewidth=1.5)
    if len(points):
        ax.scatter(points.x, points.y, s=36, c=INCIDENT_COLOR, edgecolors="white",
                   linewidths=0.8, zorder=3)
