"""Checking features before they are written: every problem is found and listed at once.

Pure functions over GeoJSON dicts and shapely geometries; nothing here touches the database
(which enforces the same rules again as the last line of defence).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from gis import limits
from gis.errors import InvalidInput
from gis.i18n import Message, msg
from gis.layers import Field, Layer

MAX_LISTED = 50
_KIND_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false",
               "wkt": "WKT text", "text": "text"}


@dataclass
class Row:
    """A checked feature, ready to write: typed properties and a WGS84 geometry."""

    properties: dict[str, Any]
    geometry: BaseGeometry


def crs_of_geojson(obj: Mapping[str, Any]) -> CRS | None:
    """The CRS a GeoJSON object declares with the (pre-RFC 7946) ``crs`` member, if any."""
    member = obj.get("crs")
    if member is None:
        return None
    try:
        name = member["properties"]["name"]
        return CRS.from_user_input(name)
    except Exception as exc:
        raise InvalidInput(msg("unreadable 'crs' member: {0!r}", member)) from exc


def features_of(obj: Any) -> list[Mapping[str, Any]]:
    """The features of a parsed GeoJSON FeatureCollection or Feature."""
    if not isinstance(obj, Mapping):
        raise InvalidInput(msg("GeoJSON must be an object (a Feature or a FeatureCollection)"))
    kind = obj.get("type")
    if kind == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list):
            raise InvalidInput(msg("a FeatureCollection needs a 'features' array"))
        return feats
    if kind == "Feature":
        return [obj]
    raise InvalidInput(msg("expected a GeoJSON Feature or FeatureCollection, got type {0!r}", kind))


def _coords(geom: BaseGeometry) -> Any:
    return shapely.get_coordinates(geom)


def _swapped(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def _lonlat_problem(geom: BaseGeometry) -> Message | None:
    """Coordinates that are no WGS84 longitude/latitude (not finite, out of range, swapped)."""
    xy = _coords(geom)
    if not np.isfinite(xy).all():
        return msg("coordinates are not finite numbers")
    lon, lat = xy[:, 0], xy[:, 1]
    if (abs(lat) > 90).any() or (abs(lon) > 180).any():
        if (abs(lon) <= 90).all() and (abs(lat) <= 180).all():
            return msg("coordinates out of range: latitude and longitude look swapped (GeoJSON is longitude, "
                       "latitude)")
        return msg("coordinates out of range for WGS84 longitude/latitude (a projected CRS? declare it, see the "
                   "docs on CRS)")
    return None


def _wkt_problems(f: Field, geom: BaseGeometry) -> Message | None:
    """What is wrong with a WKT property's geometry (a building's entrances): its type, empty,
    coordinates that are no longitude/latitude."""
    if f.geometry_types and geom.geom_type not in f.geometry_types:
        return msg("property {0!r} must be {1}, got {2}", f.name, " or ".join(f.geometry_types), geom.geom_type)
    if geom.is_empty:
        return msg("property {0!r} is an empty geometry", f.name)
    wrong = _lonlat_problem(geom)
    return msg("property {0!r}: {1}", f.name, wrong) if wrong else None


def _outside(layer: Layer, values: Mapping[str, Any], envelope: BaseGeometry, where_name: str | None) -> list[Message]:
    """The WKT properties (a building's entrances) lying outside the jurisdiction's ``envelope``."""
    return [msg("property {0!r} lies outside jurisdiction {1}", f.name, where_name) if where_name
            else msg("property {0!r} lies outside its jurisdiction", f.name)
            for f in layer.fields
            if f.kind == "wkt" and values.get(f.name) and not envelope.covers(shapely.from_wkt(values[f.name]))]


def _geometry_problems(layer: Layer, geom: BaseGeometry, envelope: BaseGeometry | None,
                       where_name: str | None) -> list[Message]:
    if geom.geom_type not in layer.geometry_types:
        return [msg("wrong geometry type {0}: layer {1} takes {2}",
                    geom.geom_type, layer.name, " or ".join(layer.geometry_types))]
    if geom.is_empty:
        return [msg("empty geometry")]
    vertices = shapely.get_num_coordinates(geom)
    if vertices > limits.MAX_VERTICES:
        return [msg("the geometry has {0} vertices, more than the limit of {1}", vertices, limits.MAX_VERTICES)]
    wrong = _lonlat_problem(geom)
    if wrong:
        return [wrong]
    if not geom.is_valid:
        return [msg("invalid geometry: {0}", shapely.is_valid_reason(geom))]
    if envelope is not None and not envelope.covers(geom):
        if envelope.covers(_swapped(geom)):
            return [msg("latitude and longitude look swapped (GeoJSON is longitude, latitude)")]
        return [msg("lies outside jurisdiction {0}", where_name) if where_name
                else msg("lies outside its jurisdiction")]
    return []


def _coerce(layer: Layer, props: Mapping[str, Any]) -> tuple[dict[str, Any], list[Message]]:
    out: dict[str, Any] = {}
    problems: list[Message] = []
    for f in layer.fields:
        value = props.get(f.name)
        if isinstance(value, float) and math.isnan(value):
            value = None
        if value is None or (isinstance(value, str) and value.strip() == "" and f.kind != "text"):
            if f.required:
                problems.append(msg("property {0!r} is required", f.name))
            elif f.default is not None:
                out[f.name] = f.default
            continue
        try:
            if f.kind == "int":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                value = int(value)
            elif f.kind == "float":
                value = float(value)
                if not math.isfinite(value):
                    raise ValueError
            elif f.kind == "bool":
                if isinstance(value, str):
                    if value.lower() not in ("true", "false", "1", "0"):
                        raise ValueError
                    value = value.lower() in ("true", "1")
                elif isinstance(value, (bool, int)) and value in (0, 1):
                    value = bool(value)
                else:
                    raise ValueError
            elif f.kind == "wkt":
                wkt = shapely.from_wkt(str(value))
                if shapely.get_num_coordinates(wkt) > limits.MAX_VERTICES:
                    problems.append(msg("property {0!r} has more than {1} vertices", f.name, limits.MAX_VERTICES))
                    continue
                wrong = _wkt_problems(f, wkt)
                if wrong:
                    problems.append(wrong)
                    continue
                value = wkt.wkt
            else:
                value = str(value)
        except Exception:
            problems.append(msg("property {0!r} must be {1}, got {2!r}", f.name, _KIND_WORDS[f.kind], str(value)[:100]))
            continue
        if isinstance(value, str) and limits.NUL in value:
            problems.append(msg("property {0!r} cannot contain the NUL character (U+0000)", f.name))
            continue
        if f.kind == "text" and isinstance(value, str) and len(value) > limits.max_chars(f.name):
            problems.append(msg("property {0!r} has {1} characters, more than the limit of {2}",
                                f.name, len(value), limits.max_chars(f.name)))
            continue
        if f.required and value == "":
            problems.append(msg("property {0!r} is required", f.name))
        if f.choices and value not in f.choices:
            problems.append(msg("property {0!r} must be one of {1}; got {2!r}", f.name, ", ".join(f.choices), value))
        if f.minimum is not None and isinstance(value, int | float) and value < f.minimum:
            problems.append(msg("property {0!r} must be at least {1:g}; got {2}", f.name, f.minimum, value))
        if f.pattern and not re.fullmatch(f.pattern, str(value)):
            problems.append(msg("property {0!r} has the wrong form: {1!r}", f.name, value))
        out[f.name] = value
    return out, problems


def promote(layer: Layer, geom: BaseGeometry) -> BaseGeometry:
    """The geometry in the layer's stored type (a Polygon becomes a one-part MultiPolygon)."""
    if layer.stored_type == "MultiPolygon" and geom.geom_type == "Polygon":
        return MultiPolygon([geom])
    return geom


def check_rows(layer: Layer, items: Iterable[tuple[Mapping[str, Any] | None, Any]],
               envelope: BaseGeometry | None = None, where_name: str | None = None,
               labels: Sequence[Message] | None = None) -> list[Row]:
    """Check ``(properties, geometry)`` pairs for ``layer``; all of them pass, or none does.

    Parameters
    ----------
    layer
        The layer they are written to.
    items
        Properties (a mapping or None) and a geometry: a shapely geometry or a GeoJSON dict.
    envelope
        The jurisdiction's boundary with its tolerance; features must lie inside it.
    where_name
        The jurisdiction's name, for messages.
    labels
        How to name each item in messages (default: "feature N").

    Raises
    ------
    InvalidInput
        Listing every problem of every feature (up to ``MAX_LISTED`` of them).
    """
    rows: list[Row] = []
    problems: list[Message] = []
    for i, (props, geom) in enumerate(items):
        label = labels[i] if labels else msg("feature {0}", i + 1)
        mine: list[Message] = []
        if props is not None and not isinstance(props, Mapping):
            mine.append(msg("'properties' must be an object or null"))
            props = {}
        values, prop_problems = _coerce(layer, props or {})
        mine += prop_problems
        if envelope is not None and not prop_problems:
            mine += _outside(layer, values, envelope, where_name)
        g: BaseGeometry | None = None
        if geom is None:
            mine.append(msg("has no geometry"))
        elif isinstance(geom, BaseGeometry):
            g = geom
        else:
            try:
                g = shape(geom)
            except Exception as exc:
                mine.append(msg("malformed geometry: {0}", exc or type(exc).__name__))
        if g is not None:
            mine += _geometry_problems(layer, g, envelope, where_name)
        if mine:
            problems += [msg("{0}: {1}", label, p) for p in mine]
        else:
            assert g is not None
            rows.append(Row(values, promote(layer, g)))
    if problems:
        shown = problems[:MAX_LISTED]
        if len(problems) > MAX_LISTED:
            shown.append(msg("... and {0} more problems", len(problems) - MAX_LISTED))
        raise InvalidInput(
            msg("{0} problem(s) in the {1} input; nothing was written", len(problems), layer.name), shown)
    return rows


def check_features(layer: Layer, features: list[Mapping[str, Any]],
                   envelope: BaseGeometry | None = None,
                   where_name: str | None = None) -> list[Row]:
    """Check GeoJSON Feature dicts (see :func:`check_rows`)."""
    items: list[tuple[Any, Any]] = []
    labels = []
    for i, f in enumerate(features):
        if not isinstance(f, Mapping) or f.get("type") != "Feature":
            items.append(({}, None))
            labels.append(msg("feature {0} (not a GeoJSON Feature)", i + 1))
            continue
        items.append((f.get("properties"), f.get("geometry")))
        name = (f.get("properties") or {}).get("name") if isinstance(f.get("properties"), Mapping) else None
        labels.append(msg("feature {0} ({1})", i + 1, str(name)[:60]) if name else msg("feature {0}", i + 1))
    return check_rows(layer, items, envelope, where_name, labels)
