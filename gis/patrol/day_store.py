"""A jurisdiction's day of walking, checking in, reporting and handling, read for the leader (the
rows of ``day_walks.sql``, ``day_visits.sql`` and ``day_cases.sql``, put together by
:func:`gis.patrol.day.worker_days`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from psycopg2.extensions import cursor as Cursor

from gis.db import read_sql
from gis.field_store import patrol_workers
from gis.patrol.day import worker_days
from gis.settings import Settings
from gis.store import find_jurisdiction


def day_of(cur: Cursor, slug: str, day: date, settings: Settings) -> dict[str, Any]:
    """What the workers of ``slug`` did on ``day`` (in the service's time zone), each worker's own."""
    j = find_jurisdiction(cur, slug)
    params = {"jurisdiction_id": j.id, "day": day, "zone": settings.time_zone.key}
    rows = []
    for name in ("day_walks.sql", "day_visits.sql", "day_cases.sql"):
        cur.execute(read_sql(name), params)
        rows.append(cur.fetchall())
    return {"jurisdiction": j.slug, "day": day.isoformat(),
            "workers": worker_days(patrol_workers(cur, j.id), *rows)}
