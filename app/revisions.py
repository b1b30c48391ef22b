"""Revisions and optimistic locking for campaigns and alert notes.

Incidents keep their own, richer machinery (``app/incidents/service.py``);
campaigns and notes share this one: every change names the ``version`` it
started from, a stale one raises ``StaleVersion`` (a 409, nothing written),
and every saved change appends a numbered revision with the state after it.
"""
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.orm.exc import StaleDataError

from app.auth.models import utcnow
from app.db_types import JSONDict
from app.extensions import db
from app.messages import N_, MessageError


class RevisionColumns:
    """The columns of a revision table but its owner's key: number, author, time,
    action, the state after (``snapshot``) and what changed (``changes``)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(20))
    snapshot: Mapped[dict] = mapped_column(JSONDict)
    changes: Mapped[dict | None] = mapped_column(JSONDict)

    @declared_attr
    def author(cls):
        return relationship("User")


class StaleVersion(MessageError):
    """The object changed since the version the editor started from."""

    def __init__(self, obj, expected):
        self.obj = obj
        super().__init__(N_("%(kind)s %(id)s is at version %(version)s, not %(expected)s: "
                            "someone else saved it first"),
                         kind=obj.__tablename__[:-1], id=obj.id, version=obj.version,
                         expected=expected)


def check_version(obj, expected):
    """Raise ``StaleVersion`` unless ``obj`` is still at ``expected`` (an int or text)."""
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        raise StaleVersion(obj, expected) from None
    if expected != obj.version:
        raise StaleVersion(obj, expected)


@contextmanager
def saving(obj, expected):
    """Commit what the block changed; a concurrent save surfaces as ``StaleVersion``."""
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(obj)
        raise StaleVersion(obj, expected) from None
    except Exception:
        db.session.rollback()
        raise


def record(revision_cls, owner_column, obj, *, author, action, before, after):
    """Append the next numbered revision of ``obj`` (``owner_column``: its FK name)."""
    from app.incidents.service import diff
    owner = getattr(revision_cls, owner_column)
    number = (db.session.scalar(sa.select(sa.func.max(revision_cls.number))
                                .where(owner == obj.id)) or 0) + 1
    db.session.add(revision_cls(**{owner_column: obj.id}, number=number,
                                author_id=getattr(author, "id", None), action=action,
                                snapshot=after, changes=diff(before, after)))
