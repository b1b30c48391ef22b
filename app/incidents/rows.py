"""Many incidents at once: validated rows made into table rows column by column.

The write path of imports and of the demo seed, beside ``service`` (one
incident at a time, through the ORM). Per-row Python is what limits a bulk
insert, so values are gathered and encoded column by column
(``bulk_columns``, pure: no session), then stored with one ``executemany`` per
table inside the caller's transaction (``insert_bulk_columns``), the work
of SQLite's row triggers done once per batch (``write_tables``).
``app.bulk`` (the CLI's loader) adds devices for big files; everything here
is what every import shares. ``tests/incidents/test_bulk_snapshot.py`` pins the hand-encoded first
snapshots to ``service.snapshot``.
"""
import json
import os
from contextlib import contextmanager
from datetime import date
from itertools import compress

import numpy as np
import shapely
import sqlalchemy as sa

from app.auth.models import utcnow
from app.db_types import encode_many
from app.extensions import db
from app.geo.geometry import rep_points
from app.incidents import triggers
from app.incidents.fields import BY_NAME, LINK_FIELDS, SNAPSHOT_FIELDS, STORED
from app.incidents.models import Incident, Revision, Source
from app.incidents.schema import ValidationError
from app.incidents.service import reserve_incident_ids


def bulk_insert(rows, *, author_id, status, action):
    """Insert many incidents at once with ``executemany``; return their ids.

    ``rows`` are dicts of clean fields where ``actor_id`` (and ``actor``, the
    actor's stored name), ``campaign_id`` (and ``campaign``, its stored name),
    each links field's keys (``vectors``: slugs) with
    the values of its link column (``link_ids("vectors")``: vector ids) and
    ``sources`` are already resolved.
    The caller owns the transaction (all or nothing), so this only flushes.
    """
    if not rows:
        return []
    columns = bulk_columns(rows, status=status, dialect=db.engine.dialect.name)
    return insert_bulk_columns(columns, author_id=author_id, status=status, action=action)


def bulk_columns(rows, *, status, dialect):
    """What ``insert_bulk_columns`` stores for ``rows`` that needs no database, by column.

    Pure (no session), so that an import can build it in a worker process
    while the previous chunk is inserted. Per-row Python is what limits a bulk
    insert, so every value is gathered column by column: the incidents
    table's varying columns (``incidents``), each row's link keys and source
    tuples, its actor (``actor_id``, ``actor``; ``resolve_actors`` may fill
    them later) and its first snapshot after the actor (``_snapshot_tails``).
    Incident columns with one value in every row (a file's language, its empty
    summaries…) move to ``same``, to be written once (``_Rows``).
    """
    fields = _bulk_fields(rows)
    day = date.isoformat if dialect == "sqlite" else _same
    geometries = fields["geometry"]
    # Plain floats: database drivers do not adapt numpy scalars.
    min_x, min_y, max_x, max_y = shapely.bounds(geometries).T.tolist()
    rep_x, rep_y = rep_points(geometries).T.tolist()
    copied = (*(name for name in STORED if BY_NAME[name].kind != "date"), "published_at")
    incidents = {"uuid": _uuids(rows),
                 "start_date": list(map(day, fields["start_date"])),
                 "end_date": list(map(day, fields["end_date"])),
                 "geometry": encode_many(geometries, dialect), "min_x": min_x,
                 "min_y": min_y, "max_x": max_x, "max_y": max_y, "rep_x": rep_x,
                 "rep_y": rep_y, "campaign_id": fields["campaign_id"],
                 **{name: fields[name] for name in copied}}
    return {"incidents": incidents, "same": _shared_values(incidents, SHAREABLE),
            "actor_id": fields["actor_id"], "actor": fields["actor"],
            **{link_ids(f.name): fields[link_ids(f.name)] for f in LINK_FIELDS},
            "sources": [[(s["url"], s["publisher"],
                          day(s["published_on"]) if s["published_on"] else None,
                          s["archived_url"]) for s in row_sources]
                        for row_sources in fields["sources"]],
            "snapshot_tails": _snapshot_tails(fields, status)}


# Incident columns of ``bulk_columns`` that may turn out to be one value in every row.
SHAREABLE = (*(name for name in STORED if BY_NAME[name].kind != "date" and name != "title"),
             "campaign_id")


def link_ids(name):
    """The key of a bulk row's values for the link table of the links field ``name``."""
    return name + ":ids"


