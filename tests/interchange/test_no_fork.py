"""No web request forks: big uploads and big exports take the plain path in the
request's own process (a forked child of a threaded server can inherit a held
lock and hang; Python 3.12 warns about it)."""
import io
import json
import os

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Incident

HEADER = "title,start_date,actor,vectors,wkt\n"
ROWS = 60_000  # a 4.4 MiB file: past the size from which the CLI reads in a worker


@pytest.fixture
def no_fork(monkeypatch):
    """``os.fork`` raises for the length of the test."""
    def refuse():
        raise AssertionError("a web request forked")
    monkeypatch.setattr(os, "fork", refuse)


def _big_csv():
    rows = "".join(f"Incident number {i} of a big uploaded file,2025-01-{1 + i % 28:02d},,"
                   f"cyber,POINT ({i % 170} {i % 80})\n" for i in range(ROWS))
    return (HEADER + rows).encode()


def test_a_big_upload_and_a_big_export_never_fork(client, auth, make_user, no_fork):
    content = _big_csv()
    assert len(content) > 4 * 2**20
    auth.login(make_user("editor").email)
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        for fields in ({"dry_run": "y", "publish": "y"}, {"publish": "y"}):
            response = client.post("/import", data={"file": (io.BytesIO(content), "big.csv"),
                                                    **fields},
                                   content_type="multipart/form-data")
            assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == ROWS
    exported = client.get("/export/incidents.geojson")
    assert exported.status_code == 200
    assert len(json.loads(exported.get_data())["features"]) == ROWS
    csv_text = client.get("/export/incidents.csv").get_data(as_text=True)
    assert csv_text.count("\n") == ROWS + 1
