"""Writing features one request at a time: check, then write, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from psycopg2.extensions import cursor as Cursor
from pyproj import CRS
from shapely.geometry import shape

from gis.crs import crs_name, is_wgs84, source_crs, to_wgs84
from gis.errors import InvalidInput
from gis.features import Row, check_features, crs_of_geojson, features_of
from gis.i18n import msg
from gis.layers import Layer
from gis.store import (
    STORED_DEGREES,
    Jurisdiction,
    delete_row,
    find_jurisdiction,
    find_jurisdiction_by_id,
    held_geometry,
    insert_rows,
    jurisdiction_of_feature,
    replace_row,
)


def transform_features(feats: list[Any], source: CRS | str) -> list[Any]:
    """GeoJSON features with their geometry transformed from ``source`` to WGS84."""
    out = []
    for f in feats:
        if isinstance(f, dict) and isinstance(f.get("geometry"), dict):
            try:
                g = shape(f["geometry"])
            except Exception:
                out.append(f)  # left as sent: the check names what is wrong with it, feature by feature
                continue
            f = {**f, "geometry": to_wgs84([g], source)[0].__geo_interface__}
        out.append(f)
    return out


def checked_rows(layer: Layer, obj: Any, j: Jurisdiction, declared: CRS | str | None) -> list[Row]:
    """The features of a GeoJSON body, in WGS84, checked for ``layer`` in jurisdiction ``j``."""
    feats = features_of(obj)
    body_crs = crs_of_geojson(obj)
    if declared is None and body_crs is not None and not is_wgs84(body_crs):
        # RFC 7946 GeoJSON is WGS84; a body naming another CRS is converted only when asked
        raise InvalidInput(msg("the body says it is in {0}, not WGS84: send the header Content-Crs: {1} to have it "
                               "converted", crs_name(body_crs), crs_name(body_crs)))
    source = source_crs(body_crs, declared)
    if source is not None:
        feats = transform_features(feats, source)
    return check_features(layer, feats, j.envelope, j.name)


def _writable(layer: Layer) -> None:
    if not layer.writable:
        raise InvalidInput(msg("layer {0} is derived and cannot be written", layer.name))


def create_features(cur: Cursor, layer: Layer, slug: str, obj: Any, *,
                    street_join_m: float, declared_crs: CRS | str | None = None) -> list[int]:
    """Create the features of a GeoJSON Feature or FeatureCollection in ``slug``; streets are
    joined where they meet one another or a stored street (so one may be written as pieces: the
    ids of all are returned; ``street_join_m``: the setting of that name)."""
    _writable(layer)
    j = find_jurisdiction(cur, slug)
    rows = checked_rows(layer, obj, j, declared_crs)
    if not rows:
        raise InvalidInput(msg("no features to write"))
    if layer.name == "street_edge":  # joined to the network as an import's are: a street may become pieces
        from gis.street_joining import join_streets

        joined = join_streets(cur, j.id, [r.geometry for r in rows], [r.properties for r in rows], street_join_m,
                              refuse_along=True)
        _something(joined.geoms)
        rows = [Row(p, g) for p, g in zip(joined.props, joined.geoms, strict=True)]
    return insert_rows(cur, layer, j.id, rows)


def _something(pieces: list[Any]) -> None:
    """Refuse a write whose streets came to no piece at all (shorter than the database keeps)."""
    if not pieces:
        raise InvalidInput(msg("no features to write"))


def replace_feature(cur: Cursor, layer: Layer, feature_id: int, obj: Any, version: int, *,
                    street_join_m: float, declared_crs: CRS | str | None = None) -> tuple[int, list[int]]:
    """Replace one feature if it is still at ``version``; its new version and the ids it is
    stored under: itself, and for a street drawn anew the further pieces it was cut into where it
    now meets others (joined as a created one is). A street whose line is unchanged (a new name)
    is not joined again: a bridge over a road, stored with no node, stays apart from it."""
    _writable(layer)
    if not isinstance(obj, dict) or obj.get("type") != "Feature":
        raise InvalidInput(msg("a replacement must be one GeoJSON Feature"))
    j = find_jurisdiction_by_id(cur, jurisdiction_of_feature(cur, layer, feature_id))
    row = checked_rows(layer, obj, j, declared_crs)[0]
    if layer.name != "street_edge":
        return replace_row(cur, layer, feature_id, row, version), [feature_id]
    from gis.street_joining import add_pieces, join_streets

    if held_geometry(cur, layer, feature_id, version).equals_exact(row.geometry, STORED_DEGREES):
        return replace_row(cur, layer, feature_id, row, version), [feature_id]
    joined = join_streets(cur, j.id, [row.geometry], [row.properties], street_join_m, replacing=feature_id,
                          refuse_along=True)
    _something(joined.geoms)
    pieces = joined.geoms
    version = replace_row(cur, layer, feature_id, Row(row.properties, pieces[0]), version)
    return version, [feature_id, *add_pieces(cur, feature_id, pieces)]


def delete_feature(cur: Cursor, layer: Layer, feature_id: int, version: int) -> None:
    """Delete one feature if it is still at ``version``."""
    _writable(layer)
    delete_row(cur, layer, feature_id, version)
