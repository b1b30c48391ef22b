"""Who may see and change what. Every route asks here; nowhere else decides.

Published incidents are public. Every other status is visible only to the
incident's author and to editors — on pages, map data, the API, exports,
aggregates, feeds and embeds alike.
"""
import sqlalchemy as sa

from app.incidents.models import Incident

PUBLIC_STATUSES = ("published",)


def _user(viewer):
    """Flask-Login's anonymous user, ``None`` and a real user all work here."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    return viewer


def visibility_clause(viewer):
    """SQL condition selecting the incidents ``viewer`` may see."""
    user = _user(viewer)
    if user is None:
        return Incident.status.in_(PUBLIC_STATUSES)
    if user.is_editor:
        return sa.true()
    return sa.or_(Incident.status.in_(PUBLIC_STATUSES), Incident.created_by_id == user.id)


def can_view(viewer, incident):
    """True when ``viewer`` may see ``incident`` (the Python twin of the clause)."""
    if incident.status in PUBLIC_STATUSES:
        return True
    user = _user(viewer)
    return user is not None and (user.is_editor or incident.created_by_id == user.id)


def can_edit(viewer, incident):
    """Editors edit anything; contributors their own drafts and rejected incidents."""
    user = _user(viewer)
    if user is None:
        return False
    if user.is_editor:
        return True
    return (user.has_role("contributor") and incident.created_by_id == user.id
            and incident.status in ("draft", "rejected"))


def can_create(viewer):
    user = _user(viewer)
    return user is not None and user.has_role("contributor")


def can_publish(viewer):
    """Publishing is an editor's right, separate from editing."""
    user = _user(viewer)
    return user is not None and user.is_editor
