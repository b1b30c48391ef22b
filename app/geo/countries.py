"""Country reference data and fast assignment of geometries to countries.

Every geometry here is a shapely geometry in EPSG:4326 (longitude, latitude in
degrees). Distances are in kilometres on a sphere of radius :data:`EARTH_RADIUS_KM`
(within 0.5 % of the WGS 84 ellipsoid), measured in a spherical azimuthal equidistant
projection centred on each point (exact from the centre, so exact for points).

Assignment rule (:func:`assign_countries`):

* a geometry gets every country it intersects (Natural Earth 1:50m boundaries);
* a geometry that intersects no country gets the nearest country if it is within
  :data:`SEA_RADIUS_KM` (at sea off a coast), together with any other country less than
  :data:`SEA_TIE_KM` farther (a strait, or the sea off a coastal border, where two
  countries are equally near);
* anything else, and empty or missing geometries, get no country.

The data come from ``geodata/`` (see ``geodata/README.md``): the reference table
``countries.csv``; the 50m countries cut into small pieces for a fast ``STRtree``
(``countries-50m-pieces.npz``); and a quadtree of cells in which every point has the
same answer — inland away from borders, and most of the sea — so that most geometries
need neither a polygon test nor a distance (``countries-50m-lookup.npz``).
"""

from __future__ import annotations

import csv
import functools
import gc
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree

#: Mean Earth radius (IUGG), in km.
EARTH_RADIUS_KM = 6371.0088
#: Length of one degree of latitude (or of longitude at the equator), in km.
KM_PER_DEGREE = EARTH_RADIUS_KM * np.pi / 180
#: A geometry at sea within this distance of a country, in km, is assigned to it.
SEA_RADIUS_KM = 200.0
#: At sea, countries at most this much farther than the nearest one, in km, are kept too.
SEA_TIE_KM = 5.0
#: Allowance, in km, for the difference between distances measured from two nearby
#: projection centres; the sea lookup leaves a cell unresolved rather than risk it.
SEA_MARGIN_KM = 0.1

#: Cell lookup labels that are not a country set.
LOOKUP_SPLIT = 0xFFFF
LOOKUP_UNRESOLVED = 0xFFFE

_POINT = 0


_REPO_GEODATA = Path(__file__).resolve().parents[2] / "geodata"


def geodata_dir() -> Path:
    """Directory of the derived reference data: ``$ATLAS_GEODATA`` or ``<repo>/geodata``."""
    configured = os.environ.get("ATLAS_GEODATA")
    if configured:
        return Path(configured)
    return _REPO_GEODATA  # resolved once: every write asks (country assignment)


@dataclass(frozen=True, slots=True)
class Country:
    """One row of the country reference table.

    Attributes
    ----------
    iso_a3, iso_a2 : str
        ISO 3166-1 alpha-3 and alpha-2 codes (Kosovo: the user-assigned XKX / XK).
    iso_num : str or None
        ISO 3166-1 numeric code, three digits (``"250"`` for France); None for Kosovo.
    name_en, name_fr : str
        Short names in English and French.
    has_geometry : bool
        Whether the country has its own polygon in the 50m boundaries (small
        territories such as Gibraltar have none; French overseas departments are part
        of France's polygon).
    """

    iso_a3: str
    iso_a2: str
    iso_num: str | None
    name_en: str
    name_fr: str
    has_geometry: bool


def load_countries() -> list[Country]:
    """Return the country reference table, sorted by ISO alpha-3 code.

    Returns
    -------
    list of Country
        A new list on each call; the rows are read once from ``countries.csv`` and
        cached.
    """
    return list(_read_countries(geodata_dir()))


def country_by_code(code: str) -> Country | None:
    """The country whose ISO 3166-1 alpha-3 or alpha-2 code is ``code`` (any case), or None.

    The STIX reader and writer translate between the two codes with it.
    """
    return _countries_by_code(geodata_dir()).get(str(code or "").upper())


