"""Language choice: ``?lang=fr|en``, then the ``lang`` cookie set by the switch, then
``Accept-Language``. Pages speak French or English."""
from flask import request

LANGUAGES = ("en", "fr")
DEFAULT = "en"


def select_locale():
    """The page language for this request (Flask-Babel's locale selector)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get("lang")
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT)