def _one_value(values):
    """Whether the non-empty list ``values`` holds one value only (``==``).

    ``list.count`` compares in C, and mostly by identity: a few ns per row. A
    column that varies (titles, sources…) mostly differs at its ends already:
    comparing them first saves comparing every row.
    """
    return values[0] == values[-1] and values.count(values[0]) == len(values)


def _shared_values(columns, names):
    """Remove from ``columns`` those of ``names`` with one value in every row; return them."""
    shared = {}
    for name in names:
        values = columns[name]
        if values and _one_value(values):
            shared[name] = values[0]
            del columns[name]
    return shared


def resolve_actors(columns, refs):
    """Fill ``bulk_columns``' ``actor_id`` and ``actor`` (stored name) from actor names.

    Needs the session: a new name creates its actor (``References.actor``).
    """
    # In row order: the first spelling of a new actor's name is the one stored.
    actors = {name: refs.actor(name) for name in dict.fromkeys(columns["actor"])}
    ids = {name: actor and actor.id for name, actor in actors.items()}
    names = {name: actor and actor.name for name, actor in actors.items()}
    columns["actor_id"] = list(map(ids.__getitem__, columns["actor"]))
    columns["actor"] = list(map(names.__getitem__, columns["actor"]))


def select_bulk_rows(columns, keep):
    """``bulk_columns`` of the rows whose ``keep`` is true."""
    def pick(values):
        return list(compress(values, keep))
    return {**columns, "incidents": {k: pick(v) for k, v in columns["incidents"].items()},
            **{name: pick(columns[name]) for name in columns
               if name not in ("incidents", "same")}}


def insert_bulk_columns(columns, *, author_id, status, action, write=None):
    """Insert the incidents of ``bulk_columns``, with their links and first revisions.

    Returns their ids. ``write(tables, ids=…, status=…)`` stores the
    ``(table, _Rows)`` of ``table_rows``: ``write_tables`` unless the caller
    brings its own (the CLI's loader, ``app.bulk``, to pack the R*Tree).
    """
    ids = reserve_incident_ids(len(columns["actor"]))
    tables = table_rows(columns, ids=ids, author_id=author_id, status=status, action=action)
    (write or write_tables)(tables, ids=ids, status=status)
    return ids


def table_rows(columns, *, ids, author_id, status, action):
    """``[(table, _Rows)]`` for the incidents of ``bulk_columns`` with ``ids``.

    The columns become positional tuples by one ``zip``; values shared by
    every row are kept apart (``_Rows.same``).
    """
    dialect = db.engine.dialect.name
    # SQLite stores datetimes as text, in SQLAlchemy's format.
    moment = _sqlite_datetime if dialect == "sqlite" else _same
    now = moment(utcnow())
    published = status == "published"
    given = columns["incidents"]
    incidents = _Rows.of_columns(
        {"id": ids, "actor_id": columns["actor_id"], **given,
         "published_at": [moment(p) if p else now if published else None
                          for p in given["published_at"]]},
        status=status, created_by_id=author_id, reviewed_by_id=author_id if published else None,
        rejection_reason=None, created_at=now, updated_at=now, version=1, **columns["same"])
    revisions = _Rows.of_columns(
        {"incident_id": ids,
         "snapshot": _snapshot_texts(columns["actor"], columns["snapshot_tails"])},
        number=1, author_id=author_id, created_at=now, action=action, changes=None)
    return [(Incident.__table__, incidents),
            *((f.links.table, _links(ids, columns[link_ids(f.name)], f.links.column))
              for f in LINK_FIELDS),
            (Source.__table__, _links(ids, columns["sources"], *SOURCE_COLUMNS)),
            (Revision.__table__, revisions)]


