"""Messages that keep a stable English text and can be shown in the reader's language.

Pure (no Flask): the geometry parser, the incident schema and the CLI use it.
``Message`` is a ``str`` — the English text the JSON API and the CLI give by
contract — that also carries its template and parameters, so pages translate
it at display time (``app.i18n.localise``). Mark templates with ``N_`` so
pybabel extracts them.
"""


def N_(message):
    """Mark ``message`` for extraction only; it is translated later with ``gettext``."""
    return message


class Message(str):
    """``message % params`` as a plain string, with ``message`` and ``params`` kept."""

    def __new__(cls, message, **params):
        self = super().__new__(cls, message % params if params else message)
        self.message, self.params = message, params
        return self


class Code(str):
    """An enumerated code of the data model (``kind``: "status", …) inside a message:
    English code for the API and the CLI, its label (``code_label``) on pages."""

    def __new__(cls, code, kind):
        self = super().__new__(cls, code)
        self.kind = kind
        return self


class Number(str):
    """A decimal number inside a message: ``value`` to ``digits`` decimals, written
    the English way for the API and the CLI ("0.5"), per locale on pages ("0,5")."""

    def __new__(cls, value, digits=1):
        self = super().__new__(cls, f"{value:.{digits}f}")
        self.value, self.digits = value, digits
        return self


class MessageError(ValueError):
    """An error whose ``str()`` is English and whose ``reason()`` can be translated."""

    def __init__(self, message, **params):
        self.message, self.params = message, params
        super().__init__(str(self.reason()))

    def reason(self):
        """The message as a ``Message`` (a translatable ``str``)."""
        return Message(self.message, **self.params)

    def localised(self):
        """The message in the current request's language (English outside one)."""
        from app.i18n import localise  # Flask-Babel: not needed by pure callers
        return localise(self.reason())
