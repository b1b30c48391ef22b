"""``/metrics``: what an operator scrapes, in Prometheus's text format.

Off unless ``ATLAS_METRICS=1``; then answered only to the addresses in
``ATLAS_METRICS_ALLOW`` (loopback by default) or to a request bearing
``Authorization: Bearer $ATLAS_METRICS_TOKEN``. Everyone else gets a 404, as when
metrics are off, so the route reveals nothing.

A request that arrived through a proxy the app does not trust
(``X-Forwarded-For`` present while ``ATLAS_TRUSTED_PROXIES=0``) is never taken for
loopback: behind an untrusted nginx every client would look like 127.0.0.1.

Counted: requests and their latency by route pattern (``/incidents/<int:id>``, never
the path: paths carry tip receipts and embed keys), method and status; 429 refusals
by route; map index builds, patches and the time of its last update (and its age at
scrape time); imports by format and outcome; exports by format.

With several gunicorn workers each keeps its own counters; prometheus_client's
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``gunicorn.conf.py``) has
them write to files that ``/metrics`` sums, whichever worker answers.
"""
import hmac
import ipaddress
import os
import time

from flask import Response, abort, current_app, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge,
                               Histogram, generate_latest, multiprocess)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("atlas_http_requests", "HTTP requests answered",
                   ["method", "route", "status"])
LATENCY = Histogram("atlas_http_request_duration_seconds",
                    "Time from the request's start to its response", ["route"])
RATE_LIMITED = Counter("atlas_rate_limit_refusals", "Requests refused with HTTP 429",
                       ["route"])
INDEX_BUILDS = Counter("atlas_map_index_builds", "Map index built from every incident")
INDEX_PATCHES = Counter("atlas_map_index_patches", "Map index patched from the change log")
INDEX_UPDATED_NAME = "atlas_map_index_updated_timestamp_seconds"
INDEX_UPDATED = Gauge(INDEX_UPDATED_NAME,
                      "When a process last built or patched its map index (Unix time)",
                      multiprocess_mode="max")
IMPORTS = Counter("atlas_imports", "Import runs", ["format", "outcome"])
EXPORTS = Counter("atlas_exports", "Exports started", ["format"])


def init_app(app):
    """Add the ``/metrics`` route and, when metrics are on, the request counters."""
    app.add_url_rule("/metrics", "metrics", _metrics_view)
    if app.config["ATLAS_METRICS"]:
        app.before_request(_start_clock)
        app.after_request(_count_request)


def _start_clock():
    g.metrics_started = time.perf_counter()


def _count_request(response):
    route = request.url_rule.rule if request.url_rule else "<unmatched>"
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        LATENCY.labels(route).observe(time.perf_counter() - started)
    if response.status_code == 429:
        RATE_LIMITED.labels(route).inc()
    return response


def map_index_updated(*, built):
    """The map index was rebuilt (``built``) or patched: count it, stamp the time."""
    (INDEX_BUILDS if built else INDEX_PATCHES).inc()
    INDEX_UPDATED.set(time.time())


def import_finished(fmt, outcome):
    """One import run of ``fmt`` ended: ``committed``, ``dry_run`` or ``rejected``."""
    IMPORTS.labels(fmt, outcome).inc()


def export_started(fmt):
    """An export in ``fmt`` began streaming or writing."""
    EXPORTS.labels(fmt).inc()


def _allowed():
    config = current_app.config
    token = config["ATLAS_METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    if "X-Forwarded-For" in request.headers and not config["ATLAS_TRUSTED_PROXIES"]:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False)
               for net in config["ATLAS_METRICS_ALLOW"])


def _metrics_view():
    if not current_app.config["ATLAS_METRICS"] or not _allowed():
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        source = CollectorRegistry()
        multiprocess.MultiProcessCollector(source)
    else:
        from prometheus_client import REGISTRY as source
    derived = CollectorRegistry(auto_describe=False)
    derived.register(_IndexAge(source))
    return Response(generate_latest(source) + generate_latest(derived),
                    content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


class _IndexAge:
    """``atlas_map_index_age_seconds``: now minus the newest index update of any worker."""

    def __init__(self, source):
        self.source = source

    def collect(self):
        newest = None
        for family in self.source.collect():
            if family.name == INDEX_UPDATED_NAME:
                values = [s.value for s in family.samples if s.value]
                newest = max(values) if values else None
        age = GaugeMetricFamily("atlas_map_index_age_seconds",
                                "Seconds since the map index was last built or patched "
                                "(absent before the first build)")
        if newest is not None:
            age.add_metric([], max(0.0, time.time() - newest))
        yield age
