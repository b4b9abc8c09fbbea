"""What OGC API – Features asks of a request and an answer, without HTTP: the coordinate reference
systems served (Part 2), a ``bbox`` in any of them, filters on a layer's properties (Part 3's
queryables as query parameters) and the JSON Schemas that tell a client each property's type.

Data are stored in WGS84 longitude/latitude (CRS84 axis order); EPSG:4326 is the same datum with
latitude first, EPSG:3857 Web Mercator in metres.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pyproj import Transformer

from gis.errors import MalformedRequest
from gis.i18n import msg
from gis.layers import Layer

# The conformance classes claimed (each is checked by tests/test_ogc.py).
CONFORMANCE = ("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
               "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
               "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
               "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
               "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
               "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters")
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
# The CRSs a client may ask for, in the order the collections list them.
SERVED = (CRS84, EPSG_4326, EPSG_3857)
# Each name a request may use for them (the URI, its short form), and the Gaode shift of the pages.
CrsName = Literal["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326",
                  "http://www.opengis.net/def/crs/EPSG/0/3857", "CRS84", "OGC:CRS84", "EPSG:4326", "EPSG:3857",
                  "gcj02"]
BboxCrsName = Literal["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326",
                      "http://www.opengis.net/def/crs/EPSG/0/3857", "CRS84", "OGC:CRS84", "EPSG:4326", "EPSG:3857"]
_ALIASES = {"CRS84": CRS84, "OGC:CRS84": CRS84, "EPSG:4326": EPSG_4326, "EPSG:3857": EPSG_3857}
# The link relation from a collection to its queryables (OGC API – Features Part 3).
QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
MERCATOR_MAX = 20037508.342789244  # metres: EPSG:3857's half width


@dataclass(frozen=True)
class OutputCrs:
    """How features are written in a CRS: the URI named in ``Content-Crs``, the SRID, whether the
    axes are swapped (latitude first) and the decimals kept (about 1 cm)."""

    uri: str
    srid: int
    lat_first: bool
    decimals: int


OUTPUTS = {CRS84: OutputCrs(CRS84, 4326, False, 7), EPSG_4326: OutputCrs(EPSG_4326, 4326, True, 7),
           EPSG_3857: OutputCrs(EPSG_3857, 3857, False, 2)}


def crs_uri(name: str) -> str:
    """The URI of a CRS named by its URI or short form; 400 for one not served."""
    uri = _ALIASES.get(name, name)
    if uri not in SERVED:
        raise MalformedRequest(msg("crs {0!r} is not served; use one of {1}", name, ", ".join(SERVED)))
    return uri


def parse_bbox(text: str, crs: str = CRS84) -> tuple[float, float, float, float]:
    """A ``bbox`` (4 numbers, or 6 with heights, which are ignored) in ``crs`` (a served URI), as
    west, south, east, north in WGS84 longitude/latitude; 400 when it is malformed or out of range."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in (4, 6) or any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise MalformedRequest(msg("bbox must be 4 numbers (or 6 with heights) separated by commas; got {0!r}", text))
    a, b, c, d = (values[0], values[1], values[3], values[4]) if len(values) == 6 else values
    if crs == EPSG_4326:  # latitude first
        a, b, c, d = b, a, d, c
    if crs == EPSG_3857:
        if not (-MERCATOR_MAX <= a <= c <= MERCATOR_MAX and -MERCATOR_MAX <= b <= d <= MERCATOR_MAX):
            raise MalformedRequest(msg("bbox {0!r} is not minx,miny,maxx,maxy in EPSG:3857 metres", text))
        to_wgs84 = Transformer.from_crs(3857, 4326, always_xy=True)
        a, b, c, d = to_wgs84.transform_bounds(a, b, c, d)
        return a, max(b, -90.0), c, min(d, 90.0)
    if not (-180 <= a <= c <= 180 and -90 <= b <= d <= 90):
        order = "minlat,minlon,maxlat,maxlon" if crs == EPSG_4326 else "minlon,minlat,maxlon,maxlat"
        raise MalformedRequest(msg("bbox {0!r} is not {1} in WGS84", text, order))
    return a, b, c, d


