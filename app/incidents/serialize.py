"""The one JSON/GeoJSON shape of an incident, shared by the API and the map.

Three renderers of the same properties, each built from ``fields.FIELDS``:
``incident_properties`` (a mapping, for the API), ``incident_properties_json``
(its compact JSON text, for exports) and ``SQLITE_PROPERTIES_JSON`` (that text
computed by SQLite, for the GeoJSON export from a SQLite file). Tests hold the
three together byte for byte.
"""
import json
import operator

from app.geo.geometry import to_geojson
from app.incidents.fields import FIELDS


def _iso(value):
    return value.isoformat()


def _moment(value):
    return value.isoformat() + "Z" if value else None


def _keys(name, key):
    return lambda incident: [getattr(o, key) for o in getattr(incident, name)]


def _sources(incident):
    return [{"url": s.url, "publisher": s.publisher,
             "date": s.published_on.isoformat() if s.published_on else None,
             "archived_url": s.archived_url} for s in incident.sources]


def _actor(attribute):
    def value(incident):
        actor = incident.actor
        return getattr(actor, attribute) if actor else None
    return value


def _campaign(incident):
    campaign = incident.campaign
    return campaign.name if campaign else None


def _getter(f):
    """``incident -> value`` of the JSON properties for the field ``f``."""
    attribute = operator.attrgetter(f.name)
    if f.kind == "date":
        return lambda incident: attribute(incident).isoformat()
    if f.kind == "datetime":
        return lambda incident: _moment(attribute(incident))
    if f.kind.startswith("actor"):
        return _actor({"actor": "name", "actor_id": "id", "actor_type": "type"}[f.kind])
    if f.kind == "campaign":
        return _campaign
    if f.kind == "links":
        return _keys(f.name, f.links.key)
    if f.kind == "sources":
        return _sources
    return attribute


_GETTERS = [(f.name, _getter(f)) for f in FIELDS]


def incident_properties(incident):
    """Properties with the CSV names of docs/product.md, plus workflow and display fields
    (``fields.FIELDS``, in its order)."""
    return {name: get(incident) for name, get in _GETTERS}


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


def _sqlite_links(f):
    """SQL: the JSON array of a links field's keys, in key order.

    A key that is the reference's primary key (a country code, a technique
    id) is the link table's own column: no join, and the link's primary key
    index gives the order without a sort per row.
    """
    links = f.links
    table = links.table.name
    if links.key == links.target.name:
        return _sqlite_list(f"SELECT json_quote({links.column}) AS value FROM {table} "
                            f"WHERE {table}.incident_id = incidents.id ORDER BY {links.column}")
    ref = links.model.__tablename__
    return _sqlite_list(
        f"SELECT json_quote({ref}.{links.key}) AS value FROM {table} JOIN {ref} "
        f"ON {ref}.{links.target.name} = {table}.{links.column} "
        f"WHERE {table}.incident_id = incidents.id ORDER BY {ref}.{links.key}")


_SQLITE_SOURCES = _sqlite_list(
    "SELECT " + _sqlite_object([
        ("url", "json_quote(url)"),
        ("publisher", "json_quote(publisher)"),
        ("date", """coalesce('"' || published_on || '"', 'null')"""),
        ("archived_url", "json_quote(archived_url)")])
    + " AS value FROM sources WHERE sources.incident_id = incidents.id ORDER BY sources.id")


