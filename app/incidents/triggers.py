"""The SQL of the triggers that keep the map's change counters and log: one module
that the migrations installing them and the code replaying them both import.

Why one module: the bulk loader (``app.bulk``) drops the map triggers for the
length of a batch and does once what they would have done per row. When it
sliced that work out of the trigger's own text, migration 0011 later added a
``WHEN`` clause the slice dropped, and bulk imports of drafts bumped the public
map's counter. Here the clause and the statements are named values
(``sqlite_when``, ``SQLITE_BUMP``…) that the trigger and the replay share.

Frozen, like the migrations: each constant is what the migration naming it
installed, and a migration must do tomorrow what it did the day it ran. A
later change to a trigger adds new constants (and a migration installing
them) instead of editing these; ``CURRENT_*`` names what the head migration
installed, which is what the code replays. Alembic imports ``app`` for every
migration anyway (``app.db_types``), so importing this module adds no new
dependency to the migration environment.

SQL only: no Flask, no session.
"""

# --- migration 0002: every write bumps change_counters['incidents'] ------------

MAP_WATCHED_0002 = ("incidents", "incident_vectors", "incident_countries")


def _pg_bump_function(function, counter):
    """A PostgreSQL trigger function bumping ``change_counters[counter]`` (migrations
    0002 and 0009 install one each, differing only in these names)."""
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
  INSERT INTO change_counters (name, value)
  VALUES ('{counter}', (random() * 1e15)::bigint)
  ON CONFLICT (name) DO UPDATE SET value = change_counters.value + 1;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def _sqlite_bump(counter):
    """SQLite's statement bumping ``change_counters[counter]``. The row is (re)created
    with a random value, so a deleted counter never comes back to a value a process
    has already seen."""
    return ("INSERT INTO change_counters (name, value) VALUES ('" + counter + "', "
            "abs(random() % 1000000000000000)) ON CONFLICT (name) DO UPDATE "
            "SET value = value + 1;")


PG_BUMP_FUNCTION_0002 = _pg_bump_function("bump_incidents_generation", "incidents")
SQLITE_BUMP = _sqlite_bump("incidents")


# --- migration 0006: the map change log -----------------------------------------

WINDOW = 100_000      # counter steps kept in the log (also app/incidents/mapindex/loading.py)
MAX_LOGGED = 10_000   # PostgreSQL: a bigger statement forces a rebuild instead
# table -> the column naming the incident (a number: a sentinel id, migration 0006)
LOGGED = {"incidents": "id", "incident_vectors": "incident_id",
          "incident_countries": "incident_id", "actors": "0", "vectors": "-1"}

PG_LOG_FUNCTION_0006 = """
CREATE OR REPLACE FUNCTION log_map_changes() RETURNS trigger AS $$
DECLARE
  col text := TG_ARGV[0];
  n bigint;
  win bigint;
  step bigint := 1;
  v_seq bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT count(*) INTO n FROM old_rows;
  ELSIF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT count(*) INTO n FROM new_rows;
  END IF;
  IF n = 0 THEN
    RETURN NULL;  -- a statement that touched nothing changes nothing
  END IF;
  SELECT value INTO win FROM change_counters WHERE name = 'map_changes_window';
  win := COALESCE(win, %(window)d);
  IF TG_OP = 'TRUNCATE' OR (n > %(max_logged)d AND col !~ '^-?[0-9]+$') THEN
    step := win + 1;
  END IF;
  INSERT INTO change_counters (name, value)
  VALUES ('incidents', (random() * 1e15)::bigint)
  ON CONFLICT (name) DO UPDATE SET value = change_counters.value + step
  RETURNING value INTO v_seq;
  IF step = 1 THEN
    IF col ~ '^-?[0-9]+$' THEN
      INSERT INTO map_changes (seq, incident_id) VALUES (v_seq, col::bigint)
      ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'INSERT' THEN
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT DISTINCT $1, %%I '
                     'FROM new_rows ON CONFLICT DO NOTHING', col) USING v_seq;
    ELSIF TG_OP = 'DELETE' THEN
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT DISTINCT $1, %%I '
                     'FROM old_rows ON CONFLICT DO NOTHING', col) USING v_seq;
    ELSE
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT $1, %%1$I '
                     'FROM new_rows UNION SELECT $1, %%1$I FROM old_rows '
                     'ON CONFLICT DO NOTHING', col) USING v_seq;
    END IF;
  END IF;
  DELETE FROM map_changes WHERE seq <= v_seq - win;
  RETURN NULL;
END $$ LANGUAGE plpgsql
""" % {"window": WINDOW, "max_logged": MAX_LOGGED}

SQLITE_LOG = ("INSERT OR IGNORE INTO map_changes (seq, incident_id) SELECT value, {ref} "
              "FROM change_counters WHERE name = 'incidents';")
SQLITE_PRUNE = ("DELETE FROM map_changes WHERE seq <= (SELECT value FROM change_counters "
                "WHERE name = 'incidents') - COALESCE((SELECT value FROM change_counters "
                f"WHERE name = 'map_changes_window'), {WINDOW});")


