"""GeoJSON (RFC 7946): a streamed FeatureCollection out, features in.

Out: THE feature shape of ``app.incidents.serialize``, longitude first,
polygon rings oriented by the right-hand rule (exterior counterclockwise), no
``crs`` member. In: a FeatureCollection (or one Feature) whose properties use
the CSV names of PRODUCT.md; the report counts features from 1.
"""
import json

import shapely

from app.incidents.serialize import incident_properties
from app.interchange.errors import FormatError

MEDIA_TYPE = "application/geo+json"
UNIT = "feature"


def geometry_json(geometries):
    """GeoJSON geometry texts, rings right-hand oriented (vectorised shapely)."""
    return shapely.to_geojson(shapely.orient_polygons(geometries, exterior_cw=False)).tolist()


def write(records, *, batch=2000):
    """Yield the FeatureCollection as text chunks, ``batch`` features at a time."""
    yield '{"type":"FeatureCollection","features":['
    first = True
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= batch:
            yield _features(chunk, lead="" if first else ",")
            first, chunk = False, []
    if chunk:
        yield _features(chunk, lead="" if first else ",")
    yield "]}\n"


def _features(records, *, lead):
    geometries = geometry_json([r.geometry for r in records])
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return lead + ",".join(
        f'{{"type":"Feature","id":{r.id},"geometry":{g},"properties":'
        f'{dumps(incident_properties(r))}}}' for r, g in zip(records, geometries))


def read_rows(stream):
    """Yield ``(feature_number, properties)`` from a GeoJSON FeatureCollection or Feature."""
    raw = stream.read()
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise FormatError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
    except (ValueError, RecursionError) as exc:
        raise FormatError(f"the file is not GeoJSON: {str(exc)[:200]}") from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise FormatError("the file is not a GeoJSON FeatureCollection")
    for number, feature in enumerate(data["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            yield number, {"__error__": ("feature", "is not a GeoJSON Feature")}
            continue
        props = feature.get("properties")
        props = dict(props) if isinstance(props, dict) else {}
        props["geometry"] = feature.get("geometry")
        yield number, props
