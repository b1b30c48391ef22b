"""``record(actor, action, target, details)``: the hook other modules call.

The entry joins the caller's transaction (it is added, not committed), so an
action and its audit row are stored together or not at all. Pass
``commit=True`` when the action itself has already been committed.
"""
import sqlalchemy as sa
from flask import g, has_request_context

from app.audit.models import AuditEntry
from app.extensions import db


def record(actor, action, target="", details=None, *, commit=False):
    """Add an audit entry; ``actor`` is a User or ``None`` (the system or the CLI).

    Parameters
    ----------
    actor : User or None
    action : str
        A dotted verb, e.g. ``"user.unlock"``, ``"incident.publish"``.
    target : str
        What was acted on, e.g. ``"user:12"`` or ``"incident:345"``.
    details : dict, optional
        JSON-serialisable facts (never secrets).
    """
    entry = AuditEntry(actor_id=getattr(actor, "id", None), action=action[:64],
                       target=str(target)[:200], details=details or None,
                       request_id=g.get("request_id") if has_request_context() else None)
    db.session.add(entry)
    if commit:
        db.session.commit()
    return entry


def recent(*, limit=200):
    """The latest entries, newest first."""
    return db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())
                              .limit(limit)).all()
