"""STIX 2.1 bundles with DISARM techniques: streamed out, incidents read back in.

What the CTI platforms read decides the shape. Each incident is
- an ``incident`` (OpenCTI's Incident) whose id is ``incident--<the incident's
  uuid>``, so it keeps its identity across export and import: the reader gives
  the importer that uuid and the extension's ``version`` (the one exported), so
  that a bundle read back updates the incidents it names instead of adding
  copies (``importer``);
- wrapped in a ``report`` named by its title (``object_refs`` to everything
  below): MISP's converter (misp-stix) makes each report a MISP event whose
  info is the title, with the description, the confidence and the vectors as
  tags, and OpenCTI files the objects under it;
- its place, a ``location`` with latitude, longitude and ``precision`` (metres),
  and its target countries as ``location`` objects (``targets``);
- its actor as a ``threat-actor`` (``attributed-to``; none when there is no
  actor: no placeholder), its campaign as a ``campaign`` attributed to that
  actor, and its DISARM techniques as DISARM's OWN ``attack-pattern`` objects
  (DISARM's ids, kill chain phases and references, from
  ``taxonomies/disarm/disarm.json``), linked by ``uses``;
- its sources as ``external_references`` of the incident and the report.
The fields STIX has no property for (dates as days, precisions, attribution,
platforms, the geometry, sources' dates) travel in one property extension defined by an
``extension-definition`` object, never as top-level custom properties. Other
ids are UUIDv5 of stable keys and timestamps come from the data, so
exporting twice gives byte-identical files.
"""
import functools
import json
import uuid

from app.geo.countries import country_by_code
from app.geo.country_points import country_point
from app.geo.geometry import to_geojson
from app.interchange.errors import FormatError
from app.messages import N_
from app.interchange.jsonstream import ARRAY, ITEM, object_members, text_stream
from app.reference.disarm import load_disarm, technique as disarm_technique

NAMESPACE = uuid.UUID("6f1e3a52-6d4e-4b55-9a57-0c7d3b0d2a11")
EPOCH = "2020-01-01T00:00:00.000Z"
IDENTITY_ID = f"identity--{uuid.uuid5(NAMESPACE, 'identity:hybrid-threat-atlas')}"
EXTENSION_ID = ("extension-definition--"
                f"{uuid.uuid5(NAMESPACE, 'extension-definition:atlas-incident:1.0')}")
ACTOR_TYPES = {"state": "nation-state", "state-affiliated": "nation-state",
               "criminal": "crime-syndicate", "commercial": "hacker", "unknown": "unknown"}
#: A location's precision (metres) when the incident gives none, by its geo_precision.
PRECISION_M = {"exact": 100.0, "city": 10_000.0, "region": 100_000.0,
               "country": 500_000.0}


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


def extension_definition():
    """The property extension carrying what STIX has no property for."""
    return {"type": "extension-definition", "spec_version": "2.1", "id": EXTENSION_ID,
            "created_by_ref": IDENTITY_ID, "created": EPOCH, "modified": EPOCH,
            "name": "Hybrid Threat Atlas incident", "version": "1.0",
            "extension_types": ["property-extension"],
            "description": "Fields of a Hybrid Threat Atlas incident that STIX 2.1 has no "
                           "property for.",
            "schema": "Members, all optional: start_date and end_date (YYYY-MM-DD), "
                      "time_precision (day, month, year), geo_precision (exact, city, "
                      "region, country), attribution (direct, proxy, inferred, "
                      "unattributed), precision_m (metres), countries (ISO 3166-1 "
                      "alpha-3 list), platforms (where the operation ran: the atlas's "
                      "platform slugs, such as x, telegram, tv), sources (objects: url, publisher, date, "
                      "archived_url), geometry (RFC 7946 GeoJSON geometry), "
                      "location_name, campaign (name), version (the incident's "
                      "version when exported: an import updating the incident "
                      "refuses a stale one)."}


def actor_object(actor):
    obj = _common("threat-actor", actor.name.lower())
    obj.update(name=actor.name, threat_actor_types=[ACTOR_TYPES.get(actor.type, "unknown")])
    if actor.aliases:
        obj["aliases"] = list(actor.aliases)
    return obj


