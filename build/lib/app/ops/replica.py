"""Read replicas: anonymous reads of public pages go to ``DATABASE_REPLICA_URL``.

With ``DATABASE_REPLICA_URL`` set (config.py makes it the ``replica`` bind),
``RoutingSession.get_bind`` sends a statement to the replica only when all of
these hold, and to the primary otherwise:

- it is a plain ``SELECT`` (not a flush, an INSERT/UPDATE/DELETE, raw SQL, or
  ``session.connection()``, which raw-cursor readers such as the map index use);
- it does not read ``change_counters``: the counters that tell each process
  whether its in-memory data is stale are read where the writes happen;
- the request is a safe method (GET, HEAD, OPTIONS) of a public area
  (``REPLICA_BLUEPRINTS``: not sign-in, admin or tips);
- the request carries no credentials: no ``Authorization`` header, no signed-in
  session, no remember-me cookie. Everyone who can write (contributors,
  editors, API clients) therefore reads from the primary and sees their own
  writes at once; anonymous readers may see a published change a little late
  (the replica's lag).

Deciding from the request alone, never from ``current_user``, keeps the rule
free of database queries (loading the user would itself ask ``get_bind``).
"""
import sqlalchemy as sa
from flask import has_request_context, request, session
from flask_login import COOKIE_NAME as REMEMBER_COOKIE
from flask_sqlalchemy.session import Session

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REPLICA_BLUEPRINTS = frozenset({"api", "barometer", "embeds", "feeds", "incidents", "main",
                                "taxonomy", "interchange"})
PRIMARY_ONLY_TABLES = frozenset({"change_counters"})


def anonymous_public_read():
    """True when the current request may read from the replica (see the module doc)."""
    if not has_request_context() or request.method not in SAFE_METHODS:
        return False
    if request.blueprint not in REPLICA_BLUEPRINTS:
        return False
    if request.headers.get("Authorization") or request.cookies.get(REMEMBER_COOKIE):
        return False
    return "_user_id" not in session


def _reads_only_replicated_tables(clause):
    return not any(getattr(table, "name", None) in PRIMARY_ONLY_TABLES
                   for table in clause.get_final_froms())


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, with anonymous public SELECTs sent to the replica."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if (bind is None and not self._flushing and isinstance(clause, sa.Select)
                and REPLICA in self._db.engines and anonymous_public_read()
                and _reads_only_replicated_tables(clause)):
            return self._db.engines[REPLICA]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
