"""The one gate every stored text passes: ``app.inputs.text_problem`` at flush.

Forms, the JSON API, the tip form, taxonomy, reports, embeds, campaigns, notes,
signals, accounts and ``flask`` commands all write through the ORM session, so
the rule is applied there once rather than in each form or schema: before a
flush, every text column (and every string of a ``JSONList`` column: aliases,
allowed hosts) of a new row, and every changed one of an updated row, is
checked. A refused text raises ``InputError`` naming the field — a 400 with
the reason wherever it escapes (``app/__init__.py``), a ``ClickException`` in
the CLI — before any SQL of that flush is sent; the request's transaction is
then rolled back, so nothing of it is stored.

On PostgreSQL a NUL cannot even be sent in a query (a lookup of a typed name
would fail in the driver before any flush), so there a NUL in any query
parameter is the same ``InputError`` (``install_for_engine``).

Derived JSON (revision snapshots, audit details) is not checked: it is built
from columns that passed this gate. Bulk imports insert column by column
(``incidents.rows``) after ``incidents.schema`` has checked every text with
the same ``text_problem``.
"""
import re
from functools import cache

import sqlalchemy as sa
from sqlalchemy import event

from app.db_types import JSONList
from app.inputs import InputError, text_problem
from app.messages import N_


def _texts(value):
    """The strings a column value holds (one, a list's, or none)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


@cache
def _checked_columns(mapper):
    """Attribute keys of ``mapper``'s text and text-list columns (worked out once per
    model: every flush of every row asks)."""
    return tuple(prop.key for prop in mapper.column_attrs
                 if isinstance(prop.columns[0].type, (sa.String, JSONList)))


def row_problem(obj):
    """``(field, reason)`` for the first text of ``obj`` (a mapped row) that may
    not be stored, looking at new rows whole and at updated rows' changes; or None."""
    state = sa.inspect(obj)
    for key in _checked_columns(state.mapper):
        if state.pending or state.transient:
            values = [getattr(obj, key, None)]
        else:
            values = state.attrs[key].history.added
        for value in values:
            for text in _texts(value):
                problem = text_problem(text)
                if problem:
                    return key, problem
    return None


def _refuse_bad_text(session, _context, _instances):
    for obj in (*session.new, *session.dirty):
        found = row_problem(obj)
        if found:
            raise InputError(N_("%(name)s: %(reason)s"), name=found[0], reason=found[1])


def install(session_class):
    """Check texts before every flush of sessions of ``session_class`` (once)."""
    if not event.contains(session_class, "before_flush", _refuse_bad_text):
        event.listen(session_class, "before_flush", _refuse_bad_text)


def _refuse_nul_parameters(_conn, _cursor, _statement, parameters, _context, executemany):
    """PostgreSQL cannot hold or even compare text with a NUL: a lookup of a typed
    name (an actor, an email at sign-in) would fail in the driver with a 500
    before anything is flushed. Such a parameter is an ``InputError`` (400) instead.
    Bulk inserts (``executemany``) carry rows ``incidents.schema`` checked."""
    if executemany or not isinstance(parameters, dict):
        return
    for key, value in parameters.items():
        if isinstance(value, str) and "\x00" in value:
            raise InputError(N_("%(name)s: %(reason)s"), name=_PARAM_SUFFIX.sub("", key),
                             reason=text_problem(value))


_PARAM_SUFFIX = re.compile(r"_\d+$")


def install_for_engine(engine):
    """On PostgreSQL, refuse NUL characters in query parameters (once per engine)."""
    if engine.dialect.name == "postgresql" and not event.contains(
            engine, "before_cursor_execute", _refuse_nul_parameters):
        event.listen(engine, "before_cursor_execute", _refuse_nul_parameters)
