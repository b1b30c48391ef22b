"""Build SQLite's R*Tree of incident bounding boxes in one pass (bulk load).

Inserting a row into an R*Tree virtual table walks the tree, rewrites a node
and sometimes reinserts or splits: 10–20 µs a row on a million, a quarter of
a bulk import's writing. A tree packed at once from every box (Sort-Tile-
Recursive: boxes sorted into vertical slices by x, each slice by y, cut into
nodes; the same again one level up) costs about 1 µs a box, and answers
queries at least as well (its nodes overlap less than grown ones). GDAL and
SpatiaLite build GeoPackage and SpatiaLite R*Trees the same way.

The R*Tree module keeps its tree in three ordinary tables, whose format is
documented at the top of SQLite's ``ext/rtree/rtree.c``::

    %_node(nodeno INTEGER PRIMARY KEY, data BLOB)   -- the root is node 1
    %_parent(nodeno INTEGER PRIMARY KEY, parentnode INTEGER)
    %_rowid(rowid INTEGER PRIMARY KEY, nodeno INTEGER)

A node is a blob of the table's node size: two bytes (the tree's depth in the
root, unused elsewhere), a two-byte cell count, then cells of an 8-byte id
(a row's rowid in a leaf, a child's node number above) and the box as four
4-byte floats, all big-endian, zero-padded. Coordinates are stored as 32-bit
floats rounded outwards exactly as the module rounds them on insert
(``rtreeValueDown``/``rtreeValueUp``), so a packed tree holds the same boxes
as one built row by row; ``rtreecheck()`` accepts it (tests).

``pack`` is pure (numpy); ``rebuild`` replaces a table's tree by one packed
from the ids and boxes it is given, inside the caller's transaction.
"""
import math
from dataclasses import dataclass

import numpy as np

# rtree.c's rounding factors: a coordinate that does not fit a float exactly is
# nudged outwards by one part in 2**23 before it is rounded.
_TOWARDS = 1.0 - 1.0 / 8388608.0
_AWAY = 1.0 + 1.0 / 8388608.0

_CELL = np.dtype([("id", ">i8"), ("box", ">f4", (4,))])  # 2 dimensions: 24 bytes
FILL = 0.75  # of a node's capacity: room for later inserts before nodes split


def float_down(values):
    """``values`` as the 32-bit floats an R*Tree stores for a minimum (never above)."""
    return _float32(values, up=False)


def float_up(values):
    """``values`` as the 32-bit floats an R*Tree stores for a maximum (never below)."""
    return _float32(values, up=True)


def _float32(values, *, up):
    """``rtreeValueUp`` (``up``) or ``rtreeValueDown`` of each value: the nearest
    float, or, when that lies on the wrong side, the value nudged outwards first."""
    values = np.asarray(values, dtype=np.float64)
    out = values.astype(np.float32)
    stored = out.astype(np.float64)
    wrong = stored < values if up else stored > values
    outwards = (values[wrong] < 0) != up  # away from zero, or towards it
    out[wrong] = (values[wrong] * np.where(outwards, _AWAY, _TOWARDS)).astype(np.float32)
    return out


@dataclass
class PackedTree:
    """The rows of the three tables: ``nodes`` ``[(nodeno, blob)]``, ``parents``
    ``(nodenos, parentnodes)`` and ``rowids`` ``(rowids, nodenos)`` as arrays."""

    nodes: list
    parents: tuple
    rowids: tuple
    depth: int


def pack(ids, boxes, node_size, fill=FILL):
    """Pack ``ids`` with their ``boxes`` (``(n, 4)``: min_x, max_x, min_y, max_y, as
    the R*Tree's columns) into an R*Tree whose nodes are ``node_size`` bytes."""
    capacity = (node_size - 4) // _CELL.itemsize
    per_node = max(2, min(capacity, int(capacity * fill)))
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    boxes = np.column_stack([float_down(boxes[:, 0]), float_up(boxes[:, 1]),
                             float_down(boxes[:, 2]), float_up(boxes[:, 3])])
    ids = np.asarray(ids, dtype=np.int64)
    levels = []  # per level, leaves first: (cell ids, cell boxes, node index of each cell)
    while True:
        order, groups = _tiles(boxes, per_node)
        boxes = boxes[order]
        # Above the leaves a cell's id is its child's node index (numbered below).
        levels.append((ids[order] if not levels else order, boxes, groups))
        if len(groups) <= per_node:
            break
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        boxes = np.column_stack([np.minimum.reduceat(boxes[:, 0], starts),
                                 np.maximum.reduceat(boxes[:, 1], starts),
                                 np.minimum.reduceat(boxes[:, 2], starts),
                                 np.maximum.reduceat(boxes[:, 3], starts)])
    return _tree(levels, node_size, per_node)