def campaign_object(name):
    obj = _common("campaign", name.lower())
    obj["name"] = name
    return obj


def attack_pattern(technique_id, fallback_name):
    """DISARM's own attack-pattern (its id, dates, kill chain, references) when the
    technique is in the DISARM bundle; else one of ours, named by its id."""
    known = disarm_technique(technique_id)
    if known is not None and known.stix:
        obj = {"type": "attack-pattern", "spec_version": "2.1", **known.stix}
        obj["name"] = known.name
        return obj
    obj = _common("attack-pattern", technique_id)
    obj.update(name=fallback_name or technique_id, external_references=[
        {"source_name": "DISARM", "external_id": technique_id}])
    return obj


def disarm_objects():
    """DISARM's identity and marking, which its attack-patterns name."""
    return list(load_disarm().source.get("stix_objects", []))


def _precision(record):
    if record.precision_m is not None:
        return float(max(record.precision_m, 1))
    return PRECISION_M.get(record.geo_precision, PRECISION_M["region"])


def country_location(iso_a3):
    """A country as a location: its ISO code, and a point inside it with a country's
    precision (STIX gives a precision only to a latitude/longitude)."""
    country = country_by_code(iso_a3) if len(iso_a3 or "") == 3 else None
    obj = _common("location", f"country:{iso_a3}")
    if country is not None:
        obj.update(name=country.name_en, country=country.iso_a2)
    else:
        obj.update(name=iso_a3, region="unknown")
    point = country_point(iso_a3)
    if point is not None:
        obj.update(latitude=round(point.y, 7), longitude=round(point.x, 7),
                   precision=PRECISION_M["country"])
    return obj


def place_location(record):
    x, y = record.geometry.representative_point().coords[0]
    obj = _common("location", f"place:{record.uuid}")
    obj.update(latitude=round(y, 7), longitude=round(x, 7), precision=_precision(record))
    if record.location_name:
        obj["name"] = record.location_name
    return obj


def relationship(kind, source, target):
    obj = _common("relationship", f"{kind}:{source}:{target}")
    obj.update(relationship_type=kind, source_ref=source, target_ref=target)
    return obj


def _references(record):
    return [{"source_name": s.publisher or "source", "url": s.url} for s in record.sources]


def _extension(record, geometry):
    campaign = getattr(record, "campaign", None)
    values = {"start_date": record.start_date.isoformat(),
              "end_date": record.end_date.isoformat(),
              "time_precision": record.time_precision,
              "geo_precision": record.geo_precision, "attribution": record.attribution,
              "precision_m": record.precision_m,
              "countries": [c.iso_a3 for c in record.countries],
              "platforms": [p.slug for p in record.platforms],
              "sources": [_source(s) for s in record.sources], "geometry": geometry,
              "location_name": record.location_name or None,
              "campaign": campaign.name if campaign else None,
              "version": getattr(record, "version", None)}
    # STIX forbids empty lists and nulls: leave such members out.
    ext = {k: v for k, v in values.items() if v not in (None, [], "")}
    return {EXTENSION_ID: {"extension_type": "property-extension", **ext}}


def incident_object(record, geometry):
    obj = {"type": "incident", "spec_version": "2.1", "id": f"incident--{record.uuid}",
           "created": timestamp(record.created_at), "modified": timestamp(record.updated_at),
           "created_by_ref": IDENTITY_ID, "name": record.title,
           "confidence": record.confidence, "lang": record.lang}
    if record.summary:
        obj["description"] = record.summary
    if record.vectors:
        obj["labels"] = [v.slug for v in record.vectors]
    if record.sources:
        obj["external_references"] = _references(record)
    obj["extensions"] = _extension(record, geometry)
    return obj