@functools.cache
def _countries_by_code(directory: Path) -> dict[str, Country]:
    table = {}
    for country in _read_countries(directory):
        table[country.iso_a3] = table[country.iso_a2] = country
    return table


@functools.cache
def _read_countries(directory: Path) -> tuple[Country, ...]:
    with open(directory / "countries.csv", newline="", encoding="utf-8") as handle:
        return tuple(
            Country(row["iso_a3"], row["iso_a2"], row["iso_num"] or None, row["name_en"],
                    row["name_fr"], row["has_geometry"] == "1")
            for row in csv.DictReader(handle)
        )


# --------------------------------------------------------------------------------------
# Distances in km (shared with geodata/derive.py, which builds the cell lookup with them)


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance in km between points given in degrees (arrays broadcast)."""
    lon1, lat1, lon2, lat2 = (np.radians(v) for v in (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _azimuthal_equidistant_km(lon, lat, lon0, lat0):
    """Project degrees to km in the spherical azimuthal equidistant centred on (lon0, lat0).

    The distance from the centre to any projected point is its great-circle distance.
    """
    phi, phi0, dlon = np.radians(lat), np.radians(lat0), np.radians(lon - lon0)
    cos_phi, cos_phi0, sin_phi0 = np.cos(phi), np.cos(phi0), np.sin(phi0)
    # The angular distance from the haversine form stays accurate for short distances.
    a = np.sin((phi - phi0) / 2) ** 2 + cos_phi0 * cos_phi * np.sin(dlon / 2) ** 2
    c = 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    sin_c = np.sin(c)
    k = EARTH_RADIUS_KM * np.divide(c, sin_c, out=np.ones_like(c), where=sin_c > 1e-15)
    x = k * cos_phi * np.sin(dlon)
    y = k * (cos_phi0 * np.sin(phi) - sin_phi0 * cos_phi * np.cos(dlon))
    return np.column_stack((x, y))


def _project(geometries, lon0, lat0):
    """Project geometry ``i`` about centre ``(lon0[i], lat0[i])``; returns new geometries."""
    coords, owner = shapely.get_coordinates(geometries, return_index=True)
    xy = _azimuthal_equidistant_km(coords[:, 0], coords[:, 1], lon0[owner], lat0[owner])
    return shapely.set_coordinates(np.array(geometries, dtype=object, copy=True), xy)


def pair_distances_km(geometries, pieces, chunk: int = 100_000):
    """Distance in km between ``geometries[i]`` and ``pieces[i]`` for every ``i``.

    Parameters
    ----------
    geometries, pieces : ndarray of shapely geometries
        Same length, EPSG:4326.
    chunk : int
        Pairs handled at once (bounds memory).

    Returns
    -------
    ndarray of float
        Kilometres. For a point, measured in the azimuthal equidistant projection
        centred on it (exact to the vertices); otherwise centred on the piece's
        bounding-box centre (error well under 0.1 % within a few hundred km of it).
    """
    out = np.empty(len(geometries))
    for start in range(0, len(geometries), chunk):
        stop = start + chunk
        out[start:stop] = _pair_distances_chunk(geometries[start:stop], pieces[start:stop])
    return out


def _pair_distances_chunk(geometries, pieces):
    is_point = shapely.get_type_id(geometries) == _POINT
    bounds = shapely.bounds(pieces)
    lon0 = (bounds[:, 0] + bounds[:, 2]) / 2
    lat0 = (bounds[:, 1] + bounds[:, 3]) / 2
    point_xy = shapely.get_coordinates(geometries[is_point])
    lon0[is_point], lat0[is_point] = point_xy[:, 0], point_xy[:, 1]
    projected = np.empty(len(geometries), dtype=object)
    projected[is_point] = shapely.points(0.0, 0.0)
    projected[~is_point] = _project(geometries[~is_point], lon0[~is_point], lat0[~is_point])
    return shapely.distance(projected, _project(pieces, lon0, lat0))


def candidate_pairs(tree: STRtree, bounds, radius_km):
    """Pairs (geometry, tree item) whose bounding boxes may lie within ``radius_km``.

    The search box around each geometry's bounding box is widened by the largest
    number of degrees that ``radius_km`` can span at its latitude (never too small,
    since along any path ``ds >= R cos(lat_max) * d(degrees)``), and wraps across the
    antimeridian.

    Parameters
    ----------
    tree : STRtree
        Tree of EPSG:4326 geometries.
    bounds : ndarray, shape (n, 4)
        ``minx, miny, maxx, maxy`` of the query geometries, degrees.
    radius_km : float or ndarray, shape (n,)
        Search radius in km.

    Returns
    -------
    geometry_index, tree_index : ndarray of int
        Sorted by geometry index.
    """
    minx, miny, maxx, maxy = (bounds[:, k] for k in range(4))
    dlat = np.broadcast_to(np.asarray(radius_km, dtype=float) / KM_PER_DEGREE, minx.shape)
    lat_max = np.minimum(np.maximum(np.abs(miny), np.abs(maxy)) + dlat, 90.0)
    cos_max = np.cos(np.radians(lat_max))
    dlon = np.divide(dlat, cos_max, out=np.full_like(dlat, 360.0), where=cos_max > 1e-9)
    whole = dlon >= 180
    west = np.where(whole, -180.0, minx - dlon)
    east = np.where(whole, 180.0, maxx + dlon)
    south, north = np.maximum(miny - dlat, -90.0), np.minimum(maxy + dlat, 90.0)
    owners = [np.arange(len(minx))]
    boxes = [shapely.box(np.maximum(west, -180.0), south, np.minimum(east, 180.0), north)]
    for spill, wrapped_west, wrapped_east in ((west < -180, west + 360, 180.0),
                                              (east > 180, -180.0, east - 360)):
        rows = np.nonzero(spill)[0]
        if rows.size:
            owners.append(rows)
            boxes.append(shapely.box(np.broadcast_to(wrapped_west, spill.shape)[rows],
                                     south[rows],
                                     np.broadcast_to(wrapped_east, spill.shape)[rows],
                                     north[rows]))
    owners, boxes = np.concatenate(owners), np.concatenate(boxes)
    box_index, tree_index = tree.query(boxes)
    geometry_index = owners[box_index]
    if len(owners) > len(minx):
        pairs = np.unique(np.column_stack((geometry_index, tree_index)), axis=0)
        return pairs[:, 0], pairs[:, 1]
    order = np.argsort(geometry_index, kind="stable")
    return geometry_index[order], tree_index[order]


def km_lower_bound(bounds_a, bounds_b, reach_km):
    """Lower bound, in km, of the distance between geometries with these bounding boxes.

    Along any path whose latitude stays below ``lat*`` in absolute value,
    ``ds >= R * sqrt(dlat**2 + (cos(lat*) * dlon)**2)``; so the gap between the boxes,
    with longitudes scaled by ``cos(lat*)``, bounds the distance from below.

    Parameters
    ----------
    bounds_a, bounds_b : ndarray, shape (n, 4)
        ``minx, miny, maxx, maxy`` in degrees.
    reach_km : float
        Only distances up to this are of interest: ``lat*`` is the largest absolute
        latitude of either box plus this many km of latitude.

    Returns
    -------
    ndarray of float
        Kilometres; valid wherever the true distance is at most ``reach_km``.
    """
    lat_gap = np.maximum.reduce([bounds_b[:, 1] - bounds_a[:, 3],
                                 bounds_a[:, 1] - bounds_b[:, 3],
                                 np.zeros(len(bounds_a))])
    lon_gap = np.full(len(bounds_a), np.inf)
    for shift in (-360.0, 0.0, 360.0):  # across the antimeridian
        gap = np.maximum.reduce([bounds_b[:, 0] + shift - bounds_a[:, 2],
                                 bounds_a[:, 0] - bounds_b[:, 2] - shift,
                                 np.zeros(len(bounds_a))])
        lon_gap = np.minimum(lon_gap, gap)
    lat_max = np.max(np.abs(np.column_stack((bounds_a[:, 1::2], bounds_b[:, 1::2]))), axis=1)
    cos_max = np.cos(np.radians(np.minimum(lat_max + reach_km / KM_PER_DEGREE, 90.0)))
    return KM_PER_DEGREE * np.hypot(lat_gap, cos_max * lon_gap)


def group_min(keys, values):
    """Minimum of ``values`` per distinct key; returns ``(unique_keys, minima)``."""
    order = np.lexsort((values, keys))
    keys, values = keys[order], values[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return keys[first], values[first]


# --------------------------------------------------------------------------------------
# The cell lookup


@dataclass(frozen=True)
class CellLookup:
    """Quadtree of lon/lat cells in which every point has the same countries.

    Level ``L`` cells are ``1 / 2**L`` degree squares, numbered
    ``row * 360 * 2**L + column`` from (-180, -90). A leaf's label is either the index
    of a country set — every point of the closed cell, on land or at sea, gets exactly
    that set under the module's rule (set 0 is "no country") — or
    :data:`LOOKUP_UNRESOLVED` (test the pieces, then compute distances). Built by
    ``geodata/derive.py``; it covers inland cells away from borders and most of the sea.

    Attributes
    ----------
    level0 : ndarray of uint16, shape (180, 360)
        Labels of the 1-degree cells (:data:`LOOKUP_SPLIT`: look one level down).
    keys, labels : tuple of ndarray
        For levels 1, 2, ...: the sorted cell numbers present at that level (int32 up to
        level 6) and their labels.
    set_offsets, set_codes : ndarray of int
        Country sets, CSR layout: set ``s`` is
        ``set_codes[set_offsets[s]:set_offsets[s + 1]]`` (indices into the codes).
    """

    level0: np.ndarray
    keys: tuple
    labels: tuple
    set_offsets: np.ndarray
    set_codes: np.ndarray

    @property
    def max_level(self) -> int:
        """Deepest level of the quadtree."""
        return len(self.keys)

    def locate(self, lon, lat):
        """Leaf containing each point.

        Parameters
        ----------
        lon, lat : ndarray of float
            Degrees, EPSG:4326.

        Returns
        -------
        label, level, cell : ndarray
            The leaf's label, level and cell number.
        """
        x = np.asarray(lon, dtype=float) + 180.0
        y = np.asarray(lat, dtype=float) + 90.0
        column = np.clip(x.astype(np.int64), 0, 359)
        row = np.clip(y.astype(np.int64), 0, 179)
        label = self.level0[row, column]
        level = np.zeros(len(x), dtype=np.int8)
        cell = row * 360 + column
        todo = np.nonzero(label == LOOKUP_SPLIT)[0]
        for depth, (keys, labels) in enumerate(zip(self.keys, self.labels), start=1):
            if not todo.size:
                break
            scale = 2 ** depth
            column = np.clip((x[todo] * scale).astype(np.int64), 0, 360 * scale - 1)
            row = np.clip((y[todo] * scale).astype(np.int64), 0, 180 * scale - 1)
            wanted = (row * (360 * scale) + column).astype(keys.dtype)
            found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            leaf = labels[found]
            leaf[keys[found] != wanted] = LOOKUP_UNRESOLVED  # never for a well-formed tree
            label[todo], level[todo], cell[todo] = leaf, depth, wanted
            todo = todo[leaf == LOOKUP_SPLIT]
        label[todo] = LOOKUP_UNRESOLVED
        return label, level, cell

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The named arrays that :meth:`load` reads back from an ``.npz`` file."""
        arrays = {"level0": self.level0, "set_offsets": self.set_offsets,
                  "set_codes": self.set_codes}
        for depth, (keys, labels) in enumerate(zip(self.keys, self.labels), start=1):
            arrays[f"keys{depth}"] = keys
            arrays[f"labels{depth}"] = labels
        return arrays

    @classmethod
    def load(cls, path: Path) -> CellLookup:
        """Read a lookup from an ``.npz`` of :meth:`to_arrays` (no pickle)."""
        with np.load(path, allow_pickle=False) as data:
            depth = sum(1 for name in data.files if name.startswith("keys"))
            return cls(
                level0=data["level0"],
                keys=tuple(data[f"keys{d}"] for d in range(1, depth + 1)),
                labels=tuple(data[f"labels{d}"] for d in range(1, depth + 1)),
                set_offsets=data["set_offsets"].astype(np.int64),
                set_codes=data["set_codes"].astype(np.int64),
            )