def _tiles(boxes, per_node):
    """Sort-Tile-Recursive order of ``boxes`` and the node index of each, in that order.

    The boxes' centres are sorted by x into vertical slices of about sqrt(nodes)
    nodes, each slice by y, and cut into nodes of ``per_node`` boxes.
    """
    n = len(boxes)
    slices = math.ceil(math.sqrt(max(1, math.ceil(n / per_node))))
    cx = boxes[:, 0].astype(np.float64) + boxes[:, 1]
    cy = boxes[:, 2].astype(np.float64) + boxes[:, 3]
    by_x = np.argsort(cx, kind="stable")
    order = by_x[np.lexsort((cy[by_x], np.arange(n) // (slices * per_node)))]
    return order, np.arange(n) // per_node


def _tree(levels, node_size, per_node):
    """Number the nodes (the root is 1; the others from 2, leaves first) and write
    their blobs and links."""
    depth = len(levels) - 1
    numbers, first = [], 2
    for height, (_, _, groups) in enumerate(levels):
        count = int(groups[-1]) + 1 if len(groups) else 1
        if height == depth:
            numbers.append(np.ones(1, dtype=np.int64))
        else:
            numbers.append(np.arange(first, first + count, dtype=np.int64))
            first += count
    nodes, children, parents = [], [], []
    for height, (ids, boxes, groups) in enumerate(levels):
        if height:
            ids = numbers[height - 1][ids]
            children.append(ids)
            parents.append(numbers[height][groups])
        cells = np.zeros(len(ids), dtype=_CELL)
        cells["id"] = ids
        cells["box"] = boxes
        nodes += _blobs(cells, numbers[height], node_size, per_node,
                        depth if height == depth else 0)
    empty = np.zeros(0, dtype=np.int64)
    return PackedTree(nodes,
                      (np.concatenate(children), np.concatenate(parents)) if children
                      else (empty, empty),
                      (levels[0][0], numbers[0][levels[0][2]]), depth)


def _blobs(cells, numbers, node_size, per_node, depth):
    """``[(nodeno, blob)]`` of one level: consecutive runs of ``per_node`` cells."""
    count = len(numbers)
    buffer = np.zeros((count, node_size), dtype=np.uint8)
    padded = np.zeros(count * per_node, dtype=_CELL)
    padded[:len(cells)] = cells
    width = per_node * _CELL.itemsize
    buffer[:, 4:4 + width] = padded.view(np.uint8).reshape(count, width)
    sizes = np.full(count, per_node, dtype=">u2")
    sizes[-1] = len(cells) - (count - 1) * per_node
    buffer[:, 2:4] = sizes.view(np.uint8).reshape(count, 2)
    buffer[:, 0:2] = np.frombuffer(np.array(depth, dtype=">u2").tobytes(), dtype=np.uint8)
    return [(int(number), row.tobytes()) for number, row in zip(numbers, buffer)]


def rebuild(cursor, table, ids, boxes):
    """Replace the tree of the 2-dimensional R*Tree ``table`` by one packed from
    ``ids`` and their ``boxes`` (min_x, max_x, min_y, max_y).

    Runs on a DB-API ``cursor`` inside the caller's write transaction: a rollback
    restores the old tree with everything else.
    """
    node_size, = cursor.execute(f'SELECT length(data) FROM "{table}_node" '
                                "WHERE nodeno = 1").fetchone()
    tree = pack(ids, boxes, node_size)
    for name in ("node", "parent", "rowid"):
        cursor.execute(f'DELETE FROM "{table}_{name}"')
    cursor.executemany(f'INSERT INTO "{table}_node" (nodeno, data) VALUES (?, ?)', tree.nodes)
    cursor.executemany(f'INSERT INTO "{table}_parent" (nodeno, parentnode) VALUES (?, ?)',
                       sorted(zip(*(a.tolist() for a in tree.parents))))
    rowids, leaves = tree.rowids
    order = np.argsort(rowids, kind="stable")
    cursor.executemany(f'INSERT INTO "{table}_rowid" (rowid, nodeno) VALUES (?, ?)',
                       zip(rowids[order].tolist(), leaves[order].tolist()))