def sentinel(col):
    """Whether ``LOGGED``'s ``col`` is a sentinel id (a number) rather than a column."""
    return col.lstrip("-").isdigit()


def sqlite_body(event, col):
    """Migration 0006's SQLite trigger body for ``event`` on a table logged by ``col``:
    bump the counter, log the incident(s) under it, prune the log."""
    if sentinel(col):
        refs = [col]
    else:
        refs = {"INSERT": [f"NEW.{col}"], "DELETE": [f"OLD.{col}"],
                "UPDATE": [f"OLD.{col}", f"NEW.{col}"]}[event]
    return " ".join([SQLITE_BUMP, *(SQLITE_LOG.format(ref=r) for r in refs), SQLITE_PRUNE])


def sqlite_map_events(col):
    """The events a SQLite map trigger watches on a table logged by ``col``: a new
    actor or vector shows only through incidents (logged), so sentinels skip INSERT."""
    return ("UPDATE", "DELETE") if sentinel(col) else ("INSERT", "UPDATE", "DELETE")


# --- migration 0009: reference tables bump change_counters['references'] ---------

REFERENCES_WATCHED = ("vectors", "countries", "techniques")

PG_REFERENCES_FUNCTION_0009 = _pg_bump_function("bump_references_generation", "references")
SQLITE_REFERENCES_BUMP = _sqlite_bump("references")


# --- migration 0011: only writes touching published incidents bump and log -------

PUBLISHED = "'published'"

PG_LOG_FUNCTION_0011 = """
CREATE OR REPLACE FUNCTION log_map_changes() RETURNS trigger AS $$
DECLARE
  col text := TG_ARGV[0];
  kept text := 'true';
  n bigint;
  win bigint;
  step bigint := 1;
  v_seq bigint;
BEGIN
  IF TG_TABLE_NAME = 'incidents' THEN
    kept := 'status = %(published)s';
  ELSIF col !~ '^-?[0-9]+$' THEN
    kept := format('%%I IN (SELECT id FROM incidents WHERE status = %(published)s)', col);
  END IF;
  IF TG_OP = 'DELETE' THEN
    EXECUTE 'SELECT count(*) FROM old_rows WHERE ' || kept INTO n;
  ELSIF TG_OP = 'INSERT' THEN
    EXECUTE 'SELECT count(*) FROM new_rows WHERE ' || kept INTO n;
  ELSIF TG_OP = 'UPDATE' THEN
    EXECUTE 'SELECT (SELECT count(*) FROM new_rows WHERE ' || kept || ') + '
            '(SELECT count(*) FROM old_rows WHERE ' || kept || ')' INTO n;
  END IF;
  IF n = 0 THEN
    RETURN NULL;  -- nothing published was touched: no bump, no lock, no log
  END IF;
  SELECT value INTO win FROM change_counters WHERE name = 'map_changes_window';
  win := COALESCE(win, %(window)d);
  IF TG_OP = 'TRUNCATE' OR (n > %(max_logged)d AND col !~ '^-?[0-9]+$') THEN
    step := win + 1;
  END IF;
  INSERT INTO change_counters (name, value)
  VALUES ('incidents', (random() * 1e15)::bigint)
  ON CONFLICT (name) DO UPDATE SET value = change_counters.value + step
  RETURNING value INTO v_seq;
  IF step = 1 THEN
    IF col ~ '^-?[0-9]+$' THEN
      INSERT INTO map_changes (seq, incident_id) VALUES (v_seq, col::bigint)
      ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'INSERT' THEN
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT DISTINCT $1, %%I '
                     'FROM new_rows WHERE %%s ON CONFLICT DO NOTHING', col, kept) USING v_seq;
    ELSIF TG_OP = 'DELETE' THEN
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT DISTINCT $1, %%I '
                     'FROM old_rows WHERE %%s ON CONFLICT DO NOTHING', col, kept) USING v_seq;
    ELSE
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT $1, %%1$I '
                     'FROM new_rows WHERE %%2$s UNION SELECT $1, %%1$I FROM old_rows '
                     'WHERE %%2$s ON CONFLICT DO NOTHING', col, kept) USING v_seq;
    END IF;
  END IF;
  DELETE FROM map_changes WHERE seq <= v_seq - win;
  RETURN NULL;
END $$ LANGUAGE plpgsql
""" % {"window": WINDOW, "max_logged": MAX_LOGGED, "published": PUBLISHED.replace("'", "''")}


def sqlite_condition(table, event, col):
    """Migration 0011's condition keeping a SQLite map trigger to published incidents,
    over ``NEW``/``OLD`` ('' for none: sentinel tables log every write)."""
    refs = {"INSERT": ["NEW"], "DELETE": ["OLD"], "UPDATE": ["OLD", "NEW"]}[event]
    if table == "incidents":
        tests = [f"{ref}.status = {PUBLISHED}" for ref in refs]
    elif not sentinel(col):
        tests = [f"(SELECT status FROM incidents WHERE id = {ref}.{col}) = {PUBLISHED}"
                 for ref in refs]
    else:
        return ""
    return " OR ".join(tests)


