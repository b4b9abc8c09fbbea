"""Replacing a layer's features by an import (``gridmap import file … --replace``): a file
imported wrongly (the wrong CRS, the wrong CAD layer, the wrong file) is taken back whole, not
feature by feature. Only while nothing is recorded against the features: check-ins, cases and
walks would be lost with them (or silently detached), so then it is refused."""

from __future__ import annotations

from psycopg2 import sql
from psycopg2.extensions import cursor as Cursor

from gis.db import read_sql
from gis.errors import InvalidInput
from gis.i18n import msg
from gis.layers import Layer

# The static queries counting what hangs on each layer's features; layers not named hold nothing
# (tests/test_import_replace.py checks every foreign key to a layer is counted here or is derived).
RECORDS_ON = {"building": "records_on_buildings.sql", "street_edge": "records_on_streets.sql"}


def _words(kind: str, n: int) -> str:
    return {
        "visits": msg("{0} check-ins", n),
        "cases": msg("{0} cases", n),
        "post_stations": msg("{0} post stations", n),
        "draft_post_stations": msg("{0} post stations of drafts", n),
        "walks": msg("{0} walks", n),
    }[kind]


def records_on(cur: Cursor, layer: Layer, jurisdiction_id: int) -> list[str]:
    """What is recorded against the layer's features in the jurisdiction, in words (empty: nothing)."""
    if layer.name not in RECORDS_ON:
        return []
    cur.execute(read_sql(RECORDS_ON[layer.name]), {"jurisdiction_id": jurisdiction_id})
    return [_words(kind, n) for kind, n in cur.fetchall() if n]


def clear_layer(cur: Cursor, layer: Layer, jurisdiction_id: int, jurisdiction_name: str) -> int:
    """Delete the layer's features in the jurisdiction, in the caller's transaction (an import
    that then fails deletes nothing); refused when anything is recorded against them, or for grids
    (they change by publishing a layout, which keeps each grid's workers and cases by its code)."""
    if layer.name == "grid":
        raise InvalidInput(msg("grids are not replaced by an import: draft a layout and publish it (gridmap grids), "
                               "which keeps each grid's workers and cases by its code"))
    held = records_on(cur, layer, jurisdiction_id)
    if held:
        raise InvalidInput(msg("the {0} of {1} cannot be replaced: {2} refer to them and would be lost. Nothing was "
                               "written; correct or delete the wrong features one by one instead",
                               layer.name, jurisdiction_name, ", ".join(held)))
    cur.execute(sql.SQL("DELETE FROM {} WHERE jurisdiction_id = %s").format(sql.Identifier(layer.name)),
                (jurisdiction_id,))
    return cur.rowcount
