"""Errors shared by every interchange format."""


class FormatError(ValueError):
    """The file as a whole cannot be read as the claimed format; the message says why."""
