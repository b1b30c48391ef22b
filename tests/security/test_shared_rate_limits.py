"""Finding 7: rate limits count once per instance, however many workers serve it.

The default storage (``atlas-file://``, app/ops/ratestore.py) keeps the
counters in one SQLite file shared by every worker process; Redis takes over
when ``RATELIMIT_STORAGE_URI`` names it (tests/ops/test_redis_rate_limits.py).
The proof runs gunicorn itself with two worker processes.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from app.ops.ratestore import FileStorage
from config import Config, ProductionConfig

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_storage_is_the_shared_file():
    assert ProductionConfig.RATELIMIT_STORAGE_URI == Config.RATELIMIT_STORAGE_URI
    assert Config.RATELIMIT_STORAGE_URI.startswith("atlas-file://") \
        or os.environ.get("RATELIMIT_STORAGE_URI")


def test_file_storage_counts_fixed_windows(tmp_path):
    storage = FileStorage(f"atlas-file://{tmp_path}/limits.sqlite")
    other = FileStorage(f"atlas-file://{tmp_path}/limits.sqlite")  # another process's view
    assert [storage.incr("k", 60), other.incr("k", 60), storage.incr("k", 60)] == [1, 2, 3]
    assert other.get("k") == 3 and storage.get_expiry("k") > time.time() + 50
    assert storage.incr("short", 0) == 1 and storage.get("short") == 0
    assert storage.incr("short", 60) == 1  # a new window after the old one ended
    storage.clear("k")
    assert other.get("k") == 0 and storage.check()


def test_expired_counters_are_deleted(tmp_path, monkeypatch):
    """Counters live for their window only: expired rows leave the file."""
    from app.ops import ratestore
    monkeypatch.setattr(ratestore, "SWEEP_EVERY", 3)
    storage = FileStorage(f"atlas-file://{tmp_path}/limits.sqlite")
    storage.incr("gone", 0)  # a window that has already ended
    storage.incr("kept", 60)
    storage.incr("kept", 60)  # the third counted request sweeps
    keys = [k for (k,) in storage._conn().execute("SELECT key FROM counters")]
    assert keys == ["kept"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url, headers=None):
    request = urllib.request.Request(url, headers={"Connection": "close", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def gunicorn(sqlite_template, tmp_path):
    """The app under gunicorn, 2 sync worker processes, on a copy of the test database."""
    database = tmp_path / "atlas.db"
    shutil.copy(sqlite_template, database)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "t" * 32,
           "ATLAS_ENV": "production", "ATLAS_DEMO": "0", "ATLAS_MAP_WARM": "0",
           "ATLAS_MAP_SAVED_DIR": "", "WORKERS": "2", "THREADS": "1",
           "BIND": f"127.0.0.1:{port}", "ATLAS_TOKEN_THROTTLE": "5 per minute",
           "ATLAS_TRUSTED_HOSTS": "127.0.0.1", "GRACEFUL_TIMEOUT": "2",
           "RATELIMIT_STORAGE_URI": f"atlas-file://{tmp_path}/ratelimits.sqlite"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if _status(url + "/healthz") == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield url, process
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _workers(process, wanted=2, wait=30):
    """The master's worker count, once it reaches ``wanted`` (or after ``wait`` s):
    /healthz answers as soon as the first worker is up, the second may still fork."""
    deadline = time.time() + wait
    while True:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(process.pid)],
                             capture_output=True, text=True).stdout.split()
        if len(out) >= wanted or time.time() > deadline:
            return len(out)
        time.sleep(0.2)


def test_two_gunicorn_workers_count_one_limit(gunicorn):
    url, process = gunicorn
    assert _workers(process) == 2
    bad = {"Authorization": "Bearer hta_wrong"}
    codes = [_status(url + "/api/v1/incidents", bad) for _ in range(12)]
    # "5 per minute" for the instance: five 401s, then 429 — not 5 per worker.
    assert codes == [401] * 5 + [429] * 7, codes
