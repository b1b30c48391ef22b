"""STIX 2.1 bundles with DISARM techniques: streamed out, incidents read back in.

Every incident becomes an ``incident`` with its actor (``threat-actor``,
``attributed-to``), its DISARM techniques (``attack-pattern``, ``uses``), its
place (``location`` with latitude/longitude/precision, ``located-at``) and its
target countries (``location`` with ``country``, ``targets``), all created by
the Atlas ``identity``. Ids are UUIDv5 of stable keys (the incident's uuid, the
actor's name, the technique id, the country code) and timestamps come from the
data, so exporting twice gives byte-identical files. The fields STIX has no
property for travel as ``x_atlas_*`` custom properties so that a bundle
round-trips.
"""
import json
import uuid

import pycountry

from app.interchange.errors import FormatError
from app.messages import N_
from app.interchange.jsonstream import ARRAY, ITEM, object_members, text_stream
from app.reference.disarm import technique as disarm_technique

NAMESPACE = uuid.UUID("6f1e3a52-6d4e-4b55-9a57-0c7d3b0d2a11")
EPOCH = "2020-01-01T00:00:00.000Z"
IDENTITY_ID = f"identity--{uuid.uuid5(NAMESPACE, 'identity:hybrid-threat-atlas')}"
ACTOR_TYPES = {"state": "nation-state", "state-affiliated": "nation-state",
               "criminal": "crime-syndicate", "commercial": "hacker", "unknown": "unknown"}


def stix_id(kind, key):
    """Deterministic STIX id: ``kind--uuid5(namespace, kind:key)``."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{kind}:{key}')}"


def timestamp(value):
    """STIX timestamp (UTC, milliseconds, ``Z``) of a naive-UTC datetime."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _common(kind, key, created=EPOCH, modified=EPOCH):
    return {"type": kind, "spec_version": "2.1", "id": stix_id(kind, key),
            "created": created, "modified": modified, "created_by_ref": IDENTITY_ID}


def identity():
    """The Atlas as the producer of every object."""
    return {"type": "identity", "spec_version": "2.1", "id": IDENTITY_ID,
            "created": EPOCH, "modified": EPOCH, "name": "Hybrid Threat Atlas",
            "identity_class": "organization"}


def actor_object(actor):
    obj = _common("threat-actor", actor.name.lower())
    obj.update(name=actor.name, threat_actor_types=[ACTOR_TYPES.get(actor.type, "unknown")])
    if actor.aliases:
        obj["aliases"] = list(actor.aliases)
    return obj


def attack_pattern(technique_id, fallback_name):
    known = disarm_technique(technique_id)
    obj = _common("attack-pattern", technique_id)
    obj["name"] = known.name if known else fallback_name
    ref = {"source_name": "DISARM", "external_id": technique_id}
    if known:
        ref["url"] = known.url
        obj["kill_chain_phases"] = [{"kill_chain_name": "disarm", "phase_name": t.lower()}
                                    for t in known.tactics]
    obj["external_references"] = [ref]
    return obj


def country_location(iso_a3):
    country = pycountry.countries.get(alpha_3=iso_a3)
    obj = _common("location", f"country:{iso_a3}")
    if country is not None:
        obj.update(name=country.name, country=country.alpha_2)
    else:
        obj.update(name=iso_a3, region="unknown")
    return obj


def place_location(record):
    x, y = record.geometry.representative_point().coords[0]
    obj = _common("location", f"place:{record.uuid}")
    obj.update(latitude=round(y, 7), longitude=round(x, 7))
    if record.precision_m is not None:
        obj["precision"] = float(record.precision_m)
    if record.location_name:
        obj["name"] = record.location_name
    return obj


def relationship(kind, source, target):
    obj = _common("relationship", f"{kind}:{source}:{target}")
    obj.update(relationship_type=kind, source_ref=source, target_ref=target)
    return obj


def incident_object(record, geometry):
    obj = _common("incident", record.uuid, timestamp(record.created_at),
                  timestamp(record.updated_at))
    obj.update(name=record.title, confidence=record.confidence, lang=record.lang)
    if record.summary:
        obj["description"] = record.summary
    if record.vectors:
        obj["labels"] = [v.slug for v in record.vectors]
    refs = [{"source_name": s.publisher or "source", "url": s.url} for s in record.sources]
    if refs:
        obj["external_references"] = refs
    obj.update(
        x_atlas_start_date=record.start_date.isoformat(),
        x_atlas_end_date=record.end_date.isoformat(),
        x_atlas_time_precision=record.time_precision,
        x_atlas_geo_precision=record.geo_precision,
        x_atlas_attribution=record.attribution,
        x_atlas_geometry=geometry)
    # STIX forbids empty lists and nulls: leave such properties out.
    if record.countries:
        obj["x_atlas_countries"] = [c.iso_a3 for c in record.countries]
    if record.sources:
        obj["x_atlas_sources"] = [_source(s) for s in record.sources]
    if record.precision_m is not None:
        obj["x_atlas_precision_m"] = record.precision_m
    return obj


def _source(source):
    out = {"url": source.url, "publisher": source.publisher,
           "date": source.published_on.isoformat() if source.published_on else None,
           "archived_url": source.archived_url}
    return {k: v for k, v in out.items() if v not in (None, "")}


def incident_objects(record, geometry, seen):
    """The objects of one incident; shared ones (actor, technique, country) once only."""
    inc = incident_object(record, geometry)
    objects = [inc]

    def once(obj):
        if obj["id"] not in seen:
            seen.add(obj["id"])
            objects.append(obj)
        return obj["id"]

    if record.actor:
        actor_id = once(actor_object(record.actor))
        objects.append(relationship("attributed-to", inc["id"], actor_id))
    for tech in record.techniques:
        objects.append(relationship("uses", inc["id"], once(attack_pattern(tech.id, tech.name))))
    place = place_location(record)
    objects += [place, relationship("located-at", inc["id"], place["id"])]
    for country in record.countries:
        objects.append(relationship("targets", inc["id"],
                                    once(country_location(country.iso_a3))))
    return objects


