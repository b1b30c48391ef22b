"""Bearer-token authentication for the API."""
from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from app.auth.service import user_for_token


def bearer_user():
    """The user of the request's ``Authorization: Bearer`` token, or ``None``.

    A header that is present but wrong is a 401, not a silent anonymous read.
    """
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        abort(401, "Authorization must be 'Bearer <token>'.")
    user = user_for_token(raw.strip())
    if user is None:
        abort(401, "The API token is unknown or revoked.")
    return user


def api_viewer():
    """Who is reading: the token's user, else the session's user (the map page), else anonymous."""
    return bearer_user() or current_user


def require_token(view):
    """Writes need a Bearer token (cookies never authorise an API write: no CSRF)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = bearer_user()
        if user is None:
            abort(401, "This needs an API token: 'Authorization: Bearer <token>'.")
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper
