"""The KPIs of a jurisdiction's cases over a period (definitions: :mod:`gis.cases.kpi`), by the SQL
of ``gis/sql/case_kpi.sql`` and ``case_kpi_stays.sql``."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import RealDictCursor

from gis.cases.kpi import assemble, figures, period, total
from gis.db import read_sql
from gis.errors import InvalidInput
from gis.i18n import msg
from gis.store import find_jurisdiction


def case_kpi(cur: Cursor, slug: str, first: date, last: date, tz: tzinfo, *, as_of: datetime | None = None,
             basic_weight: float = 1.0) -> dict[str, Any]:
    """The numbers of the cases of ``slug`` received from ``first`` to ``last`` (days, both included)."""
    if not 0 <= basic_weight <= 1:
        raise InvalidInput(msg("the weight of 基本满意 must be between 0 and 1, got {0}", basic_weight))
    j = find_jurisdiction(cur, slug)
    start, end = period(first, last, tz)
    cur.execute("SELECT now()")
    now = cur.fetchone()[0]
    seen = as_of or min(end, now)
    params = {"jurisdiction_id": j.id, "start": start, "end": end, "as_of": seen, "basic_weight": basic_weight}
    with cur.connection.cursor(cursor_factory=RealDictCursor) as dict_cur:
        dict_cur.execute(read_sql("case_kpi.sql"), params)
        counts = dict_cur.fetchall()
        dict_cur.execute(read_sql("case_kpi_stays.sql"), params)
        stays = dict_cur.fetchall()
    return {"jurisdiction": slug, "from": first.isoformat(), "to": last.isoformat(), "as_of": seen.isoformat(),
            "basic_weight": basic_weight, **assemble(counts, stays)}


def kpi_by_jurisdiction(cur: Cursor, first: date, last: date, tz: tzinfo, *, slugs: list[str] | None = None,
                        as_of: datetime | None = None, basic_weight: float = 1.0) -> dict[str, Any]:
    """The overall numbers of every jurisdiction (or of ``slugs``) for the cases received from
    ``first`` to ``last``, side by side (``case_kpi_by_jurisdiction.sql``: the definitions of
    :func:`case_kpi`'s overall figures), for comparing communities, and all of them together."""
    if not 0 <= basic_weight <= 1:
        raise InvalidInput(msg("the weight of 基本满意 must be between 0 and 1, got {0}", basic_weight))
    ids = None if slugs is None else [find_jurisdiction(cur, s).id for s in slugs]
    start, end = period(first, last, tz)
    cur.execute("SELECT now()")
    seen = as_of or min(end, cur.fetchone()[0])
    params = {"jurisdiction_ids": ids, "start": start, "end": end, "as_of": seen, "basic_weight": basic_weight}
    with cur.connection.cursor(cursor_factory=RealDictCursor) as dict_cur:
        dict_cur.execute(read_sql("case_kpi_by_jurisdiction.sql"), params)
        rows = dict_cur.fetchall()
    return {"from": first.isoformat(), "to": last.isoformat(), "as_of": seen.isoformat(), "basic_weight": basic_weight,
            "jurisdictions": [{"jurisdiction": r["slug"], "name": r["name"], **figures(r)} for r in rows],
            "total": total(rows)}
