"""A static PNG of a map view, drawn from ``geodata/`` with geopandas and matplotlib.

Pure: takes GeoJSON features and a view, returns PNG bytes. No tile server, no
request. Drawn in Web Mercator (EPSG:3857) so it matches the Leaflet view of
the same centre and zoom.
"""
import io
import math
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


def render_png(features, *, basemap, width, height, center=None, zoom=None):
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
    """
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
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100, facecolor=SEA)
    return out.getvalue()


def _draw_incidents(ax, incidents):
    points = incidents[incidents.geom_type == "Point"]
    others = incidents[incidents.geom_type != "Point"]
    if len(others):
        others.plot(ax=ax, color=INCIDENT_COLOR, edgecolor=INCIDENT_COLOR, alpha=0.45,
                    linewidth=1.5)
    if len(points):
        ax.scatter(points.x, points.y, s=36, c=INCIDENT_COLOR, edgecolors="white",
                   linewidths=0.8, zorder=3)
