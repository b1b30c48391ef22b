"""The one JSON/GeoJSON shape of an incident, shared by the API and the map."""
import json

from app.geo.geometry import to_geojson


def incident_properties(incident):
    """Properties with the CSV names of docs/product.md, plus workflow and display fields."""
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



def _sqlite_list(select):
    """SQL: a JSON array of the text values of ``select`` (one column), in its order."""
    return f"'[' || coalesce((SELECT group_concat(value, ',') FROM ({select})), '') || ']'"


def _sqlite_object(members):
    """SQL: a JSON object of ``(name, SQL giving the value's JSON text)`` pairs, in order;
    a ``(name, SQL, '"%s"')`` member is a text that needs no escaping (an ISO date).

    One ``printf`` rather than a chain of ``||``: each ``||`` copies the text
    built so far, a dozen times per row for the properties of a feature.
    """
    spec = ",".join(f'"{name}":{rest[1] if len(rest) > 1 else "%s"}'
                    for name, *rest in members)
    return f"printf('{{{spec}}}', {', '.join(rest[0] for _, *rest in members)})"


# ``incident_properties_json`` computed by SQLite for the row of ``incidents``
# joined to its actor as ``export_actor`` (LEFT JOIN), for the GeoJSON export:
# the same bytes (SQLite's json_quote escapes exactly as ``_text`` does,
# ``tests/interchange/test_export_sql.py`` holds them together), without a
# Python call per field. Dates are stored as ISO text; SQLAlchemy stores
# datetimes as "YYYY-MM-DD HH:MM:SS.ffffff", which ``isoformat`` writes with
# a "T" and without a zero fraction. Techniques are ordered by the link's
# column (equal to ``techniques.id``): its primary key index gives that order
# without a sort per row.
SQLITE_PROPERTIES_JSON = _sqlite_object([
    ("id", "incidents.id"),
    ("uuid", "json_quote(incidents.uuid)"),
    ("title", "json_quote(incidents.title)"),
    ("summary", "json_quote(incidents.summary)"),
    ("lang", "json_quote(incidents.lang)"),
    ("status", "json_quote(incidents.status)"),
    ("version", "incidents.version"),
    ("start_date", "incidents.start_date", '"%s"'),
    ("end_date", "incidents.end_date", '"%s"'),
    ("time_precision", "json_quote(incidents.time_precision)"),
    ("actor", "json_quote(export_actor.name)"),
    ("actor_id", "coalesce(export_actor.id, 'null')"),
    ("actor_type", "json_quote(export_actor.type)"),
    ("attribution", "json_quote(incidents.attribution)"),
    ("confidence", "incidents.confidence"),
    ("vectors", _sqlite_list(
        "SELECT json_quote(vectors.slug) AS value FROM incident_vectors JOIN vectors "
        "ON vectors.id = incident_vectors.vector_id "
        "WHERE incident_vectors.incident_id = incidents.id ORDER BY vectors.slug")),
    ("countries", _sqlite_list(
        "SELECT json_quote(iso_a3) AS value FROM incident_countries "
        "WHERE incident_countries.incident_id = incidents.id ORDER BY iso_a3")),
    ("techniques", _sqlite_list(
        "SELECT json_quote(techniques.id) AS value FROM incident_techniques JOIN techniques "
        "ON techniques.id = incident_techniques.technique_id "
        "WHERE incident_techniques.incident_id = incidents.id "
        "ORDER BY incident_techniques.technique_id")),
    ("geo_precision", "json_quote(incidents.geo_precision)"),
    ("precision_m", "coalesce(incidents.precision_m, 'null')"),
    ("location_name", "json_quote(incidents.location_name)"),
    ("sources", _sqlite_list(
        "SELECT " + _sqlite_object([
            ("url", "json_quote(url)"),
            ("publisher", "json_quote(publisher)"),
            ("date", """coalesce('"' || published_on || '"', 'null')"""),
            ("archived_url", "json_quote(archived_url)")])
        + " AS value FROM sources WHERE sources.incident_id = incidents.id ORDER BY sources.id")),
    ("published_at", """coalesce('"' || replace(CASE WHEN substr(incidents.published_at, 20) """
                     """IN ('', '.000000') THEN substr(incidents.published_at, 1, 19) """
                     """ELSE incidents.published_at END, ' ', 'T') || 'Z"', 'null')"""),
])

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
