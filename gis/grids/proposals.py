"""Generate a grid layout for a jurisdiction from its streets, compounds and buildings, as a draft."""

from __future__ import annotations

import shapely
from psycopg2.extensions import cursor as Cursor

from gis.grids.generate import generate
from gis.grids.layouts import check_json, create_draft, load_state
from gis.store import find_jurisdiction


def generate_draft(cur: Cursor, slug: str, per_grid: float, tolerance: float = 0.15, name: str | None = None) -> dict:
    """A draft with generated grids (zones and stations copied from the published layout)."""
    jur = find_jurisdiction(cur, slug)
    live = load_state(cur, slug=slug)
    srid = jur.metric_srid
    cur.execute("SELECT ST_AsBinary(ST_Transform(geom, %s)) FROM street_edge WHERE jurisdiction_id = %s",
                (srid, jur.id))
    streets = [shapely.from_wkb(bytes(r[0])) for r in cur.fetchall()]
    cur.execute("SELECT ST_AsBinary(ST_Transform(geom, %s)) FROM compound WHERE jurisdiction_id = %s", (srid, jur.id))
    compounds = [shapely.from_wkb(bytes(r[0])) for r in cur.fetchall()]
    proposal = generate(live.boundary, streets, compounds, live.buildings, jur.admin_code or "", per_grid, tolerance)
    lid = create_draft(cur, slug, name or f"generated: {per_grid:g} households per grid", grids=proposal.grids,
                       target=proposal.target, tolerance=tolerance)
    out = check_json(load_state(cur, layout_id=lid))
    out["units"] = proposal.units
    return out
