"""Jurisdictions as they are shown: the list, and one with its office, counts and version.

Plain SQL, no geometry library (the boundary comes as GeoJSON from PostGIS), so that
``gridmap jurisdiction list`` starts fast; creating and changing them is :mod:`gis.jurisdictions`.
"""

from __future__ import annotations

from typing import Any

from psycopg2.extensions import cursor as Cursor

from gis.errors import NotFound
from gis.i18n import msg


def jurisdiction_record(cur: Cursor, slug: str) -> dict[str, Any]:
    """A jurisdiction as the API shows it: names, code, office, counts, version."""
    cur.execute("""SELECT id, slug, name, admin_code, households, population, ST_X(office), ST_Y(office),
                          version, ST_AsGeoJSON(geom, 7)::json, patrol
                   FROM jurisdiction WHERE slug = %s""", (slug,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("unknown jurisdiction {0!r}", slug))
    jid, s, name, code, households, population, lon, lat, version, geom, patrol = row
    return {"id": jid, "slug": s, "name": name, "admin_code": code, "households": households, "population": population,
            "office": None if lon is None else [lon, lat], "patrol": patrol, "version": version, "boundary": geom}


def list_jurisdictions(cur: Cursor) -> list[dict]:
    """Every jurisdiction with its slug, name and code."""
    cur.execute("SELECT slug, name, admin_code FROM jurisdiction ORDER BY slug")
    return [{"slug": s, "name": n, "admin_code": c} for s, n, c in cur.fetchall()]