# --------------------------------------------------------------------------------------
# Country assignment


class CountryIndex:
    """Spatial index of the 50m countries for :func:`assign_countries`.

    Built from ``countries-50m-pieces.npz``: every country polygon cut by a quadtree
    into pieces of at most a few dozen vertices, so that the ``STRtree`` bounding boxes
    are tight and each exact test is cheap (about 25x faster than one tree of the
    unsplit countries). Use :func:`country_index` for the shared, cached instance.

    Parameters
    ----------
    pieces : ndarray of shapely.Polygon
        EPSG:4326.
    piece_code : ndarray of int
        Index into ``codes`` of each piece's country.
    codes : sequence of str
        ISO alpha-3 codes, sorted.
    boundary : ndarray of bool
        Pieces touching their country's boundary (coast or land border): the only ones
        that can hold the nearest point of a country to a point outside it.
    lookup : CellLookup or None
        Precomputed answers per cell; without it every geometry is tested against the
        pieces and every distance at sea is computed.
    """

    def __init__(self, pieces, piece_code, codes, boundary, lookup: CellLookup | None = None):
        self.pieces = np.asarray(pieces, dtype=object)
        self.piece_code = np.asarray(piece_code, dtype=np.int64)
        self.codes = np.asarray(codes, dtype=object)
        self.tree = STRtree(self.pieces)
        edge = np.nonzero(boundary)[0]
        self.boundary_pieces = self.pieces[edge]
        self.boundary_code = self.piece_code[edge]
        self.boundary_tree = STRtree(self.boundary_pieces)
        self.boundary_bounds = shapely.bounds(self.boundary_pieces)
        self.lookup = lookup

    @classmethod
    def from_directory(cls, directory: Path, lookup: bool = True) -> CountryIndex:
        """Load the index from a ``geodata`` directory.

        Parameters
        ----------
        directory : Path
            Holds ``countries-50m-pieces.npz`` (and ``countries-50m-lookup.npz``).
        lookup : bool
            Load the precomputed cell lookup (``geodata/derive.py`` builds it with an
            index that has none).
        """
        with np.load(directory / "countries-50m-pieces.npz", allow_pickle=False) as data:
            pieces = shapely.from_ragged_array(
                shapely.GeometryType.POLYGON, data["coords"],
                (data["ring_offsets"], data["polygon_offsets"]))
            piece_code, codes, boundary = data["code"], data["codes"].tolist(), data["boundary"]
        cells = CellLookup.load(directory / "countries-50m-lookup.npz") if lookup else None
        return cls(pieces, piece_code, codes, boundary, cells)

    def assign(self, geometries) -> list[list[str]]:
        """ISO alpha-3 codes of the countries of each geometry; see :func:`assign_countries`."""
        geometries = _as_geometry_array(geometries)
        present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        found = []
        if self.lookup is not None:
            known, pairs = self._from_lookup(geometries, present)
            found.append(pairs)
            present &= ~known
        todo = np.nonzero(present)[0]
        rows, pieces = self.tree.query(geometries[todo], predicate="intersects")
        found.append((todo[rows], self.piece_code[pieces]))
        outside = present
        outside[todo[rows]] = False
        found.append(self.nearest_at_sea(geometries, np.nonzero(outside)[0]))
        return _as_lists(self.codes, len(geometries), found)

    def _from_lookup(self, geometries, present):
        """Answer the geometries that lie within one resolved lookup cell.

        Every point of such a cell has the same countries, so a geometry inside it (its
        bounding box) has them too.

        Returns
        -------
        known : ndarray of bool
            Geometries answered.
        rows, codes : ndarray of int
            One pair per country of an answered geometry.
        """
        rows = np.nonzero(present)[0]
        bounds = shapely.bounds(geometries[rows])
        # Out-of-range or NaN coordinates are left to the exact tests (which find nothing).
        on_earth = ((bounds[:, 0] >= -180) & (bounds[:, 2] <= 180)
                    & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90))
        rows, bounds = rows[on_earth], bounds[on_earth]
        label, level, cell = self.lookup.locate(bounds[:, 0], bounds[:, 1])
        extended = np.nonzero((bounds[:, 0] != bounds[:, 2]) | (bounds[:, 1] != bounds[:, 3]))[0]
        if extended.size:
            far_label, far_level, far_cell = self.lookup.locate(bounds[extended, 2],
                                                                bounds[extended, 3])
            same = ((far_label == label[extended]) & (far_level == level[extended])
                    & (far_cell == cell[extended]))
            label[extended[~same]] = LOOKUP_UNRESOLVED
        resolved = label != LOOKUP_UNRESOLVED
        rows, sets = rows[resolved], label[resolved].astype(np.int64)
        first = self.lookup.set_offsets[sets]
        sizes = self.lookup.set_offsets[sets + 1] - first
        # Members of set k sit at first[k], first[k] + 1, ... first[k] + sizes[k] - 1.
        rank = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        members = self.lookup.set_codes[np.repeat(first, sizes) + rank]
        known = np.zeros(len(geometries), dtype=bool)
        known[rows] = True
        return known, (np.repeat(rows, sizes), members)

    def nearest_at_sea(self, geometries, rows):
        """Apply the sea rule to ``geometries[rows]`` by computing distances.

        Parameters
        ----------
        geometries : ndarray of shapely geometries
            EPSG:4326.
        rows : ndarray of int
            Geometries that intersect no country.

        Returns
        -------
        rows, codes : ndarray of int
            One pair per country assigned (index into ``self.codes``).
        """
        if not len(rows):
            return _NO_PAIRS
        subset = geometries[rows]
        bounds = shapely.bounds(subset)
        gi, tj = candidate_pairs(self.boundary_tree, bounds, SEA_RADIUS_KM)
        if not gi.size:
            return _NO_PAIRS
        # The piece with the smallest lower bound gives an upper bound on the nearest
        # country; pieces whose lower bound exceeds it by the tie allowance cannot count.
        lower = km_lower_bound(bounds[gi], self.boundary_bounds[tj],
                               SEA_RADIUS_KM + SEA_TIE_KM + SEA_MARGIN_KM)
        order = np.lexsort((lower, gi))
        first = np.ones(len(order), dtype=bool)
        first[1:] = gi[order][1:] != gi[order][:-1]
        probe = order[first]
        upper = np.full(len(rows), np.inf)
        upper[gi[probe]] = pair_distances_km(subset[gi[probe]], self.boundary_pieces[tj[probe]])
        limit = np.minimum(upper, SEA_RADIUS_KM) + SEA_TIE_KM + SEA_MARGIN_KM
        keep = lower <= limit[gi]
        gi, tj = gi[keep], tj[keep]
        km = pair_distances_km(subset[gi], self.boundary_pieces[tj])
        return _sea_rule(rows, gi, self.boundary_code[tj], km, len(self.codes))


