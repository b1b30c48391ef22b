"""The one URL normaliser: every stored link an RFC 3986 ``http``/``https`` URI.

People paste links as browsers show them: with spaces, quotes, ``<b>`` in a
query, accented letters, a host in capitals. A browser sends such a link
percent-encoded (WHATWG URL), and so does this: ``normalise_url`` encodes
what RFC 3986 does not allow in each part, keeps what it does (an existing
``%XX`` stays as it is), lower-cases the scheme and host and IDNA-encodes a
non-ASCII host. What no encoding can turn into a URI (another scheme, no
host, a bad port, a host with characters no DNS name has) is refused with a
``ValueError`` carrying a ``Message``. Pure: no Flask, no database; the
migration ``0012_eco_urls`` runs it over the rows stored before it existed.

>>> normalise_url('https://Example.ORG/a b?q=<b>"x"#top')
'https://example.org/a%20b?q=%3Cb%3E%22x%22#top'
"""
import ipaddress
import re
from urllib.parse import urlsplit

from app.messages import N_, Message

MAX_URL = 2000
# RFC 3986 section 3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@".
_UNRESERVED_SUB = "A-Za-z0-9\\-._~!$&'()*+,;="
_PCHAR = f"[{_UNRESERVED_SUB}:@]|%[0-9A-Fa-f]{{2}}"
_KEEP = {"path": re.compile(f"{_PCHAR}|/"), "query": re.compile(f"{_PCHAR}|[/?]"),
         "userinfo": re.compile(f"[{_UNRESERVED_SUB}:]|%[0-9A-Fa-f]{{2}}")}
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*\.?")
# WHATWG: tabs and newlines inside a URL are dropped; C0 controls and spaces
# around it are trimmed.
_DROPPED = re.compile(r"[\t\n\r]")
_PORT = r"(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|\d{1,4})"
#: A URI ``normalise_url`` certainly returns unchanged: lower-case http(s), a
#: plain lower-case host, and only characters RFC 3986 allows where they are.
PLAIN_URI = re.compile(
    rf"https?://{_HOST.pattern}(?::{_PORT})?(?:/(?:{_PCHAR}|/)*)?"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?")


def _refused(url):
    return ValueError(Message(N_("%(url)s is not an http(s) URL"), url=repr(url)))


def _encode(text, part):
    """``text`` with every character RFC 3986 does not allow in ``part`` percent-encoded
    (UTF-8, upper-case hex, as browsers do); allowed runs and ``%XX`` kept."""
    keep, out, i = _KEEP[part], [], 0
    while i < len(text):
        match = keep.match(text, i)
        if match:
            out.append(match.group())
            i = match.end()
        else:
            out.append("".join(f"%{b:02X}" for b in text[i].encode("utf-8", "surrogatepass")))
            i += 1
    return "".join(out)


def _host(parts, url):
    """The host as RFC 3986 allows it: lower case, IDNA for non-ASCII, IPv6 in brackets."""
    try:
        host = parts.hostname
    except ValueError:
        raise _refused(url) from None
    if not host:
        raise _refused(url)
    if ":" in host:
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            raise _refused(url) from None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise _refused(url) from None
    if not _HOST.fullmatch(host):
        raise _refused(url)
    return host


def _authority(parts, url):
    try:
        port = parts.port
    except ValueError:
        raise _refused(url) from None
    authority = _host(parts, url)
    if port is not None:
        authority += f":{port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    return (_encode(userinfo, "userinfo") + "@" if at else "") + authority


def normalise_url(url):
    """``url`` as an RFC 3986 http(s) URI, percent-encoded as a browser would send it.

    Raises ``ValueError`` (its argument a ``Message``) when no encoding makes
    ``url`` an absolute http(s) URI of at most ``MAX_URL`` characters.
    """
    text = _DROPPED.sub("", url.strip(" \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e"
                                      "\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
                                      "\x1b\x1c\x1d\x1e\x1f"))
    if PLAIN_URI.fullmatch(text):
        normal = text
    else:
        # Browsers read a backslash as a slash in http(s) URLs.
        text = text.replace("\\", "/")
        try:
            parts = urlsplit(text)
        except ValueError:
            raise _refused(url) from None
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise _refused(url)
        normal = f"{parts.scheme.lower()}://{_authority(parts, url)}"
        normal += _encode(parts.path, "path")
        if "?" in text.split("#", 1)[0]:
            normal += "?" + _encode(parts.query, "query")
        if "#" in text:
            normal += "#" + _encode(parts.fragment, "query")
    if len(normal) > MAX_URL:
        raise ValueError(Message(N_("URL is longer than 2000 characters")))
    return normal
