"""What the benchmarks share."""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Iterator
from pathlib import Path


def timed(fn, repeat: int):
    """``fn()``'s result and its median time (s) over ``repeat`` runs."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times)


def percentile(xs: list[float], p: float) -> float:
    """The ``p``-th percentile of ``xs`` (nearest rank)."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def latency(fn, repeat: int, warm: int = 3) -> tuple[float, float]:
    """Median and 95th percentile (ms) of ``fn()`` over ``repeat`` calls, after ``warm`` calls
    to warm the caches."""
    for _ in range(warm):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), percentile(times, 95)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(settings):
    """gridmap's app served by uvicorn in a thread of this process on a free loopback port: the
    server and its base URL (``server.should_exit = True`` stops it)."""
    import threading

    import uvicorn

    from api.main import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def served_checkout(repo: Path) -> Iterator[tuple[str, int]]:
    """``gridmap serve`` of the checkout ``repo`` (this one, or a ``git worktree`` of an older
    commit, to run its code side by side) as a process of its own on a free loopback port, once it
    answers: its base URL and process id."""
    import subprocess
    import sys

    import httpx

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gis.cli", "serve", "--port", str(port), "--log-level", "warning"],
                              cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(f"{base}/health")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait()


@contextlib.contextmanager
def huamao_copy(prefix: str) -> Iterator[tuple[object, str]]:
    """A copy of Huamao under a new slug in the settings' database, deleted at the end with all
    it holds (its users, workers, cases and tracks): a connection to the database and the slug."""
    import uuid

    from gis import datasets, db
    from gis.importing import import_package
    from gis.jurisdictions import delete_jurisdiction
    from gis.settings import Settings

    conn = db.connect(Settings().database_url)
    slug = f"{prefix}-{uuid.uuid4().hex[:6]}"
    try:
        with db.transaction(conn, "bench") as cur:
            import_package(cur, datasets.dataset_path("huamao"), slug)
        yield conn, slug
    finally:
        with db.transaction(conn, "bench") as cur:
            delete_jurisdiction(cur, slug)
        conn.close()


def commit_of(repo: Path) -> str:
    """The short commit the checkout ``repo`` is at."""
    import subprocess

    return subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


def bench_headers(conn) -> dict[str, str]:
    """An Authorization header for the benchmarks: a day's API key of the ``bench`` machine
    account (an admin), added the first time."""
    from gis import db, users

    with db.transaction(conn) as cur:
        cur.execute("SELECT 1 FROM app_user WHERE username = 'bench'")
        if cur.fetchone() is None:
            users.add_user(cur, "bench", "admin", password=None)
        key = users.issue_token(cur, "bench", kind="key", hours=24, label="benchmarks")
    return {"Authorization": f"Bearer {key}"}


def page_differences(pages: dict[str, dict], tolerance: float = 1e-7) -> list[str]:
    """Why two or more OGC API Features pages are not the same answer; empty when they are.

    ``pages`` maps a server's name to its parsed FeatureCollection. The same answer means: the
    same ``numberMatched``, the same page size, the same feature ids (the Feature ``id``; each
    server's own primary key), and each feature's geometry the same to ``tolerance`` degrees
    (output precision differs between servers). Two empty pages are not an answer either.
    """
    from shapely.geometry import shape

    why: list[str] = []
    (first, a), *rest = pages.items()
    ids_a = {str(f["id"]): f for f in a["features"]}
    if not ids_a:
        why.append(f"{first} returned no features: nothing to compare")
    for name, b in rest:
        ids_b = {str(f["id"]): f for f in b["features"]}
        if a.get("numberMatched") != b.get("numberMatched"):
            why.append(f"numberMatched: {first} {a.get('numberMatched')}, {name} {b.get('numberMatched')}")
        if len(a["features"]) != len(b["features"]):
            why.append(f"page size: {first} {len(a['features'])}, {name} {len(b['features'])}")
        if ids_a.keys() != ids_b.keys():
            only_a, only_b = sorted(ids_a.keys() - ids_b.keys()), sorted(ids_b.keys() - ids_a.keys())
            why.append(f"feature ids differ: {len(only_a)} only in {first} (e.g. {only_a[:5]}), "
                       f"{len(only_b)} only in {name} (e.g. {only_b[:5]})")
        moved = [i for i in ids_a.keys() & ids_b.keys()
                 if not shape(ids_a[i]["geometry"]).equals_exact(shape(ids_b[i]["geometry"]), tolerance)]
        if moved:
            why.append(f"{len(moved)} features have other geometries in {first} and {name} (e.g. id {moved[0]})")
    return why


def tile_features(data: bytes, layer: str, id_property: str = "id", *, drawn: bool = True) -> dict[str, dict]:
    """The features of one layer of a Mapbox vector tile, by the value of ``id_property``.

    ``drawn``: only those a client draws, whose geometry reaches inside the tile's extent; not
    those lying wholly in the buffer around it (kept there to draw across tile edges, clipped
    away when drawn).
    """
    import mapbox_vector_tile
    from shapely.geometry import box, shape

    decoded = mapbox_vector_tile.decode(data) if data else {}
    if decoded and layer not in decoded:
        raise ValueError(f"no layer {layer!r} in the tile, only {sorted(decoded)}")
    found = decoded.get(layer, {})
    inside = box(0, 0, found.get("extent", 4096), found.get("extent", 4096))
    return {str(f["properties"][id_property]): f for f in found.get("features", [])
            if not drawn or (shape(f["geometry"]).intersects(inside) and not shape(f["geometry"]).touches(inside))}


def tile_differences(tiles: dict[str, tuple[bytes, str]], id_property: str = "id") -> list[str]:
    """Why two or more MVT tiles do not draw the same features; empty when they do.

    ``tiles`` maps a server's name to (the tile, the name of its layer). The same features: of
    those reaching inside the tile (see :func:`tile_features`), the same count, the same set of
    ids (the ``id_property`` property) and the same geometry in tile coordinates (both quantised
    to the same extent). Two empty tiles are not an answer either.
    """
    why: list[str] = []
    decoded = {name: tile_features(data, layer, id_property) for name, (data, layer) in tiles.items()}
    (first, a), *rest = decoded.items()
    if not a:
        why.append(f"{first}'s tile holds no features: nothing to compare")
    for name, b in rest:
        if len(a) != len(b):
            why.append(f"feature count: {first} {len(a)}, {name} {len(b)}")
        if a.keys() != b.keys():
            only_a, only_b = sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys())
            why.append(f"feature ids differ: {len(only_a)} only in {first} (e.g. {only_a[:5]}), "
                       f"{len(only_b)} only in {name} (e.g. {only_b[:5]})")
        moved = [i for i in a.keys() & b.keys() if a[i]["geometry"] != b[i]["geometry"]]
        if moved:
            why.append(f"{len(moved)} features have other tile geometries in {first} and {name} (e.g. id {moved[0]})")
    return why


def own_database(base: str, name: str, rebuild: bool) -> tuple[str, bool]:
    """The URL of database ``name`` on the server of ``base``, created when missing (dropped and
    created again with ``rebuild``), and whether it was there already (kept between runs)."""
    import psycopg2
    from psycopg2.extensions import make_dsn, parse_dsn

    admin = psycopg2.connect(make_dsn(**{**parse_dsn(base), "dbname": "postgres"}))
    admin.autocommit = True
    with admin.cursor() as cur:
        if rebuild:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        exists = cur.fetchone() is not None
        if not exists:
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return make_dsn(**{**parse_dsn(base), "dbname": name}), exists