_NO_PAIRS = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))


def _as_lists(codes, n, found):
    """Turn (row, code index) pairs into one sorted list of ISO codes per row.

    Parameters
    ----------
    codes : ndarray of str
        ISO alpha-3 codes, sorted, indexed by the code indices.
    n : int
        Number of rows.
    found : list of (ndarray, ndarray)
        Row and code index pairs, in any order, possibly repeated.
    """
    rows = np.concatenate([pair[0] for pair in found]).astype(np.int64)
    key = rows * len(codes) + np.concatenate([pair[1] for pair in found])
    # Mostly sorted already (tree results come by row): a stable sort is ~linear.
    key = np.sort(key, kind="stable")
    distinct = np.ones(len(key), dtype=bool)
    distinct[1:] = key[1:] != key[:-1]
    rows, code = np.divmod(key[distinct], len(codes))
    names = codes[code].tolist()
    # A million small lists would trigger repeated garbage collections, each scanning
    # every list made so far: pause the collector while building them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        out = [[] for _ in range(n)]
        for row, name in zip(rows.tolist(), names):
            out[row].append(name)
    finally:
        if collecting:
            gc.enable()
    return out


def _sea_rule(rows, gi, code, km, n_codes):
    """Select, per geometry, the countries within the sea radius and tie margin.

    Parameters
    ----------
    rows : ndarray of int
        Row of each local geometry index ``gi`` in the caller's array.
    gi, code : ndarray of int
        Local geometry index and country of each distance.
    km : ndarray of float
        Distances in km.
    """
    keys, best = group_min(gi * n_codes + code, km)
    geometry, country = np.divmod(keys, n_codes)
    nearest = np.full(gi.max() + 1, np.inf)
    np.minimum.at(nearest, geometry, best)
    chosen = (best <= SEA_RADIUS_KM) & (best <= nearest[geometry] + SEA_TIE_KM)
    return rows[geometry[chosen]], country[chosen]


