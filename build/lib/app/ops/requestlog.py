"""Request ids and structured (JSON lines) logs.

Every request gets an id: the caller's ``X-Request-ID`` when it is a sane
token (a load balancer's), else a new random one. It is echoed in the response
header, attached to every log record emitted while the request runs, and one
JSON line per request records method, path, status and duration.
"""
import json
import logging
import re
import sys
import time
import uuid

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
request_logger = logging.getLogger("atlas.request")


def request_id_from(header_value):
    """The caller's request id if it is a short plain token, else a fresh one."""
    if header_value and _SANE_ID.match(header_value):
        return header_value
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    EXTRAS = ("method", "path", "status", "duration_ms", "user_id")

    def format(self, record):
        entry = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        request_id = getattr(record, "request_id", None) or _current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for name in self.EXTRAS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _current_request_id():
    return g.get("request_id") if has_request_context() else None


def configure_logging(app):
    """Send the app's and the request logger's records to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for logger in (app.logger, request_logger):
        logger.handlers[:] = [handler]
        logger.setLevel(app.config.get("ATLAS_LOG_LEVEL", "INFO"))
        logger.propagate = False


def init_request_ids(app):
    """Register the hooks that assign, echo and log request ids."""

    @app.before_request
    def _assign_request_id():
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _echo_and_log(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
            elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
            request_logger.info("request", extra={
                # The route pattern, not the path: paths carry secrets (tip
                # receipts, embed keys), and no client address is logged at all.
                "request_id": request_id, "method": request.method,
                "path": request.url_rule.rule if request.url_rule else "(no route)",
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1)})
        return response
