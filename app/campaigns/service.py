"""Campaign rules and transactions: read a campaign with what its incidents say,
create and edit it with revisions and optimistic locking.

What a campaign page shows of its incidents (countries, vectors, techniques,
sources, the timeline) is drawn from the incidents the viewer may see, so a
draft never leaks through a campaign's aggregates.
"""
from collections import Counter
from dataclasses import replace
from datetime import date

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app import revisions
from app.auth.models import utcnow
from app.campaigns.models import Campaign, CampaignRevision
from app.extensions import db
from app.incidents import policy
from app.incidents.filters import FilterError, IncidentFilters, parse_date
from app.incidents.models import Incident
from app.incidents.schema import ValidationError, split_list
from app.incidents.search import select_incidents
from app.incidents.service import References
from app.messages import N_, Message, MessageError

MAX_INCIDENTS_SHOWN = 500
MAX_ALIASES = 20


class PermissionDenied(MessageError):
    """Only editors keep campaigns."""


def get(campaign_id):
    """The campaign, or ``NotFound`` (campaigns are public; their drafts' data is not)."""
    campaign = db.session.get(Campaign, campaign_id) if 0 < campaign_id < 2**31 else None
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id}.")
    return campaign


def get_all(viewer):
    """Every campaign with how many of its incidents ``viewer`` may see, by name."""
    counted = (sa.select(Incident.campaign_id, sa.func.count().label("n"))
               .where(policy.visibility_clause(viewer), Incident.campaign_id.is_not(None))
               .group_by(Incident.campaign_id).subquery())
    rows = db.session.execute(
        sa.select(Campaign, sa.func.coalesce(counted.c.n, 0))
        .outerjoin(counted, counted.c.campaign_id == Campaign.id)
        .order_by(sa.func.lower(Campaign.name)))
    return [(campaign, n) for campaign, n in rows]


def incidents_of(campaign, viewer, *, limit=MAX_INCIDENTS_SHOWN):
    """The campaign's incidents ``viewer`` may see (published for readers), oldest first."""
    filters = IncidentFilters(campaigns=(campaign.id,))
    statuses = () if viewer is not None and getattr(viewer, "is_editor", False) else (
        "published",)
    stmt = select_incidents(replace(filters), viewer, default_statuses=statuses)
    return list(db.session.scalars(stmt.order_by(Incident.start_date, Incident.id)
                                   .limit(limit)))


def profile(incidents):
    """What a campaign's incidents say, counted: ``countries``, ``vectors``,
    ``platforms``, ``techniques`` (``[(object, n)]``, most frequent first),
    ``sources`` (unique by URL), ``period`` (first start, last end) and ``months``
    for the timeline."""
    countries, vectors, platforms, techniques = Counter(), Counter(), Counter(), Counter()
    sources = {}
    for incident in incidents:
        countries.update(incident.countries)
        vectors.update(incident.vectors)
        platforms.update(incident.platforms)
        techniques.update(incident.techniques)
        for source in incident.sources:
            sources.setdefault(source.url, source)
    period = ((min(i.start_date for i in incidents), max(i.end_date for i in incidents))
              if incidents else None)
    by_key = lambda key: lambda pair: (-pair[1], key(pair[0]))  # noqa: E731
    return {
        "countries": sorted(countries.items(), key=by_key(lambda c: c.iso_a3)),
        "vectors": sorted(vectors.items(), key=by_key(lambda v: v.slug)),
        "platforms": sorted(platforms.items(), key=by_key(lambda p: p.slug)),
        "techniques": sorted(techniques.items(), key=by_key(lambda t: t.id)),
        "sources": list(sources.values()),
        "period": period,
        "months": spread_by_month(incidents),
    }


def spread_by_month(incidents):
    """``[(first day of month, incidents that month, countries reached so far)]``,
    every month from the first to the last, empty months included."""
    if not incidents:
        return []
    per_month = Counter()
    first_seen = {}
    for incident in sorted(incidents, key=lambda i: i.start_date):
        month = incident.start_date.replace(day=1)
        per_month[month] += 1
        for country in incident.countries:
            first_seen.setdefault(country.iso_a3, month)
    reached = Counter(first_seen.values())
    out, total = [], 0
    month, last = min(per_month), max(per_month)
    while month <= last:
        total += reached[month]
        out.append((month, per_month[month], total))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


# --- writing ---------------------------------------------------------------

