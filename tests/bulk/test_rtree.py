"""A packed R*Tree holds what SQLite's own inserts would, and SQLite accepts it."""
import sqlite3

import numpy as np
import pytest

from app.bulk import rtree as rtree_bulk

BOX = "SELECT id, min_x, max_x, min_y, max_y FROM boxes"


def _database(count, seed=3):
    """Boxes (70 % points) in a table, an R*Tree grown row by row and an empty one."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-180, 170, count), rng.uniform(-89, 80, count)
    size = rng.exponential(0.4, count) * (rng.random(count) < 0.3)
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE boxes (id INTEGER PRIMARY KEY, min_x, max_x, min_y, max_y)")
    connection.executemany("INSERT INTO boxes VALUES (?, ?, ?, ?, ?)",
                           zip(range(1, count + 1), x.tolist(), (x + size).tolist(),
                               y.tolist(), (y + size / 2).tolist()))
    for name in ("grown", "packed"):
        connection.execute(f"CREATE VIRTUAL TABLE {name} USING rtree(id, min_x, max_x, "
                           "min_y, max_y)")
    connection.execute(f"INSERT INTO grown {BOX}")
    rows = np.array(connection.execute(BOX).fetchall(), dtype=np.float64).reshape(-1, 5)
    rtree_bulk.rebuild(connection.cursor(), "packed", rows[:, 0].astype(np.int64), rows[:, 1:])
    return connection


def _check(connection, table):
    return connection.execute(f"SELECT rtreecheck('{table}')").fetchone()[0]


@pytest.mark.parametrize("count", [0, 1, 37, 38, 39, 1500, 20_000])
def test_a_packed_tree_stores_the_same_boxes_and_answers_the_same(count):
    connection = _database(count)
    rows = "SELECT * FROM {} ORDER BY id"
    assert (connection.execute(rows.format("packed")).fetchall()
            == connection.execute(rows.format("grown")).fetchall())
    assert _check(connection, "packed") == "ok"
    rng = np.random.default_rng(count)
    query = ("SELECT id FROM {} WHERE max_x >= ? AND min_x <= ? AND max_y >= ? "
             "AND min_y <= ? ORDER BY id")
    for _ in range(40):
        west, south = rng.uniform(-180, 170), rng.uniform(-90, 80)
        box = (west, west + rng.uniform(0, 40), south, south + rng.uniform(0, 20))
        assert (connection.execute(query.format("packed"), box).fetchall()
                == connection.execute(query.format("grown"), box).fetchall())


def test_sqlite_keeps_writing_a_packed_tree():
    connection = _database(5000)
    connection.execute("INSERT INTO packed SELECT id + 10000, min_x, max_x, min_y, max_y "
                       "FROM boxes WHERE id <= 2000")
    connection.execute("DELETE FROM packed WHERE id % 7 = 0")
    connection.execute("UPDATE packed SET min_x = min_x - 1 WHERE id % 5 = 0")
    assert _check(connection, "packed") == "ok"
    assert connection.execute("SELECT count(*) FROM packed").fetchone()[0] == 7000 - 1000


def test_a_packed_tree_is_shallow_and_its_nodes_leave_room():
    tree = rtree_bulk.pack(np.arange(1, 100_001), np.zeros((100_000, 4)), node_size=1228)
    capacity = (1228 - 4) // 24
    assert tree.depth == 3  # 100,000 boxes, 38 a node: 2,632 leaves, 70 nodes, 2, root
    counts = [int.from_bytes(blob[2:4], "big") for _, blob in tree.nodes]
    assert max(counts) <= capacity * rtree_bulk.FILL
    assert sorted(number for number, _ in tree.nodes) == list(range(1, len(tree.nodes) + 1))
    root = dict(tree.nodes)[1]
    assert int.from_bytes(root[:2], "big") == 3 and len(root) == 1228


def test_coordinates_round_outwards_like_sqlite():
    values = np.array([0.1, -0.1, 1e-40, -1e-40, 179.99999999, -179.99999999, 2.5, 0.0])
    down, up = rtree_bulk.float_down(values), rtree_bulk.float_up(values)
    normal = np.abs(values) > 1e-30  # SQLite's nudge is not exact on subnormal floats
    assert (down[normal] <= values[normal]).all() and (up[normal] >= values[normal]).all()
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE r USING rtree(id, min_x, max_x, min_y, max_y)")
    connection.executemany("INSERT INTO r VALUES (?, ?, ?, 0, 0)",
                           [(i, v, v) for i, v in enumerate(values.tolist())])
    stored = connection.execute("SELECT min_x, max_x FROM r ORDER BY id").fetchall()
    assert stored == list(zip(down.astype(np.float64).tolist(), up.astype(np.float64).tolist()))
