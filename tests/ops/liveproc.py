"""A real gunicorn server in a child process, on loopback, for fault tests and bench/.

``prepare_database(url)`` migrates and loads reference data with the real CLI;
``GunicornServer(url, workers=…)`` starts ``gunicorn -c gunicorn.conf.py`` and
waits for ``/healthz``; ``kill()`` sends SIGKILL to the whole process group.
"""
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url, **extra):
    """Environment for the CLI and gunicorn: production config on ``url``."""
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-and-fault-tests",
               ATLAS_ENV="production", ATLAS_DEMO="0", ATLAS_SECURE_COOKIES="0",
               PYTHONPATH=str(ROOT))
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask_cli(url, *args, check=True, **extra):
    """Run ``flask --app wsgi ARGS`` against ``url``; return the completed process."""
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,
                          env=server_env(url, **extra), capture_output=True, text=True,
                          check=check, timeout=600)


def prepare_database(url):
    """Migrations and reference data, through the real CLI."""
    flask_cli(url, "db", "upgrade")
    flask_cli(url, "reference", "load")


def limits_file(url):
    """An ``atlas-file://`` rate-limit store shared by the servers of database ``url``."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return f"atlas-file://{tempfile.gettempdir()}/atlas-test-limits-{digest}.sqlite"


class GunicornServer:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` on a free loopback port."""

    def __init__(self, url, *, workers=2, log_path=os.devnull, **extra_env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Rate-limit counts of this database's servers only: the default file sits in
        # the checkout's instance/, where servers of tests running at once would
        # count each other's requests.
        extra_env.setdefault("RATELIMIT_STORAGE_URI", limits_file(url))
        env = server_env(url, PORT=self.port, WORKERS=workers, **extra_env)
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
            stdout=self.log, stderr=self.log, start_new_session=True)
        self._wait_healthy()

    def _wait_healthy(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def kill(self):
        """SIGKILL the master and every worker at once: no graceful anything."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        self.log.close()

    def stop(self):
        """Graceful stop (SIGTERM), then SIGKILL if it lingers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self.log.close()
