"""Derive the project's country reference data from Natural Earth (world-atlas TopoJSON).

Run from anywhere::

    python geodata/derive.py [--shared PATH]

``PATH`` defaults to ``../shared`` relative to the repository root and must contain
``geodata/world-atlas/countries-{50m,110m}.json``. The outputs are written next to this
script and are committed, so the application never reads ``../shared`` at run time.
See ``geodata/README.md`` for what each output is and the choices made for territories
without an ISO code.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import importlib.util
import io
import json
import re
import shutil
import sys
import time
import zipfile
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pycountry
import shapely

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: Quadtree split threshold: a piece has at most this many vertices (measured best
#: trade-off between tree size and per-piece test cost; see bench/README.md).
MAX_PIECE_VERTICES = 32

#: Rounding of the 110m basemap coordinates, in degrees (~11 m at the equator).
BASEMAP_GRID = 1e-4

#: Finest level of the lookup quadtree: cells of 1/2**LOOKUP_MAX_LEVEL degree.
LOOKUP_MAX_LEVEL = 6

#: Kosovo has no ISO 3166-1 code; XKX/XK is the user-assigned code used by the EU,
#: the IMF and most data providers.
KOSOVO = {"iso_a3": "XKX", "iso_a2": "XK", "iso_num": "", "name_en": "Kosovo",
          "name_fr": "Kosovo"}

#: Features that carry no ISO numeric id in world-atlas, by their ``name``: the
#: ISO alpha-3 codes their area is given to (see README: "Territories without an ISO code").
NO_ID_FEATURES = {
    "Kosovo": ("XKX",),
    "N. Cyprus": ("CYP",),
    "Somaliland": ("SOM",),
    "Siachen Glacier": ("IND", "PAK"),
    "Indian Ocean Ter.": ("CXR", "CCK"),  # split by island, see _split_indian_ocean
}

#: Display names where the ISO short name is an inverted or official form that reads
#: badly in a list or a map legend.
NAME_OVERRIDES = {
    "COD": ("Democratic Republic of the Congo", None),
    "FSM": ("Micronesia", "Micronésie"),
    "PSE": ("Palestine", "Palestine"),
    "REU": (None, "La Réunion"),
    "RUS": ("Russia", "Russie"),
    "VGB": ("British Virgin Islands", None),
    "VIR": ("U.S. Virgin Islands", "Îles Vierges des États-Unis"),
}


def reference_rows(present: set[str]) -> list[dict]:
    """Build one reference row per ISO 3166-1 country, plus Kosovo.

    Parameters
    ----------
    present : set of str
        ISO alpha-3 codes that have a geometry in the 50m layer.

    Returns
    -------
    list of dict
        Rows with ``iso_a3, iso_a2, iso_num, name_en, name_fr, has_geometry``, sorted by
        ``iso_a3``.
    """
    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    rows = []
    for country in pycountry.countries:
        name_en = getattr(country, "common_name", None) or country.name
        name_fr = _readable_french(fr.gettext(name_en))
        en_override, fr_override = NAME_OVERRIDES.get(country.alpha_3, (None, None))
        rows.append({
            "iso_a3": country.alpha_3,
            "iso_a2": country.alpha_2,
            "iso_num": country.numeric,
            "name_en": en_override or name_en,
            "name_fr": fr_override or name_fr,
        })
    rows.append(dict(KOSOVO))
    for row in rows:
        row["has_geometry"] = int(row["iso_a3"] in present)
    return sorted(rows, key=lambda row: row["iso_a3"])


def _readable_french(name: str) -> str:
    """Turn the ISO list form "Salomon, Îles" into the reading form "Îles Salomon"."""
    match = re.fullmatch(r"(.+), (Îles?)( \(.+\))?", name)
    if match:
        return f"{match[2]} {match[1]}{match[3] or ''}"
    return name


def read_countries(path: Path) -> gpd.GeoDataFrame:
    """Read a world-atlas TopoJSON and return one valid (Multi)Polygon per ISO alpha-3.

    Parameters
    ----------
    path : Path
        ``countries-*.json`` (TopoJSON, layer ``countries``, lon/lat WGS 84).

    Returns
    -------
    GeoDataFrame
        Columns ``iso_a3`` and ``geometry`` in EPSG:4326, sorted by ``iso_a3``.
    """
    frame = gpd.read_file(path, layer="countries", engine="pyogrio")
    by_code: dict[str, list] = defaultdict(list)
    for feature_id, name, geometry in zip(frame["id"], frame["name"], frame.geometry):
        for code, part in _codes_for(feature_id, name, geometry):
            by_code[code].append(part)
    codes = sorted(by_code)
    geometries = [_polygonal(shapely.union_all(shapely.make_valid(
        np.array([_cut_at_antimeridian(g) for g in by_code[c]])))) for c in codes]
    return gpd.GeoDataFrame({"iso_a3": codes}, geometry=geometries, crs="EPSG:4326")


def _codes_for(feature_id, name, geometry):
    """Yield ``(iso_a3, geometry)`` for one world-atlas feature."""
    if isinstance(feature_id, str) and feature_id:
        country = pycountry.countries.get(numeric=feature_id)
        if country is None:
            raise ValueError(f"unknown ISO numeric id {feature_id!r} ({name})")
        yield country.alpha_3, geometry
        return
    if name not in NO_ID_FEATURES:
        raise ValueError(f"feature {name!r} has no ISO id and no rule in NO_ID_FEATURES")
    if name == "Indian Ocean Ter.":
        yield from _split_indian_ocean(geometry)
        return
    for code in NO_ID_FEATURES[name]:
        yield code, geometry


def _split_indian_ocean(geometry):
    """Split Australia's Indian Ocean Territories into Christmas and Cocos Islands.

    Christmas Island lies at 105.6° E, the Cocos (Keeling) Islands at 96.8° E.
    """
    parts = shapely.get_parts(geometry)
    east = shapely.get_coordinates(shapely.centroid(parts))[:, 0] > 100
    yield "CXR", shapely.multipolygons(parts[east])
    yield "CCK", shapely.multipolygons(parts[~east])


def _cut_at_antimeridian(geometry):
    """Make rings that cross the antimeridian planar, cutting them at ±180°.

    world-atlas is meant for spherical rendering: a ring that crosses 180° (Chukotka,
    Fiji) jumps from +180 to -180 and, read as planar lon/lat, wraps round the world;
    Antarctica's coast is a ring that circles the South Pole. Such rings are unwrapped
    (consecutive longitudes never differ by more than 180°), a ring circling a pole is
    closed along the pole, and the result is cut back into [-180, 180].
    """
    parts = []
    for polygon in shapely.get_parts(geometry):
        x0, _, x1, _ = polygon.bounds
        if x1 - x0 <= 180:
            parts.append(polygon)
            continue
        closed, around_pole = [], []
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords)
            steps = np.diff(xy[:, 0])
            xy[1:, 0] -= 360 * np.cumsum(np.round(steps / 360))
            (around_pole if abs(xy[-1, 0] - xy[0, 0]) > 180 else closed).append(xy)
        if around_pole:
            # The coast is the polar ring farthest from the pole; world-atlas adds a tiny
            # ring at 89.999° that only marks the pole.
            coast = min(around_pole, key=lambda xy: np.abs(xy[:, 1]).mean())
            pole = 90.0 * np.sign(coast[:, 1].mean())
            shell = np.vstack([coast, [[coast[-1, 0], pole], [coast[0, 0], pole]]])
            holes = closed
        else:
            shell, holes = closed[0], closed[1:]
        centre = shell[:, 0].mean()
        holes = [h - [360 * np.round((h[:, 0].mean() - centre) / 360), 0] for h in holes]
        unwrapped = shapely.make_valid(shapely.Polygon(shell, holes))
        for offset in (-360.0, 0.0, 360.0):
            window = shapely.box(-180 + offset, -90, 180 + offset, 90)
            piece = shapely.intersection(unwrapped, window)
            if not piece.is_empty:
                parts.append(shapely.transform(piece, lambda c, o=offset: c - [o, 0]))
    return _polygonal(shapely.union_all(np.array(parts, dtype=object)))


def _polygonal(geometry):
    """Keep only the polygonal parts of a (repaired) geometry, as a (Multi)Polygon."""
    parts = shapely.get_parts(geometry)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    parts = shapely.get_parts(parts)
    parts = parts[shapely.area(parts) > 0]
    if len(parts) == 1:
        return parts[0]
    return shapely.multipolygons(parts)


def split_pieces(countries: gpd.GeoDataFrame, max_vertices: int = MAX_PIECE_VERTICES):
    """Split each country polygon by a recursive quadtree until pieces are small.

    Each polygon is cut into the four quadrants of its bounding box until every piece
    has at most ``max_vertices`` vertices. The union of a country's pieces is the
    country; points on a cut belong to both pieces, which have the same code.

    Parameters
    ----------
    countries : GeoDataFrame
        Output of :func:`read_countries` (EPSG:4326, degrees).
    max_vertices : int
        Largest number of coordinates per piece.

    Returns
    -------
    pieces : ndarray of shapely.Polygon
    country : ndarray of int
        Row of ``countries`` each piece belongs to.
    """
    pieces, owners = [], []
    stack = [(part, row) for row, geometry in enumerate(countries.geometry)
             for part in shapely.get_parts(geometry)]
    while stack:
        polygon, row = stack.pop()
        if shapely.get_num_coordinates(polygon) <= max_vertices:
            pieces.append(polygon)
            owners.append(row)
            continue
        x0, y0, x1, y1 = polygon.bounds
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        quadrants = shapely.box([x0, xm, x0, xm], [y0, y0, ym, ym], [xm, x1, xm, x1],
                                [ym, ym, y1, y1])
        for quadrant in shapely.intersection(polygon, quadrants):
            for part in shapely.get_parts(_polygonal(quadrant)):
                if not part.is_empty:
                    stack.append((part, row))
    return np.array(pieces, dtype=object), np.array(owners)


def write_geojson(frame: gpd.GeoDataFrame, path: Path, precision: int | None = None):
    """Write a GeoJSON FeatureCollection (EPSG:4326), optionally rounding coordinates."""
    if path.exists():
        path.unlink()
    options = {"COORDINATE_PRECISION": precision} if precision is not None else {}
    frame.to_file(path, driver="GeoJSON", engine="pyogrio", **options)


def compact_json(path: Path):
    """Rewrite the JSON file ``path`` without the driver's spaces and line breaks: the
    1:110m basemap is fetched by every reader's browser."""
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                    encoding="utf-8")