def _sqlite_member(f):
    """``(name, SQL[, printf format])`` of the field ``f`` for ``_sqlite_object``.

    Dates are stored as ISO text; SQLAlchemy stores datetimes as "YYYY-MM-DD
    HH:MM:SS.ffffff", which ``isoformat`` writes with a "T" and without a zero
    fraction.
    """
    column = f"incidents.{f.name}"
    if f.kind == "int":
        return f.name, f"coalesce({column}, 'null')"
    if f.kind == "date":
        return f.name, column, '"%s"'
    if f.kind == "datetime":
        return f.name, (f"""coalesce('"' || replace(CASE WHEN substr({column}, 20) """
                        f"""IN ('', '.000000') THEN substr({column}, 1, 19) """
                        f"""ELSE {column} END, ' ', 'T') || 'Z"', 'null')""")
    if f.kind == "actor_id":
        return f.name, "coalesce(export_actor.id, 'null')"
    if f.kind in ("actor", "actor_type"):
        return f.name, f"json_quote(export_actor.{'name' if f.kind == 'actor' else 'type'})"
    if f.kind == "campaign":  # most incidents have none: no subquery for them
        return f.name, ("CASE WHEN incidents.campaign_id IS NULL THEN 'null' ELSE "
                        "(SELECT json_quote(name) FROM campaigns "
                        "WHERE campaigns.id = incidents.campaign_id) END")
    if f.kind == "links":
        return f.name, _sqlite_links(f)
    if f.kind == "sources":
        return f.name, _SQLITE_SOURCES
    return f.name, f"json_quote({column})"


# ``incident_properties_json`` computed by SQLite for the row of ``incidents``
# joined to its actor as ``export_actor`` (LEFT JOIN), for the GeoJSON export:
# the same bytes (SQLite's json_quote escapes exactly as ``_text`` does,
# ``tests/interchange/test_export_sql.py`` holds them together), without a
# Python call per field.
SQLITE_PROPERTIES_JSON = _sqlite_object([_sqlite_member(f) for f in FIELDS])


def _json_source(s):
    return (f'{{"url":{_json_text(s.url)},"publisher":{_json_text(s.publisher)},"date":'
            f'{_json_text(s.published_on.isoformat() if s.published_on else None)},'
            f'"archived_url":{_json_text(s.archived_url)}}}')


def _python_member(f):
    """The f-string part of field ``f`` in ``incident_properties_json``: its key and a
    Python expression of the incident ``i`` giving its value's JSON text."""
    value = f"i.{f.name}"
    if f.kind == "int":
        expr = f'{{"null" if {value} is None else {value}}}'
    elif f.kind == "date":
        expr = f'"{{{value}.isoformat()}}"'
    elif f.kind == "datetime":
        expr = f'{{_text({value}.isoformat() + "Z") if {value} else "null"}}'
    elif f.kind.startswith("actor"):
        attribute = {"actor": "_json_text(i.actor.name)", "actor_id": "i.actor.id",
                     "actor_type": "_json_text(i.actor.type)"}[f.kind]
        expr = f'{{{attribute} if i.actor else "null"}}'
    elif f.kind == "campaign":
        expr = f'{{_json_text({value}.name) if {value} else "null"}}'
    elif f.kind == "links":
        expr = f"{{_json_list(o.{f.links.key} for o in {value})}}"
    elif f.kind == "sources":
        expr = f'[{{",".join(map(_json_source, {value}))}}]'
    else:
        expr = f"{{_json_text({value})}}"
    return f'"{f.name}":{expr}'


def _compiled_properties_json():
    """``incident_properties_json``: one f-string generated from ``FIELDS``.

    One f-string builds the text once, as fast as the hand-written one it
    replaces; a loop over the fields, a call each, or a chain of ``+`` (each
    copying the text so far) measured slower, and the GeoJSON export writes a
    million of these.
    """
    body = ",".join(_python_member(f) for f in FIELDS)  # keys and expressions hold no "'"
    source = "lambda i: f'{{" + body + "}}'"
    names = {"_text": _text, "_json_text": _json_text, "_json_list": _json_list,
             "_json_source": _json_source}
    return eval(source, names)  # noqa: S307 - the source is built from FIELDS only


_properties_json = _compiled_properties_json()


def incident_properties_json(incident):
    """``incident_properties`` as compact JSON text, without building the mapping.

    Byte for byte what ``json.dumps(incident_properties(incident),
    ensure_ascii=False, separators=(",", ":"))`` gives (a test holds them
    together); the GeoJSON export writes a million of these.
    """
    return _properties_json(incident)
