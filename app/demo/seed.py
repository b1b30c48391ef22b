"""Deterministic, realistic synthetic incidents (``flask demo seed``).

The same ``count`` and ``seed`` give the same incidents. Geometry is mixed
(about 80 % points near cities, 10 % lines, 10 % polygons) over Europe and its
neighbourhood, dates span five years, and every vector, precision and
attribution occurs. Titles say "(synthetic)" so demo data is never mistaken
for research. Inserts go in bulk, so 1,000,000 incidents take minutes.
"""
import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import shapely

from app.extensions import db
from app.incidents.models import ATTRIBUTIONS, Actor
from app.incidents.rows import bulk_insert, link_ids
from app.incidents.service import References

BATCH = 20_000
END = date(2026, 10, 31)
SPAN_DAYS = 5 * 365

# name, type, sponsor (ISO alpha-3 or None)
DEMO_ACTORS = (
    ("Northern Bear Collective", "state-affiliated", "RUS"),
    ("Storm Relay Network", "state-affiliated", "RUS"),
    ("Doppel Media Cluster", "commercial", "RUS"),
    ("Red Lantern Group", "state-affiliated", "CHN"),
    ("Jade Typhoon", "state", "CHN"),
    ("Persian Kitten Unit", "state-affiliated", "IRN"),
    ("Hidden Cobra Cell", "state", "PRK"),
    ("Ghostwriter Circle", "state-affiliated", "BLR"),
    ("Minsk Border Directorate", "state", "BLR"),
    ("Black Sea Logistics Ltd", "commercial", None),
    ("Eastern Wind Mercenaries", "state-affiliated", "RUS"),
    ("Baltic Shadow Fleet", "state-affiliated", "RUS"),
    ("Byte Ransom Crew", "criminal", None),
    ("Crimson Proxy Botnet", "criminal", None),
    ("Golden Horn Consultancy", "commercial", "TUR"),
    ("Unidentified operators", "unknown", None),
)
CITIES = np.array([  # lon, lat
    (2.35, 48.86), (13.40, 52.52), (21.01, 52.23), (24.11, 56.95), (25.28, 54.69),
    (24.75, 59.44), (24.94, 60.17), (18.07, 59.33), (10.75, 59.91), (12.57, 55.68),
    (4.90, 52.37), (4.35, 50.85), (6.13, 49.61), (16.37, 48.21), (14.42, 50.09),
    (17.11, 48.15), (19.04, 47.50), (26.10, 44.43), (23.32, 42.70), (20.46, 44.82),
    (28.86, 47.01), (30.52, 50.45), (36.23, 49.99), (30.72, 46.48), (12.50, 41.90),
    (9.19, 45.46), (-3.70, 40.42), (2.17, 41.39), (-9.14, 38.72), (-0.13, 51.51),
    (-6.26, 53.35), (23.73, 37.98), (33.38, 35.17), (28.98, 41.01), (44.79, 41.72),
    (44.51, 40.18), (49.87, 40.41), (35.50, 33.89), (31.24, 30.04), (10.18, 36.81),
    (3.06, 36.75), (-7.59, 33.57), (13.19, 32.89), (7.59, 47.56), (11.58, 48.14),
    (8.68, 50.11), (9.99, 53.55), (18.64, 54.35), (21.23, 45.75), (15.98, 45.81),
    (14.51, 46.06), (19.82, 41.33), (21.43, 42.00), (-21.94, 64.15), (20.51, 54.71),
    (27.56, 53.90), (37.62, 55.75), (29.30, 40.80), (22.28, 60.45), (5.32, 60.39),
])
COUNTRY_PRECISION_M = {"exact": 50, "city": 10_000, "region": 100_000, "country": None}
SUBJECTS = {
    "cyber": ("DDoS wave against", "Ransomware attack on", "Phishing campaign targeting"),
    "information": ("Fake news network amplifying claims about", "Deepfake video targeting",
                    "Bot campaign around"),
    "political": ("Covert funding of a party in", "Interference in local election in",
                  "Proxy NGO active in"),
    "economic": ("Import ban pressuring", "Investment screening dispute in",
                 "Trade coercion against"),
    "sabotage": ("Arson at logistics depot in", "Rail signalling sabotage near",
                 "Cable cut off"),
    "critical-infrastructure": ("Intrusion into power grid of", "Attack on water utility in",
                                "GPS jamming affecting"),
    "migration": ("Migrants pushed towards the border of", "Organised crossings into",
                  "Smuggling route opened to"),
    "espionage": ("Espionage ring uncovered in", "Drone overflight of base in",
                  "Agent recruited in"),
    "military": ("Airspace violation near", "Naval drill intimidating",
                 "Missile debris found in"),
    "lawfare": ("Abusive lawsuit against journalists in", "Legal pressure on",
                "Sanctions evasion case in"),
    "energy": ("Gas supply cut to", "Pipeline pressure on", "Energy blackmail against"),
}


