"""Reference data: the seeded vector and platform taxonomies, countries and DISARM
techniques.

``load_reference_data()`` is idempotent: it inserts what is missing and
never deletes (editors may have added vectors or platforms) nor relabels
what editors may have renamed.
"""
import sqlalchemy as sa

from app.extensions import db
from app.geo.countries import load_countries
from app.incidents import policy
from app.incidents.models import (Actor, Campaign, Country, Incident, Platform, Technique,
                                  Vector)
from app.reference.disarm import load_disarm

# slug, English label, French label, colour, symbol (shared by map, legend and list)
SEED_VECTORS = (
    ("cyber", "Cyber attack", "Cyberattaque", "#1f77b4", "⌁"),
    ("information", "Information manipulation", "Manipulation de l'information",
     "#d62728", "✉"),
    ("political", "Political interference", "Ingérence politique", "#9467bd", "⚑"),
    ("economic", "Economic coercion", "Coercition économique", "#8c564b", "€"),
    ("sabotage", "Sabotage", "Sabotage", "#e377c2", "✖"),
    ("critical-infrastructure", "Critical infrastructure", "Infrastructures critiques",
     "#ff7f0e", "⚡"),
    ("migration", "Instrumentalised migration", "Migration instrumentalisée",
     "#17becf", "⇄"),
    ("espionage", "Espionage", "Espionnage", "#7f7f7f", "◉"),
    ("military", "Military intimidation", "Intimidation militaire", "#2ca02c", "▲"),
    ("lawfare", "Lawfare", "Guerre juridique", "#bcbd22", "§"),
    ("energy", "Energy coercion", "Coercition énergétique", "#ffbb33", "♨"),
)

# slug, English label, French label: where an operation ran
SEED_PLATFORMS = (
    ("x", "X (Twitter)", "X (Twitter)"),
    ("facebook", "Facebook", "Facebook"),
    ("instagram", "Instagram", "Instagram"),
    ("telegram", "Telegram", "Telegram"),
    ("tiktok", "TikTok", "TikTok"),
    ("youtube", "YouTube", "YouTube"),
    ("vk", "VK", "VK"),
    ("websites", "Websites", "Sites web"),
    ("messaging", "Messaging apps", "Messageries"),
    ("tv", "Television", "Télévision"),
    ("radio", "Radio", "Radio"),
    ("print", "Print press", "Presse écrite"),
)


def load_reference_data():
    """Insert or refresh countries, seeded vectors and platforms, DISARM techniques; commit."""
    countries = {c.iso_a3: c for c in db.session.scalars(sa.select(Country))}
    for row in load_countries():
        country = countries.get(row.iso_a3) or Country(iso_a3=row.iso_a3)
        country.iso_a2, country.iso_num = row.iso_a2, row.iso_num
        country.name_en, country.name_fr = row.name_en, row.name_fr
        db.session.add(country)
    vectors = {v.slug: v for v in db.session.scalars(sa.select(Vector))}
    for slug, label_en, label_fr, color, symbol in SEED_VECTORS:
        if slug not in vectors:
            db.session.add(Vector(slug=slug, label_en=label_en, label_fr=label_fr,
                                  color=color, symbol=symbol))
    platforms = {p.slug for p in db.session.scalars(sa.select(Platform))}
    for slug, label_en, label_fr in SEED_PLATFORMS:
        if slug not in platforms:
            db.session.add(Platform(slug=slug, label_en=label_en, label_fr=label_fr))
    techniques = {t.id: t for t in db.session.scalars(sa.select(Technique))}
    for tech in load_disarm().techniques:
        row = techniques.get(tech.id) or Technique(id=tech.id)
        row.name, row.tactics = tech.name, list(tech.tactics)
        db.session.add(row)
    db.session.commit()


def vector_styles(lang="en"):
    """Vectors for the map and legend: slug, label, colour, symbol."""
    return [{"slug": v.slug, "label": v.label_fr if lang == "fr" else v.label_en,
             "color": v.color, "symbol": v.symbol}
            for v in db.session.scalars(sa.select(Vector).order_by(Vector.slug))]


def vector_choices(lang="en"):
    """``(slug, label)`` pairs for the editor's vector checkboxes."""
    return [(v["slug"], f'{v["symbol"]} {v["label"]}') for v in vector_styles(lang)]


def platform_labels(lang="en"):
    """``(slug, label)`` of every platform in the page's language, by slug."""
    return [(p.slug, p.label_fr if lang == "fr" else p.label_en)
            for p in db.session.scalars(sa.select(Platform).order_by(Platform.slug))]


def actor_names(viewer):
    """Names of the actors ``viewer`` may know of, for the editor's pick-or-create field.

    An actor named only by incidents ``viewer`` may not see (another
    contributor's drafts) stays out; one named by no incident at all (added
    on the taxonomy page) is public reference data.
    """
    named = sa.select(Incident.id).where(Incident.actor_id == Actor.id)
    return list(db.session.scalars(
        sa.select(Actor.name).where(sa.or_(
            ~named.exists(), named.where(policy.visibility_clause(viewer)).exists()))
        .order_by(Actor.name)))


def campaign_names():
    """Every campaign's name (campaigns are public), for the editor's campaign field."""
    return list(db.session.scalars(sa.select(Campaign.name)
                                   .order_by(sa.func.lower(Campaign.name))))


def country_names(lang="en"):
    """``{iso_a3: name}`` in the page's language."""
    return {c.iso_a3: (c.name_fr if lang == "fr" else c.name_en)
            for c in db.session.scalars(sa.select(Country))}


def reference_names(field, lang="en"):
    """``{key: name}`` of the reference data a link field names (``vectors``,
    ``platforms``, ``countries``) in the page's language; ``{}`` for another field."""
    if field == "countries":
        return country_names(lang)
    if field == "vectors":
        return {v["slug"]: v["label"] for v in vector_styles(lang)}
    if field == "platforms":
        return dict(platform_labels(lang))
    return {}
