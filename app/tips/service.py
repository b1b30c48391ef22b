"""Tip verbs: submit, look up a receipt, and the editors' triage.

Submitting needs no account and stores nothing about the reporter. Triage
(review, reject, merge, convert into a draft incident) is for editors only;
each step moves the status the reporter sees on the receipt page. A tip is
claimed with a conditional UPDATE before it changes, so two editors acting at
once cannot both convert (or reject and convert) the same tip.
"""
import secrets
from collections import defaultdict

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.extensions import db
from app.geo.country_points import country_point
from app.incidents import policy
from app.incidents import service as incidents
from app.incidents.models import Country
from app.incidents.schema import ValidationError, parse_incident
from app.messages import N_, Message, MessageError
from app.tips.models import OPEN_STATUSES, Tip, TipEvidence, receipt_hash

MAX_MERGE_CHAIN = 20
TITLE_LENGTH = 120


class TipStateError(MessageError):
    """The tip was already triaged (by someone else, or before)."""


# --- the reporter ------------------------------------------------------------

RECEIPT_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
"""Digits and lower-case letters without the look-alikes 0/o, 1/l/i: a receipt is
copied by hand from a screen or a sheet of paper."""
RECEIPT_GROUPS, RECEIPT_GROUP = 7, 4


def new_receipt():
    """A receipt code: 28 characters of ``RECEIPT_ALPHABET`` (over 138 random bits) in
    groups of four, ``7hkq-…``, so it reads back and types like a phone number."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET)
                    for _ in range(RECEIPT_GROUPS * RECEIPT_GROUP))
    return "-".join(chars[i:i + RECEIPT_GROUP] for i in range(0, len(chars), RECEIPT_GROUP))


def normalise_receipt(text):
    """A receipt as typed (spaces, capitals, missing dashes) in its issued form, or the
    text unchanged when it is not one of ours (older, URL-safe receipts are exact)."""
    chars = "".join(text.split()).replace("-", "").lower()
    if len(chars) != RECEIPT_GROUPS * RECEIPT_GROUP or set(chars) - set(RECEIPT_ALPHABET):
        return text
    return "-".join(chars[i:i + RECEIPT_GROUP] for i in range(0, len(chars), RECEIPT_GROUP))


def submit_tip(*, data):
    """Store a tip from clean ``data`` (``schema.parse_tip``); return its receipt code.

    Only the receipt's hash is kept, so the code in the reporter's hands is the
    one way back to the tip.
    """
    if data["country"] and db.session.get(Country, data["country"]) is None:
        raise ValidationError([("country", Message(N_("unknown country %(keys)s"),
                                                   keys=data["country"]))])
    receipt = new_receipt()
    fields = {k: v for k, v in data.items() if k != "evidence"}
    tip = Tip(receipt_hash=receipt_hash(receipt), status="received", **fields)
    tip.evidence = [TipEvidence(**link) for link in data["evidence"]]
    db.session.add(tip)
    db.session.commit()
    return receipt


def status_for_receipt(receipt):
    """The status a receipt shows, or ``None`` for an unknown code.

    A merged tip shows the status of the tip it was merged into. The lookup is
    by SHA-256 of the code, so timing reveals nothing about stored codes.
    """
    if not receipt or len(receipt) > 64:
        return None
    receipt = normalise_receipt(receipt)
    tip = db.session.scalar(sa.select(Tip).where(Tip.receipt_hash == receipt_hash(receipt)))
    for _ in range(MAX_MERGE_CHAIN):
        if tip is None or tip.merged_into_id is None:
            break
        tip = db.session.get(Tip, tip.merged_into_id)
    return tip.status if tip is not None else None


# --- editors -------------------------------------------------------------------

def _require_editor(user):
    if not policy.can_publish(user):
        raise incidents.PermissionDenied(N_("Only editors triage tips."))


def get_tip(tip_id, viewer):
    """The tip for an editor; ``NotFound`` for anyone else, as for a missing tip."""
    tip = db.session.get(Tip, tip_id)
    if tip is None or not policy.can_publish(viewer):
        raise NotFound(f"No tip {tip_id}.")
    return tip


def open_tips(viewer):
    """Tips waiting for a decision, oldest first."""
    _require_editor(viewer)
    return list(db.session.scalars(
        sa.select(Tip).where(Tip.status.in_(OPEN_STATUSES)).order_by(Tip.id)))


def group_by_evidence(tips):
    """Group tips that share an evidence link (transitively), largest group first.

    Returns a list of ``(urls, tips)``: the links shared inside the group
    (empty for a tip that shares none) and the tips, in the given order.
    """
    parent = {t.id: t.id for t in tips}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    first_by_key, urls_by_key, tips_by_key = {}, {}, defaultdict(set)
    for tip in tips:
        for link in tip.evidence:
            urls_by_key.setdefault(link.url_key, link.url)
            tips_by_key[link.url_key].add(tip.id)
            if link.url_key in first_by_key:
                parent[root(tip.id)] = root(first_by_key[link.url_key])
            else:
                first_by_key[link.url_key] = tip.id
    groups = defaultdict(list)
    for tip in tips:
        groups[root(tip.id)].append(tip)
    shared = defaultdict(list)
    for key, ids in tips_by_key.items():
        if len(ids) > 1:
            shared[root(next(iter(ids)))].append(urls_by_key[key])
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[1][0].id))
    return [(sorted(shared[r]), members) for r, members in ordered]


def group_by_country(tips):
    """``[(iso_a3 or None, tips)]``, largest group first; ``None`` holds tips with no country."""
    groups = defaultdict(list)
    for tip in tips:
        groups[tip.country].append(tip)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0] or "~"))


def _claim(tip, status, editor):
    """Move an open tip to ``status`` atomically, or raise ``TipStateError``."""
    done = db.session.execute(
        sa.update(Tip).where(Tip.id == tip.id, Tip.status.in_(OPEN_STATUSES))
        .values(status=status, reviewed_by_id=editor.id)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise TipStateError(N_("Tip %(id)s was already triaged."), id=tip.id)
    db.session.commit()
    db.session.refresh(tip)
    return tip


def mark_under_review(*, tip, editor):
    """Tell the reporter someone is looking at it."""
    _require_editor(editor)
    return _claim(tip, "under_review", editor)


def reject(*, tip, editor):
    """Not retained: the receipt says so, nothing else is disclosed."""
    _require_editor(editor)
    return _claim(tip, "not_retained", editor)


def merge(*, tip, into, editor):
    """Fold ``tip`` into the open tip ``into``: its links join, its receipt follows ``into``."""
    _require_editor(editor)
    if into.id == tip.id or into.status not in OPEN_STATUSES:
        raise TipStateError(N_("Tip %(id)s is not an open tip to merge into."), id=into.id)
    _claim(tip, "merged", editor)
    tip.merged_into_id = into.id
    have = {link.url_key for link in into.evidence}
    for link in tip.evidence:
        if link.url_key not in have:
            into.evidence.append(TipEvidence(url=link.url, url_key=link.url_key))
            have.add(link.url_key)
    db.session.commit()
    return into


def incident_fields(tip, *, title=None, vectors=("information",), country=None):
    """The draft incident a tip suggests, as input for ``schema.parse_incident``.

    A point picked on the map becomes the geometry (precision ``city``: a
    reporter's click is approximate); else the named country's representative
    point (precision ``country``). Without either the editor names a
    ``country``, which also overrides the tip's.
    """
    country = country or tip.country
    first_line = tip.description.strip().splitlines()[0] if tip.description.strip() else ""
    fields = {
        "title": (title or first_line[:TITLE_LENGTH]).strip() or f"Tip {tip.id}",
        "summary": tip.description, "lang": tip.lang,
        "start_date": (tip.seen_on or tip.received_on).isoformat(),
        "location_name": tip.location_name, "vectors": list(vectors),
        "countries": [country] if country else [],
        "sources": [{"url": link.url} for link in tip.evidence],
        "confidence": 30, "attribution": "unattributed",
    }
    if tip.lat is not None:
        fields.update(lat=tip.lat, lon=tip.lon, geo_precision="city")
    elif country and country_point(country) is not None:
        fields.update(wkt=country_point(country).wkt, geo_precision="country")
    return fields


def convert(*, tip, editor, title=None, vectors=("information",), country=None):
    """Turn ``tip`` into a draft incident, prefilled, and keep the link as provenance."""
    _require_editor(editor)
    data = parse_incident(incident_fields(tip, title=title, vectors=vectors,
                                          country=country))
    _claim(tip, "incident", editor)
    try:
        incident = incidents.create_incident(data=data, author=editor, status="draft")
    except Exception:
        # Give the tip back to the queue: the draft was not created.
        db.session.execute(sa.update(Tip).where(Tip.id == tip.id)
                           .values(status="under_review"))
        db.session.commit()
        raise
    tip.incident_id = incident.id
    db.session.commit()
    return incident
