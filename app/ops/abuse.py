"""Abuse resistance for expensive anonymous requests: per-client costs and a render queue.

Cheap anonymous requests used to tie up every worker: 40 concurrent
``/embed/map.png?width=2400&height=2400&q=<unique>`` kept ``/healthz`` waiting
26 s, 24 concurrent ``/api/v1/incidents?limit=5000`` did the same. Two devices
bound that cost, both off the map's hot path (``/api/v1/map`` meets neither):

- ``charge(scope, setting)``: one hit on the shared rate-limit storage per
  expensive anonymous request (a PNG render, a large API page), counted per
  client address; past the limit a 429 with ``Retry-After``. Signed-in users and
  token holders are not charged: they are accountable (and write-limited).
- ``RenderQueue``: at most ``slots`` renders at once per process, at most
  ``waiting`` more queued; any further render is refused at once with a 503
  and ``Retry-After`` instead of holding a worker thread.
"""
import threading
import time

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from app.extensions import limiter

RETRY_AFTER = 10  # seconds, for 503s of a full queue


def anonymous():
    """True for a request with neither a session user nor an API token."""
    return not request.headers.get("Authorization") and not current_user.is_authenticated


def charge(scope, setting):
    """Count one expensive anonymous request of ``scope`` against the client's limit.

    ``setting`` names the config value (``"20 per minute"``). Raises a 429 with
    ``Retry-After`` past it; free for signed-in users and tokens.
    """
    if not anonymous():
        return
    item = parse(current_app.config[setting])
    client = get_remote_address()
    if not limiter.limiter.hit(item, scope, client):
        reset = limiter.limiter.get_window_stats(item, scope, client).reset_time
        error = TooManyRequests("Too many expensive requests from this address; "
                                "slow down and retry later.")
        error.retry_after = max(1, int(reset - time.time()))
        raise error


class QueueFull(ServiceUnavailable):
    """Every render slot is busy and the queue is full: retry later (503)."""

    description = "The image renderer is busy; retry in a few seconds."

    def __init__(self):
        super().__init__(retry_after=RETRY_AFTER)


class RenderQueue:
    """At most ``slots`` concurrent runs and ``waiting`` queued ones; the rest: ``QueueFull``."""

    def __init__(self, slots, waiting):
        self.slots = threading.BoundedSemaphore(slots)
        self.room = threading.BoundedSemaphore(slots + waiting)

    def run(self, work):
        """``work()`` once a slot is free; ``QueueFull`` at once when there is no room."""
        if not self.room.acquire(blocking=False):
            raise QueueFull()
        try:
            with self.slots:
                return work()
        finally:
            self.room.release()


def init_app(app):
    """Give ``app`` its render queue (``ATLAS_RENDER_SLOTS``, ``ATLAS_RENDER_WAITING``)."""
    app.extensions["atlas_render_queue"] = RenderQueue(app.config["ATLAS_RENDER_SLOTS"],
                                                       app.config["ATLAS_RENDER_WAITING"])


def render_queue():
    """This process's render queue for the current app."""
    return current_app.extensions["atlas_render_queue"]
