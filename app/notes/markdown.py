"""Markdown to safe HTML for alert notes.

Pure: text in, HTML out. markdown-it-py renders CommonMark with raw HTML
switched off (so ``<script>`` typed in a note is text), then nh3 keeps only an
allow-list of tags and attributes and only http, https and mailto links, as a
second wall should the renderer ever let something through.
"""
import nh3
from markdown_it import MarkdownIt

TAGS = {"p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
SCHEMES = {"http", "https", "mailto"}

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(text):
    """Safe HTML of the Markdown ``text`` (headings start at ``h2``: the page has h1)."""
    html = _renderer.render(text or "")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel="noopener noreferrer nofollow")
