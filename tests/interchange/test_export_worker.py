"""Big GeoJSON exports on SQLite share their id ranges with a forked worker process:
the same bytes as one process, streamed, and a failing worker fails the export."""
import io
import multiprocessing
import os
import time

import pytest

from app.incidents.filters import parse_filters
from app.interchange import export, geojson_io
from app.interchange.importer import import_stream
from tests.helpers import count_calls

HEADER = "title,summary,start_date,actor,vectors,countries,wkt,confidence\n"
AWKWARD = 'quote " backslash \\ tab\t é 日本 \u2028 🙂 </script>'
FILTERS = [{}, {"vector": "information"}, {"q": "7"}, {"actor": "Jade Typhoon"},
           {"bbox": "20,50,25,56"}, {"min_confidence": "60", "from": "2025-01-10"}]


@pytest.fixture
def incidents(app, backend, make_user, make_incident):
    """About 300 published incidents (and drafts) of varied shapes, actors and vectors."""
    vectors = ("cyber", "information", "political", "energy")
    actors = ("Jade Typhoon", "", "Northern Bear")
    shapes = ("POINT ({x} {y})", '"LINESTRING ({x} {y}, 24 55)"',
              '"POLYGON (({x} {y}, {x1} {y}, {x1} {y1}, {x} {y}))"')
    rows = []
    for n in range(300):
        x, y = 2 + n % 25, 45 + n % 11
        wkt = shapes[n % 3].format(x=x, y=y, x1=x + 1, y1=y + 1)
        summary = AWKWARD if n % 17 == 0 else ""
        rows.append(f'Incident {n},"{summary.replace(chr(34), chr(34) * 2)}",'
                    f"2025-01-{1 + n % 28:02d},{actors[n % 3]},{vectors[n % 4]},,{wkt},"
                    f"{n % 101}\n")
    editor = make_user("editor")
    result = import_stream(io.BytesIO((HEADER + "".join(rows)).encode()), fmt="csv",
                           user=editor, publish=True)
    assert result.ok, result.report()
    draft = import_stream(io.BytesIO((HEADER + rows[0].replace("Incident 0", "Draft")).encode()),
                          fmt="csv", user=editor)
    assert draft.ok
    make_incident(title=AWKWARD, actor=AWKWARD, vectors=["cyber", "information"],
                  sources=[{"url": "https://example.org/a", "publisher": AWKWARD}])


@pytest.fixture
def worker(app, monkeypatch):
    """Every GeoJSON export takes the worker, in ranges of about 7 incidents."""
    app.config["ATLAS_EXPORT_WORKER_ROWS"] = 1
    monkeypatch.setattr(export, "BATCH", 7)
    return count_calls(monkeypatch, export, "_geojson_with_worker")


def _both(app, fmt, args, tmp_path):
    """(stream text, file text, count) of an export of ``args``."""
    filters = parse_filters(args)
    path = tmp_path / f"out.{fmt}"
    count = export.export_to_path(path, fmt, filters, None)
    return "".join(export.stream_text(fmt, filters, None)), path.read_text("utf-8"), count


@pytest.mark.parametrize("args", FILTERS)
def test_the_worker_exports_the_same_bytes(app, backend, incidents, worker, args, tmp_path):
    app.config["ATLAS_EXPORT_WORKER_ROWS"] = 0
    alone = _both(app, "geojson", args, tmp_path)
    assert not worker
    app.config["ATLAS_EXPORT_WORKER_ROWS"] = 1
    shared = _both(app, "geojson", args, tmp_path)
    assert shared == alone
    assert shared[0] == shared[1] and shared[0].endswith(geojson_io.TAIL)
    assert shared[2] == shared[0].count('"type":"Feature",') and shared[2] > 0
    assert len(worker) == (2 if backend == "sqlite" else 0)  # SQLite files only
    assert not multiprocessing.active_children()


def test_other_formats_and_small_exports_take_no_worker(app, backend, incidents, worker,
                                                        tmp_path):
    _both(app, "csv", {}, tmp_path)
    app.config["ATLAS_EXPORT_WORKER_ROWS"] = 10_000
    _both(app, "geojson", {}, tmp_path)
    assert not worker


