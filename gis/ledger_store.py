"""Writing a household ledger's counts to the buildings it names (see ``gis.ledger``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from gis.errors import InvalidInput
from gis.i18n import Message, msg
from gis.importing import analyze_written
from gis.ledger import Building, LedgerRow, match
from gis.store import find_jurisdiction

_UPDATE = """UPDATE building b SET
                 households = COALESCE(v.households, b.households),
                 residents = COALESCE(v.residents, b.residents),
                 households_estimated = CASE WHEN v.households IS NULL THEN b.households_estimated ELSE false END
             FROM (VALUES %s) AS v (id, households, residents)
             WHERE b.id = v.id"""


def apply_ledger(cur: Cursor, slug: str, rows: Sequence[LedgerRow], earlier: Sequence[Message] = ()) -> dict[str, Any]:
    """Put the ledger's counts on the buildings of ``slug`` it names, in the caller's
    transaction: counted households replace estimates. A row naming several buildings, or two
    rows naming one, refuse the whole ledger (which count would be right?), listed with the
    ``earlier`` problems of its rows (counts that are no whole number)."""
    j = find_jurisdiction(cur, slug)
    cur.execute("SELECT id, name, address FROM building WHERE jurisdiction_id = %s ORDER BY id", (j.id,))
    buildings = [Building(i, n, a) for i, n, a in cur.fetchall()]
    found = match(rows, buildings)
    names = {b.id: b.name for b in buildings}
    problems = list(earlier)
    problems += [msg("row {0} ({1}) names several buildings: {2}", r.row, r.key, ", ".join(str(names[i]) for i in ids))
                 for r, ids in found.ambiguous]
    building_of = {id(r): bid for bid, r in found.counts.items()}
    problems += [msg("rows {0} and {1} name the same building {2}", first.row, again.row, names[building_of[id(first)]])
                 for first, again in found.duplicates]
    if problems:
        raise InvalidInput(msg("the ledger has {0} problems: nothing was written", len(problems)), problems)
    if found.counts:
        execute_values(cur, _UPDATE, [(bid, r.households, r.residents) for bid, r in found.counts.items()],
                       template="(%s, %s::integer, %s::integer)", page_size=1000)
    analyze_written(cur, ["building"])
    return {"jurisdiction": slug, "updated": len(found.counts),
            "unmatched": [{"row": r.row, "key": r.key} for r in found.unmatched],
            "missing": [{"id": bid, "name": names[bid]} for bid in found.missing]}

