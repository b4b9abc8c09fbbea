"""Generate a grid layout for a jurisdiction from its streets, compounds and buildings, as a draft
(the database side of :mod:`gis.grids.generate`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from psycopg2.extensions import cursor as Cursor

from gis.grids.generate import Proposal, generate
from gis.grids.layouts import check_json, create_draft, load_state
from gis.store import find_jurisdiction


@dataclass
class GenerationInputs:
    """What grid generation reads: the published layout (boundary, buildings) and the streets and
    compounds that cut the jurisdiction into blocks, in its metric CRS."""

    slug: str
    admin_code: str
    live: Any
    streets: list
    compounds: list


def load_generation(cur: Cursor, slug: str) -> GenerationInputs:
    """Read what :func:`generate` needs, in one transaction."""
    jur = find_jurisdiction(cur, slug)
    live = load_state(cur, slug=slug)
    srid = jur.metric_srid
    cur.execute("SELECT ST_AsBinary(ST_Transform(geom, %s)) FROM street_edge WHERE jurisdiction_id = %s",
                (srid, jur.id))
    streets = [shapely.from_wkb(bytes(r[0])) for r in cur.fetchall()]
    cur.execute("SELECT ST_AsBinary(ST_Transform(geom, %s)) FROM compound WHERE jurisdiction_id = %s", (srid, jur.id))
    compounds = [shapely.from_wkb(bytes(r[0])) for r in cur.fetchall()]
    return GenerationInputs(slug, jur.admin_code or "", live, streets, compounds)


def propose(inputs: GenerationInputs, per_grid: float, tolerance: float = 0.15) -> Proposal:
    """The generated layout (no database: this is the long part)."""
    return generate(inputs.live.boundary, inputs.streets, inputs.compounds, inputs.live.buildings,
                    inputs.admin_code, per_grid, tolerance)


def save_draft(cur: Cursor, inputs: GenerationInputs, proposal: Proposal, per_grid: float, tolerance: float = 0.15,
               name: str | None = None) -> dict:
    """Keep a proposal as a draft (zones and stations copied from the published layout); its check."""
    lid = create_draft(cur, inputs.slug, name or f"generated: {per_grid:g} households per grid", grids=proposal.grids,
                       target=proposal.target, tolerance=tolerance)
    out = check_json(load_state(cur, layout_id=lid))
    out["units"] = proposal.units
    return out


def generate_draft(cur: Cursor, slug: str, per_grid: float, tolerance: float = 0.15, name: str | None = None) -> dict:
    """A draft with generated grids (zones and stations copied from the published layout)."""
    inputs = load_generation(cur, slug)
    return save_draft(cur, inputs, propose(inputs, per_grid, tolerance), per_grid, tolerance, name)
