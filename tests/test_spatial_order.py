"""Rows written in bulk go into the table along a Hilbert curve (gis.store.spatial_order), so
that a bbox reads few of its pages; the ids come back in the order the rows were given."""

import random

import shapely
from shapely.geometry import box

from gis import db, store
from gis.features import Row
from gis.layers import get_layer


def _lattice(n: int = 20, x: float = 116.476, y: float = 39.909) -> list:
    """n × n squares 1e-4° apart (within Huamao from the default corner)."""
    return [box(x + i * 1e-4, y + j * 1e-4, x + i * 1e-4 + 5e-5, y + j * 1e-4 + 5e-5)
            for i in range(n) for j in range(n)]


def _mean_step(geoms: list) -> float:
    return sum(a.centroid.distance(b.centroid) for a, b in zip(geoms, geoms[1:], strict=False)) / (len(geoms) - 1)


def test_the_order_walks_from_neighbour_to_neighbour():
    cells = _lattice()
    random.Random(1).shuffle(cells)
    order = store.spatial_order(cells)
    assert sorted(order) == list(range(len(cells)))
    walked = [cells[i] for i in order]
    # a Hilbert curve through a lattice steps to a neighbouring cell (1e-4 away) nearly every time
    assert _mean_step(walked) < 1.2e-4 < _mean_step(cells) / 5


def test_rows_are_written_along_the_curve_and_ids_returned_in_their_order(conn):
    building = get_layer("building")
    cells = _lattice(12)
    random.Random(2).shuffle(cells)
    rows = [Row({"name": f"cell {k}", "kind": "other", "households": 0, "residents": 0,
                 "households_estimated": False}, shapely.multipolygons([cell])) for k, cell in enumerate(cells)]
    with db.transaction(conn) as cur:
        cur.execute("SELECT id FROM jurisdiction WHERE slug = 'huamao'")
        jid = cur.fetchone()[0]
        ids = store.insert_rows(cur, building, jid, rows)
        cur.execute("SELECT id, name, ST_AsBinary(geom) FROM building WHERE id = ANY(%s) ORDER BY id", (ids,))
        written = cur.fetchall()
        conn.rollback()
    by_id = {i: (name, shapely.from_wkb(bytes(wkb))) for i, name, wkb in written}
    for k, new_id in enumerate(ids):  # each id is its own row's
        assert by_id[new_id][0] == f"cell {k}" and by_id[new_id][1].equals(shapely.multipolygons([cells[k]]))
    in_id_order = [by_id[i][1] for i in sorted(ids)]
    assert store.spatial_order(in_id_order) == list(range(len(cells)))  # written along the curve