def ensure_demo_actors():
    """Create the demo actors that do not exist yet; return them in a fixed order."""
    existing = {a.name: a for a in db.session.scalars(db.select(Actor))}
    actors = []
    for name, kind, sponsor in DEMO_ACTORS:
        actor = existing.get(name)
        if actor is None:
            actor = Actor(name=name, type=kind, sponsor_country=sponsor,
                          description="Synthetic demo actor.")
            db.session.add(actor)
        actors.append(actor)
    db.session.flush()
    return actors


def _geometries(rng, n):
    """Mixed points, lines and polygons around the demo cities (lon/lat degrees)."""
    centres = CITIES[rng.integers(0, len(CITIES), n)]
    kind = rng.random(n)
    spread = np.where(kind < 0.8, 0.6, 1.5)[:, None]
    xy = centres + rng.normal(0, 1, (n, 2)) * spread
    xy[:, 0] = np.clip(xy[:, 0], -179.9, 179.9)
    xy[:, 1] = np.clip(xy[:, 1], -89.9, 89.9)
    geoms = shapely.points(xy)
    lines = np.flatnonzero((kind >= 0.8) & (kind < 0.9))
    if len(lines):
        ends = xy[lines] + rng.normal(0, 1.2, (len(lines), 2))
        coords = np.stack([xy[lines], (xy[lines] + ends) / 2 + 0.2, ends], axis=1)
        geoms[lines] = shapely.linestrings(coords)
    polys = np.flatnonzero(kind >= 0.9)
    if len(polys):
        size = rng.uniform(0.2, 1.5, len(polys))
        geoms[polys] = shapely.box(xy[polys, 0] - size, xy[polys, 1] - size / 2,
                                   xy[polys, 0] + size, xy[polys, 1] + size / 2)
    return geoms, kind


def seed(*, count, seed_value, author, status="published", surges=()):
    """Insert ``count`` synthetic incidents, then the ``surges``; return their ids
    (commits per batch)."""
    rng = np.random.default_rng(seed_value)
    refs = References()
    actors = ensure_demo_actors()
    # Only the seeded vectors have demo titles; editors may have added others.
    by_slug, by_code = refs.all("vectors"), refs.all("countries")
    vectors = sorted((v for v in by_slug.values() if v.slug in SUBJECTS),
                     key=lambda v: v.slug)
    precisions = list(COUNTRY_PRECISION_M)
    ids = []
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        geoms, kind = _geometries(rng, n)
        countries = refs.derive_countries(geoms)
        actor_idx = rng.integers(0, len(actors), n)
        vec_main = rng.integers(0, len(vectors), n)
        vec_extra = rng.integers(0, len(vectors), n)
        extra = rng.random(n) < 0.3
        day0 = rng.integers(0, SPAN_DAYS, n)
        duration = np.where(rng.random(n) < 0.7, 0, rng.integers(1, 120, n))
        confidence = np.clip(rng.normal(60, 22, n), 5, 100).astype(int)
        precision = rng.choice(len(precisions), n, p=[0.45, 0.3, 0.15, 0.1])
        attribution = rng.integers(0, len(ATTRIBUTIONS), n)
        template = rng.integers(0, 3, n)
        rows = []
        for i in range(n):
            v_main = vectors[vec_main[i]]
            slugs = [v_main.slug]
            if extra[i] and vec_extra[i] != vec_main[i]:
                slugs.append(vectors[vec_extra[i]].slug)
            start_day = END - timedelta(days=int(day0[i]))
            end_day = min(END, start_day + timedelta(days=int(duration[i])))
            codes = countries[i]
            place = by_code[codes[0]].name_en if codes else "international waters"
            actor = actors[actor_idx[i]]
            geo_precision = precisions[precision[i]] if kind[i] < 0.8 else "region"
            data = {
                "title": f"{SUBJECTS[v_main.slug][template[i]]} {place} (synthetic)",
                "summary": f"Synthetic demo incident #{start + i + 1} generated by "
                           f"`demo seed --seed {seed_value}`. Not real data.",
                "lang": "en", "start_date": start_day, "end_date": end_day,
                "time_precision": "day", "geometry": geoms[i],
                "geo_precision": geo_precision,
                "precision_m": COUNTRY_PRECISION_M[geo_precision],
                "location_name": place, "attribution": ATTRIBUTIONS[attribution[i]],
                "confidence": int(confidence[i]), "actor_id": actor.id, "actor": actor.name,
                "vectors": slugs, link_ids("vectors"): [by_slug[s].id for s in slugs],
                "countries": codes, link_ids("countries"): codes,
                "sources": [{"url": f"https://example.org/demo/{seed_value}/{start + i + 1}",
                             "publisher": "Demo source", "published_on": start_day,
                             "archived_url": None}],
            }
            rows.append(data)
        ids += bulk_insert(rows, author_id=author.id if author else None, status=status,
                           action="seed")
        db.session.commit()
    if surges:
        ids += inject_surges(surges, seed_value=seed_value, author=author, status=status)
    return ids


