"""Rules for the editable taxonomy: actors (aliases, type, sponsor), vectors and platforms.

Each ``save_*`` validates everything, lists every problem in one
``ValidationError`` and stores nothing unless all is well.
"""
import re

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.extensions import db
from app.incidents.filters import _SLUG as SLUG
from app.incidents.filters import NONE
from app.incidents.models import ACTOR_TYPES, Actor, Country, Platform, Vector
from app.incidents.schema import MAX_LIST, ValidationError, split_list
from app.messages import N_, Message

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _required(values, name, errors, limit):
    value = (values.get(name) or "").strip()
    if not value:
        errors.append((name, Message(N_("is required"))))
    elif len(value) > limit:
        errors.append((name, Message(N_("is longer than %(limit)s characters"), limit=limit)))
    return value


def _unique(model, column, value, current, name, errors):
    other = db.session.scalar(sa.select(model).where(
        sa.func.lower(column) == value.lower()))
    if other is not None and other is not current:
        errors.append((name, Message(N_("%(value)s is already taken"), value=repr(value))))


def get(model, key):
    """The actor or vector with this primary key, else ``NotFound``."""
    found = db.session.get(model, key)
    if found is None:
        raise NotFound(f"No {model.__tablename__[:-1]} {key}.")
    return found


def save_actor(actor, values):
    """Create (``actor=None``) or update an actor from form ``values``; commit."""
    errors = []
    name = _required(values, "name", errors, 200)
    if name:
        _unique(Actor, Actor.name, name, actor, "name", errors)
    kind = values.get("type") or "unknown"
    if kind not in ACTOR_TYPES:
        errors.append(("type", Message(N_("%(value)s is not one of %(choices)s"),
                                       value=repr(kind), choices=", ".join(ACTOR_TYPES))))
    aliases = split_list(values.get("aliases") or "")
    if len(aliases) > MAX_LIST or any(len(a) > 200 for a in aliases):
        errors.append(("aliases", Message(N_("at most %(n)s aliases of 200 characters"),
                                          n=MAX_LIST)))
    sponsor = (values.get("sponsor_country") or "").strip().upper() or None
    if sponsor and db.session.get(Country, sponsor) is None:
        errors.append(("sponsor_country", Message(N_("unknown country %(keys)s"),
                                                  keys=sponsor)))
    if errors:
        raise ValidationError(errors)
    actor = actor or Actor()
    actor.name, actor.type, actor.aliases = name, kind, aliases
    actor.sponsor_country = sponsor
    actor.description = (values.get("description") or "").strip()
    db.session.add(actor)
    db.session.commit()
    return actor


def _labelled(model, item, values, errors, reserved):
    """The slug and labels of a vector or platform from form ``values``, checked."""
    slug = _required(values, "slug", errors, 40)
    if slug and not SLUG.match(slug):
        errors.append(("slug", Message(N_("use lower-case letters, digits and hyphens"))))
    elif slug == NONE:
        errors.append(("slug", Message(reserved, value=slug)))
    elif slug:
        _unique(model, model.slug, slug, item, "slug", errors)
    return slug, _required(values, "label_en", errors, 80), \
        _required(values, "label_fr", errors, 80)


def save_vector(vector, values):
    """Create (``vector=None``) or update a vector from form ``values``; commit."""
    errors = []
    slug, label_en, label_fr = _labelled(Vector, vector, values, errors, N_(
        "“%(value)s” is reserved for incidents with no vector"))
    color = (values.get("color") or "").strip()
    if not COLOR.match(color):
        errors.append(("color", Message(N_("%(value)s is not a colour like #1f77b4"),
                                        value=repr(color))))
    symbol = _required(values, "symbol", errors, 8)
    if errors:
        raise ValidationError(errors)
    vector = vector or Vector()
    vector.slug, vector.label_en, vector.label_fr = slug, label_en, label_fr
    vector.color, vector.symbol = color.lower(), symbol
    db.session.add(vector)
    db.session.commit()
    return vector


def save_platform(platform, values):
    """Create (``platform=None``) or update a platform from form ``values``; commit."""
    errors = []
    slug, label_en, label_fr = _labelled(Platform, platform, values, errors, N_(
        "“%(value)s” is reserved for incidents with no platform"))
    if errors:
        raise ValidationError(errors)
    platform = platform or Platform()
    platform.slug, platform.label_en, platform.label_fr = slug, label_en, label_fr
    db.session.add(platform)
    db.session.commit()
    return platform


def all_actors():
    return list(db.session.scalars(sa.select(Actor).order_by(Actor.name)))


def all_vectors():
    return list(db.session.scalars(sa.select(Vector).order_by(Vector.slug)))


def all_platforms():
    return list(db.session.scalars(sa.select(Platform).order_by(Platform.slug)))
