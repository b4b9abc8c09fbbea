"""Streets written joined to the stored network: the database side of :mod:`gis.street_noding`,
for imports and for features created through the API alike (a lane posted across a street was a
piece of its own, left out of every route)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from psycopg2 import sql
from psycopg2.extensions import cursor as Cursor
from shapely.geometry.base import BaseGeometry

from gis.db import read_sql
from gis.errors import InvalidInput
from gis.i18n import Message, msg
from gis.layers import get_layer
from gis.street_noding import METRES_PER_DEGREE, drawn_along, ground_length, node_streets

LINEAR = ("LineString", "MultiLineString")


@dataclass
class Joined:
    """The features to write after joining (lines cut into pieces, each with its line's
    properties; other features as they were), what was done, in words (None: nothing), and the
    features (their indexes) drawn along a stored street or an earlier line for more than the
    joining distance (gis.street_noding.drawn_along)."""

    geoms: list[Any]
    props: list[dict[str, Any]]
    note: Message | None
    along: list[int]


def join_streets(cur: Cursor, jurisdiction_id: int, geoms: list[Any], props: list[dict[str, Any]],
                 join_m: float, *, replacing: int | None = None, refuse_along: bool = False) -> Joined:
    """Streets split where they cross or touch one another or a street stored already, an end
    that stops within ``join_m`` of a street joined to it (gis.street_noding); each piece keeps its
    line's properties. Stored streets a new one meets in their middle are split there, the first
    piece keeping the street's id (and the walks recorded on it). ``replacing``: the stored street
    the lines are to replace, left out of those they are joined to. ``refuse_along``: a line drawn
    along a stored street or an earlier line is refused (:class:`InvalidInput`) before anything is
    written. The stored streets met are locked until the caller's transaction ends (two writes
    splitting one street at once would each write a piece over the other's)."""
    lines = [(i, part) for i, g in enumerate(geoms)
             if g is not None and g.geom_type in LINEAR for part in shapely.get_parts(g)]
    if not lines:
        return Joined(geoms, props, None, [])
    cur.execute(read_sql("streets_near.sql"), {
        "jurisdiction_id": jurisdiction_id, "replacing": replacing, "degrees": 2 * join_m / METRES_PER_DEGREE,
        "lines": shapely.to_wkb(shapely.multilinestrings([g for _, g in lines]))})
    near = cur.fetchall()
    stored = [shapely.from_wkb(bytes(w)) for _, w in near]
    along = sorted({lines[k][0] for k in drawn_along([g for _, g in lines], stored, join_m)})
    if along and refuse_along:
        raise InvalidInput(msg("{0} streets run along a stored street or another of this body for a stretch: draw "
                               "them to end where they meet it", len(along)),
                           [msg("feature {0}: along a stored street", i + 1) for i in along])
    noded = node_streets([g for _, g in lines], stored, join_m)
    out_geoms: list[Any] = [g for g in geoms if g is None or g.geom_type not in LINEAR]
    out_props = [p for p, g in zip(props, geoms, strict=True) if g is None or g.geom_type not in LINEAR]
    for k, piece in noded.new:
        out_geoms.append(piece)
        out_props.append(props[lines[k][0]])
    for k, pieces in noded.stored.items():
        _split_stored(cur, int(near[k][0]), pieces)
    note = None
    if len(noded.new) != len(lines) or noded.joined:
        note = msg("streets joined where they meet: {0} lines became {1} edges, {2} ends joined to a street within "
                   "{3:g} m, {4} streets stored already split where a new one meets them",
                   len(lines), len(noded.new), noded.joined, join_m, len(noded.stored))
    return Joined(out_geoms, out_props, note, along)


def _split_stored(cur: Cursor, edge_id: int, pieces: list[BaseGeometry]) -> None:
    """A stored street cut into ``pieces`` (in order along it): the first keeps its row, the others
    are new rows with its properties (:func:`add_pieces`)."""
    cur.execute("UPDATE street_edge SET geom = ST_GeomFromWKB(%s, 4326) WHERE id = %s",
                (shapely.to_wkb(pieces[0]), edge_id))
    add_pieces(cur, edge_id, pieces)


def add_pieces(cur: Cursor, edge_id: int, pieces: list[BaseGeometry]) -> list[int]:
    """The pieces after the first of a street whose row holds the first now: new rows with its
    properties, their ids returned; what walks walked along it is shared among all by length."""
    if len(pieces) == 1:
        return []
    columns = sql.SQL(", ").join(sql.Identifier(f.name) for f in get_layer("street_edge").fields)
    ids = []
    for piece in pieces[1:]:
        cur.execute(sql.SQL("INSERT INTO street_edge (jurisdiction_id, {c}, geom) SELECT jurisdiction_id, {c}, "
                            "ST_GeomFromWKB(%s, 4326) FROM street_edge WHERE id = %s RETURNING id").format(c=columns),
                    (shapely.to_wkb(piece), edge_id))
        ids.append(cur.fetchone()[0])
    lengths = [ground_length(p) for p in pieces]
    shares = [m / sum(lengths) for m in lengths]
    cur.execute(read_sql("split_walked.sql"), {"ids": ids, "shares": shares[1:], "first": shares[0],
                                               "edge_id": edge_id})
    return ids
