"""The map index's columns: the published incidents as numpy arrays, sorted by id.

``MapIndex`` holds one value per incident per column (positions are row
numbers); ``MultiColumn`` a many-valued column (vectors, platforms, countries) as
(row, code) entries. Immutable: a patch makes a new index that shares the
columns it did not change (``loading``). Pure numpy, no database.
"""
from dataclasses import dataclass

import numpy as np

EPOCH = np.datetime64("1970-01-01", "D")
# Many-valued columns, by index attribute: the filter group (``query.Masks``) each answers.
MULTI = {"vectors": "vector", "platforms": "platform", "countries": "country"}


def day_number(value):
    """Days since 1970-01-01 for a ``date`` (the index's time unit)."""
    return int((np.datetime64(value, "D") - EPOCH).astype(np.int64))


@dataclass(frozen=True)
class MultiColumn:
    """A many-valued column: entry ``k`` says row ``rows[k]`` has label ``labels[codes[k]]``.

    Entries are sorted by row (``labels_of`` searches them)."""

    rows: np.ndarray
    codes: np.ndarray
    labels: tuple

    def split(self, n):
        """``(first, extra_rows, extra)``: for each of the ``n`` rows, its first label
        code + 2 (1: no label) in one dense array; and the entries beyond each row's
        first, with codes + 1.

        Most incidents have one country and one or two vectors, so counting and
        selecting work on the dense array plus a few extra entries, and count by
        ``bincount(codes * mask)`` (bucket 0: outside the mask) — a boolean
        selection of a random half of 1,000,000 rows costs four times more.
        Computed once per column (columns are immutable).
        """
        cached = self.__dict__.get("_split")
        if cached is not None and len(cached[0]) == n:
            return cached
        starts = np.ones(len(self.rows), dtype=bool)
        starts[1:] = self.rows[1:] != self.rows[:-1]  # entries are sorted by row
        first = np.ones(n, dtype=np.int32)
        first[self.rows[starts]] = self.codes[starts] + 2
        cached = (first, self.rows[~starts], self.codes[~starts] + 1)
        self.__dict__["_split"] = cached
        return cached

    def any_of(self, keys, n):
        """Boolean mask of the ``n`` rows having at least one of ``keys``."""
        wanted = np.zeros(len(self.labels) + 2, dtype=bool)  # by code + 2, as ``split``
        positions = {label: i for i, label in enumerate(self.labels)}
        for key in keys:
            if key in positions:
                wanted[positions[key] + 2] = True
        first, extra_rows, extra = self.split(n)
        out = wanted[first]
        out[extra_rows[wanted[extra + 1]]] = True
        return out

    def none_of(self, n):
        """Boolean mask of the ``n`` rows with no label at all."""
        return self.split(n)[0] == 1

    def patched(self, new_pos, rows, codes):
        """This column after a patch: old rows moved to ``new_pos`` (-1: gone), plus
        entries ``(rows, codes)`` for the rows written anew; still sorted by row."""
        pos = new_pos[self.rows]
        kept = pos >= 0
        kept_rows, kept_codes = pos[kept], self.codes[kept]
        order = np.argsort(rows, kind="stable")
        at = np.searchsorted(kept_rows, rows[order], side="right")
        return MultiColumn(np.insert(kept_rows, at, rows[order]).astype(np.int32),
                           np.insert(kept_codes, at, codes[order]).astype(np.int32),
                           self.labels)

    def labels_of(self, rows):
        """``[sorted labels]`` of each of ``rows``: two binary searches per row in the
        entries (kept sorted by row), so a view's few incidents cost no query."""
        lo = np.searchsorted(self.rows, rows, side="left").tolist()
        hi = np.searchsorted(self.rows, rows, side="right").tolist()
        codes = self.codes
        return [sorted(self.labels[c] for c in codes[a:b].tolist()) for a, b in zip(lo, hi)]

    def counts(self, mask, *, with_none=False):
        """``{label: rows in mask having it}``, for labels with at least one row (and,
        ``with_none``, the number of rows in mask having no label)."""
        first, extra_rows, extra = self.split(len(mask))
        found = np.bincount(first * mask, minlength=len(self.labels) + 2)
        none, found = int(found[1]), found[2:]
        found += np.bincount(extra * mask[extra_rows], minlength=len(self.labels) + 1)[1:]
        counts = {self.labels[i]: int(found[i]) for i in np.flatnonzero(found)}
        return (counts, none) if with_none else counts


@dataclass(frozen=True)
class MapIndex:
    """Columns of the published incidents, sorted by id (positions are row numbers)."""

    generation: int
    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    bounds: np.ndarray      # (4, n): min_x, min_y, max_x, max_y in degrees
    start: np.ndarray       # day numbers
    end: np.ndarray
    actor: np.ndarray       # actor id, -1 for none
    confidence: np.ndarray
    precision: np.ndarray   # index into GEO_PRECISIONS
    vectors: MultiColumn
    platforms: MultiColumn
    countries: MultiColumn

    def __len__(self):
        return len(self.ids)
