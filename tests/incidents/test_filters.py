"""The shared filter parser: permalinks round-trip, bad values get a clear message."""
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from app.inputs import InputError
from app.incidents.filters import NONE, FilterError, parse_filters, to_query


def test_filters_round_trip_through_the_url():
    args = MultiDict([("actor", "3"), ("actor", "APT Test"), ("vector", "cyber,sabotage"),
                      ("country", "fra"), ("from", "2024-03"), ("to", "2024"),
                      ("min_confidence", "70"), ("q", "cable"), ("bbox", "-10,35,30,60")])
    filters = parse_filters(args)
    assert filters.actors == (3, "APT Test")
    assert filters.vectors == ("cyber", "sabotage")
    assert filters.countries == ("FRA",)
    assert filters.date_from == date(2024, 3, 1)
    assert filters.date_to == date(2024, 12, 31)
    assert filters.bbox == (-10, 35, 30, 60)
    assert parse_filters(MultiDict(to_query(filters))) == filters


@pytest.mark.parametrize("args, message", [
    ({"from": "yesterday"}, "not a date"),
    ({"from": "2024-02-30"}, "not a real date"),
    ({"from": "2025", "to": "2024"}, "must not be after"),
    ({"min_confidence": "101"}, "0 to 100"),
    ({"min_confidence": "high"}, "0 to 100"),
    ({"country": "France"}, "alpha-3"),
    ({"vector": "<script>"}, "not a vector slug"),
    ({"bbox": "1,2,3"}, "four numbers"),
    ({"bbox": "0,60,10,50"}, "south"),
    ({"bbox": "0,nan,10,50"}, "finite"),
    ({"q": "x" * 201}, "at most"),
])
def test_bad_filters_say_what_is_wrong(args, message):
    with pytest.raises((FilterError, InputError), match=message):
        parse_filters(MultiDict(args))


def test_none_selects_what_has_no_actor_vector_or_country_and_round_trips():
    filters = parse_filters({"actor": "None,3", "vector": "none", "country": "NONE,fra"})
    assert filters.actors == (NONE, 3)
    assert filters.vectors == (NONE,) and filters.countries == ("FRA", NONE)
    assert parse_filters(MultiDict(to_query(filters))) == filters


def test_a_nul_character_in_any_filter_is_a_filter_error():
    """PostgreSQL cannot compare text with a NUL: refused before any query (a 400)."""
    from app.incidents.filters import FilterError, parse_filters
    for args in ({"actor": "\x00"}, {"q": "a\x00b"}, {"vector": "cyber\x00"}):
        with pytest.raises(FilterError, match="NUL"):
            parse_filters(args)