def check_datetime(text: str) -> None:
    """Check a ``datetime`` parameter: an RFC 3339 date-time or date, or an interval of two with
    ``..`` for an open end; 400 otherwise. No layer has a time property (a feature's time is its
    version's, not the world's), so it filters nothing: the collections declare no temporal extent."""
    ends = text.split("/")
    if len(ends) > 2 or ends == ["..", ".."] or (len(ends) == 1 and ends[0] == ".."):
        raise MalformedRequest(msg("datetime must be a date-time, or an interval start/end (.. for an open end); "
                                   "got {0!r}", text))
    for end in ends:
        if end in ("..", "") and len(ends) == 2:
            continue
        try:
            datetime.fromisoformat(end)
        except ValueError:
            raise MalformedRequest(msg("datetime must be a date-time, or an interval start/end (.. for an open "
                                       "end); got {0!r}", text)) from None


# --- properties: their types, which may filter ------------------------------------------------

# JSON Schema types of the layers' kinds of property.
_TYPES = {"text": "string", "int": "integer", "float": "number", "bool": "boolean", "wkt": "string"}
# The derived properties (computed by the database) and what they are.
DERIVED = {"version": ("int", "Its version: the ETag of GET /collections/{layer}/items/{id} names it"),
           "grid_id": ("int", "The id of the grid holding it (derived from its location)"),
           "metric_srid": ("int", "The EPSG code of the metric CRS its lengths and areas are computed in"),
           "source": ("int", "The street node it starts at"), "target": ("int", "The street node it ends at"),
           "length_m": ("float", "Its length in metres"), "cost": ("float", "Walking cost forwards (metres)"),
           "reverse_cost": ("float", "Walking cost backwards (metres)")}
# Properties read through an expression, not a column: shown, never filtered on.
_NOT_COLUMNS = {("jurisdiction", "office_lon"), ("jurisdiction", "office_lat")}


def queryables(layer: Layer) -> dict[str, str]:
    """The properties of ``layer`` a request may filter on (``?name=value``), with their kinds:
    its own columns of plain values and the integer derived ones (a building's ``grid_id``)."""
    own = {f.name: f.kind for f in layer.fields
           if f.kind in ("text", "int", "float", "bool") and (layer.name, f.name) not in _NOT_COLUMNS}
    derived = {name: DERIVED[name][0] for name in layer.derived if name in DERIVED and DERIVED[name][0] == "int"}
    return own | derived


def filter_values(layer: Layer, params: list[tuple[str, str]]) -> dict[str, Any]:
    """The property filters of a request (``params``: the query parameters that are not the
    route's own), each value read as its property's type; 400 listing every problem, among them
    a parameter that is no queryable of the layer."""
    kinds = queryables(layer)
    values: dict[str, Any] = {}
    problems = []
    for name, text in params:
        kind = kinds.get(name)
        if kind is None:
            problems.append(msg("unknown parameter {0!r}: the properties {1} may filter on are {2}", name, layer.name,
                                ", ".join(kinds) or "none"))
        elif name in values:
            problems.append(msg("{0} is given more than once", name))
        else:
            try:
                values[name] = _value(kind, text)
            except ValueError:
                problems.append(msg("{0} must be {1}, not {2!r}", name, _KIND_NAMES[kind], text))
                continue
            choices = _choices(layer, name)
            if choices and text not in choices:
                problems.append(msg("{0} must be one of {1}, not {2!r}", name, ", ".join(choices), text))
    if problems:
        raise MalformedRequest(msg("invalid request parameters"), problems)
    return values


def _choices(layer: Layer, name: str) -> tuple[str, ...]:
    return () if name in DERIVED else layer.field(name).choices