def report_object(record, inc, refs):
    """The report that misp-stix makes a MISP event of, and OpenCTI files ``refs`` under."""
    published = record.published_at or record.updated_at
    obj = {"type": "report", "spec_version": "2.1", "id": stix_id("report", record.uuid),
           "created": inc["created"], "modified": inc["modified"],
           "created_by_ref": IDENTITY_ID, "name": record.title,
           "report_types": ["threat-report"], "published": timestamp(published),
           "confidence": record.confidence, "lang": record.lang, "object_refs": refs}
    for key in ("description", "labels", "external_references"):
        if key in inc:
            obj[key] = inc[key]
    return obj


#: STIX 2.1's namespace for the deterministic ids of cyber-observables (section 2.9).
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")


def source_observations(record, inc):
    """The sources' links as ``url`` observables in an ``observed-data`` spanning the
    incident's dates: misp-stix makes them MISP url attributes with first_seen and
    last_seen (a report alone gives a MISP event neither links nor dates)."""
    if not record.sources:
        return []
    urls = {}
    for source in record.sources:
        key = json.dumps({"value": source.url}, separators=(",", ":"))
        urls.setdefault(source.url, {"type": "url", "spec_version": "2.1",
                                     "id": f"url--{uuid.uuid5(SCO_NAMESPACE, key)}",
                                     "value": source.url})
    observed = {"type": "observed-data", "spec_version": "2.1",
                "id": stix_id("observed-data", record.uuid), "created": inc["created"],
                "modified": inc["modified"], "created_by_ref": IDENTITY_ID,
                "first_observed": f"{record.start_date.isoformat()}T00:00:00Z",
                "last_observed": f"{record.end_date.isoformat()}T23:59:59Z",
                "number_observed": 1, "object_refs": [u["id"] for u in urls.values()]}
    return [*urls.values(), observed]


def _source(source):
    out = {"url": source.url, "publisher": source.publisher,
           "date": source.published_on.isoformat() if source.published_on else None,
           "archived_url": source.archived_url}
    return {k: v for k, v in out.items() if v not in (None, "")}


def incident_objects(record, geometry, seen):
    """The objects of one incident, its report last; shared ones (actor, campaign,
    technique, country) once only in a bundle."""
    inc = incident_object(record, geometry)
    objects, refs = [inc], [inc["id"]]

    def add(obj, shared=False):
        # Only shared objects are remembered: an incident's own (its relationships,
        # place, report) are new by construction, and remembering them too held
        # every id of a million-incident export in memory.
        if not shared:
            objects.append(obj)
        elif obj["id"] not in seen:
            seen.add(obj["id"])
            objects.append(obj)
        refs.append(obj["id"])
        return obj["id"]

    actor_id = add(actor_object(record.actor), True) if record.actor else None
    if actor_id:
        add(relationship("attributed-to", inc["id"], actor_id))
    campaign = getattr(record, "campaign", None)
    if campaign is not None:
        campaign_id = add(campaign_object(campaign.name), True)
        add(relationship("related-to", inc["id"], campaign_id))
        if actor_id:
            add(relationship("attributed-to", campaign_id, actor_id))
    if record.techniques and "disarm" not in seen:
        seen.add("disarm")
        objects[1:1] = disarm_objects()
    for tech in record.techniques:
        add(relationship("uses", inc["id"], add(attack_pattern(tech.id, tech.name), True)))
    place = place_location(record)
    add(place)
    add(relationship("located-at", inc["id"], place["id"]))
    for country in record.countries:
        add(relationship("targets", inc["id"],
                         add(country_location(country.iso_a3), True)))
    for obj in source_observations(record, inc):
        add(obj, obj["type"] == "url")
    objects.append(report_object(record, inc, refs))
    return objects


