"""``parse_incidents`` (imports, many rows at once) decides exactly like ``parse_incident``."""
import numpy as np
import pytest
import shapely

from app.geo.geometry import GeometryError, parse_geometry, parse_wkt_many
from app.incidents.schema import ValidationError, parse_incident, parse_incidents

GOOD = {"title": "Bot network ahead of the vote", "summary": "Seen by three outlets.",
        "start_date": "2024-03-05", "end_date": "", "actor": "Jade Typhoon",
        "vectors": "information;cyber", "countries": "", "wkt": "POINT (2.35 48.85)",
        "geo_precision": "city", "confidence": "70",
        "source_url": "https://example.org/a?b=1#c; http://news.example.com:8080/x"}

# Each variant changes some cells of GOOD: good rows the fast path proves, good
# rows it leaves to the full parser, and rows with every kind of problem.
VARIANTS = [
    {}, {"summary": ""}, {"actor": ""}, {"actor": "   "}, {"end_date": "2024-03-09"},
    {"confidence": ""}, {"confidence": "0"}, {"confidence": "100"}, {"confidence": "007"},
    {"confidence": "101"}, {"confidence": "12.5"}, {"confidence": "1e2"}, {"confidence": "x"},
    {"confidence": "9" * 5000}, {"confidence": "٣"}, {"confidence": " 7 "},
    {"geo_precision": ""}, {"geo_precision": "street"}, {"vectors": ""},
    {"vectors": " ; cyber ;; "}, {"vectors": ";".join(["cyber"] * 51)},
    {"countries": "fra; deu"}, {"countries": ";".join(["FRA"] * 51)},
    {"title": ""}, {"title": "   "}, {"title": "x" * 300}, {"title": "x" * 301},
    {"title": "a\x00b"}, {"title": "  padded  "}, {"summary": "s" * 20_001},
    {"actor": "a" * 201}, {"actor": "nul\x00"},
    {"start_date": ""}, {"start_date": "2024"}, {"start_date": "2024-02"},
    {"start_date": "2024-02-30"}, {"start_date": "0000-01-01"}, {"start_date": " 2024-01-02"},
    {"start_date": "２０２４-01-02"}, {"start_date": "yesterday"},
    {"end_date": "2024-03-01"}, {"end_date": "2024-13-01"}, {"end_date": "2024-04"},
    {"source_url": ""}, {"source_url": "ftp://example.org/x"}, {"source_url": "example.org"},
    {"source_url": "https://"}, {"source_url": "HTTPS://EXAMPLE.ORG"},
    {"source_url": "https://[::1]/x"}, {"source_url": "https://exa mple.org"},
    {"source_url": "https://example.org/" + "x" * 2000},
    {"source_url": ";".join(["https://example.org"] * 51)},
    {"source_url": "https://user@example.org/é"},
    {"wkt": "POINT (2.35 48.85 100)"}, {"wkt": "POINT (200 10)"}, {"wkt": "POINT (10 95)"},
    {"wkt": "POINT (48.85 200)"}, {"wkt": "POINT (nan 1)"}, {"wkt": "POINT EMPTY"},
    {"wkt": "POINT (1"}, {"wkt": "LINESTRING (1 1)"}, {"wkt": "LINESTRING (0 0, 1 1)"},
    {"wkt": "LINESTRING (170 0, -170 1)"}, {"wkt": "MULTIPOINT ((0 0), (1 1))"},
    {"wkt": "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"}, {"wkt": "POLYGON ((0 0, 1 1, 0 0))"},
    {"wkt": "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"}, {"wkt": "POLYGON ((0 0, 1 0, 1 1, 0 0"},
    {"wkt": "POLYGON ((170 0, -170 0, -170 5, 170 5, 170 0))"},
    {"wkt": "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))"}, {"wkt": "GEOMETRYCOLLECTION EMPTY"},
    {"wkt": "LINEARRING (0 0, 1 0, 1 1, 0 0)"}, {"wkt": "  point (1 2)  "},
    {"wkt": "48.85, 2.35"}, {"wkt": '{"type": "Point", "coordinates": [1, 2]}'},
    {"wkt": ""}, {"wkt": "LINESTRING (" + ", ".join(["0 0"] * 10_001) + ")"},
    {"wkt": "nonsense"}, {"title": "", "wkt": "POINT (500 0)", "confidence": "x"},
    {"vectors": "  cyber  "}, {"vectors": "   "}, {"vectors": None}, {"vectors": ["cyber"]},
    {"countries": " fra "}, {"countries": 5}, {"source_url": " https://example.org/a "},
    {"source_url": " ; "}, {"source_url": "https://example.org;ftp://x"},
    {"source_url": ";".join(["https://example.org"] * 50)}, {"start_date": "2024-03-05 "},
    {"end_date": "2024-03-05"}, {"start_date": "2024-3-5"},
]


def _outcome(value):
    if isinstance(value, ValidationError):
        return ("error", value.errors)
    geometry = value.pop("geometry")
    return ("ok", value, shapely.to_wkb(geometry))


