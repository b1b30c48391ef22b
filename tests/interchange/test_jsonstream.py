"""GeoJSON imports are read feature by feature, not as one document in memory."""
import io
import json

import pytest

from app.interchange import geojson_io, jsonstream
from app.interchange.errors import FormatError
from app.interchange.jsonstream import ARRAY, ITEM, MEMBER, object_members


class CountingStream(io.BytesIO):
    """A binary stream that remembers how many bytes were read from it."""

    consumed = 0

    def read(self, size=-1):
        data = super().read(size)
        self.consumed += len(data)
        return data

    def read1(self, size=-1):
        return self.read(size)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _feature(i):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [i / 7, 1e-3]},
            "properties": {"title": f"Ünïcode \"quoted\" {i}", "confidence": i,
                           "tags": [True, None, 1.5e300]}}


def test_items_and_members_decode_like_json_loads_across_buffer_boundaries(monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 5)  # every value spans several reads
    doc = {"bbox": [-1, -2, 3, 4], "features": [_feature(i) for i in range(30)],
           "type": "FeatureCollection", "name": "last"}
    text = json.dumps(doc, ensure_ascii=False, indent=1).encode()
    parts = list(object_members(io.BytesIO(text), streamed="features"))
    assert [v for _, v, part in parts if part == ITEM] == doc["features"]
    assert [(k, v) for k, v, part in parts if part == MEMBER] == [
        ("bbox", [-1, -2, 3, 4]), ("type", "FeatureCollection"), ("name", "last")]
    assert [k for k, _, part in parts if part == ARRAY] == ["features"]


def test_the_first_feature_comes_before_the_file_is_read(monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 4096)
    doc = {"type": "FeatureCollection", "features": [_feature(i) for i in range(5000)]}
    stream = CountingStream(json.dumps(doc).encode())
    rows = geojson_io.read_rows(stream)
    number, props = next(rows)
    assert number == 1 and props["title"] == "Ünïcode \"quoted\" 0"
    assert stream.consumed < len(stream.getvalue()) / 20
    assert sum(1 for _ in rows) == 4999


@pytest.mark.parametrize("content,needle", [
    (b'{"type": "FeatureCollection", "features": [{"type": "Feature"},]}',
     "Expecting value at character 63"),
    (b'{"type": "FeatureCollection", "features": []} trailing', "extra data"),
    (b'{"type": "FeatureCollection", "features": [', "Expecting value at character 43"),
    (b'{"type": "FeatureCollection", "features": []', "found 'the end of the file'"),
    (b'{"type": "FeatureCollection", "features": [' + b"[" * 50_000 + b"]",
     "nested too deeply"),
    (b'{"features": [], "type": "Topology"}', "not a GeoJSON FeatureCollection"),
    (b'{"type": "FeatureCollection"}', "not a GeoJSON FeatureCollection"),
    (b'["type", "FeatureCollection"]', "expected a JSON object"),
])
def test_malformed_documents_are_format_errors(content, needle):
    with pytest.raises(FormatError, match=needle):
        list(geojson_io.read_rows(io.BytesIO(content)))


def test_a_single_feature_and_an_empty_collection_are_read():
    one = {"properties": {"title": "Alone"}, "type": "Feature", "geometry": None}
    assert list(geojson_io.read_rows(io.BytesIO(json.dumps(one).encode()))) == [
        (1, {"title": "Alone", "geometry": None})]
    empty = b'\xef\xbb\xbf{"type": "FeatureCollection", "features": []}'
    assert list(geojson_io.read_rows(io.BytesIO(empty))) == []
