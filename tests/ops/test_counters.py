"""Change counters read on connections of their own (app/ops/counters.py)."""
import os

import sqlalchemy as sa

from app.extensions import db
from app.ops import counters
from app.ops.counters import read_counter


def _bump(name="incidents"):
    """Move a counter from another connection and commit, as another worker would."""
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE change_counters SET value = value + 1 WHERE name = :n"),
                     {"n": name})


def test_reads_the_last_commit_of_any_connection_without_a_session_transaction(app):
    db.session.remove()
    before = read_counter("incidents")
    _bump()
    assert read_counter("incidents") == before + 1
    # The request's session was never opened: nothing to roll back at teardown.
    assert not db.session.registry().in_transaction()
    assert read_counter("no such counter") is None


def test_uncommitted_writes_are_not_seen(app):
    before = read_counter("incidents")
    db.session.execute(sa.text("UPDATE change_counters SET value = value + 5 "
                               "WHERE name = 'incidents'"))
    db.session.flush()
    assert read_counter("incidents") == before  # the index is built from commits only
    db.session.rollback()


def test_a_dropped_connection_is_replaced(app, backend):
    read_counter("incidents")
    reader = counters._readers[db.engine]
    (connection,) = reader.idle
    connection.close()  # as a server restart or an idle timeout would
    _bump()
    assert read_counter("incidents") is not None
    assert len(reader.idle) == 1 and reader.idle[0] is not connection


def test_dispose_closes_them_and_a_fork_leaves_them_to_the_parent(app):
    read_counter("incidents")
    reader = counters._readers[db.engine]
    assert reader.idle
    pid = os.fork()
    if pid == 0:  # the child: the parent's connection is not its own
        os._exit(0 if not reader.idle and counters._inherited else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert reader.idle  # the parent's connection is still there, still usable
    assert read_counter("incidents") is not None
    db.engine.dispose()
    assert not reader.idle
