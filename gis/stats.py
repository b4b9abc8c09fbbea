"""Headline figures of a jurisdiction (``gridmap stats``)."""

from __future__ import annotations

from typing import Any

from psycopg2.extensions import cursor as Cursor

from gis.db import read_sql
from gis.errors import NotFound
from gis.i18n import msg

COUNTED = ("compound", "grid", "building", "courier_zone", "post_station", "street_edge",
           "candidate_site")


def jurisdiction_stats(cur: Cursor, slug: str) -> dict[str, Any]:
    """Area (km², metric CRS), households and residents (sum over buildings), layer counts."""
    cur.execute(read_sql("stats.sql"), {"slug": slug})
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("unknown jurisdiction {0!r}", slug))
    names = [d[0] for d in cur.description]
    rec = dict(zip(names, row, strict=True))
    return {
        "jurisdiction": rec["slug"],
        "name": rec["name"],
        "area_km2": round(float(rec["area_km2"]), 4),
        "households": int(rec["households"]),
        "residents": int(rec["residents"]),
        "buildings_with_estimated_households": int(rec["buildings_estimated"]),
        "counts": {k: int(rec[k]) for k in COUNTED},
    }
