"""GeoJSON (RFC 7946): a streamed FeatureCollection out, features in.

Out: THE feature shape of ``app.incidents.serialize``, longitude first,
geometries as ``app.geo.geometry.for_output`` gives them (right-hand rings,
split at the antimeridian), no ``crs`` member. In: a FeatureCollection (or one Feature) whose properties use
the CSV names of docs/product.md; the report counts features from 1.
"""
from app.geo.geometry import geojson_texts
from app.incidents.fields import FIELDS
from app.incidents.serialize import incident_properties_json
from app.interchange.errors import FormatError
from app.interchange.jsonstream import ARRAY, ITEM, object_members
from app.messages import N_, Message

# What the import page lists: the feature's geometry, then every property a
# person may set (the fields with a label, as the editor and the API take them).
IMPORT_COLUMNS = ("geometry",) + tuple(f.name for f in FIELDS if f.label)
HEAD = '{"type":"FeatureCollection","features":['
TAIL = "]}\n"


def write(records, *, batch=2000):
    """Yield the FeatureCollection as text chunks, ``batch`` features at a time."""
    yield HEAD
    first = True
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= batch:
            yield _features(chunk, lead="" if first else ",")
            first, chunk = False, []
    if chunk:
        yield _features(chunk, lead="" if first else ",")
    yield TAIL


def features_text(records):
    """The features of ``records`` as comma-separated JSON text (what ``write`` puts
    between ``HEAD`` and ``TAIL``, ``records`` at a time)."""
    return _features(records, lead="")


def _features(records, *, lead):
    geometries = geojson_texts([r.geometry for r in records])
    return lead + ",".join(
        f'{{"type":"Feature","id":{r.id},"geometry":{g},"properties":'
        f'{getattr(r, "properties_json", None) or incident_properties_json(r)}}}'
        for r, g in zip(records, geometries))


def read_rows(stream):
    """Yield ``(feature_number, properties)`` from a GeoJSON FeatureCollection or Feature.

    Streamed: features are decoded one at a time (``jsonstream``), so a huge
    collection never sits in memory. A top-level ``type`` that is not a
    FeatureCollection (or a Feature) is refused as soon as it is read; rows
    already yielded are then rolled back by the importer.
    """
    kind, members, number = None, {}, 0
    for key, value, part in object_members(stream, streamed="features", what="GeoJSON"):
        if part == ITEM:
            number += 1
            yield number, _feature_properties(value)
        elif part == ARRAY:
            members["features"] = []
        elif key == "type":
            kind = value
            if kind not in ("FeatureCollection", "Feature"):
                raise FormatError(N_("the file is not a GeoJSON FeatureCollection"))
        else:
            members[key] = value
    if kind == "Feature":
        yield 1, _feature_properties({"type": "Feature", **members})
    elif kind != "FeatureCollection" or not isinstance(members.get("features"), list):
        raise FormatError(N_("the file is not a GeoJSON FeatureCollection"))


def _feature_properties(feature):
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return {"__error__": ("feature", Message(N_("is not a GeoJSON Feature")))}
    props = feature.get("properties")
    props = dict(props) if isinstance(props, dict) else {}
    props["geometry"] = feature.get("geometry")
    return props
