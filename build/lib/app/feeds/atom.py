"""Atom 1.0 (RFC 4287) documents built with ElementTree, so every string is escaped.

Pure: takes plain entry dicts and URLs, returns bytes. No request, no database.
"""
import xml.etree.ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


def _el(parent, tag, text=None, **attrs):
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _stamp(moment):
    """RFC 3339 timestamp of a naive UTC ``datetime``."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def atom_feed(*, feed_id, title, self_url, alternate_url, updated, entries, lang="en"):
    """An Atom feed document.

    Parameters
    ----------
    feed_id, self_url, alternate_url : str
        Absolute URLs: the feed's permanent id, itself, and the page it mirrors.
    updated : datetime
        Naive UTC; the newest entry's time, or now when there is none.
    entries : list of dict
        ``id`` (absolute URL), ``title``, ``url``, ``published`` and ``updated``
        (naive UTC datetimes), ``summary`` (text), ``categories`` (terms).
    """
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": lang})
    _el(feed, "id", feed_id)
    _el(feed, "title", title)
    _el(feed, "updated", _stamp(updated))
    _el(_el(feed, "author"), "name", "Hybrid Threat Atlas")
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    for item in entries:
        entry = _el(feed, "entry")
        _el(entry, "id", item["id"])
        _el(entry, "title", item["title"])
        _el(entry, "link", rel="alternate", type="text/html", href=item["url"])
        _el(entry, "published", _stamp(item["published"]))
        _el(entry, "updated", _stamp(item["updated"]))
        _el(entry, "summary", item["summary"], type="text")
        for term in item["categories"]:
            _el(entry, "category", term=term)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
