"""Real headless Chromium (Debian's) driven by Playwright against a live local server.

Without Chromium the browser tests skip with the reason, except under
``CI=true`` where they fail.
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.conftest import config_for, unavailable

CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-quic", "--no-first-run",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"Playwright is not installed: {exc}")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001
        pw.stop()
        unavailable(f"Chromium did not start: {str(exc).splitlines()[0]}")
    yield browser
    browser.close()
    pw.stop()


class LiveServer:
    """The app served by a real WSGI server on 127.0.0.1 in a background thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_app(sqlite_template, tmp_path):
    path = tmp_path / "live.db"
    shutil.copy(sqlite_template, path)
    app = create_app(config_for(f"sqlite:///{path}"))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app).start()
    yield server
    server.stop()


class PageWatch:
    """Records what a page asked for and any dialog or error it raised."""

    def __init__(self, page, origin):
        self.page, self.origin = page, origin
        self.requests, self.dialogs, self.errors = [], [], []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def foreign_requests(self):
        return [u for u in self.requests
                if not (u.startswith(self.origin + "/") or u.startswith(("data:", "blob:")))]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    page.watch = PageWatch(page, live_server.url)
    yield page
    context.close()
