"""The one JSON/GeoJSON shape of an incident, shared by the API and the map."""
import json

from app.geo.geometry import to_geojson


def incident_properties(incident):
    """Properties with the CSV names of PRODUCT.md, plus workflow and display fields."""
    actor = incident.actor
    return {
        "id": incident.id,
        "uuid": incident.uuid,
        "title": incident.title,
        "summary": incident.summary,
        "lang": incident.lang,
        "status": incident.status,
        "version": incident.version,
        "start_date": incident.start_date.isoformat(),
        "end_date": incident.end_date.isoformat(),
        "time_precision": incident.time_precision,
        "actor": actor.name if actor else None,
        "actor_id": actor.id if actor else None,
        "actor_type": actor.type if actor else None,
        "attribution": incident.attribution,
        "confidence": incident.confidence,
        "vectors": [v.slug for v in incident.vectors],
        "countries": [c.iso_a3 for c in incident.countries],
        "techniques": [t.id for t in incident.techniques],
        "geo_precision": incident.geo_precision,
        "precision_m": incident.precision_m,
        "location_name": incident.location_name,
        "sources": [{"url": s.url, "publisher": s.publisher,
                     "date": s.published_on.isoformat() if s.published_on else None,
                     "archived_url": s.archived_url} for s in incident.sources],
        "published_at": incident.published_at.isoformat() + "Z"
        if incident.published_at else None,
    }


def incident_feature(incident):
    """A GeoJSON Feature (RFC 7946) for ``incident``."""
    return {"type": "Feature", "id": incident.id,
            "geometry": to_geojson(incident.geometry),
            "properties": incident_properties(incident)}


def feature_collection(incidents, **members):
    """A GeoJSON FeatureCollection, with extra foreign members (``next``, ``count``)."""
    return {"type": "FeatureCollection",
            "features": [incident_feature(i) for i in incidents], **members}


_text = json.encoder.encode_basestring  # JSON string literal, non-ASCII kept (C)


def _json_text(value):
    return "null" if value is None else _text(value)


def _json_list(values):
    return "[" + ",".join(map(_text, values)) + "]"


def incident_properties_json(incident):
    """``incident_properties`` as compact JSON text, without building the mapping.

    Byte for byte what ``json.dumps(incident_properties(incident),
    ensure_ascii=False, separators=(",", ":"))`` gives (a test holds them
    together); the GeoJSON export writes a million of these.
    """
    actor = incident.actor
    sources = ",".join(
        f'{{"url":{_json_text(s.url)},"publisher":{_json_text(s.publisher)},"date":'
        f'{_json_text(s.published_on.isoformat() if s.published_on else None)},'
        f'"archived_url":{_json_text(s.archived_url)}}}' for s in incident.sources)
    published = incident.published_at
    return (
        f'{{"id":{incident.id},"uuid":{_json_text(incident.uuid)},'
        f'"title":{_json_text(incident.title)},"summary":{_json_text(incident.summary)},'
        f'"lang":{_json_text(incident.lang)},"status":{_json_text(incident.status)},'
        f'"version":{incident.version},'
        f'"start_date":"{incident.start_date.isoformat()}",'
        f'"end_date":"{incident.end_date.isoformat()}",'
        f'"time_precision":{_json_text(incident.time_precision)},'
        f'"actor":{_json_text(actor.name) if actor else "null"},'
        f'"actor_id":{actor.id if actor else "null"},'
        f'"actor_type":{_json_text(actor.type) if actor else "null"},'
        f'"attribution":{_json_text(incident.attribution)},'
        f'"confidence":{incident.confidence},'
        f'"vectors":{_json_list(v.slug for v in incident.vectors)},'
        f'"countries":{_json_list(c.iso_a3 for c in incident.countries)},'
        f'"techniques":{_json_list(t.id for t in incident.techniques)},'
        f'"geo_precision":{_json_text(incident.geo_precision)},'
        f'"precision_m":{"null" if incident.precision_m is None else incident.precision_m},'
        f'"location_name":{_json_text(incident.location_name)},"sources":[{sources}],'
        f'"published_at":{_text(published.isoformat() + "Z") if published else "null"}}}')
