"""A grid's page in numbers: households, residents, buildings, stations, its community, its workers (who to
contact), patrol coverage."""

from __future__ import annotations

import json
from datetime import date

from psycopg2.extensions import cursor as Cursor

from gis.db import read_sql
from gis.errors import NotFound
from gis.i18n import msg
from gis.patrol.records import patrol_coverage
from gis.store import find_jurisdiction


def grid_summary(cur: Cursor, slug: str, code: str, days: int, as_of: date) -> dict:
    jur = find_jurisdiction(cur, slug)
    cur.execute(read_sql("grid_summary.sql"), {"jurisdiction_id": jur.id, "code": code})
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("{0} has no grid {1}", jur.name, code))  # the community by its name, not its slug
    (gid, name, leader, geom, area, buildings, households, residents, stations, zones, workers) = row
    coverage = patrol_coverage(cur, slug, days, as_of, geometry=False)
    share = next((g["share"] for g in coverage["grids"] if g["code"] == code), None)
    return {"jurisdiction": slug, "jurisdiction_name": jur.name, "id": gid, "code": code, "name": name,
            "leader": leader,
            "geometry": json.loads(geom), "area_m2": round(area, 1), "buildings": buildings,
            "households": households, "residents": residents, "stations": stations, "courier_zones": zones,
            "workers": workers or [], "patrol_coverage": {"days": days, "as_of": coverage["as_of"], "share": share}}
