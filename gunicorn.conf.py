"""gunicorn settings for ``make run`` (``gunicorn -c gunicorn.conf.py wsgi:app``).

Environment: ``PORT`` (5000), ``BIND`` (127.0.0.1:$PORT), ``WORKERS`` (2 × cores,
at least 2), ``THREADS`` (1), ``TIMEOUT`` (30 s). Logs go to stderr; the access
log line carries the request id the app echoes in ``X-Request-ID``.
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
max_requests = 5000                                   # recycle workers: bounds slow leaks
max_requests_jitter = 500
# Not preloaded: each worker opens its own database connections after the fork.
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# Plain text on purpose: gunicorn does not JSON-escape header values. The app
# itself logs one JSON line per request with the same id (app/ops/requestlog.py).
# No client address and no path: tips promise reporters that no IP is kept, and
# paths carry secrets (tip receipts, embed keys); the app logs the route pattern.
access_log_format = '%(m)s %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
