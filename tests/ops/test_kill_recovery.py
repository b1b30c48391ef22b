"""SIGKILL during writes and during an import: after a restart nothing is half-written
and every acknowledged write is there. Real gunicorn, real CLI, both backends."""
import csv
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from tests.ops.liveproc import BIN, ROOT, GunicornServer, flask_cli, server_env

PASSWORD = "correct horse battery"
ROWS = 40_000  # over a second of importing even on a quiet machine (25,000 rows/s)
KILL_AFTER = 0.5  # seconds after the CLI opened the file: rows are being inserted, none committed


UNLIMITED = "1000000 per minute"


def _prepare(url, role):
    """Schema, reference data and one user, in-process (faster than four CLI runs);
    returns an API token of that user."""
    from app import create_app
    from app.auth.service import create_token, create_user
    from app.extensions import db
    from tests.conftest import config_for, migrate_and_load
    migrate_and_load(url)
    app = create_app(config_for(url))
    with app.app_context():
        token = create_token(create_user(email=f"{role}@example.org", password=PASSWORD,
                                         role=role))
        db.engine.dispose()
    return token


def _post(base, token, title):
    body = json.dumps({"type": "Feature",
                       "geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
                       "properties": {"title": title, "start_date": "2025-01-01",
                                      "vectors": ["cyber", "information"],
                                      "actor": "Writer"}}).encode()
    request = urllib.request.Request(base + "/api/v1/incidents", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def _writer(base, token, name, acknowledged, stop):
    n = 0
    while not stop.is_set():
        title = f"{name}-{n}"
        n += 1
        try:
            if _post(base, token, title) == 201:
                acknowledged.append(title)
        except (urllib.error.URLError, ConnectionError, OSError):
            pass  # the server died mid-request: not acknowledged, may or may not exist


def _consistency(url):
    """(titles, [incidents without a revision, incidents without vectors])."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        titles = set(conn.scalars(sa.text("SELECT title FROM incidents")))
        orphans = [conn.scalar(sa.text(
            f"SELECT count(*) FROM incidents i WHERE NOT EXISTS "
            f"(SELECT 1 FROM {table} x WHERE x.incident_id = i.id)"))
            for table in ("revisions", "incident_vectors")]
        if engine.dialect.name == "sqlite":
            assert conn.scalar(sa.text("PRAGMA integrity_check")) == "ok"
    engine.dispose()
    return titles, orphans


def test_sigkill_during_api_writes_loses_no_acknowledged_write(fresh_url):
    token = _prepare(fresh_url, "contributor")
    # Durability, not limits: the writers may outpace the default write limit.
    server = GunicornServer(fresh_url, workers=2, ATLAS_API_WRITE_LIMIT=UNLIMITED)
    acknowledged, stop = [], threading.Event()
    threads = [threading.Thread(target=_writer, args=(server.url, token, f"w{i}",
                                                      acknowledged, stop)) for i in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    server.kill()  # mid-flight: writers are blocked in requests right now
    stop.set()
    for thread in threads:
        thread.join(15)
    assert len(acknowledged) >= 5, "too few writes before the kill to prove anything"
    restarted = GunicornServer(fresh_url, workers=2, ATLAS_API_WRITE_LIMIT=UNLIMITED)
    try:
        titles, orphans = _consistency(fresh_url)
        assert set(acknowledged) <= titles
        assert orphans == [0, 0]
        assert _post(restarted.url, token, "after restart") == 201
    finally:
        restarted.stop()


def _write_csv(path, rows):
    with open(path, "w", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(["title", "start_date", "vectors", "lat", "lon", "confidence"])
        for i in range(rows):
            out.writerow([f"imported {i}", "2025-02-01", "cyber;energy",
                          40 + (i % 200) * 0.1, -5 + (i % 300) * 0.1, 50])


def _wait_until_open(proc, path, timeout=60):
    """Return once ``proc`` has ``path`` open (the import has begun; the CLI's start-up
    takes seconds, and more on a busy machine). Without /proc, wait 4 s instead."""
    fds = Path(f"/proc/{proc.pid}/fd")
    if not fds.is_dir():
        time.sleep(4)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if any(os.readlink(fd) == str(path) for fd in fds.iterdir()):
                return
        except OSError:  # a descriptor closed while listed
            pass
        time.sleep(0.02)
    raise AssertionError(f"the import never opened {path}")


def test_sigkill_during_an_import_leaves_nothing_then_a_rerun_imports_all(fresh_url,
                                                                          tmp_path):
    _prepare(fresh_url, "editor")
    path = tmp_path / "big.csv"
    _write_csv(path, ROWS)
    command = [str(BIN / "flask"), "--app", "wsgi", "incidents", "import", str(path),
               "--as", "editor@example.org"]
    # Unbuffered: a process killed while exiting has already said "Imported".
    proc = subprocess.Popen(command, cwd=ROOT, env={**server_env(fresh_url),
                                                    "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_until_open(proc, path)
    time.sleep(KILL_AFTER)
    assert proc.poll() is None, "the import finished before the kill; make the file bigger"
    proc.kill()
    out, _ = proc.communicate(timeout=10)
    # A process still alive may have committed already (it was exiting): not a kill
    # inside the import, so the test would prove nothing.
    assert b"Imported" not in out, "the import finished before the kill; make the file bigger"
    titles, orphans = _consistency(fresh_url)
    assert titles == set() and orphans == [0, 0]
    rerun = flask_cli(fresh_url, "incidents", "import", str(path), "--as", "editor@example.org")
    assert f"Imported {ROWS} incidents" in rerun.stdout
    titles, orphans = _consistency(fresh_url)
    assert len(titles) == ROWS and orphans == [0, 0]