def write(records, *, bundle_key="all"):
    """Yield a STIX 2.1 bundle as text chunks, one incident's objects at a time."""
    from app.interchange.geojson_io import geometry_json
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
    yield ('{"type":"bundle","id":"%s","objects":[' % stix_id("bundle", bundle_key)
           + dumps(identity()))
    seen = set()
    for record in records:
        geometry = json.loads(geometry_json([record.geometry])[0])
        yield "".join("," + dumps(obj) for obj in incident_objects(record, geometry, seen))
    yield "]}\n"


# --- reading ---------------------------------------------------------------

# Objects an incident's relationships point to that the reader needs (by type).
LINKED_TYPES = ("threat-actor", "intrusion-set", "attack-pattern", "location")


def _objects(text):
    """Yield the dict objects of a bundle, streamed (``jsonstream``), checking its shape."""
    kind, has_objects = None, False
    for key, value, part in object_members(text, streamed="objects", what="a STIX bundle"):
        if part == ITEM and isinstance(value, dict):
            yield value
        elif part == ARRAY:
            has_objects = True
        elif key == "type":
            kind = value
            if kind != "bundle":
                raise FormatError(N_("the file is not a STIX 2.1 bundle (type 'bundle' with "
                                     "objects)"))
    if kind != "bundle" or not has_objects:
        raise FormatError(N_("the file is not a STIX 2.1 bundle (type 'bundle' with objects)"))


def _links(objects):
    """``{(source_ref, relationship_type): [target objects]}``, incidents left out.

    Relationships may come anywhere in a bundle, so this reads it all (first
    pass), keeping only relationships and the objects they may point to.
    """
    by_id, pairs = {}, []
    for obj in objects:
        if obj.get("type") == "relationship":
            pairs.append(((obj.get("source_ref"), obj.get("relationship_type")),
                          obj.get("target_ref")))
        elif obj.get("type") in LINKED_TYPES:
            by_id[obj.get("id")] = obj
    links = {}
    for key, target in pairs:
        if target in by_id:
            links.setdefault(key, []).append(by_id[target])
    return links


def _disarm_id(obj):
    for ref in obj.get("external_references") or []:
        if isinstance(ref, dict) and str(ref.get("source_name", "")).upper() == "DISARM":
            return ref.get("external_id")
    return None


def _alpha3(location):
    country = pycountry.countries.get(alpha_2=str(location.get("country", "")).upper())
    return country.alpha_3 if country else None


def incident_properties(obj, links):
    """CSV-named properties of one STIX ``incident`` and what it links to."""
    rel = lambda kind: links.get((obj.get("id"), kind), [])  # noqa: E731
    props = {"title": obj.get("name"), "summary": obj.get("description") or "",
             "lang": obj.get("lang") or "en", "confidence": obj.get("confidence"),
             "start_date": obj.get("x_atlas_start_date") or _day(obj.get("first_seen", "")),
             "end_date": obj.get("x_atlas_end_date") or _day(obj.get("last_seen") or "")}
    for name in ("time_precision", "geo_precision", "attribution", "precision_m"):
        if obj.get(f"x_atlas_{name}") is not None:
            props[name] = obj[f"x_atlas_{name}"]
    actors = [a.get("name") for a in rel("attributed-to")
              if a.get("type") in ("threat-actor", "intrusion-set")]
    props["actor"] = actors[0] if actors else None
    props["techniques"] = [t for t in (_disarm_id(a) for a in rel("uses")
                                       if a.get("type") == "attack-pattern") if t]
    props["vectors"] = _listed(obj.get("labels"))
    props["countries"] = obj.get("x_atlas_countries") or [
        c for c in (_alpha3(loc) for loc in rel("targets") if loc.get("type") == "location")
        if c]
    references = _listed(obj.get("external_references"))
    props["sources"] = obj.get("x_atlas_sources") or ([
        {"url": r.get("url"), "publisher": r.get("source_name")}
        for r in references if isinstance(r, dict) and r.get("url")]
        if isinstance(references, list) else references)
    places = [p for p in rel("located-at") if "latitude" in p]
    if obj.get("x_atlas_geometry"):
        props["geometry"] = obj["x_atlas_geometry"]
    elif places:
        props["lat"], props["lon"] = places[0].get("latitude"), places[0].get("longitude")
        props.setdefault("location_name", places[0].get("name") or "")
    if places and places[0].get("name"):
        props["location_name"] = places[0]["name"]
    return props


def _day(timestamp):
    """The day of a STIX timestamp; anything but text as it is, for validation to refuse."""
    return timestamp[:10] if isinstance(timestamp, str) else timestamp


def _listed(value):
    """A STIX list property (absent: empty); anything but a list as it is, for validation
    to refuse with its own message instead of a crash here."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else value


def read_rows(stream):
    """Yield ``(object_number, properties)`` for each ``incident`` of a STIX bundle.

    The number is the object's position in the bundle's ``objects`` (from 1).
    Two streamed passes: the links first, then the incidents, so the bundle
    is never held in memory as a whole.
    """
    text = text_stream(stream)
    links = _links(_objects(text))
    text.seek(0)
    found = False
    for number, obj in enumerate(_objects(text), start=1):
        if obj.get("type") == "incident":
            found = True
            yield number, incident_properties(obj, links)
    if not found:
        raise FormatError(N_("the bundle holds no incident object"))
