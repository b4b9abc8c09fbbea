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
