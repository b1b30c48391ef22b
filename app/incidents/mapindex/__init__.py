"""The in-memory columnar index of published incidents behind the map: its one interface.

Why: a SQL ``GROUP BY`` over 1,000,000 rows takes ~0.8 s per world view on
SQLite; the same aggregation over numpy columns takes tens of milliseconds
(bench/README.md, "## Map"). Each server process builds the index lazily from
the database once, then keeps it current from a change log: database triggers
bump ``change_counters['incidents']`` in the very transaction of every write to
incidents, their vectors, platforms or countries, and record the ids written in
``map_changes`` under the value reached (migration 0006). Each map request
reads the counter (one primary-key lookup); when it moved, the process re-reads
only the incidents logged since the value it applied and patches its columns
(milliseconds), rebuilding only on first use, when it fell further behind than
the pruned log reaches, or when the vector or platform taxonomy changed. So no process
serves clusters older than the last committed change, whoever wrote it and
from whichever process.

The index's ``generation`` is its *content* generation: it moves only when the
published set (or an actor's name) really changed. Drafts are not in the
index, so a contributor saving a draft leaves every per-filter cache, and the
ETag of every map answer, as they were.

Only published incidents are in the index: the map shows what the public may
see (``policy.PUBLIC_STATUSES``).

Behind this interface, one concern per module: ``columns`` (the arrays),
``loading`` (reading them from the database, patching them from the log),
``holding`` (one process's index: its lock, caches and saved files) and
``query`` (filter masks, facets, bounding boxes). The map view, the
barometer and embeds use only the names below: the holder and the query.
"""
from app.incidents.mapindex.columns import MULTI
from app.incidents.mapindex.holding import IndexHolder, holder, warm
from app.incidents.mapindex.query import (bbox_mask, count_rows, dates, facets, first_codes,
                                          group_masks, labels, masks, period, without_view)

__all__ = ["MULTI", "IndexHolder", "holder", "warm", "bbox_mask", "count_rows", "dates", "facets",
           "first_codes", "group_masks", "labels", "masks", "period", "without_view"]
