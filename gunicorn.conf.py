"""gunicorn settings for ``make run`` (``gunicorn -c gunicorn.conf.py wsgi:app``).

Environment (or ``.env``, loaded by ``config``): ``PORT`` (5000), ``BIND``
(127.0.0.1:$PORT), ``WORKERS`` (2 × cores, at least 2), ``THREADS`` (4; 1 = sync
workers), ``TIMEOUT`` (30 s), ``GRACEFUL_TIMEOUT`` (20 s), ``MAX_REQUESTS`` (20000,
0 = never recycle), ``PRELOAD`` (1), ``ATLAS_MAP_WARM`` (1: build the map index before
serving), ``ACCESS_LOG`` (off; ``-`` for stderr), ``ATLAS_LOG_LEVEL`` (info),
``FORWARDED_ALLOW_IPS`` (127.0.0.1), ``ATLAS_METRICS`` (metrics shared by the workers,
below). Logs go to stderr: the app's own JSON line per
request (request id, method, route, status, duration) is the access log; gunicorn's
plain-text line would repeat it at a cost on every request, so it is off unless asked.

Map index: with ``PRELOAD`` the master imports the app and builds the index once
(``when_ready``), closes its database connections and forks the workers, which
share the index pages copy-on-write and only bring it up to date at start
(``post_worker_init``: nothing to do, or a patch from the change log). Without
preloading each worker builds its own: at 1,000,000 incidents 10–17 s and ~100 MB
each, four at once on two cores.
"""
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Loads .env before the settings below are read (not bound to a name: gunicorn takes
# every top-level name of this file for a setting, and "config" is one).
__import__("config")

bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT') or '5000'}"
workers = int(os.environ.get("WORKERS") or max(2, 2 * multiprocessing.cpu_count()))
# Threads: a request waiting on the database (a commit's fsync, a cold page) leaves
# the worker free for others, and kept-alive connections skip a TCP handshake per
# request. Measured at 1,000,000 incidents on PostGIS (bench/README.md, "## Load"):
# 4 sync workers served 52 map-data requests/s in the mixed load, 4 × 4 threads 309.
threads = int(os.environ.get("THREADS", "4"))
worker_class = "sync" if threads == 1 else "gthread"
timeout = int(os.environ.get("TIMEOUT", "30"))        # a stuck worker is killed and replaced
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
keepalive = 5                                         # behind a load balancer
# Recycling bounds slow leaks, but a fresh worker whose inherited map index is stale
# rebuilds it: recycle rarely.
max_requests = int(os.environ.get("MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
preload_app = os.environ.get("PRELOAD", "1") != "0"
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("ATLAS_LOG_LEVEL", "info").lower()
# Plain text on purpose: gunicorn does not JSON-escape header values. The app
# itself logs one JSON line per request with the same id (app/ops/requestlog.py).
# No client address and no path: tips promise reporters that no IP is kept, and
# paths carry secrets (tip receipts, embed keys); the app logs the route pattern.
access_log_format = '%(m)s %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def _metrics_dir():
    """With ``ATLAS_METRICS=1``, a directory where every worker writes its counters.

    prometheus_client's multiprocess mode: each worker writes its samples to files
    there and ``/metrics`` sums them, whichever worker answers. The variable must be
    set before any worker (or the preloaded master) imports prometheus_client. A
    directory given in ``PROMETHEUS_MULTIPROC_DIR`` is emptied at start (stale files
    of a previous run would be counted again); else a fresh one is made.
    """
    if os.environ.get("ATLAS_METRICS", "0") == "0":
        return None
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)
    else:
        path = tempfile.mkdtemp(prefix="atlas-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path


METRICS_DIR = _metrics_dir()


def child_exit(server, worker):
    """A worker is gone: drop its live gauges (its counters stay in the sums)."""
    if METRICS_DIR:
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    """Preloaded master: build the map index before forking, then drop its connections.

    Workers open their own database connections after the fork (a connection
    shared across processes would interleave their traffic).
    """
    if not preload_app or os.environ.get("ATLAS_MAP_WARM", "1") == "0":
        return
    from app.extensions import db
    from app.incidents import mapindex
    from wsgi import app
    with app.app_context():
        try:
            mapindex.warm()
        except Exception as exc:  # noqa: BLE001 — no index yet is not fatal: built on first use
            server.log.warning("map index not prebuilt: %s", exc)
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


def post_worker_init(worker):
    """Build the map index before this worker takes its first request.

    The first worker reads every published incident (seconds at 1,000,000)
    and saves the index under ``ATLAS_MAP_SAVED_DIR``; workers started later
    (``max_requests`` recycling, restarts) map those files and apply the
    change log instead (tens of milliseconds). Either way it is paid here
    rather than by the first reader; meanwhile the other workers serve. A thread keeps telling the arbiter the worker is alive, or a build
    longer than ``timeout`` would get the worker killed. A failure is logged
    and left to the first map request (which builds the index itself).
    """
    if os.environ.get("ATLAS_MAP_WARM", "1") == "0":
        return
    from app.incidents import mapindex
    done = threading.Event()

    def heartbeat():
        while not done.wait(1.0):
            worker.notify()
    threading.Thread(target=heartbeat, daemon=True).start()
    started = time.perf_counter()
    try:
        with worker.wsgi.app_context():
            index = mapindex.warm()
            built = mapindex.holder().builds
        worker.log.info("map index ready: %d published incidents in %.2f s (%s)",
                        len(index), time.perf_counter() - started,
                        "built" if built else "from the saved index")
    except Exception:  # noqa: BLE001 — the first map request will build it
        worker.log.exception("map index not built at worker start")
    finally:
        done.set()
