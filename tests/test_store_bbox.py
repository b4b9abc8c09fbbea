"""An items page's bbox takes a feature whose box lies well inside it without the exact test
(gis.store.inner_box): the features it takes are exactly those ST_Intersects takes, down to a
building narrower than PostGIS's single-precision box rounding, lying just outside the bbox."""

import json
import math
import random

import numpy as np
import pytest

from gis import db, store
from gis.layers import LAYERS, get_layer

BUILDING = get_layer("building")


def _page_ids(cur, layer, jid, bbox) -> tuple[list[int], int]:
    page, matched = store.feature_page(cur, layer, jurisdiction_id=jid, bbox=bbox, limit=10_000)
    return [f["id"] for f in json.loads(page)], matched


def _exact_ids(cur, layer, jid, bbox) -> list[int]:
    key = "id" if layer.name == "jurisdiction" else "jurisdiction_id"
    cur.execute(f"SELECT id FROM {layer.name} WHERE {key} = %s"
                " AND ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326)) ORDER BY id", (jid, *bbox))
    return [r[0] for r in cur.fetchall()]


def _boxes(cur, jid, edges: bool) -> list[tuple[float, float, float, float]]:
    """Random bboxes over the jurisdiction, from 10 cm to its whole width; with ``edges``, also
    bboxes whose edges lie on, just inside and just outside (by less than and more than the
    margin) buildings' edges."""
    cur.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM"
                " (SELECT ST_Extent(geom) e FROM jurisdiction WHERE id = %s) x", (jid,))
    w, s, e, n = cur.fetchone()
    rnd = random.Random(20261206)
    boxes = []
    for _ in range(100):
        size = 10 ** rnd.uniform(-6, math.log10(e - w))
        x, y = rnd.uniform(w - size, e), rnd.uniform(s - size, n)
        boxes.append((x, y, x + size * rnd.uniform(0.5, 2), y + size * rnd.uniform(0.5, 2)))
    if not edges:
        return boxes
    cur.execute("SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM building"
                " WHERE jurisdiction_id = %s ORDER BY id", (jid,))
    for bw, bs, be, bn in cur.fetchall():
        for d in (0.0, 1e-9, -1e-9, 1e-6, -1e-6, store._INSIDE, store._INSIDE + 1e-9, store._INSIDE - 1e-9):
            boxes.append((bw - d, bs - d, be + d, bn + d))  # around the building, by d
            boxes.append((bw - 0.001, bs - 0.001, bw + d, bn + 0.001))  # the east edge at the building's west
    return boxes


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_bbox_takes_exactly_what_intersects_it(conn, layer):
    lay = get_layer(layer)
    compared = taken = 0
    with db.transaction(conn) as cur:
        cur.execute("SELECT id FROM jurisdiction WHERE slug = 'huamao'")
        jid = cur.fetchone()[0]
        for bbox in _boxes(cur, jid, edges=layer == "building"):
            ids, matched = _page_ids(cur, lay, jid, bbox)
            exact = _exact_ids(cur, lay, jid, bbox)
            assert ids == exact and matched == len(exact), bbox
            compared += 1
            taken += len(exact)
    assert compared >= 100 and (taken > 0 or layer in ("candidate_site",))


def test_a_sliver_just_outside_the_bbox_is_not_taken(conn, monkeypatch):
    """A building 2 µ° wide lying east of the bbox's east edge, closer to it than one float32 step:
    its single-precision box and the shrunk bbox's overlap, so with no margin it would be taken."""
    with db.transaction(conn, "bbox-test") as cur:
        cur.execute("SELECT id, ST_X(p), ST_Y(p) FROM (SELECT id, ST_PointOnSurface(geom) p FROM jurisdiction"
                    " WHERE slug = 'huamao') x")
        jid, x, y = cur.fetchone()
        # an east edge just above a float32 value: the next float32 up is almost one step away
        east = float(np.float32(x)) + 1e-7
        step_up = float(np.nextafter(np.float32(east), np.float32(200)))
        assert step_up - east > 5e-6
        cur.execute("INSERT INTO building (jurisdiction_id, name, geom) VALUES (%s, 'sliver',"
                    " ST_Multi(ST_MakeEnvelope(%s, %s, %s, %s, 4326))) RETURNING id",
                    (jid, east + 1e-6, y, east + 3e-6, y + 2e-6))
        sliver = cur.fetchone()[0]
        bbox = (east - 0.002, y - 0.001, east, y + 0.001)
        assert sliver not in _exact_ids(cur, BUILDING, jid, bbox)
        assert sliver not in _page_ids(cur, BUILDING, jid, bbox)[0]
        monkeypatch.setattr(store, "_INSIDE", 0.0)  # what the margin is for
        assert sliver in _page_ids(cur, BUILDING, jid, bbox)[0]
        conn.rollback()
