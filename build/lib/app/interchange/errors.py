"""Errors shared by every interchange format."""
from app.messages import MessageError


class FormatError(MessageError):
    """The file as a whole cannot be read as the claimed format; the message says why
    (English ``str`` for the CLI, ``localised()`` for the import page)."""