def _as_geometry_array(geometries):
    """Return an object ndarray of geometries (``None`` allowed) from any sequence."""
    if isinstance(geometries, np.ndarray) and geometries.dtype == object:
        return geometries
    array = np.empty(len(geometries), dtype=object)
    array[:] = list(geometries)
    return array


@functools.cache
def _country_index(directory: Path) -> CountryIndex:
    return CountryIndex.from_directory(directory)


def country_index() -> CountryIndex:
    """The shared :class:`CountryIndex`, loaded from :func:`geodata_dir` on first use."""
    return _country_index(geodata_dir())


def assign_countries(geometries) -> list[list[str]]:
    """Countries of each geometry, as sorted ISO 3166-1 alpha-3 codes.

    Parameters
    ----------
    geometries : sequence of shapely geometries or None
        EPSG:4326 (lon, lat degrees): points, lines, polygons and their multi forms.

    Returns
    -------
    list of list of str
        For each geometry: every country it intersects; if none, the country nearest to
        it when within ``SEA_RADIUS_KM`` (200 km), plus any country less than
        ``SEA_TIE_KM`` (5 km) farther; else ``[]``. ``None`` or empty geometries give
        ``[]``.

    Examples
    --------
    >>> assign_countries([shapely.Point(2.35, 48.86)])
    [['FRA']]
    """
    return country_index().assign(geometries)


@functools.cache
def _unsplit_countries(directory: Path):
    import pyogrio

    frame = pyogrio.read_dataframe(directory / "countries-50m.geojson")
    return STRtree(frame.geometry.values), frame["iso_a3"].to_numpy()


def assign_countries_naive(geometries) -> list[list[str]]:
    """Reference implementation of :func:`assign_countries`, slow but simple.

    One ``STRtree`` of the unsplit 50m countries for the intersections, and the sea rule
    computed for every geometry (no precomputed sea lookup). Used by the tests and the
    benchmark to check that the fast path gives identical answers.

    Parameters
    ----------
    geometries : sequence of shapely geometries or None
        EPSG:4326.

    Returns
    -------
    list of list of str
        Same as :func:`assign_countries`.
    """
    index = country_index()
    tree, codes = _unsplit_countries(geodata_dir())
    geometries = _as_geometry_array(geometries)
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    rows, countries = tree.query(geometries, predicate="intersects")
    code_index = np.searchsorted(index.codes.astype(str), codes[countries].astype(str))
    outside = present.copy()
    outside[rows] = False
    at_sea = index.nearest_at_sea(geometries, np.nonzero(outside)[0])
    return _as_lists(index.codes, len(geometries), [(rows, code_index), at_sea])
