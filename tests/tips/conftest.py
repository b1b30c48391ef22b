"""Helpers for tip tests: send a tip, read a CSRF token, act as an editor."""
import re

import pytest

from app.tips.models import Tip

TIP = {"description": "Coordinated accounts spread a fake ministry letter.\nSeen on 3 platforms.",
       "location_name": "Vilnius", "country": "LTU", "seen_on": "2026-11-20",
       "evidence": ["https://social.example/post/1", "https://news.example/a"],
       "contact": "signal: @someone"}


def csrf_token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def send_tip(client):
    """POST a tip to the JSON twin; return its receipt."""
    def send(**fields):
        response = client.post("/api/v1/tips", json={**TIP, **fields})
        assert response.status_code == 202, response.get_json()
        return response.get_json()["receipt"]
    return send


@pytest.fixture
def editor_client(app, client, make_user, auth):
    """The ``client``, signed in as an editor; ``client.post_form(path, page, data)``."""
    editor = make_user("editor")
    auth.login(editor.email)
    client.editor = editor

    def post_form(path, page, data=None):
        return client.post(path, data={"csrf_token": csrf_token(client, page), **(data or {})})
    client.post_form = post_form
    return client


def only_tip():
    from app.extensions import db
    import sqlalchemy as sa
    return db.session.scalars(sa.select(Tip)).one()