def write_tables(tables, *, ids, status, rtree=True):
    """Store ``(table, _Rows)`` with one ``executemany`` per table.

    PostgreSQL's map triggers run once per statement: the rows go through
    Core as they are. SQLite's run per row and cost more than the rows
    themselves (an R*Tree insert and a map-log write per link of a published row),
    so inside the caller's transaction they are dropped, the rows inserted
    through the DB-API cursor, the R*Tree rows copied from the new incident
    rows (``ids``, a range; unless not ``rtree``: ``app.bulk`` packs the tree
    later), what the map triggers would have logged logged once
    (``triggers.replay_sqlite_map_inserts``, with their own ``WHEN``), and the
    triggers created again from their own SQL. SQLite's DDL is transactional:
    a rollback brings everything back, and other connections never see the
    triggers missing (the write lock is held, readers see the last commit).
    ``status`` is the batch's, for writers that need it.
    """
    db.session.flush()
    if db.engine.dialect.name != "sqlite":
        for table, rows in tables:
            if rows.values:
                db.session.execute(sa.insert(table), [dict(zip(rows.names, v), **rows.same)
                                                      for v in rows.values])
        return
    cursor = db.session.connection().connection.cursor()
    names = (triggers.RTREE_INSERT, *triggers.MAP_INSERTS)
    dropped = dict(cursor.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
        f"({', '.join('?' * len(names))})", names).fetchall())
    for name in dropped:
        cursor.execute(f'DROP TRIGGER "{name}"')
    for table, rows in tables:
        if rows.values:
            cursor.executemany(insert_sql(table, rows), rows.values)
    span = (ids[0], ids[-1])
    if triggers.RTREE_INSERT in dropped and rtree:
        cursor.execute("INSERT INTO incident_rtree SELECT id, min_x, max_x, min_y, max_y "
                       "FROM incidents WHERE id BETWEEN ? AND ?", span)
    triggers.replay_sqlite_map_inserts(
        cursor, [table for name, table in triggers.MAP_INSERTS.items() if name in dropped], span)
    for sql in dropped.values():
        cursor.execute(sql)
    cursor.close()


CACHE_KIB = 128 * 1024


@contextmanager
def bigger_cache():
    """A bigger SQLite page cache while the block inserts many incidents (no-op elsewhere).

    Each insert touches a leaf of nine B-trees (the table, its indexes, the
    R*Tree) in random order; with SQLite's default 2 MiB cache most of those
    pages are evicted, spilled and read again. The cache (at most 128 MiB,
    filled only as needed) is set back when the block ends.
    """
    if db.engine.dialect.name != "sqlite":
        yield
        return
    connection = db.session.connection().connection.dbapi_connection
    before = connection.execute("PRAGMA cache_size").fetchone()[0]
    connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        yield
    finally:
        connection.execute(f"PRAGMA cache_size = {before}")


def insert_sql(table, rows):
    """SQLite's ``INSERT`` of ``rows`` (``_Rows``): a ``?`` per varying column, the
    shared values as literals."""
    values = ["?"] * len(rows.names) + list(map(_sql_literal, rows.same.values()))
    return (f"INSERT INTO {table.name} ({', '.join([*rows.names, *rows.same])}) "
            f"VALUES ({', '.join(values)})")


def _bulk_fields(rows):
    """The fields of ``rows`` column by column, defaults applied as ``Incident`` has them."""
    def column(name, default=None):
        return [row.get(name) or default for row in rows]

    def stored(f):  # a number may be 0: only a missing one takes the default
        if f.kind == "int":
            return [row.get(f.name, f.default) for row in rows]
        return column(f.name, f.default)
    return {**{name: stored(BY_NAME[name]) for name in STORED},
            "geometry": [row["geometry"] for row in rows],
            "published_at": [row.get("published_at") for row in rows],
            "actor_id": column("actor_id"), "actor": column("actor"),
            "campaign_id": column("campaign_id"), "campaign": column("campaign"),
            **{f.name: column(f.name, ()) for f in LINK_FIELDS},
            **{link_ids(f.name): column(link_ids(f.name), ()) for f in LINK_FIELDS},
            "sources": column("sources", ())}


def _same(value):
    return value


SOURCE_COLUMNS = ["url", "publisher", "published_on", "archived_url"]


class _Rows:
    """Rows for one table: ``values`` (tuples) in the columns ``names``, and ``same``,
    the values of the columns that every row shares (``{name: value}``).

    SQLite gets ``same`` written into the statement (``insert_sql``):
    binding a parameter costs about 0.2 µs, a tenth of an incident row's Python side.
    """

    def __init__(self, names, values, **same):
        self.names, self.values, self.same = names, values, same

    @classmethod
    def of_columns(cls, columns, **same):
        """From ``{name: list}``: one ``zip`` makes the tuples."""
        return cls(list(columns), list(zip(*columns.values())), **same)


def _links(ids, values, *names):
    """``_Rows`` of ``(incident_id, *value)``, one per value of each incident.

    With one name, each value is the column's value; with more, a tuple of them.
    """
    if len(names) == 1:
        return _Rows(["incident_id", *names], [(iid, value) for iid, row_values
                                               in zip(ids, values) for value in row_values])
    return _Rows(["incident_id", *names], [(iid, *value) for iid, row_values in zip(ids, values)
                                           for value in row_values])


