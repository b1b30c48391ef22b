"""The tip parser: plain text, caps, URLs checked by shape, duplicates folded."""
from datetime import date

import pytest

from app.incidents.schema import ValidationError
from app.tips.schema import MAX_DESCRIPTION, MAX_EVIDENCE, parse_tip, url_key

TODAY = date(2026, 11, 29)


def _fields(exc):
    return {field.split("[")[0] for field, _ in exc.value.errors}


def test_a_minimal_tip_needs_only_a_description():
    tip = parse_tip({"description": "  Bot accounts push a fake poll  "}, today=TODAY)
    assert tip["description"] == "Bot accounts push a fake poll"
    assert tip["evidence"] == [] and tip["country"] is None and tip["lat"] is None


def test_everything_wrong_is_reported_at_once():
    with pytest.raises(ValidationError) as exc:
        parse_tip({"description": "", "lat": "95", "country": "France",
                   "seen_on": "2030-01-01", "evidence": ["ftp://x.example/a"]}, today=TODAY)
    assert _fields(exc) == {"description", "lat", "country", "seen_on", "evidence"}


@pytest.mark.parametrize("data, field", [
    ({"description": "x" * (MAX_DESCRIPTION + 1)}, "description"),
    ({"description": "ok", "contact": "c" * 201}, "contact"),
    ({"description": "ok", "evidence": [f"https://e.example/{i}" for i in
                                         range(MAX_EVIDENCE + 1)]}, "evidence"),
    ({"description": "ok", "evidence": ["https://e.example/" + "a" * 2000]}, "evidence"),
])
def test_size_caps(data, field):
    with pytest.raises(ValidationError) as exc:
        parse_tip(data, today=TODAY)
    assert field in _fields(exc)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd",
                                 "gopher://127.0.0.1:25/", "http:///nohost",
                                 "https://a example/with space"])
def test_only_http_urls_are_accepted(url):
    with pytest.raises(ValidationError) as exc:
        parse_tip({"description": "ok", "evidence": [url]}, today=TODAY)
    assert _fields(exc) == {"evidence"}


def test_evidence_links_are_stored_percent_encoded():
    """A pasted link with spaces, quotes or a control character is kept as the URI a
    browser would request, never refused for it."""
    tip = parse_tip({"description": "ok", "evidence": ['https://a.example/with space\x07?"q"']},
                    today=TODAY)
    assert [e["url"] for e in tip["evidence"]] == ["https://a.example/with%20space%07?%22q%22"]


def test_control_characters_are_refused_but_newlines_kept():
    assert parse_tip({"description": "line 1\r\nline 2\tend"},
                     today=TODAY)["description"] == "line 1\nline 2\tend"
    with pytest.raises(ValidationError, match="contains a control character"):
        parse_tip({"description": "bell\x07"}, today=TODAY)


def test_markup_is_kept_as_text_not_interpreted():
    text = "<script>alert(1)</script> **bold**"
    assert parse_tip({"description": text}, today=TODAY)["description"] == text


def test_lat_without_lon_is_refused():
    with pytest.raises(ValidationError, match="both lat and lon"):
        parse_tip({"description": "ok", "lat": "48.8"}, today=TODAY)


@pytest.mark.parametrize("lat, lon", [(True, 2), ("nan", 2), (1, "-inf"), ("1e400", 2)])
def test_coordinates_must_be_finite_numbers_in_range(lat, lon):
    with pytest.raises(ValidationError):
        parse_tip({"description": "ok", "lat": lat, "lon": lon}, today=TODAY)


def test_evidence_one_per_line_and_the_same_link_twice_counts_once():
    tip = parse_tip({"description": "ok", "evidence":
                     "https://www.Example.org/post/1/?utm_source=x#top\n"
                     "http://example.org/post/1\n\nhttps://example.org/post/2"}, today=TODAY)
    assert [e["url"] for e in tip["evidence"]] == [
        "https://www.example.org/post/1/?utm_source=x#top", "https://example.org/post/2"]


def test_url_key_groups_variants_and_separates_different_pages():
    same = ["https://example.org/a", "HTTPS://EXAMPLE.ORG/a/", "http://www.example.org/a",
            "https://example.org:443/a#x", "https://example.org/a?utm_medium=social"]
    assert len({url_key(u) for u in same}) == 1
    assert url_key("https://example.org/a?id=1") != url_key("https://example.org/a?id=2")
    assert url_key("https://example.org/a") != url_key("https://example.org:8443/a")
