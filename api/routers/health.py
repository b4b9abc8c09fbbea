"""``/health``: is the service able to reach its database?"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ConnDep
from api.models.common import problems
from api.models.service import Health
from gis.db import transaction

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses=problems(503))
def health(conn: ConnDep) -> dict:
    """Check the database and its extensions."""
    with transaction(conn) as cur:
        cur.execute("SELECT postgis_lib_version(), (SELECT extversion FROM pg_extension"
                    " WHERE extname = 'pgrouting')")
        postgis, pgrouting = cur.fetchone()
    return {"status": "ok", "database": "ok", "postgis": postgis, "pgrouting": pgrouting}