def sqlite_map_trigger(table, event, col, *, published_only):
    """``CREATE TRIGGER`` of the SQLite map trigger ``{table}_map_{event}``: migration
    0006's (``published_only`` false) or migration 0011's."""
    condition = sqlite_condition(table, event, col) if published_only else ""
    when = f" WHEN {condition}" if condition else ""
    return (f"CREATE TRIGGER {table}_map_{event.lower()} AFTER {event} ON {table}{when} "
            f"BEGIN {sqlite_body(event, col)} END")


# --- migration 0012_fields_platforms: platforms watched as vectors are -----------

# The platforms taxonomy and its link table, logged as 0006 logs vectors and
# incident_vectors (by 0011's rules: the link only for published incidents).
LOGGED_PLATFORMS_0012 = {"incident_platforms": "incident_id", "platforms": "-1"}
REFERENCES_WATCHED_0012 = ("platforms",)


def pg_map_triggers(table, col):
    """PostgreSQL's map triggers on ``table`` logged by ``col``, as migration 0006
    creates them: statement triggers with transition tables (one bump and one
    ``INSERT … SELECT`` per statement), calling ``log_map_changes``. A sentinel
    table (a new vector or platform shows only through incidents) has no insert one."""
    statements = [] if sentinel(col) else [
        f"CREATE TRIGGER {table}_map_insert AFTER INSERT ON {table} "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION log_map_changes('{col}')"]
    return statements + [
        f"CREATE TRIGGER {table}_map_update AFTER UPDATE ON {table} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION log_map_changes('{col}')",
        f"CREATE TRIGGER {table}_map_delete AFTER DELETE ON {table} "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION log_map_changes('{col}')",
        f"CREATE TRIGGER {table}_map_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION log_map_changes('{col}')"]


def pg_references_trigger(table):
    """PostgreSQL's trigger bumping ``change_counters['references']`` on ``table``, as
    migration 0009 creates it."""
    return (f"CREATE TRIGGER {table}_references_generation AFTER INSERT OR UPDATE OR "
            f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION bump_references_generation()")


def sqlite_references_triggers(table):
    """SQLite's triggers bumping ``change_counters['references']`` on ``table``, as
    migration 0009 creates them."""
    return [f"CREATE TRIGGER {table}_references_generation_{event.lower()} AFTER "
            f"{event} ON {table} BEGIN {SQLITE_REFERENCES_BUMP} END"
            for event in ("INSERT", "UPDATE", "DELETE")]


# --- what the head migration installed: the rules code replays -------------------

CURRENT_PG_LOG_FUNCTION = PG_LOG_FUNCTION_0011
# Every table with map triggers, and the column naming the incident.
CURRENT_LOGGED = {**LOGGED, **LOGGED_PLATFORMS_0012}
RTREE_INSERT = "incidents_rtree_insert"  # migration 0001's trigger growing the R*Tree
# The SQLite map insert triggers on the tables a bulk insert writes, by table.
MAP_INSERTS = {f"{table}_map_insert": table
               for table in ("incidents", "incident_vectors", "incident_countries",
                             "incident_platforms")}


def current_sqlite_map_trigger(table, event):
    """The SQLite map trigger on ``table`` for ``event`` as the head migration made it."""
    return sqlite_map_trigger(table, event, CURRENT_LOGGED[table], published_only=True)


def sqlite_logged_ids(tables):
    """``SELECT`` of the incident ids the map insert triggers on ``tables`` would log
    for new rows naming an incident between two parameters (``?``, per table): each
    table's rows that pass its trigger's ``WHEN`` (``sqlite_condition``)."""
    selects = []
    for table in tables:
        col = CURRENT_LOGGED[table]
        condition = sqlite_condition(table, "INSERT", col)
        selects.append(f"SELECT NEW.{col} AS incident_id FROM {table} AS NEW "
                       f"WHERE NEW.{col} BETWEEN ? AND ?"
                       + (f" AND ({condition})" if condition else ""))
    return " UNION ".join(selects)


def replay_sqlite_map_inserts(cursor, tables, span):
    """What the map insert triggers on ``tables`` do per row, once for the rows naming
    the incidents in ``span`` (``(first, last)``), with those triggers dropped.

    When any row passes its trigger's ``WHEN`` (its incident is published),
    one bump of the counter, every such incident logged under the value it
    reached, one prune (the triggers' own statements); else nothing, as with
    the triggers: drafts leave the public map's counter alone.
    """
    select = sqlite_logged_ids(tables)
    params = tuple(span) * len(tables)
    if not cursor.execute(f"SELECT EXISTS ({select})", params).fetchone()[0]:
        return
    cursor.execute(SQLITE_BUMP)
    # ``SQLITE_LOG`` for every logged incident at once.
    cursor.execute("INSERT OR IGNORE INTO map_changes (seq, incident_id) SELECT value, "
                   f"incident_id FROM change_counters, ({select}) WHERE name = 'incidents'",
                   params)
    cursor.execute(SQLITE_PRUNE)
