"""The one URL normaliser: what browsers would send is stored; what no URI can be is refused."""
import re

import pytest

from app.incidents.urls import PLAIN_URI, normalise_url

# RFC 3986 Appendix A for an absolute http(s) URI with a reg-name or IPv6 host, written
# independently of the module under test.
_PCT = r"%[0-9A-Fa-f]{2}"
_P = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|{_PCT})"
RFC3986 = re.compile(
    rf"https?://(?:(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|{_PCT})*@)?"
    rf"(?:\[[0-9a-fA-F:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|{_PCT})*)(?::[0-9]*)?"
    rf"(?:/{_P}*)*(?:\?(?:{_P}|[/?])*)?(?:#(?:{_P}|[/?])*)?")


@pytest.mark.parametrize("given, stored", [
    ("https://example.org/x?<b>", "https://example.org/x?%3Cb%3E"),
    ("https://example.org/a b/\"q\"", "https://example.org/a%20b/%22q%22"),
    ("  https://example.org/path\n  ", "https://example.org/path"),
    ("HTTPS://Example.ORG/Keep/Case", "https://example.org/Keep/Case"),
    ("https://bücher.example/ä?q=é", "https://xn--bcher-kva.example/%C3%A4?q=%C3%A9"),
    ("https://example.org/100%/ok%20", "https://example.org/100%25/ok%20"),
    ("https://example.org/a{b}|c^`", "https://example.org/a%7Bb%7D%7Cc%5E%60"),
    ("https://example.org/x#frag#more", "https://example.org/x#frag%23more"),
    ("http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/"),
    ("https://user name@example.org/", "https://user%20name@example.org/"),
    ("https:\\\\example.org\\a", "https://example.org/a"),
])
def test_links_are_encoded_as_browsers_send_them(given, stored):
    """A pasted link is stored as the RFC 3986 URI a browser would request."""
    assert normalise_url(given) == stored
    assert RFC3986.fullmatch(stored)
    assert normalise_url(stored) == stored  # idempotent


@pytest.mark.parametrize("given", [
    "javascript:alert(1)", "ftp://example.org/", "https://", "example.org/page",
    "https://exa mple.org/", "https://example.org:99999/", "https://[::1/",
    "https://<b>.example/", "https://ex\"ample.org/", "mailto:a@example.org", "",
])
def test_what_no_encoding_makes_a_uri_is_refused(given):
    """Another scheme, no host, a bad port or host: a clear message, nothing stored."""
    with pytest.raises(ValueError) as caught:
        normalise_url(given)
    assert "http(s) URL" in str(caught.value.args[0])


def test_longer_than_2000_characters_after_encoding_is_refused():
    """The length limit holds for the encoded form (a space becomes three characters)."""
    with pytest.raises(ValueError) as caught:
        normalise_url("https://example.org/" + "a b" * 500)
    assert "2000" in str(caught.value.args[0])


def test_plain_uri_pattern_never_admits_what_the_normaliser_would_change():
    """The import fast path skips the normaliser only for URIs it returns unchanged."""
    for url in ("https://example.org/a?b=c&d=%20#f", "http://a.example:8080/x/y/",
                "https://example.org/x?<b>", "https://Example.org/", "https://e.org/a b"):
        if PLAIN_URI.fullmatch(url):
            assert normalise_url(url) == url
    assert not PLAIN_URI.fullmatch("https://example.org/x?<b>")
