"""``forked.from_worker``: items cross the pipe pickled without a memo (``_dumps``)."""
import pytest

from app.interchange.forked import fork_available, from_worker

pytestmark = pytest.mark.skipif(not fork_available(), reason="needs fork")


def _items():
    title = "shared title"
    ids = [1, 2]
    yield {"rows": [(1, title, b"k", False)], "columns": {"title": [title], "ids": [ids, ids]}}
    yield ("text", 3.5, None, {"nested": [[ids]]})


def test_items_arrive_equal_shared_values_and_all():
    assert list(from_worker(_items(), "test")) == list(_items())


def _cyclic():
    item = []
    item.append(item)
    yield item


def test_an_item_that_cannot_be_pickled_fails_the_worker():
    with pytest.raises(RuntimeError, match="the test worker failed"):
        list(from_worker(_cyclic(), "test"))
