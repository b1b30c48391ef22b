"""Walk EVERY route of the app with unpublished incidents' ids and titles.

Routes come from ``app.url_map``, so a route added later is walked too. For an
anonymous visitor, a reader and another contributor: an unpublished title
never appears in any answer, and every route that takes an incident id
answers 404 — the same as for an id that does not exist — and changes nothing.
"""
import pytest
import sqlalchemy as sa
from flask import g
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter

from app.auth.service import create_token
from app.extensions import db
from app.incidents.models import Incident
from tests.conftest import Auth

HIDDEN = {"draft": "Hidden draft zq1", "submitted": "Hidden submitted zq2",
          "rejected": "Hidden rejected zq3"}
SKIP_ENDPOINTS = {"static"}


def _guess(rule, name, incident):
    """A value for an argument the walk does not know: the id for numbers, else the uuid."""
    converter = rule._converters.get(name)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    numeric = isinstance(converter, (IntegerConverter, FloatConverter))
    return incident.id if numeric else incident.uuid


def _urls(app, incident):
    """``(rule, method, url)`` for every route, filled with ``incident``'s id."""
    values = {"incident_id": incident.id, "number": 1, "item_id": 1, "lang": "en",
              "key": incident.uuid, "receipt": incident.uuid, "year": 2025, "quarter": 1}
    query = (f"?q={incident.title.split()[-1]}&status={incident.status}"
             f"&id={incident.id}&uuid={incident.uuid}")
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        args = {name: values.get(name, _guess(rule, name, incident))
                for name in rule.arguments}
        path = rule.build(args, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, path + (query if method == "GET" else "")


def _viewers(app, make_user):
    """(name, client, headers) for anonymous, a reader and another contributor."""
    out = [("anonymous", app.test_client(), {})]
    for role in ("reader", "contributor"):
        user = make_user(role)
        client = app.test_client()
        g.pop("_login_user", None)
        Auth(client).login(user.email)
        out.append((role, client, {"Authorization": "Bearer " + create_token(user)}))
    return out


def test_unpublished_incidents_are_invisible_on_every_route(app, make_user, make_incident):
    author = make_user("contributor")
    hidden = [make_incident(title=title, status=status, author=author)
              for status, title in HIDDEN.items()]
    make_incident(title="Public one", status="published")
    versions = {i.id: i.version for i in hidden}
    viewers = _viewers(app, make_user)
    app.config["WTF_CSRF_ENABLED"] = False
    walked = set()
    for incident in hidden:
        for rule, method, url in _urls(app, incident):
            for name, client, headers in viewers:
                for extra in ({}, headers) if rule.rule.startswith("/api/") else ({},):
                    g.pop("_login_user", None)
                    response = client.open(url, method=method, headers=extra,
                                           json={"title": "x", "status": "published",
                                                 "version": incident.version}
                                           if method != "GET" else None)
                    # Binary answers (the favicon, PNGs) are read as text too, byte by byte.
                    body = response.get_data().decode("utf-8", "replace")
                    where = f"{method} {url} as {name}{' (token)' if extra else ''}"
                    for title in HIDDEN.values():
                        assert title not in body, where
                    if "incident_id" in rule.arguments:
                        # API writes without a token stop at 401 before any lookup,
                        # the same for every id; everything else is a 404.
                        expected = 401 if (rule.rule.startswith("/api/") and not extra
                                           and method != "GET") else 404
                        assert response.status_code == expected, where
                    walked.add(rule.endpoint)
    app.config["WTF_CSRF_ENABLED"] = True
    # Nothing changed, and the walk covered the incident pages and the API.
    db.session.expire_all()
    for incident in hidden:
        assert db.session.get(Incident, incident.id).version == versions[incident.id]
    assert {"incidents.show", "incidents.edit", "incidents.history", "incidents.review_one",
            "incidents.change_status", "incidents.restore", "api.get_incident",
            "api.patch_incident", "api.archive_incident", "api.list_incidents",
            "main.map_page"} <= walked


def test_the_walk_would_notice_a_leak(app, make_user, make_incident):
    """The same checks see the draft when its author walks: the walk can fail."""
    author = make_user("contributor")
    draft = make_incident(title=HIDDEN["draft"], status="draft", author=author)
    client = app.test_client()
    Auth(client).login(author.email)
    g.pop("_login_user", None)
    assert client.get(f"/incidents/{draft.id}").status_code == 200
    g.pop("_login_user", None)
    body = client.get("/api/v1/incidents?status=draft").get_data(as_text=True)
    assert HIDDEN["draft"] in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 1