def test_parse_incidents_gives_the_same_verdicts_and_messages_as_parse_incident():
    rows = [{**GOOD, **variant} for variant in VARIANTS]
    rows += [{k: v for k, v in GOOD.items() if k != "end_date"},   # absent columns
             {k: v for k, v in GOOD.items() if k not in ("summary", "vectors", "source_url")},
             {**GOOD, "lat": "1", "lon": "2"}, {**GOOD, "wkt": "", "lat": "1", "lon": "2"},
             {**GOOD, "techniques": "T0002"}, {**GOOD, "vectors": ["cyber"]},
             {**GOOD, "confidence": 70}, {**GOOD, "title": None}, "not a mapping"]
    expected = []
    for row in rows:
        try:
            expected.append(parse_incident(row))
        except ValidationError as exc:
            expected.append(exc)
    got = parse_incidents(rows)
    assert len(got) == len(rows)
    for row, want, have in zip(rows, expected, got):
        assert _outcome(have) == _outcome(want), row
    verdicts = [isinstance(v, ValidationError) for v in expected]
    assert 10 < sum(verdicts) < len(rows) - 10  # the set really mixes good and bad rows


@pytest.mark.parametrize("text", ["POINT (1 2)", "POINT (1 2 3)", "POINT (181 0)",
                                  "LINESTRING (179 0, -179 0)", "POLYGON EMPTY",
                                  "POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))", "   ", "oops",
                                  "POLYGON ((0 0, 1 0, 1 1, 0 0))",
                                  "POLYGON ((0 0, 0 0, 1 0, 1 1, 1 1, 0 0))",
                                  "POLYGON ((0 0, 1 1, 2 2, 0 0))",
                                  "POLYGON ((0 0, 1 1, 0 0, 1 1, 0 0))",
                                  "POLYGON ((0 0, 1 1, 0 0, 0 0))",
                                  "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1))",
                                  "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 2, 1 1, 1 1))",
                                  "POLYGON ((179 0, -179 0, -179 1, 179 0))",
                                  "POLYGON ((0 0, 0 1, 179 -1, -170 0, 0 0))",
                                  "POLYGON ((170 0, -170 10, -170 0, 170 10, 170 0))",
                                  "POLYGON ((170 0, -170 0, -170 10, 170 10, 170 0))",
                                  "POLYGON ((179 80, 180 80, 180 95, 179 80))",
                                  "POLYGON ((181 0, 182 0, 182 1, 181 0))",
                                  "POLYGON ((0 0, 1 0, nan 1, 0 0))",
                                  "POLYGON ((0 0 1, 1 0 1, 1 1 1, 0 0 1))",
                                  "POLYGON ((0 0, 1 0, 1 1, 0 1, 1 0.5, 0 0))",
                                  "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))"])
def test_parse_wkt_many_matches_parse_geometry(text):
    (bulk,) = parse_wkt_many([text])
    try:
        single = parse_geometry(text)
    except GeometryError as exc:
        assert isinstance(bulk, GeometryError) and str(bulk) == str(exc)
    else:
        assert shapely.equals_exact(bulk, single, tolerance=0)
        assert shapely.to_wkb(bulk) == shapely.to_wkb(single)


def test_parse_wkt_many_proves_plain_geometries_without_validate_geometry(monkeypatch):
    """Points, lines and polygons without holes are screened in bulk (the import's common case)."""
    calls = []
    monkeypatch.setattr("app.geo.geometry.validate_geometry", calls.append)
    texts = ["POINT (1 2)", "LINESTRING (0 0, 1 1)", "MULTIPOINT ((0 0), (1 1))",
             "POLYGON ((0 0, 1 0, 1 1, 0 0))"]
    got = parse_wkt_many(texts)
    assert not calls
    assert [shapely.to_wkt(g) for g in got] == [shapely.to_wkt(shapely.from_wkt(t))
                                                for t in texts]


def test_parse_wkt_many_matches_parse_geometry_on_random_polygons():
    """Random small rings: valid, bow-ties, collapsed, out of range, across the
    antimeridian (where GEOS once failed to split invalid rings)."""
    rng = np.random.default_rng(5)
    texts = []
    for _ in range(800):
        n = int(rng.integers(2, 6))
        points = np.column_stack([rng.choice([0, 1, 2, 90, 180, -179, -180, 179], n),
                                  rng.choice([-91, -90, 0, 1, 2, 90, 91], n)])
        ring = [*points.tolist(), points[0].tolist()]
        texts.append("POLYGON ((" + ", ".join(f"{x} {y}" for x, y in ring) + "))")
    for text, bulk in zip(texts, parse_wkt_many(texts)):
        try:
            single = parse_geometry(text)
        except GeometryError as exc:
            assert isinstance(bulk, GeometryError) and str(bulk) == str(exc), text
        else:
            assert shapely.to_wkb(bulk) == shapely.to_wkb(single), text