def test_the_export_streams_from_the_first_range(app, backend, incidents, worker):
    if backend != "sqlite":
        pytest.skip("the worker is for SQLite files")
    chunks = export.stream_text("geojson", parse_filters({}), None)
    assert next(chunks) == geojson_io.HEAD
    first = next(chunks)
    assert first.startswith('{"type":"Feature","id":') and first.count('"Feature"') <= 7
    assert multiprocessing.active_children()  # the worker is still on its ranges
    chunks.close()  # the client went away: the worker ends too
    assert worker and not multiprocessing.active_children()


def _in_worker(parent, action):
    """A ``features_text`` that runs ``action`` in the worker only, after a range."""
    real = geojson_io.features_text
    sent = []

    def features_text(records):
        if os.getpid() != parent:
            sent.append(1)
            if len(sent) > 1:
                action()
        return real(records)
    return features_text


@pytest.mark.parametrize("action, message", [
    (lambda: 1 / 0, "(?s)export worker failed:\n.*ZeroDivisionError"),
    (lambda: os._exit(3), r"export worker died \(exit code 3\)"),
])
def test_a_failing_worker_fails_the_export(app, backend, incidents, worker, monkeypatch,
                                           tmp_path, action, message):
    if backend != "sqlite":
        pytest.skip("the worker is for SQLite files")
    monkeypatch.setattr(geojson_io, "features_text", _in_worker(os.getpid(), action))
    with pytest.raises(RuntimeError, match=message):
        export.export_to_path(tmp_path / "out.geojson", "geojson", parse_filters({}), None)
    chunks = export.stream_text("geojson", parse_filters({}), None)
    with pytest.raises(RuntimeError, match=message):
        text = "".join(chunks)
        assert not text  # never reached: no truncated export
    assert len(worker) == 2 and not multiprocessing.active_children()


class _Taken:
    """``_Claims`` stand-in: this process is given ``numbers`` in turn; the worker has
    sent every range up to ``sent``."""

    def __init__(self, numbers, sent):
        self.numbers, self.last_sent = iter(numbers), sent

    def next(self):
        return next(self.numbers)

    def sent(self):
        return self.last_sent


@pytest.mark.parametrize("sent", [-1, 99])  # the worker slow, or done
@pytest.mark.parametrize("mine", [[1, 2, 5, 9], [0, 1, 2, 3, 4, 5, 6, 7, 8], [9], [4, 12],
                                  [3, 4, 5, 6, 7, 8, 9]])
def test_ranges_are_written_in_order_whoever_renders_them(mine, sent):
    count = 9
    theirs = [n for n in range(count) if n not in mine]
    received = iter([message for n in theirs
                     for message in ((f"w{n}a", 1), (f"w{n}b", 2), (export.RANGE, n))])
    rendered = []

    def own(number):
        rendered.append(number)
        yield f"m{number}", 3
    texts = [text for text, _ in export._in_order(count, _Taken(mine, sent), own, received)]
    assert [int(text[1:].rstrip("ab")) for text in texts] == sorted(
        [n for n in mine if n < count] + theirs * 2)
    assert rendered == [n for n in mine if n < count]
    assert next(received, None) is None


def test_a_range_out_of_turn_fails_the_export():
    received = iter([("text", 1), (export.RANGE, 4)])
    with pytest.raises(RuntimeError, match="sent range 4, not 3"):
        list(export._one_range(received, 3))


@pytest.mark.parametrize("slow", ["main", "worker"])
def test_the_faster_process_renders_more_ranges(app, backend, incidents, worker,
                                                monkeypatch, tmp_path, slow):
    if backend != "sqlite":
        pytest.skip("the worker is for SQLite files")
    app.config["ATLAS_EXPORT_WORKER_ROWS"] = 0
    alone = _both(app, "geojson", {}, tmp_path)
    app.config["ATLAS_EXPORT_WORKER_ROWS"] = 1
    parent, real, mine = os.getpid(), export._range_texts, []

    def range_texts(*args):
        here = os.getpid() == parent
        if here:
            mine.append(1)
        if here == (slow == "main"):
            time.sleep(0.02)
        return real(*args)
    monkeypatch.setattr(export, "_range_texts", range_texts)
    path = tmp_path / "slow.geojson"
    assert export.export_to_path(path, "geojson", parse_filters({}), None) == alone[2]
    assert path.read_text("utf-8") == alone[0]
    ranges = len(export._worker_blocks())
    assert (len(mine) < ranges / 3) if slow == "main" else (len(mine) > ranges * 2 / 3)
