"""Helpers for tests: forms through the test client, calls counted through monkeypatch."""
import re

from flask import g


def fresh_g():
    """Test requests share the fixture's app context, hence ``g``: drop its caches
    (Flask-WTF's CSRF token and Flask-Login's user) so each request starts clean."""
    g.pop("csrf_token", None)
    g.pop("_login_user", None)


def csrf_from(client, path):
    """The CSRF token of the form on ``path``, as a browser would read it."""
    fresh_g()
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def count_calls(monkeypatch, owner, name):
    """Wrap ``owner.name`` so that each call appends to the returned list, then runs it."""
    real, calls = getattr(owner, name), []

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(owner, name, counted)
    return calls
