"""The session cookie, except on responses meant for anonymous readers of other sites.

A view decorated with ``cookieless`` (embeds, the public map data) marks its response:
the session is then neither saved nor announced, so no ``Set-Cookie`` and no
``Vary: Cookie`` — Flask-Login reads the session after every request, which would
otherwise add ``Vary: Cookie`` and split a CDN's cache per reader.
"""
import functools

from flask import current_app, g
from flask.sessions import SecureCookieSessionInterface


class AtlasSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, skipped for responses marked ``cookieless``."""

    def save_session(self, app, session, response):
        if getattr(response, "cookieless", False):
            return
        super().save_session(app, session, response)


def cookieless(view):
    """Reader-side views: the response sets no cookie and does not vary by cookie.

    The same response serves every reader, so one cached copy serves all (see
    ``app.sessions``). The page language is then ``?lang=`` or ``Accept-Language``,
    never the site's ``lang`` cookie (``app.i18n.select_locale``).
    """
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        g.cookieless = True
        response = current_app.make_response(view(*args, **kwargs))
        response.cookieless = True
        return response
    return wrapped