# The first revision's snapshot, as ``JSONDict`` would write ``snapshot(incident)``
# (keys sorted) but filled in by ``%`` from values encoded column by column:
# json.dumps of one dict per row, and the geometry's GeoJSON parsed only to be
# written again, were a third of a bulk import's Python time. The actor, the
# first key, is the one value that needs the database: ``_snapshot_tails``
# writes everything after it, ``_snapshot_texts`` puts it in front.
SNAPSHOT_KEYS = sorted((*SNAPSHOT_FIELDS, "geometry", "actor", "campaign",
                        *(f.name for f in LINK_FIELDS), "sources"))
assert SNAPSHOT_KEYS[0] == "actor"
_SOURCE_HEAD = '{"archived_url": %s, "published_on": %s, "publisher": %s, "url": '
_json_string = json.encoder.encode_basestring  # json.dumps(text, ensure_ascii=False), in C


def _json_text(value):
    """JSON of a text or ``None``."""
    return "null" if value is None else _json_string(value)


def _json_texts(values):
    return list(map(_json_string, values))


def _json_optional_texts(values):
    return list(map(_json_text, values))


def _json_days(days):
    """JSON of each date; an import repeats the same few hundred days."""
    texts = {day: _json_string(day.isoformat()) for day in set(days)}
    return list(map(texts.__getitem__, days))


def _json_numbers(values):
    return ["null" if value is None else str(int(value)) for value in values]


def _json_sorted_lists(lists):
    """JSON of each list of texts, sorted (as ``snapshot`` sorts vectors, countries…).

    Encoded once per distinct list: an import repeats the same few lists.
    """
    texts = {}
    out = []
    for items in lists:
        key = tuple(items)
        text = texts.get(key)
        if text is None:
            text = texts[key] = "[" + ", ".join(map(_json_string, sorted(items))) + "]"
        out.append(text)
    return out


def _json_sources(sources):
    """JSON of each incident's list of sources (in the order they are stored).

    A source's keys before its URL (usually an empty publisher, no dates) are
    encoded once per distinct triple.
    """
    heads = {}

    def source(s):
        key = (s["archived_url"], s["published_on"], s["publisher"])
        head = heads.get(key)
        if head is None:
            archived, published, publisher = key
            head = heads[key] = _SOURCE_HEAD % (
                _json_text(archived),
                _json_string(published.isoformat()) if published else "null",
                _json_string(publisher))
        return head + _json_string(s["url"]) + "}"
    return ["[" + ", ".join(map(source, row_sources)) + "]" for row_sources in sources]


# How ``_snapshot_tails`` gets each key's column from ``_bulk_fields`` and encodes it.
_ENCODERS = {"date": _json_days, "int": _json_numbers, "links": _json_sorted_lists}
_SNAPSHOT_COLUMNS = {
    **{name: (name, _ENCODERS.get(BY_NAME[name].kind, _json_texts)) for name in STORED},
    **{f.name: (f.name, _json_sorted_lists) for f in LINK_FIELDS},
    "campaign": ("campaign", _json_optional_texts), "sources": ("sources", _json_sources)}


def _snapshot_tails(fields, status):
    """Each first snapshot after its actor: ``, "attribution": …}`` (see ``_snapshot_texts``).

    A column with one value in every row (an import's language, its empty
    summaries, its status…: most of them) is encoded once and written into the
    row template, so that ``%`` fills in only the columns that vary.
    """
    count = len(fields["title"])
    if not count:
        return []
    same = {"status": _json_string(status), "rejection_reason": "null"}
    # shapely's GeoJSON: it always varies (and geometries are not cheap to compare).
    varying = {"geometry": shapely.to_geojson(fields["geometry"]).tolist()}
    for key, (name, encode) in _SNAPSHOT_COLUMNS.items():
        values = fields[name]
        if _one_value(values):
            same[key] = encode(values[:1])[0]
        else:
            varying[key] = encode(values)
    template = "".join(f', "{key}": ' + (same[key].replace("%", "%%") if key in same else "%s")
                       for key in SNAPSHOT_KEYS[1:]) + "}"
    return list(map(template.__mod__, zip(*(varying[key] for key in SNAPSHOT_KEYS[1:]
                                            if key in varying))))


def _snapshot_texts(actors, tails):
    """The first revision's snapshot of each bulk-inserted incident, as JSON text.

    After ``json.loads`` it equals ``snapshot(incident)`` of the stored incident
    (tests/incidents/test_bulk_snapshot.py); only the spacing of the geometry,
    shapely's GeoJSON text, differs from ``JSONDict``'s.
    """
    heads = {actor: '{"actor": ' + _json_text(actor) for actor in set(actors)}
    return list(map(str.__add__, map(heads.__getitem__, actors), tails))


def _uuids(rows):
    """Each row's own ``uuid`` (an import keeping a STIX bundle's ids), else a new one."""
    new = _uuid4_texts(len(rows))
    if not any(row.get("uuid") for row in rows):
        return new
    return [row.get("uuid") or fresh for row, fresh in zip(rows, new)]


def _uuid4_texts(count):
    """``count`` random (version 4) UUIDs as text, drawn at once from the OS's generator.

    Sorted: the rows of a bulk insert then reach the unique index on ``uuid``
    in its order, not at random places (about 15 % of an incident row's
    insert on a million rows). They are as random as before.
    """
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = raw[:, 6] & 0x0F | 0x40  # version 4
    raw[:, 8] = raw[:, 8] & 0x3F | 0x80  # RFC 4122 variant
    return sorted(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
                  for h in (row.tobytes().hex() for row in raw))


def _sqlite_datetime(value):
    """``value`` as SQLAlchemy stores a naive DATETIME in SQLite."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sql_literal(value):
    """``value`` (None, a whole number or text) as an SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def prepare_bulk_rows(parsed, refs):
    """Resolve the links fields (vectors, countries…) of parsed rows for ``bulk_columns``.

    ``parsed`` is a list of ``(line, data)`` from ``schema.parse_incident``.
    Returns ``(rows, errors)``: ``(line, row)`` of the rows that resolve, and
    ``(line, field, reason)`` of those that do not, every unknown field of a
    row named (the caller inserts nothing when there is one). Pure
    (``References.known``, and ``References.campaign`` once its campaigns are
    read): actors, which may have to be created, are left to
    ``resolve_actors``, once there is no error at all, so that a refused file
    leaves nothing behind.
    """
    missing = [i for i, (_, d) in enumerate(parsed) if not d.get("countries")]
    derived = refs.derive_countries([parsed[i][1]["geometry"] for i in missing])
    codes_for = dict(zip(missing, derived))
    resolvers = _resolvers(refs)
    rows, errors = [], []
    for index, (line, data) in enumerate(parsed):
        resolved, problems = _resolve(data, resolvers, codes_for.get(index, ()), refs)
        if problems:
            errors.extend((line, field, reason) for field, reason in problems)
        else:
            rows.append((line, {**data, **resolved}))
    return rows, errors


def link_problems(clean, refs):
    """``(line, field, reason)`` of the unknown references among ``clean``'s lists.

    ``clean`` holds ``(line, fields)`` of rows that failed validation: the
    fields that did validate (``ValidationError.clean``). Their references are
    checked all the same, so a report names every problem of a row at once.
    """
    resolvers = _resolvers(refs)
    return [(line, field, reason) for line, data in clean
            for field, reason in _resolve(data, resolvers, (), refs)[1]]


def _resolvers(refs):
    return [(f.name, _memo_known(refs, f.name, f.links.key, f.links.target.name))
            for f in LINK_FIELDS]


def _resolve(data, resolvers, derived, refs):
    """``(resolved columns, [(field, reason)])`` of one row's links fields and campaign."""
    resolved, problems = {}, []
    for name, resolve in resolvers:
        keys = data.get(name) or (derived if name == "countries" else ())
        try:
            resolved[name], resolved[link_ids(name)] = resolve(keys)
        except ValidationError as exc:
            problems.extend(exc.errors)
    try:  # the campaign's stored name, whichever of its names or aliases the row gave
        resolved["campaign_id"], resolved["campaign"] = refs.campaign(data.get("campaign"))
    except ValidationError as exc:
        problems.extend(exc.errors)
    return resolved, problems


def _memo_known(refs, kind, *attributes):
    """``keys -> (list of attribute values, …)`` of ``refs.known(kind, keys)``, memoised.

    An import repeats the same few lists of vectors and countries on most rows.
    """
    memo = {}

    def resolve(keys):
        key = tuple(keys)
        if key not in memo:
            found = refs.known(kind, keys)
            memo[key] = tuple([getattr(obj, name) for obj in found] for name in attributes)
        return memo[key]
    return resolve