def write(records, *, bundle_key="all"):
    """Yield a STIX 2.1 bundle as text chunks, one incident's objects at a time."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
    yield ('{"type":"bundle","id":"%s","objects":[' % stix_id("bundle", bundle_key)
           + dumps(identity()) + "," + dumps(extension_definition()))
    seen = set()
    for record in records:
        yield "".join("," + dumps(obj)
                      for obj in incident_objects(record, to_geojson(record.geometry), seen))
    yield "]}\n"


# --- reading ---------------------------------------------------------------

# Objects an incident's relationships point to that the reader needs (by type).
LINKED_TYPES = ("threat-actor", "intrusion-set", "campaign", "attack-pattern", "location")


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
    """The DISARM technique id of an attack-pattern: DISARM's own object (its STIX id),
    or a reference named DISARM."""
    known = _disarm_by_stix_id().get(obj.get("id"))
    if known:
        return known
    for ref in obj.get("external_references") or []:
        if isinstance(ref, dict) and str(ref.get("source_name", "")).upper() == "DISARM":
            return ref.get("external_id")
    return None


@functools.cache
def _disarm_by_stix_id():
    return {t.stix["id"]: t.id for t in load_disarm().techniques if t.stix.get("id")}


def _alpha3(location):
    code = str(location.get("country", ""))
    country = country_by_code(code) if len(code) == 2 else None
    return country.iso_a3 if country else None


def _extension_of(obj):
    """The Atlas extension's members of an object (``{}`` without one; older bundles'
    ``x_atlas_*`` properties read the same)."""
    ext = (obj.get("extensions") or {}).get(EXTENSION_ID) if isinstance(
        obj.get("extensions"), dict) else None
    if isinstance(ext, dict):
        return ext
    return {k.removeprefix("x_atlas_"): v for k, v in obj.items() if k.startswith("x_atlas_")}


def incident_uuid(obj):
    """The uuid of an ``incident--<uuid>`` id (canonical text), ``None`` for any other."""
    kind, _, rest = str(obj.get("id") or "").partition("--")
    try:
        return str(uuid.UUID(rest)) if kind == "incident" and len(rest) == 36 else None
    except ValueError:
        return None


def incident_properties(obj, links):
    """CSV-named properties of one STIX ``incident`` and what it links to, with its
    identity for the importer: ``__uuid__`` (from its id) and ``__version__``."""
    rel = lambda kind: links.get((obj.get("id"), kind), [])  # noqa: E731
    ext = _extension_of(obj)
    version = ext.get("version")
    props = {"title": obj.get("name"), "summary": obj.get("description") or "",
             "lang": obj.get("lang") or "en", "confidence": obj.get("confidence"),
             "start_date": ext.get("start_date") or _day(obj.get("first_seen", "")),
             "end_date": ext.get("end_date") or _day(obj.get("last_seen") or "")}
    for name in ("time_precision", "geo_precision", "attribution", "precision_m"):
        if ext.get(name) is not None:
            props[name] = ext[name]
    actors = [a.get("name") for a in rel("attributed-to")
              if a.get("type") in ("threat-actor", "intrusion-set")]
    props["actor"] = actors[0] if actors else None
    # The extension names the campaign; a bundle from elsewhere relates the
    # incident to a ``campaign`` object (as this export does too).
    campaigns = [c.get("name") for c in rel("related-to") if c.get("type") == "campaign"]
    props["campaign"] = ext.get("campaign") or (campaigns[0] if campaigns else None)
    props["platforms"] = _listed(ext.get("platforms"))
    props["techniques"] = [t for t in (_disarm_id(a) for a in rel("uses")
                                       if a.get("type") == "attack-pattern") if t]
    props["vectors"] = _listed(obj.get("labels"))
    props["countries"] = ext.get("countries") or [
        c for c in (_alpha3(loc) for loc in rel("targets") if loc.get("type") == "location")
        if c]
    references = _listed(obj.get("external_references"))
    props["sources"] = ext.get("sources") or ([
        {"url": r.get("url"), "publisher": r.get("source_name")}
        for r in references if isinstance(r, dict) and r.get("url")]
        if isinstance(references, list) else references)
    places = [p for p in rel("located-at") if "latitude" in p]
    if ext.get("geometry"):
        props["geometry"] = ext["geometry"]
    elif places:
        props["lat"], props["lon"] = places[0].get("latitude"), places[0].get("longitude")
    name = ext.get("location_name") or (places[0].get("name") if places else None)
    if name:
        props["location_name"] = name
    props["__uuid__"] = incident_uuid(obj)
    if isinstance(version, int) and not isinstance(version, bool):
        props["__version__"] = version
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
