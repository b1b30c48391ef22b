"""The one JSON/GeoJSON shape of an incident, shared by the API and the map."""
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
