"""Hypothesis on the request-number and text parsers (app/inputs.py).

Whatever a client sends, ``whole_number`` returns an int in range or raises
``InputError`` (never another exception), and accepts exactly the ASCII-digit
texts of in-range numbers; ``text_problem`` passes exactly the texts that
are valid XML 1.0 character data and encodable as UTF-8.
"""
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from app.inputs import INT64, InputError, text_problem, whole_number

ANYTHING = st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.booleans(),
                     st.lists(st.integers(), max_size=3), st.binary(max_size=8))


@settings(max_examples=2000, deadline=None)
@given(raw=ANYTHING, lo=st.integers(0, 10), hi=st.integers(10, INT64))
def test_whole_number_returns_an_int_in_range_or_raises_input_error(raw, lo, hi):
    try:
        value = whole_number(raw, name="n", lo=lo, hi=hi, default=None)
    except InputError as exc:
        assert "n: expected a whole number" in str(exc)
        return
    if raw is None or raw == "":
        assert value is None
    else:
        assert type(value) is int and lo <= value <= hi


@settings(max_examples=1000, deadline=None)
@given(n=st.integers(0, 10**25))
def test_ascii_digit_texts_are_accepted_exactly_when_in_range(n):
    text = str(n)
    try:
        assert whole_number(text, name="n", hi=INT64) == n
    except InputError:
        assert n > INT64


@settings(max_examples=500, deadline=None)
@given(digits=st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=5))
def test_non_ascii_digits_are_refused(digits):
    if digits.isascii():
        return
    try:
        whole_number(digits, name="n", hi=INT64)
    except InputError:
        return
    raise AssertionError(f"accepted {digits!r}")


@settings(max_examples=2000, deadline=None)
@given(text=st.text(st.characters(codec=None, exclude_categories=[]), max_size=40))
def test_accepted_texts_are_valid_xml_and_utf8(text):
    if text_problem(text) is not None:
        return
    text.encode("utf-8")
    element = ET.Element("t")
    element.text = text
    ET.fromstring(ET.tostring(element, encoding="utf-8"))


@settings(max_examples=500, deadline=None)
@given(prefix=st.text(max_size=5), char=st.sampled_from(
    [chr(c) for c in range(32) if chr(c) not in "\t\r\n"] + ["\ud800", "\udfff"]))
def test_controls_and_lone_surrogates_are_refused(prefix, char):
    assert text_problem(prefix + char) is not None


@settings(max_examples=1000, deadline=None)
@given(text=st.text(st.characters(codec=None, exclude_categories=[]), max_size=20),
       column=st.sampled_from(["name", "description", "aliases"]))
def test_the_stored_text_gate_refuses_exactly_what_text_problem_refuses(text, column):
    """``app/stored_text.row_problem`` (the before-flush gate) and ``text_problem``
    agree on every text, in a plain column and inside a JSON list column."""
    from app.incidents.models import Actor
    from app.stored_text import row_problem
    values = {"name": "Actor", "description": "", "aliases": []}
    values[column] = [text] if column == "aliases" else text
    found = row_problem(Actor(**values))
    if text_problem(text) is None:
        assert found is None
    else:
        assert found == (column, text_problem(text))
