"""gunicorn settings for ``make run`` (``gunicorn -c gunicorn.conf.py wsgi:app``).

Environment: ``PORT`` (5000), ``BIND`` (127.0.0.1:$PORT), ``WORKERS`` (2 × cores,
at least 2), ``THREADS`` (1), ``TIMEOUT`` (30 s), ``MAX_REQUESTS`` (20000, 0 = never
recycle), ``PRELOAD`` (1). Logs go to stderr; the access log line carries the request
id the app echoes in ``X-Request-ID``.

Preloading: the master imports the app and builds the map's in-memory index once
(``when_ready``), then closes its database connections and forks the workers,
which share the index pages copy-on-write. Without it every worker built its own
index on its first map request: at 1,000,000 incidents 10–17 s each, longer than
``TIMEOUT`` when four workers build at once on two cores, so gunicorn killed them
mid-build, again and again.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '5000')}")
workers = int(os.environ.get("WORKERS") or max(2, 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("THREADS", "1"))
worker_class = "sync" if threads == 1 else "gthread"
timeout = int(os.environ.get("TIMEOUT", "30"))        # a stuck worker is killed and replaced
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
keepalive = 5                                         # behind a load balancer
# Recycling bounds slow leaks, but a fresh worker whose inherited map index is stale
# rebuilds it: recycle rarely.
max_requests = int(os.environ.get("MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
preload_app = os.environ.get("PRELOAD", "1") != "0"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# Plain text on purpose: gunicorn does not JSON-escape header values. The app
# itself logs one JSON line per request with the same id (app/ops/requestlog.py).
# No client address and no path: tips promise reporters that no IP is kept, and
# paths carry secrets (tip receipts, embed keys); the app logs the route pattern.
access_log_format = '%(m)s %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """Preloaded master: build the map index before forking, then drop its connections.

    Workers open their own database connections after the fork (a connection
    shared across processes would interleave their traffic).
    """
    if not preload_app:
        return
    from app.extensions import db
    from app.incidents import mapindex
    from wsgi import app
    with app.app_context():
        try:
            mapindex.holder().current()
        except Exception as exc:  # noqa: BLE001 — no index yet is not fatal: built on first use
            server.log.warning("map index not prebuilt: %s", exc)
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
