"""Where cases cluster (热点): the cases of a jurisdiction received in a period, per grid and
category, for a map shaded by count. The seeds' problems (courier disorder at the office
towers, e-bikes charged in the old compounds) stand out where they are."""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Any

from psycopg2.extensions import cursor as Cursor

from gis.cases.kpi import period
from gis.cases.store import categories, category_of
from gis.store import find_jurisdiction

# The cases of the period (and category) as the grids hold them; a case in no grid has code NULL.
CASES = """
SELECT c.id, c.state, c.due_at, c.grid_id, k.code AS category
  FROM case_record c JOIN case_category k ON k.id = c.category_id
 WHERE c.jurisdiction_id = %(jid)s AND c.reported_at >= %(start)s AND c.reported_at < %(end)s
   AND (%(category)s::int IS NULL OR c.category_id = %(category)s)
"""
PER_GRID = f"""
WITH period AS ({CASES})
SELECT g.code, g.name, ST_AsGeoJSON(g.geom, 7)::json, count(p.id),
       count(p.id) FILTER (WHERE p.state NOT IN ('closed', 'rejected')),
       count(p.id) FILTER (WHERE p.state NOT IN ('closed', 'rejected', 'parked') AND p.due_at < now())
  FROM grid g LEFT JOIN period p ON p.grid_id = g.id
 WHERE g.jurisdiction_id = %(jid)s
 GROUP BY g.id ORDER BY g.code
"""
PER_CATEGORY = f"""
WITH period AS ({CASES})
SELECT g.code, p.category, count(*) FROM period p LEFT JOIN grid g ON g.id = p.grid_id
 GROUP BY g.code, p.category ORDER BY g.code, p.category
"""


def hotspots(cur: Cursor, slug: str, first: date, last: date, tz: tzinfo, *,
             category: str | None = None) -> dict[str, Any]:
    """Per grid of ``slug``: the cases received from ``first`` to ``last`` (of ``category``, or
    of every one), how many of them are still open and how many overdue, and the count per
    category; as a GeoJSON FeatureCollection of the grids. Cases in no grid (an unplaced ticket)
    are counted apart (``outside_grids``)."""
    j = find_jurisdiction(cur, slug)
    start, end = period(first, last, tz)
    cat = category_of(categories(cur, j.id), category) if category else None
    params = {"jid": j.id, "start": start, "end": end, "category": cat.id if cat else None}
    cur.execute(PER_CATEGORY, params)
    by_category: dict[str | None, dict[str, int]] = {}
    for code, kind, n in cur.fetchall():
        by_category.setdefault(code, {})[kind] = int(n)
    cur.execute(PER_GRID, params)
    features = [{"type": "Feature", "id": code, "geometry": geom,
                 "properties": {"code": code, "name": name, "cases": int(n), "open": int(still),
                                "overdue": int(late), "by_category": by_category.get(code, {})}}
                for code, name, geom, n, still, late in cur.fetchall()]
    outside = by_category.get(None, {})
    return {"type": "FeatureCollection", "jurisdiction": slug, "from": first.isoformat(), "to": last.isoformat(),
            "category": cat.code if cat else None, "total": sum(f["properties"]["cases"] for f in features)
            + sum(outside.values()), "outside_grids": sum(outside.values()), "features": features}


# The points of the period's cases (of a category) in the jurisdiction's metric CRS, and its extent.
POINTS = """
SELECT ST_X(p), ST_Y(p) FROM case_record c, ST_Transform(c.geom, %(srid)s) p
 WHERE c.jurisdiction_id = %(jid)s AND c.reported_at >= %(start)s AND c.reported_at < %(end)s
   AND c.geom IS NOT NULL AND (%(category)s::int IS NULL OR c.category_id = %(category)s)
"""
EXTENT = ("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM jurisdiction,"
          " ST_Transform(envelope, metric_srid) e WHERE id = %s")
NEAREST = ("SELECT b.name FROM building b WHERE b.jurisdiction_id = %(jid)s AND b.name IS NOT NULL"
           " AND ST_DWithin(b.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, 60)"
           " ORDER BY b.geom <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) LIMIT 1")


def density(cur: Cursor, slug: str, first: date, last: date, tz: tzinfo, *, category: str | None = None,
            bandwidth: float = 100.0, cell: float = 20.0, floor: float = 0.05, peaks: int = 3) -> dict[str, Any]:
    """A density surface (quartic kernel, :mod:`gis.cases.density`) of the cases of ``slug``
    received from ``first`` to ``last`` (of ``category``), on cells of ``cell`` metres with a
    bandwidth of ``bandwidth`` metres, in the jurisdiction's metric CRS: the cells at least
    ``floor`` of the highest as GeoJSON squares (cases per km², share of the highest), and the
    ``peaks`` highest places with the building nearest each."""
    import numpy as np

    from gis.cases import density as kde
    from gis.crs import transformers

    j = find_jurisdiction(cur, slug)
    start, end = period(first, last, tz)
    cat = category_of(categories(cur, j.id), category) if category else None
    cur.execute(POINTS, {"srid": j.metric_srid, "jid": j.id, "start": start, "end": end,
                         "category": cat.id if cat else None})
    points = np.array(cur.fetchall(), dtype=float).reshape(-1, 2)
    cur.execute(EXTENT, (j.id,))
    x0, y0, nx, ny = kde.grid_for(tuple(float(v) for v in cur.fetchone()), cell, bandwidth)  # type: ignore[arg-type]
    s = kde.surface(points, x0, y0, nx, ny, cell, bandwidth)
    top = float(s.values.max()) if s.values.size else 0.0
    _, back = transformers(j.metric_srid)
    features = []
    if top > 0:
        rows, cols = np.nonzero(s.values >= floor * top)
        xs = np.stack([x0 + cols * cell, x0 + (cols + 1) * cell])
        ys = np.stack([y0 + rows * cell, y0 + (rows + 1) * cell])
        lons, lats = back.transform(np.concatenate([xs[0], xs[1]]), np.concatenate([ys[0], ys[1]]))
        n = len(rows)
        for k, (i, jj) in enumerate(zip(rows, cols, strict=True)):
            w, e, south, north = lons[k], lons[n + k], lats[k], lats[n + k]
            ring = [[w, south], [e, south], [e, north], [w, north], [w, south]]
            v = float(s.values[i, jj])
            features.append({"type": "Feature", "id": f"{i}-{jj}",
                             "geometry": {"type": "Polygon", "coordinates": [[[round(a, 7), round(b, 7)]
                                                                               for a, b in ring]]},
                             "properties": {"density": round(v * 1e6, 1), "share": round(v / top, 3)}})
    found = []
    for pi, pj, v in kde.peaks(s, peaks, separation=2 * bandwidth):
        lon, lat = back.transform(*s.centre(pi, pj))
        cur.execute(NEAREST, {"jid": j.id, "lon": lon, "lat": lat})
        near = cur.fetchone()
        found.append({"lon": round(float(lon), 7), "lat": round(float(lat), 7), "density": round(v * 1e6, 1),
                      "building": near[0] if near else None})
    return {"type": "FeatureCollection", "jurisdiction": slug, "from": first.isoformat(), "to": last.isoformat(),
            "category": cat.code if cat else None, "cases": len(points), "bandwidth": bandwidth, "cell": cell,
            "max_density": round(top * 1e6, 1), "peaks": found, "features": features}