# --- surges: known answers for the weak-signal detector ------------------------

@dataclass(frozen=True)
class Surge:
    """``size`` extra incidents of ``vector`` in ``country`` during the week of ``week``."""

    country: str
    vector: str
    week: date
    size: int

    @property
    def monday(self):
        return self.week - timedelta(days=self.week.weekday())


def parse_surge(text):
    """``FRA:cyber:2026-10-05:15`` (country, vector, a day of the week, size) → ``Surge``."""
    m = re.fullmatch(r"([A-Za-z]{3}):([a-z0-9-]{1,40}):(\d{4}-\d{2}-\d{2}):(\d{1,5})", text)
    if not m:
        raise ValueError(f"{text!r}: expected COUNTRY:VECTOR:YYYY-MM-DD:SIZE, "
                         "e.g. FRA:cyber:2026-10-05:15")
    return Surge(m[1].upper(), m[2], date.fromisoformat(m[3]), int(m[4]))


def inject_surges(surges, *, seed_value, author, status="published"):
    """Insert each surge's incidents: points near a point inside the country, days
    spread over its week (deterministic for ``seed_value``); return their ids."""
    from app.geo.country_points import country_point
    rng = np.random.default_rng(seed_value + 1)
    refs = References()
    by_slug, by_code = refs.all("vectors"), refs.all("countries")
    actor = ensure_demo_actors()[0]
    rows = []
    for surge in surges:
        point = country_point(surge.country)
        if point is None or surge.country not in by_code:
            raise ValueError(f"{surge.country}: no such country in the reference data")
        if surge.vector not in by_slug:
            raise ValueError(f"{surge.vector}: no such vector")
        for n in range(surge.size):
            day = surge.monday + timedelta(days=int(rng.integers(0, 7)))
            rows.append({
                "title": f"Surge of {surge.vector} in {surge.country}, #{n + 1} (synthetic)",
                "summary": "Synthetic surge injected by `demo seed --surge`. Not real data.",
                "lang": "en", "start_date": day, "end_date": day, "time_precision": "day",
                "geometry": point, "geo_precision": "country",
                "precision_m": COUNTRY_PRECISION_M["country"], "location_name": surge.country,
                "attribution": "unattributed", "confidence": 60, "actor_id": actor.id,
                "actor": actor.name, "vectors": [surge.vector],
                link_ids("vectors"): [by_slug[surge.vector].id],
                "countries": [surge.country], link_ids("countries"): [surge.country],
                "sources": []})
    ids = bulk_insert(rows, author_id=author.id if author else None, status=status,
                      action="seed")
    db.session.commit()
    return ids


def weekly_history(rng, *, cells, weeks, mean=1.0, bursty=0.0, surges=()):
    """Synthetic weekly counts ``(cells, weeks)`` for the detector's bench: each cell
    a Poisson series around its own rate (gamma-spread around ``mean``), a
    ``bursty`` share of cells negative-binomial (variance 3× the mean), plus the
    ``surges`` as ``(cell, week, size)`` extra incidents."""
    rates = rng.gamma(2.0, mean / 2.0, cells)
    counts = rng.poisson(rates[:, None], (cells, weeks))
    noisy = rng.random(cells) < bursty
    if noisy.any():
        r = rates[noisy] / 2.0  # NB with mean rate and variance 3 × rate
        counts[noisy] = rng.negative_binomial(np.maximum(r, 1e-3)[:, None],
                                              (r / (r + rates[noisy]))[:, None],
                                              (int(noisy.sum()), weeks))
    for cell, week, size in surges:
        counts[cell, week] += size
    return counts
