"""The database goes away and comes back: the API answers 503 (problem+json) meanwhile, writes
nothing half, and recovers by itself, without a restart. (A tile or page already made may still be
sent from memory in the moment before the server notices the outage: nothing can change meanwhile.
The requests here are ones not made before.)"""

from __future__ import annotations

import time

import psycopg2
from psycopg2.extensions import parse_dsn

from tests.conftest import _with_dbname

ZONE = {"type": "Feature", "properties": {"name": "停电时", "capacity": 1}, "geometry": {
    "type": "Polygon", "coordinates": [[[116.48021, 39.91088], [116.48030, 39.91088], [116.48030, 39.91095],
                                        [116.48021, 39.91095], [116.48021, 39.91088]]]}}


def test_database_down_then_back(client, database_url, copy_of):
    slug = copy_of("huamao")
    name = parse_dsn(database_url)["dbname"]
    admin = psycopg2.connect(_with_dbname(database_url, "postgres"))
    admin.autocommit = True
    assert client.get("/collections/grid/items", params={"jurisdiction": slug}).status_code == 200
    try:
        with admin.cursor() as cur:  # the database refuses connections and drops the ones it has
            cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                        "AND pid <> pg_backend_pid()", (name,))
        for path in ("/collections/grid/items", "/patrol/huamao/route"):
            r = client.get(path, params={"jurisdiction": slug, "limit": 3} if "items" in path else None)
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "Retry-After" in r.headers and "unavailable" in r.json()["detail"]
        r = client.post("/collections/courier_zone/items", params={"jurisdiction": slug}, json=ZONE)
        assert r.status_code == 503
    finally:
        with admin.cursor() as cur:
            cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.close()
    deadline = time.monotonic() + 10
    while True:  # back by itself: no restart of the service
        r = client.get("/collections/grid/items", params={"jurisdiction": slug})
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 200 and len(r.json()["features"]) == 4
    # nothing of the refused write landed
    items = client.get("/collections/courier_zone/items", params={"jurisdiction": slug}).json()
    assert "停电时" not in {f["properties"]["name"] for f in items["features"]}
