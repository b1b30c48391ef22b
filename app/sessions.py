"""The session cookie, except on responses meant for anonymous readers of other sites.

A view marks its response ``cookieless = True`` (see ``app.embeds.routes.cookieless``):
the session is then neither saved nor announced, so no ``Set-Cookie`` and no
``Vary: Cookie`` — Flask-Login reads the session after every request, which would
otherwise add ``Vary: Cookie`` and split a CDN's cache per reader.
"""
from flask.sessions import SecureCookieSessionInterface


class AtlasSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, skipped for responses marked ``cookieless``."""

    def save_session(self, app, session, response):
        if getattr(response, "cookieless", False):
            return
        super().save_session(app, session, response)