def write_pieces(path: Path, pieces, country, codes, boundary):
    """Store the pieces as a ragged coordinate array (no pickle), fast to load.

    Arrays: ``coords`` (n, 2) float64 lon/lat; ``ring_offsets`` and ``polygon_offsets``
    (GeoArrow layout of shapely.to_ragged_array); ``code`` (uint16, row in ``codes``);
    ``codes`` (ISO alpha-3, sorted); ``boundary`` (bool: the piece touches its
    country's boundary, so it can hold the country's nearest point to a point outside).
    """
    kind, coords, (ring_offsets, polygon_offsets) = shapely.to_ragged_array(pieces)
    assert kind == shapely.GeometryType.POLYGON
    write_npz(path, {"coords": coords, "ring_offsets": ring_offsets,
                     "polygon_offsets": polygon_offsets, "code": country.astype(np.uint16),
                     "codes": np.array(codes, dtype="<U3"), "boundary": boundary})


def write_npz(path: Path, arrays: dict[str, np.ndarray]):
    """Write a compressed ``.npz`` byte for byte reproducibly (fixed zip timestamps).

    ``numpy.savez_compressed`` stamps the current time into the archive, so every run
    would change the committed files.
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, buffer.getvalue())


def build_lookup(geo, index, countries, max_level: int = LOOKUP_MAX_LEVEL):
    """Build the quadtree of cells whose answer is the same for all their points.

    A closed cell gets a label when every point in it has the same answer under the
    rule of ``app/geo/countries.py``:

    * it touches exactly one country and lies inside it: that country;
    * its sea part is decided by distance bounds (below) and its land, if any, belongs
      to the one country that this gives.

    Distance bounds: for a cell of half-diagonal ``h`` km around centre ``c``,
    ``d(c, C) - h - m <= d(p, C) <= d(c, C) + h + m`` for every point ``p`` of the
    cell (triangle inequality; ``m`` = ``SEA_MARGIN_KM`` absorbs the change of
    projection centre). Cells left undecided are split in four down to ``max_level``.

    Parameters
    ----------
    geo : module
        ``app/geo/countries.py``.
    index : CountryIndex
        Index without a lookup.
    countries : GeoDataFrame
        The countries, in the order of ``index.codes``.
    max_level : int
        The finest cells are ``1 / 2**max_level`` degree.

    Returns
    -------
    CellLookup
    """
    radius, tie, margin = geo.SEA_RADIUS_KM, geo.SEA_TIE_KM, geo.SEA_MARGIN_KM
    n_codes = len(index.codes)
    assert list(countries["iso_a3"]) == list(index.codes)
    shapes = countries.geometry.values
    shapely.prepare(shapes)
    land = shapely.union_all(shapes)
    shapely.prepare(land)
    sets: dict[tuple, int] = {(): 0}
    rows, columns = np.divmod(np.arange(180 * 360), 360)
    pair_cell = pair_piece = None
    level0, keys, labels = None, [], []
    for level in range(max_level + 1):
        started = time.perf_counter()
        size = 1.0 / 2 ** level
        west, south = -180.0 + columns * size, -90.0 + rows * size
        lon, lat = west + size / 2, south + size / 2
        half = np.max([geo.haversine_km(lon, lat, west + dx, south + dy)
                       for dx in (0, size) for dy in (0, size)], axis=0) * 1.0001
        centres = shapely.points(lon, lat)
        boxes = shapely.box(west, south, west + size, south + size)
        if level == 0:
            bounds = np.column_stack((lon, lat, lon, lat))
            pair_cell, pair_piece = geo.candidate_pairs(index.boundary_tree, bounds,
                                                        radius + half + margin)
            pair_cell, pair_piece = _prune_far_pieces(geo, index, bounds, half,
                                                      pair_cell, pair_piece)
        km = geo.pair_distances_km(centres[pair_cell], index.boundary_pieces[pair_piece])
        sea_label, nearest = _sea_labels(geo, index, sets, pair_cell, pair_piece, km, half)

        # Countries touching each closed cell.
        cell_of, piece_of = index.tree.query(boxes, predicate="intersects")
        touching = np.unique(cell_of * n_codes + index.piece_code[piece_of])
        touched_cell, touched_code = np.divmod(touching, n_codes)
        n_touching = np.bincount(touched_cell, minlength=len(lon))
        only = np.full(len(lon), -1)
        single = n_touching[touched_cell] == 1
        only[touched_cell[single]] = touched_code[single]
        inside_one = np.zeros(len(lon), dtype=bool)
        one = np.nonzero(only >= 0)[0]
        inside_one[one] = shapely.covered_by(boxes[one], shapes[only[one]])

        label = np.full(len(lon), geo.LOOKUP_UNRESOLVED, dtype=np.uint16)
        sea_only = n_touching == 0
        label[sea_only] = sea_label[sea_only]
        for c in one:
            own = sets.setdefault((int(only[c]),), len(sets))
            if inside_one[c] or sea_label[c] == own:
                label[c] = own
        split = label == geo.LOOKUP_UNRESOLVED
        if level == max_level:
            split[:] = False
        label[split] = geo.LOOKUP_SPLIT
        if level == 0:
            level0 = label.reshape(180, 360)
        else:
            cell_key = rows * (360 * 2 ** level) + columns
            order = np.argsort(cell_key)
            key_type = np.int32 if 180 * 360 * 4 ** level < 2 ** 31 else np.int64
            keys.append(cell_key[order].astype(key_type))
            labels.append(label[order])
        print(f"level {level}: {len(lon)} cells, {len(km)} distances, "
              f"{(label == geo.LOOKUP_UNRESOLVED).sum()} unresolved, {split.sum()} split, "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        if not split.any():
            break
        # Children inherit the pieces that can matter to some sea point of their parent,
        # d(c, P) <= min(radius + h + m, d1(c) + tie + 2h + 2m); none if it has no sea.
        on_land = np.zeros(len(lon), dtype=bool)
        candidates = np.nonzero(split & (n_touching > 1))[0]
        on_land[candidates] = shapely.covered_by(boxes[candidates], land)
        slack = half[pair_cell] + margin
        relevant = km <= np.minimum(radius + slack, nearest[pair_cell] + tie + 2 * slack)
        relevant &= split[pair_cell] & ~on_land[pair_cell]
        parent_of_pair, parent_piece = pair_cell[relevant], pair_piece[relevant]
        parents = np.nonzero(split)[0]
        child_number = np.full(len(lon), -1)
        child_number[parents] = np.arange(len(parents))
        quadrants = [(dy, dx) for dy in (0, 1) for dx in (0, 1)]
        rows = np.concatenate([2 * rows[parents] + dy for dy, dx in quadrants])
        columns = np.concatenate([2 * columns[parents] + dx for dy, dx in quadrants])
        pair_cell = np.concatenate([child_number[parent_of_pair] + q * len(parents)
                                    for q in range(4)])
        pair_piece = np.tile(parent_piece, 4)
    ordered = sorted(sets, key=sets.get)
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in ordered])
    codes = np.array([k for s in ordered for k in s], dtype=np.int64)
    return geo.CellLookup(level0=level0, keys=tuple(keys), labels=tuple(labels),
                          set_offsets=offsets, set_codes=codes)


def _sea_labels(geo, index, sets, cell, piece, km, half):
    """Label each cell by the sea rule where the distance bounds decide it.

    Returns
    -------
    label : ndarray of uint16
        Country-set id, or ``LOOKUP_UNRESOLVED``.
    nearest : ndarray of float
        Distance in km from each cell centre to the nearest country (``inf`` if none
        among the pairs).
    """
    radius, tie, margin = geo.SEA_RADIUS_KM, geo.SEA_TIE_KM, geo.SEA_MARGIN_KM
    n_codes, n_cells = len(index.codes), len(half)
    cell_country, best = geo.group_min(cell * n_codes + index.boundary_code[piece], km)
    cell, country = np.divmod(cell_country, n_codes)
    nearest, second = _two_smallest(cell, best, n_cells)
    # The rule compares each country with the nearest *other* one.
    other = np.where(best == nearest[cell], second[cell], nearest[cell])
    slack = half[cell] + margin
    inside = (best + slack <= radius) & (best + slack <= other - slack + tie)
    outside = (best - slack > radius) | (best - slack > other + slack + tie)
    undecided = np.zeros(n_cells, dtype=bool)
    undecided[cell[~(inside | outside)]] = True
    label = np.zeros(n_cells, dtype=np.uint16)
    label[undecided] = geo.LOOKUP_UNRESOLVED
    members = defaultdict(list)
    for c, k in zip(cell[inside].tolist(), country[inside].tolist()):
        if not undecided[c]:
            members[c].append(k)
    for c, ks in members.items():
        label[c] = sets.setdefault(tuple(sorted(ks)), len(sets))
    return label, nearest


def _two_smallest(group, values, n):
    """Smallest and second smallest value per group (``inf`` where missing)."""
    order = np.lexsort((values, group))
    group, values = group[order], values[order]
    first = np.ones(len(group), dtype=bool)
    first[1:] = group[1:] != group[:-1]
    smallest, second = np.full(n, np.inf), np.full(n, np.inf)
    smallest[group[first]] = values[first]
    following = np.nonzero(first)[0] + 1
    has_second = following < len(group)
    has_second[has_second] &= ~first[following[has_second]]
    second[group[first][has_second]] = values[following[has_second]]
    return smallest, second


def _prune_far_pieces(geo, index, bounds, half, cell, piece):
    """Drop root-cell pairs that cannot matter, before computing their distances.

    The piece with the smallest km lower bound gives an upper bound on the distance to
    the nearest country; a piece whose lower bound exceeds that plus the tie and cell
    allowances cannot be in the answer of any point of the cell.
    """
    slack = half + geo.SEA_MARGIN_KM
    reach = geo.SEA_RADIUS_KM + geo.SEA_TIE_KM + 2 * slack.max()
    lower = geo.km_lower_bound(bounds[cell], index.boundary_bounds[piece], reach)
    order = np.lexsort((lower, cell))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cell[order][1:] != cell[order][:-1]
    probe = order[first]
    centres = shapely.points(bounds[:, :2])
    upper = np.full(len(bounds), np.inf)
    upper[cell[probe]] = geo.pair_distances_km(centres[cell[probe]],
                                               index.boundary_pieces[piece[probe]])
    limit = np.minimum(geo.SEA_RADIUS_KM + slack, upper + geo.SEA_TIE_KM + 2 * slack)
    keep = lower <= limit[cell]
    return cell[keep], piece[keep]


def load_geo_module():
    """Import ``app/geo/countries.py`` by path.

    The lookup must be computed with the very distance routine used at run time,
    but importing the ``app`` package would build the Flask application.
    """
    spec = importlib.util.spec_from_file_location(
        "atlas_geo_countries", ROOT / "app" / "geo" / "countries.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    """Derive every output of ``geodata/`` from the shared world-atlas files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                        help="directory holding geodata/world-atlas (default: ../shared)")
    args = parser.parse_args(argv)
    atlas = args.shared / "geodata" / "world-atlas"
    started = time.perf_counter()

    countries = read_countries(atlas / "countries-50m.json")
    rows = reference_rows(set(countries["iso_a3"]))
    unknown = set(countries["iso_a3"]) - {row["iso_a3"] for row in rows}
    assert not unknown, unknown
    with open(HERE / "countries.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    write_geojson(countries, HERE / "countries-50m.geojson")

    names = {row["iso_a3"]: row for row in rows}
    basemap = read_countries(atlas / "countries-110m.json")
    basemap["name_en"] = [names[c]["name_en"] for c in basemap["iso_a3"]]
    basemap["name_fr"] = [names[c]["name_fr"] for c in basemap["iso_a3"]]
    basemap["geometry"] = shapely.set_precision(basemap.geometry.values, BASEMAP_GRID)
    basemap = basemap[~basemap.geometry.is_empty]
    write_geojson(basemap[["iso_a3", "name_en", "name_fr", "geometry"]],
                  HERE / "countries-110m.geojson", precision=4)
    compact_json(HERE / "countries-110m.geojson")

    pieces, owner = split_pieces(countries)
    boundaries = shapely.boundary(countries.geometry.values)
    shapely.prepare(boundaries)
    boundary = shapely.intersects(boundaries[owner], pieces)
    codes = list(countries["iso_a3"])
    write_pieces(HERE / "countries-50m-pieces.npz", pieces, owner, codes, boundary)
    print(f"{len(countries)} countries, {len(pieces)} pieces ({boundary.sum()} on a boundary)"
          f" in {time.perf_counter() - started:.1f} s")

    geo = load_geo_module()
    index = geo.CountryIndex.from_directory(HERE, lookup=False)
    lookup = build_lookup(geo, index, countries)
    write_npz(HERE / "countries-50m-lookup.npz", lookup.to_arrays())

    shutil.copyfile(atlas / "LICENSE", HERE / "LICENSE-world-atlas")
    sizes = {p.name: p.stat().st_size for p in sorted(HERE.iterdir()) if p.is_file()}
    print(json.dumps(sizes, indent=1))
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
