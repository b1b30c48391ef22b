"""Wrong JSON types in any field get a ``ValidationError`` on that field, never a crash.

GeoJSON and STIX imports and the JSON API hand ``parse_incident`` whatever the
file or body holds: numbers, booleans, objects, nested arrays and nulls where
text or a list of texts belongs. Each is a 4xx message naming the field (an
import's "feature, field, reason"), not a bare ``ValueError`` (a 500, or an
import that stops without its report).
"""
import pytest

from app.incidents.schema import ValidationError, parse_incident
from app.messages import Message

GOOD = {"title": "Bot network", "start_date": "2025-04-01", "wkt": "POINT (2.35 48.86)"}
WRONG = [5, 0, 1.5, True, False, {}, {"url": "https://example.org/a"}, [[1]], [None],
         [True], [3], [{"a": 1}]]


def _errors(**fields):
    with pytest.raises(ValidationError) as info:
        parse_incident({**GOOD, **fields})
    return info.value.errors


@pytest.mark.parametrize("value", [5, 0, 1.5, True, False, {}, {"url": "https://x.org"}])
def test_source_url_that_is_not_text_or_a_list_is_a_validation_error(value):
    errors = _errors(source_url=value)
    assert errors == [("source_url", "expected a list or a ;-separated string")]
    assert isinstance(errors[0][1], Message)


@pytest.mark.parametrize("name", ["vectors", "countries", "techniques", "source_url"])
@pytest.mark.parametrize("value", [[None], [True], [3], [1.5], [[1]], [[]], [{"a": 1}],
                                   ["cyber", {"url": "https://example.org/a"}]])
def test_list_items_that_are_not_text_are_named(name, value):
    """An array of texts is expected: ``str()`` of a number or an object is no slug."""
    errors = _errors(**{name: value})
    position = len(value)  # the wrong item is the last one
    assert errors == [(name, f"item {position} must be text")]
    assert isinstance(errors[0][1], Message)


@pytest.mark.parametrize("name", ["vectors", "countries", "techniques"])
@pytest.mark.parametrize("value", [5, True, {"a": 1}, 1.5])
def test_lists_that_are_not_lists_are_named(name, value):
    assert _errors(**{name: value}) == [(name, "expected a list or a ;-separated string")]


@pytest.mark.parametrize("value", [5, True, "https://example.org/a", {"url": "x"}])
def test_sources_that_are_not_a_list(value):
    assert [f for f, _ in _errors(sources=value)] == ["sources"]


@pytest.mark.parametrize("item", [5, True, None, [["https://example.org/a"]],
                                  {"url": 5}, {"url": True}, {"url": None},
                                  {"url": ["https://example.org/a"]}, {"url": {}},
                                  {"url": "https://example.org/a", "archived_url": 5},
                                  {"url": "https://example.org/a", "archived_url": {}},
                                  {"url": "https://example.org/a", "date": 5},
                                  {"url": "https://example.org/a", "date": {"y": 1}},
                                  {"url": "https://example.org/a", "publisher": 5},
                                  {"url": "https://example.org/a", "publisher": True},
                                  {"url": "https://example.org/a", "publisher": ["X"]},
                                  {"url": "https://example.org/a", "publisher": {"n": "X"}},
                                  {"url": "http://[oops/a"}])
def test_malformed_source_objects_are_named_by_position(item):
    """Every problem with the second source is reported on ``sources[1]``."""
    errors = _errors(sources=[{"url": "https://example.org/ok"}, item])
    assert [f for f, _ in errors] == ["sources[1]"]
    assert isinstance(errors[0][1], Message)


def test_a_source_without_a_publisher_or_a_date_is_fine():
    data = parse_incident({**GOOD, "sources": [{"url": "https://example.org/a",
                                                "publisher": None, "date": None}]})
    assert data["sources"] == [{"url": "https://example.org/a", "publisher": "",
                                "published_on": None, "archived_url": None}]


def test_a_bracketed_host_is_refused_in_words():
    """``urlsplit`` raises its own English ValueError for a broken IPv6 host."""
    ((field, reason),) = _errors(source_url="http://[::1/x")
    assert field == "sources[0]" and isinstance(reason, Message)
    assert "is not an http(s) URL" in reason


@pytest.mark.parametrize("name", ["confidence", "precision_m"])
@pytest.mark.parametrize("value", [10 ** 400, -(10 ** 400)], ids=["huge", "-huge"])
def test_integers_past_the_float_range_are_out_of_bounds(name, value):
    """JSON integers have no size limit; ``float()`` overflows on them."""
    ((field, reason),) = _errors(**{name: value})
    assert field == name and reason.startswith("must be between")


@pytest.mark.parametrize("value", WRONG + [None, "", [], "x" * 10])
@pytest.mark.parametrize("name", ["title", "summary", "location_name", "lang", "start_date",
                                  "end_date", "time_precision", "geometry", "wkt", "lat",
                                  "lon", "geo_precision", "precision_m", "actor",
                                  "attribution", "confidence", "vectors", "countries",
                                  "techniques", "sources", "source_url"])
@pytest.mark.parametrize("partial", [False, True])
def test_any_wrong_type_in_any_field_is_parsed_or_refused(name, value, partial):
    try:
        parse_incident({**GOOD, name: value}, partial=partial)
    except ValidationError as exc:
        assert all(isinstance(reason, str) for _, reason in exc.errors)
