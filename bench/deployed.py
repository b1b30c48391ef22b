"""The app as the project's nginx configuration serves it, for the browser benches.

``deploy/nginx/atlas.conf`` compresses static files, the API and the basemap data
(``gzip on`` in those locations, for its ``gzip_types`` from ``gzip_min_length``
bytes) and leaves HTML pages alone. The benches serve the app with Werkzeug, which
compresses nothing; :class:`Gzipped` applies the same rule, read from that file, so
the bytes a browser bench counts are the bytes a reader of a deployed site receives.
"""
import gzip
import re
from pathlib import Path

CONF = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "atlas.conf"
PATHS = ("/static/", "/api/", "/geodata/")  # the locations with ``gzip on``


def nginx_gzip(text=None):
    """``(media types, minimum length)`` of the configuration's gzip settings."""
    text = text if text is not None else CONF.read_text()
    types = set(re.search(r"gzip_types([^;]+);", text)[1].split())
    return types, int(re.search(r"gzip_min_length\s+(\d+);", text)[1])


class Gzipped:
    """WSGI middleware: gzip what nginx would, leave everything else untouched."""

    def __init__(self, app):
        self.app = app
        self.types, self.min_length = nginx_gzip()

    def __call__(self, environ, start_response):
        if ("gzip" not in environ.get("HTTP_ACCEPT_ENCODING", "")
                or not environ.get("PATH_INFO", "").startswith(PATHS)):
            return self.app(environ, start_response)
        seen = {}

        def capture(status, headers, exc_info=None):
            seen.update(status=status, headers=headers)
            return lambda data: None

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        headers = seen["headers"]
        kind = next((v for k, v in headers if k.lower() == "content-type"), "")
        if kind.split(";")[0].strip() in self.types and len(body) >= self.min_length:
            body = gzip.compress(body, 6)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [
                ("Content-Encoding", "gzip"), ("Content-Length", str(len(body))),
                ("Vary", "Accept-Encoding")]
        start_response(seen["status"], headers)
        return [body]