def filter_parameters(layer: Layer) -> list[dict[str, Any]]:
    """The queryables of ``layer`` as OpenAPI query parameters (type, and the values a choice may
    take), for the API definition to describe each layer's filters."""
    out = []
    for name, kind in queryables(layer).items():
        schema: dict[str, Any] = {"type": _TYPES[kind]}
        if _choices(layer, name):
            schema["enum"] = list(_choices(layer, name))
        description = DERIVED[name][1] if name in DERIVED else layer.field(name).description
        about = f" ({description})" if description else ""
        out.append({"name": name, "in": "query", "required": False, "schema": schema,
                    "description": f"only features whose {name} is this{about}"})
    return out


_KIND_NAMES = {"text": msg("text"), "int": msg("an integer"), "float": msg("a number"),
               "bool": msg("true or false")}


def _value(kind: str, text: str) -> Any:
    if kind == "int":
        # ASCII digits only (int() takes '³' and '1_000'); within PostgreSQL's bigint
        if not re.fullmatch(r"[+-]?[0-9]{1,19}", text) or not -2**63 <= int(text) < 2**63:
            raise ValueError(text)
        return int(text)
    if kind == "float":
        number = float(text)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(text)
        return number
    if kind == "bool":
        if text not in ("true", "false"):
            raise ValueError(text)
        return text == "true"
    return text


# --- JSON Schemas -------------------------------------------------------------------------------

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _property_schema(layer: Layer, name: str) -> dict[str, Any]:
    if name in DERIVED:
        kind, description = DERIVED[name]
        return {"type": _TYPES[kind], "title": name, "description": description, "readOnly": True}
    f = layer.field(name)
    schema: dict[str, Any] = {"type": _TYPES[f.kind], "title": name}
    if f.description:
        schema["description"] = f.description
    if f.choices:
        schema["enum"] = list(f.choices)
    if f.minimum is not None:
        schema["minimum"] = int(f.minimum) if f.kind == "int" else f.minimum
    if f.pattern:
        schema["pattern"] = f.pattern
    if f.kind == "wkt":
        schema["format"] = "wkt"
    if f.sql == "bigint":
        schema["format"] = "int64"
    return schema


def queryables_schema(layer: Layer, url: str) -> dict[str, Any]:
    """The queryables of ``layer`` as a JSON Schema (OGC API – Features Part 3), ``$id`` its URL."""
    return {"$schema": SCHEMA_DIALECT, "$id": url, "type": "object", "title": layer.title,
            "properties": {name: _property_schema(layer, name) for name in queryables(layer)},
            "additionalProperties": False}


def feature_schema(layer: Layer, url: str) -> dict[str, Any]:
    """The JSON Schema of one of ``layer``'s GeoJSON features: every property with its type, as a
    client needs to fix a table's columns before it has read every feature (GDAL's OAPIF driver
    reads it from the collection's ``describedby`` link, so that a property empty on the first
    page is still an integer)."""
    properties = {"jurisdiction": {"type": "string", "title": "jurisdiction",
                                   "description": "The slug of the jurisdiction it belongs to"}}
    for name in layer.properties:
        if not (layer.name == "jurisdiction" and name == "slug"):
            properties[name] = _property_schema(layer, name)
            if properties[name].get("format") == "int64":
                # GDAL before 3.7 makes every "integer" a 32-bit field and clamps what is larger
                # (OSM node ids are); a number keeps the value whole (below 2^53)
                properties[name] = {**properties[name], "type": "number"}
    return {"$schema": SCHEMA_DIALECT, "$id": url, "title": layer.title, "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                           "id": {"type": "integer"},
                           "geometry": {"type": "object", "title": " or ".join(layer.geometry_types),
                                        "properties": {"type": {"type": "string",
                                                                "enum": list(layer.geometry_types)}}},
                           "properties": {"type": "object", "properties": properties}}}
