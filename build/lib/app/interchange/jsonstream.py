"""Read a big JSON document member by member, and one array of it item by item.

``json.loads`` holds the whole file and every object in it at once; a
GeoJSON FeatureCollection of a million features is gigabytes of Python
objects. ``object_members`` walks the top-level object and hands out the
items of one chosen array (``features``) one at a time, decoding each with
the standard library's decoder (``JSONDecoder.raw_decode``) over a buffer
that holds about one item, so memory stays bounded whatever the file size.
"""
import io
import json
import re

from app.interchange.errors import FormatError
from app.messages import N_

CHUNK = 1 << 16
_SPACE = re.compile(r"[ \t\n\r]*")


def text_stream(stream):
    """``stream`` as UTF-8 text (a BOM skipped); text streams are returned as they are."""
    if isinstance(stream, (io.BufferedIOBase, io.RawIOBase)) or hasattr(stream, "mode") \
            and "b" in getattr(stream, "mode", ""):
        return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    return stream


class _Buffer:
    """Text read ahead from a stream, consumed from ``pos``; ``offset`` counts what was dropped."""

    def __init__(self, stream, what):
        self.stream, self.what = stream, what
        self.text, self.pos, self.offset, self.eof = "", 0, 0, False
        self.decoder = json.JSONDecoder()

    def fail(self, reason):
        raise FormatError(N_("the file is not %(what)s: %(reason)s"), what=self.what,
                          reason=reason)

    def _more(self, size=None):
        try:
            data = self.stream.read(size or CHUNK)
        except UnicodeDecodeError as exc:
            raise FormatError(N_("the file is not UTF-8 text (%(reason)s)"),
                              reason=exc.reason) from None
        if not data:
            self.eof = True
            return False
        self.offset += self.pos
        self.text = self.text[self.pos:] + data
        self.pos = 0
        return True

    def peek(self):
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text) or not self._more():
                return self.text[self.pos:self.pos + 1]

    def take(self, char):
        if self.peek() != char:
            found = self.peek() or "the end of the file"
            self.fail(f"expected {char!r} at character {self.offset + self.pos}, "
                      f"found {found!r}")
        self.pos += 1

    def skip(self, char):
        """Step over ``char`` if it comes next; whether it did."""
        if self.peek() != char:
            return False
        self.pos += 1
        return True

    def another(self, close):
        """After a member or item: ``True`` past a comma, ``False`` past ``close``."""
        if self.skip(","):
            return True
        self.take(close)
        return False

    def value(self):
        """Decode the next JSON value, reading more text until it is complete."""
        self.peek()
        size = CHUNK
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self._more(size):
                    size *= 2  # a value longer than the buffer: grow geometrically
                    continue
                self.fail(f"{exc.msg} at character {self.offset + exc.pos}")
            except RecursionError:
                self.fail("it is nested too deeply")
            # A number or literal that ends with the buffer may go on in the next read.
            if end == len(self.text) and not self.eof and self._more(size):
                continue
            self.pos = end
            return value


MEMBER, ARRAY, ITEM = "member", "array", "item"


def object_members(stream, *, streamed, what="JSON"):
    """Yield ``(key, value, MEMBER)`` per member of the top-level object, in file order.

    The member named ``streamed``, when its value is an array, yields
    ``(key, None, ARRAY)`` and then ``(key, item, ITEM)`` per item instead.
    Anything that is not one JSON object raises ``FormatError`` naming
    ``what`` the file should have been.
    """
    buf = _Buffer(text_stream(stream), what)
    if buf.peek() != "{":
        raise FormatError(N_("the file is not %(what)s: expected a JSON object"), what=what)
    buf.take("{")
    if not buf.skip("}"):
        while True:
            key = buf.value()
            if not isinstance(key, str):
                buf.fail("an object key must be a string")
            buf.take(":")
            if key == streamed and buf.peek() == "[":
                yield from _items(buf, key)
            else:
                yield key, buf.value(), MEMBER
            if not buf.another("}"):
                break
    if buf.peek():
        buf.fail(f"extra data at character {buf.offset + buf.pos}")


def _items(buf, key):
    buf.take("[")
    yield key, None, ARRAY
    if buf.skip("]"):
        return
    while True:
        yield key, buf.value(), ITEM
        if not buf.another("]"):
            return