def parse_campaign(data):
    """Clean campaign fields from form-like ``data`` or raise ``ValidationError``.

    ``incidents`` is a list of incident ids (``;``/``,``/space separated text).
    """
    errors = []
    name = (data.get("name") or "").strip()
    if not name:
        errors.append(("name", Message(N_("is required"))))
    elif len(name) > 200:
        errors.append(("name", Message(N_("is longer than %(limit)s characters"), limit=200)))
    aliases = split_list((data.get("aliases") or "").replace("\n", ";"))
    if len(aliases) > MAX_ALIASES or any(len(a) > 200 for a in aliases):
        errors.append(("aliases", Message(N_("at most %(n)s aliases of 200 characters"),
                                          n=MAX_ALIASES)))
    dates = {}
    for key in ("first_seen", "last_seen"):
        text = (data.get(key) or "").strip()
        try:
            dates[key] = parse_date(text, end=key == "last_seen", name=key) if text else None
        except FilterError as exc:
            errors.append((key, exc.params["reason"]))
    if dates.get("first_seen") and dates.get("last_seen") and (
            dates["first_seen"] > dates["last_seen"]):
        errors.append(("last_seen", Message(N_("must not be before the first day"))))
    ids = []
    for token in (data.get("incidents") or "").replace(",", " ").replace(";", " ").split():
        if not (token.isascii() and token.isdigit() and 0 < int(token) < 2**31):
            errors.append(("incidents", Message(N_("'%(value)s' is not an incident number"),
                                                value=token)))
            break
        ids.append(int(token))
    if "\x00" in "".join(str(v) for v in data.values() if isinstance(v, str)):
        errors.append(("name", Message(N_("contains a NUL character"))))
    if errors:
        raise ValidationError(errors)
    return {"name": name, "aliases": aliases, "actor": (data.get("actor") or "").strip(),
            "description": (data.get("description") or "").strip(),
            "incidents": sorted(set(ids)), **dates}


def snapshot(campaign):
    """A JSON-ready dict of the campaign's editable state, incidents included."""
    return {"name": campaign.name, "aliases": list(campaign.aliases or []),
            "description": campaign.description,
            "actor": campaign.actor.name if campaign.actor else None,
            "first_seen": campaign.first_seen.isoformat() if campaign.first_seen else None,
            "last_seen": campaign.last_seen.isoformat() if campaign.last_seen else None,
            "incidents": sorted(db.session.scalars(
                sa.select(Incident.id).where(Incident.campaign_id == campaign.id)))}


def _apply(campaign, data):
    """Set ``data`` on ``campaign`` in one UPDATE (one version step), then its incidents.

    The row is touched (``updated_at``) even when only its incidents change, so
    that the version moves and a concurrent edit of the list is refused.
    """
    # The actor first: creating one flushes the session (a savepoint), which would
    # write the campaign half-set and cost a second version step.
    actor = References().actor(data["actor"]) if data["actor"] else None
    with db.session.no_autoflush:
        campaign.name = data["name"]
        campaign.aliases = data["aliases"]
        campaign.description = data["description"]
        campaign.first_seen, campaign.last_seen = data["first_seen"], data["last_seen"]
        campaign.actor = actor
        campaign.updated_at = utcnow()
    db.session.add(campaign)  # a new one: only now, set in full
    db.session.flush()
    _assign_incidents(campaign, data["incidents"])


def _assign_incidents(campaign, ids):
    """Make ``ids`` exactly the campaign's incidents; unknown ids are an error."""
    found = set(db.session.scalars(sa.select(Incident.id).where(Incident.id.in_(ids))))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationError([("incidents", Message(N_("no incident %(ids)s"),
                                                     ids=", ".join(missing)))])
    for incident in db.session.scalars(sa.select(Incident).where(
            Incident.campaign_id == campaign.id, Incident.id.not_in(ids))):
        incident.campaign_id = None
    for incident in db.session.scalars(sa.select(Incident).where(
            Incident.id.in_(ids), sa.or_(Incident.campaign_id.is_(None),
                                         Incident.campaign_id != campaign.id))):
        incident.campaign_id = campaign.id


def _name_taken(name, campaign_id=None):
    stmt = sa.select(Campaign.id).where(sa.func.lower(Campaign.name) == name.lower())
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id != campaign_id)
    if db.session.scalar(stmt) is not None:
        raise ValidationError([("name", Message(N_("another campaign is called %(name)s"),
                                                name=name))])


def _require_editor(editor):
    if not policy.can_publish(editor):
        raise PermissionDenied(N_("Only editors keep campaigns."))


def create(*, data, editor):
    """A new campaign from clean ``data``, with its first revision."""
    _require_editor(editor)
    _name_taken(data["name"])
    campaign = Campaign()
    try:
        _apply(campaign, data)
        revisions.record(CampaignRevision, "campaign_id", campaign, author=editor,
                         action="create", before=None, after=snapshot(campaign))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return campaign


def update(*, campaign, data, expected_version, editor):
    """Apply ``data`` if ``campaign`` is still at ``expected_version`` (else 409)."""
    _require_editor(editor)
    revisions.check_version(campaign, expected_version)
    _name_taken(data["name"], campaign.id)
    before = snapshot(campaign)
    with revisions.saving(campaign, expected_version):
        _apply(campaign, data)
        revisions.record(CampaignRevision, "campaign_id", campaign, author=editor,
                         action="update", before=before, after=snapshot(campaign))
    return campaign


def history(campaign):
    """Every revision of ``campaign``, newest first."""
    return list(db.session.scalars(
        sa.select(CampaignRevision).where(CampaignRevision.campaign_id == campaign.id)
        .order_by(CampaignRevision.number.desc())))
