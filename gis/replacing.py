"""Replacing a layer's features by an import (``gridmap import file … --replace``): a file
imported wrongly (the wrong CRS, the wrong CAD layer, the wrong file) is taken back whole, not
feature by feature. Only while nothing is recorded against the features: check-ins, cases and
walks would be lost with them (or silently detached), so then it is refused."""

from __future__ import annotations

from psycopg2 import sql
from psycopg2.extensions import cursor as Cursor

from gis.db import read_sql
from gis.errors import InvalidInput
from gis.i18n import Message, msg
from gis.layers import Layer

# The static queries counting what hangs on each layer's features; layers not named hold nothing
# (tests/test_import_replace.py checks every foreign key to a layer is counted here or is derived).
RECORDS_ON = {"building": "records_on_buildings.sql", "street_edge": "records_on_streets.sql"}


def _words(kind: str, n: int) -> Message:
    return {
        "visits": msg("{0} check-ins", n),
        "cases": msg("{0} cases", n),
        "post_stations": msg("{0} post stations", n),
        "draft_post_stations": msg("{0} post stations of drafts", n),
        "walks": msg("{0} walks", n),
    }[kind]


def records_on(cur: Cursor, layer: Layer, jurisdiction_id: int) -> list[Message]:
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
    # the rows locked first: a check-in being written now waits, and is counted (or refused after)
    cur.execute(sql.SQL("SELECT id FROM {} WHERE jurisdiction_id = %s FOR UPDATE").format(sql.Identifier(layer.name)),
                (jurisdiction_id,))
    held = records_on(cur, layer, jurisdiction_id)
    if held:
        listed = held[0]
        for more in held[1:]:
            listed = msg("{0}, {1}", listed, more)
        raise InvalidInput(msg("the {0} of {1} cannot be replaced: {2} refer to them and would be lost. Nothing was "
                               "written; correct or delete the wrong features one by one instead",
                               layer.name, jurisdiction_name, listed))
    cur.execute(sql.SQL("DELETE FROM {} WHERE jurisdiction_id = %s").format(sql.Identifier(layer.name)),
                (jurisdiction_id,))
    return cur.rowcount


def drafts_holding(cur: Cursor, layer: Layer, jurisdiction_id: int) -> list[int]:
    """The drafts of the jurisdiction that hold copies of the layer's features (courier zones and
    post stations are part of a layout): publishing one puts its copies back in place of what an
    import wrote since."""
    if layer.name not in ("courier_zone", "post_station"):
        return []
    cur.execute(sql.SQL("SELECT DISTINCT l.id FROM layout l JOIN {} c ON c.layout_id = l.id"
                        " WHERE l.jurisdiction_id = %s AND l.status = 'draft' ORDER BY l.id").format(
                            sql.Identifier(f"layout_{layer.name}")), (jurisdiction_id,))
    return [r[0] for r in cur.fetchall()]
