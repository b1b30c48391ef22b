"""Loading the map index from the database, and patching it from the change log.

``build_index`` reads every published incident (seconds at 1,000,000);
``patch_index`` re-reads the incidents logged in ``map_changes`` since the
index was read and makes a new index sharing the unchanged columns
(milliseconds). Both read inside ``snapshot()``: one committed state of the
database, counter, log and rows together.
"""
from contextlib import contextmanager

import numpy as np
import sqlalchemy as sa

from app.extensions import db
from app.geo import grid
from app.incidents import policy
from app.incidents.fields import PLATFORMS, VECTORS
from app.incidents.mapindex.columns import MapIndex, MultiColumn
from app.incidents.models import GEO_PRECISIONS
from app.ops.counters import read_counter

change_counters = sa.Table(
    "change_counters", db.metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

map_changes = sa.Table(
    "map_changes", db.metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("incident_id", sa.BigInteger, primary_key=True),
)
DEFAULT_WINDOW = 100_000  # counter steps the log keeps (migration 0006)
MAX_PATCH = 20_000        # more changed incidents than this: a rebuild is as quick
NAMES_CHANGED = 0         # map_changes sentinels (migration 0006)
TAXONOMY_CHANGED = -1


def read_generation():
    """The committed value of the incidents change counter (``None`` if never set)."""
    return read_counter("incidents")


def read_state(conn):
    """``(counter, window, epoch)``: the change counter, how far back the log reaches,
    and the database's random identity (``None`` if unset: no saved index used)."""
    values = dict(conn.execute(sa.select(change_counters.c.name, change_counters.c.value)
                               .where(change_counters.c.name.in_(
                                   ("incidents", "map_changes_window", "map_epoch")))).all())
    return (values.get("incidents"), values.get("map_changes_window", DEFAULT_WINDOW),
            values.get("map_epoch"))


@contextmanager
def snapshot():
    """A read-only connection that sees one committed state of the database.

    REPEATABLE READ on PostgreSQL (the counter, the log and the rows read
    together); on SQLite a deferred transaction is already one snapshot, and
    ``atlas_read_only`` keeps it from taking the write lock outside requests.
    """
    options = {"atlas_read_only": True}
    if db.engine.dialect.name == "postgresql":
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with db.engine.connect().execution_options(**options) as conn, conn.begin():
        yield conn


def _fetch(conn, sql):
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _id_list(ids):
    """``ids`` as SQL literals (integers only; ``-1``, matching nothing, when empty)."""
    return ", ".join(str(int(i)) for i in ids) or "-1"


def _incident_sql(dialect, ids=None):
    """All-numeric columns of the published incidents (of ``ids`` only, if given),
    so numpy converts them in C."""
    if dialect == "postgresql":
        days, table = "({0} - DATE '1970-01-01')", "incidents"
    else:
        # NOT INDEXED: one sequential scan beats the status index's random row
        # lookups and sort (34 s -> 13 s at 1,000,000 on a busy machine).
        days = "CAST(julianday({0}) - 2440587.5 AS INTEGER)"
        table = "incidents NOT INDEXED" if ids is None else "incidents"
    precision = " ".join(f"WHEN '{p}' THEN {i}" for i, p in enumerate(GEO_PRECISIONS))
    statuses = ", ".join(f"'{s}'" for s in policy.PUBLIC_STATUSES)
    only = "" if ids is None else f" AND id IN ({_id_list(ids)})"
    return (f"SELECT id, rep_x, rep_y, min_x, min_y, max_x, max_y, "
            f"{days.format('start_date')}, {days.format('end_date')}, "
            f"COALESCE(actor_id, -1), confidence, CASE geo_precision {precision} ELSE 0 END "
            f"FROM {table} WHERE status IN ({statuses}){only} ORDER BY id")


def _multi(incident_ids, codes, ids, labels):
    """A ``MultiColumn`` from parallel ``incident_ids``/``codes``, keeping indexed rows."""
    if not len(incident_ids) or not len(ids):
        return MultiColumn(np.zeros(0, np.int32), np.zeros(0, np.int32), tuple(labels))
    pos = np.minimum(np.searchsorted(ids, incident_ids), len(ids) - 1)
    keep = (ids[pos] == incident_ids) & (codes >= 0)
    return MultiColumn(pos[keep].astype(np.int32), codes[keep].astype(np.int32),
                       tuple(labels))


def _column(conn, sql, dtype):
    rows = _fetch(conn, sql)
    return np.array(rows, dtype=dtype).reshape(len(rows))


def _pairs_sql(table, key, ids):
    where = "" if ids is None else f" WHERE incident_id IN ({_id_list(ids)})"
    return f"SELECT {{}} FROM {table}{where} ORDER BY incident_id, {key}"


# The many-valued columns of slugs of an editable taxonomy, by index attribute.
TAXONOMIES = {"vectors": VECTORS, "platforms": PLATFORMS}


def _taxonomy_pairs(conn, links, labels, ids=None):
    """``(incident_ids, codes)`` of a taxonomy's link table (vectors, platforms), codes
    indexing ``labels`` (slugs)."""
    reference, table = links.model.__tablename__, links.table.name
    slugs = dict(_fetch(conn, f"SELECT id, slug FROM {reference}"))
    lookup = np.full(max(slugs, default=0) + 1, -1, dtype=np.int32)
    for key, slug in slugs.items():
        if slug in labels:
            lookup[key] = labels.index(slug)
    sql = _pairs_sql(table, links.column, ids)
    incident_ids = _column(conn, sql.format("incident_id"), np.int64)
    keys = _column(conn, sql.format(links.column), np.int64)
    return incident_ids, lookup[keys]


def _country_pairs(conn, isos, ids=None):
    """``(incident_ids, codes)`` of incident_countries, codes indexing ``isos`` (sorted)."""
    sql = _pairs_sql("incident_countries", "iso_a3", ids)
    incident_ids = _column(conn, sql.format("incident_id"), np.int64)
    codes = _column(conn, sql.format("iso_a3"), "U3")
    found = np.minimum(np.searchsorted(isos, codes), max(len(isos) - 1, 0))
    known = isos[found] == codes if len(isos) else np.zeros(len(codes), bool)
    return incident_ids, np.where(known, found, -1)


def _columns(conn, ids=None):
    """The scalar columns of the published incidents (of ``ids``), sorted by id."""
    rows = _fetch(conn, _incident_sql(db.engine.dialect.name, ids))
    cols = np.array(rows, dtype=np.float64).reshape(len(rows), 12).T
    x, y = grid.lonlat_to_unit(cols[1], cols[2])
    return dict(
        ids=cols[0].astype(np.int64), lon=cols[1].copy(), lat=cols[2].copy(), x=x, y=y,
        bounds=cols[3:7].copy(), start=cols[7].astype(np.int32),
        end=cols[8].astype(np.int32), actor=cols[9].astype(np.int64),
        confidence=cols[10].astype(np.int16), precision=cols[11].astype(np.int8))


def build_index(generation, conn=None):
    """Load the published incidents into a new ``MapIndex`` (seconds at 1,000,000)."""
    if conn is None:
        with snapshot() as conn:
            return build_index(generation, conn)
    cols = _columns(conn)
    ids = cols["ids"]
    taxonomies = {}
    for name, links in TAXONOMIES.items():
        table = links.model.__tablename__
        labels = sorted(r[0] for r in _fetch(conn, f"SELECT slug FROM {table}"))
        taxonomies[name] = _multi(*_taxonomy_pairs(conn, links, labels), ids, labels)
    isos = np.array(sorted(r[0] for r in _fetch(conn, "SELECT iso_a3 FROM countries")),
                    dtype="U3")
    return MapIndex(generation=generation, **cols, **taxonomies,
                    countries=_multi(*_country_pairs(conn, isos), ids, isos.tolist()))


class NeedsRebuild(Exception):
    """A change the patch cannot express (a vector or platform unknown to the index)."""


def _new_codes(incident_ids, codes, fresh_ids, fresh_pos):
    """Entries of the rows written anew: positions in the patched index, and codes."""
    if (codes < 0).any():
        raise NeedsRebuild("a vector, platform or country the index does not know")
    at = np.searchsorted(fresh_ids, incident_ids)
    return fresh_pos[at], codes


def _replaced(index, rows, fresh):
    """Columns with ``rows`` overwritten by ``fresh`` (same ids, same order): a column
    whose values did not change is shared with ``index``, the others are copied."""
    cols = {}
    for name, values in fresh.items():
        current = getattr(index, name)
        if np.array_equal(current[..., rows], values):
            cols[name] = current
        else:
            cols[name] = current.copy()
            cols[name][..., rows] = values
    return cols


def _multi_patched(column, new_pos, pairs, fresh_ids, fresh_pos, same_rows):
    """``column`` patched with ``pairs`` (``(incident_ids, codes)`` of the rows written
    anew); shared unchanged when those rows kept exactly their labels."""
    rows, codes = _new_codes(*pairs, fresh_ids, fresh_pos)
    if same_rows:
        before = column.labels_of(fresh_pos)
        after = [[] for _ in fresh_pos]
        for row, code in zip(np.searchsorted(fresh_pos, rows).tolist(), codes.tolist()):
            after[row].append(column.labels[code])
        if before == [sorted(labels) for labels in after]:
            return column
    return column.patched(new_pos, rows, codes)


def patch_index(index, changed, conn, generation):
    """``index`` with the incidents ``changed`` re-read: the published ones (re)placed,
    the others removed. Returns ``index`` itself when none of them is or was published.

    ``changed``: sorted unique incident ids. An edit that keeps an incident
    published rewrites only the columns whose values changed (a title edit
    copies none); a publish or an unpublish copies each column once.
    """
    if not len(changed):
        return index
    fresh = _columns(conn, changed)
    old = index.ids
    at = np.searchsorted(old, changed)
    inside = at < len(old)
    removed = at[inside][old[at[inside]] == changed[inside]]
    if not len(removed) and not len(fresh["ids"]):
        return index
    same_rows = np.array_equal(old[removed], fresh["ids"])
    if same_rows:  # edits only: every row stays where it is
        fresh_pos = removed
        new_pos_removed = np.arange(len(old))
        new_pos_removed[removed] = -1
        cols = _replaced(index, removed, fresh)
    else:
        keep = np.ones(len(old), dtype=bool)
        keep[removed] = False
        kept = int(keep.sum())
        ins = np.searchsorted(old[keep], fresh["ids"])
        new_pos_removed = np.full(len(old), -1, dtype=np.int64)
        new_pos_removed[keep] = np.arange(kept) + np.searchsorted(ins, np.arange(kept),
                                                                  side="right")
        fresh_pos = ins + np.arange(len(ins))
        cols = {name: np.insert(getattr(index, name)[..., keep], ins, values, axis=-1)
                for name, values in fresh.items()}
    multi = {name: _multi_patched(
        getattr(index, name), new_pos_removed,
        _taxonomy_pairs(conn, links, list(getattr(index, name).labels), fresh["ids"]),
        fresh["ids"], fresh_pos, same_rows) for name, links in TAXONOMIES.items()}
    multi["countries"] = _multi_patched(
        index.countries, new_pos_removed,
        _country_pairs(conn, np.array(index.countries.labels, dtype="U3"), fresh["ids"]),
        fresh["ids"], fresh_pos, same_rows)
    return MapIndex(generation=generation, **multi, **cols)
