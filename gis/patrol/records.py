"""What was really covered: GPX tracks and building check-ins in, patrol coverage and visits out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import gpxpy
import gpxpy.gpx
import numpy as np
from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from gis import limits
from gis.db import read_sql
from gis.errors import InvalidInput, ServiceBusyError, UnreadableFile
from gis.i18n import msg
from gis.network_store import AREA_MARGIN_M, LoadedNetwork, load_network, streets_version
from gis.parsing import parse_day, parse_uuid
from gis.patrol.matching import match_track
from gis.patrol.schedule import Calendar, year_visits
from gis.store import Jurisdiction, find_jurisdiction

# A street counts as walked when a track covered at least this share of it.
WALKED_SHARE = 0.5
# Retry-After of a walk whose streets changed while it was matched: sent again at once, it is matched anew.
STREETS_CHANGED_RETRY_S = 1


def recorded_day(text: object, what: str = "day", today: date | None = None) -> date:
    """The day of something done (a track walked, a visit made): no later than tomorrow."""
    day = parse_day(text, what)
    latest = limits.latest_recorded_day(today)
    if day > latest:
        raise InvalidInput(msg("{0} {1} has not come yet: record what was done, up to {2}", what, day, latest))
    return day


# When a walk began and ended (None when its points carry no times).
Span = tuple[datetime, datetime] | None


class GpxWalk(NamedTuple):
    """A GPX file's walk: its lon/lat segments, and when it began and ended."""

    segments: list[np.ndarray]
    span: Span


def read_gpx(data: bytes | str) -> GpxWalk:
    """The lon/lat segments of a GPX file's tracks (or routes, when it has no tracks), and the
    first and last of its points' times (none when a point has no time)."""
    try:
        doc = gpxpy.parse(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as exc:
        raise UnreadableFile(msg("the GPX file is malformed: {0}", str(exc).splitlines()[0][:200])) from None
    parts: list[list[Any]] = [seg.points for trk in doc.tracks for seg in trk.segments if seg.points] or [
        r.points for r in doc.routes if r.points]
    segments = [np.array([(p.longitude, p.latitude) for p in part], dtype=float) for part in parts]
    times: list[datetime | None] = [p.time for part in parts for p in part]
    segments = [s for s in segments if len(s)]
    if not segments:
        raise InvalidInput(msg("the GPX file holds no track points"))
    points = sum(len(s) for s in segments)
    if points > limits.MAX_TRACK_POINTS:
        raise InvalidInput(msg("the GPX file holds {0} points; a track may hold at most {1}",
                               points, limits.MAX_TRACK_POINTS))
    for s in segments:
        if not (np.all(np.abs(s[:, 0]) <= 180) and np.all(np.abs(s[:, 1]) <= 90)):
            raise InvalidInput(msg("the GPX file has points outside longitude/latitude range"))
    known = [t for t in times if t is not None and t.tzinfo is not None]
    return GpxWalk(segments, (min(known), max(known)) if len(known) == len(times) else None)


@dataclass(frozen=True)
class MatchedTrack:
    """A track's lon/lat segments and what they walked (metres per edge of the network they were
    matched on), before it is kept."""

    segments: list[np.ndarray]
    walked: dict[int, float]
    points: int
    matched_points: int


def match_segments(loaded: LoadedNetwork, segments: list[np.ndarray]) -> MatchedTrack:
    """Match a track's lon/lat segments to the streets of ``loaded``: computing only, no database
    (seconds for a long walk: a service runs it with no connection held)."""
    net = loaded.net
    walked: dict[int, float] = {}
    points = matched = 0
    for seg in segments:
        x, y = loaded.to_metric.transform(seg[:, 0], seg[:, 1])
        m = match_track(net, np.column_stack([x, y]))
        points += m.points
        matched += m.matched_points
        for e, w in m.walked_m.items():
            walked[e] = min(float(net.length[e]), max(walked.get(e, 0.0), w))
    if not any(len(s) >= 2 for s in segments):
        raise InvalidInput(msg("a track needs at least two points"))
    return MatchedTrack(segments, walked, points, matched)


def record_track(cur: Cursor, slug: str, worker: str, day: str | date, gpx: bytes | str,
                 client_id: str | None = None) -> dict:
    """Match a worker's GPX track of a day to the streets and keep it; what it walked. With the
    phone's ``client_id``, a track sent again is answered as recorded the first time
    (``created`` false) and nothing is written."""
    walked_on, walk = read_upload(worker, day, gpx)
    if client_id is not None:
        client_id = parse_uuid(client_id, "client_id")
        stored = stored_track(cur, slug, client_id)
        if stored is not None:
            return stored
    jur = find_jurisdiction(cur, slug)
    loaded = load_network(cur, jur)
    return keep_track(cur, jur, loaded, worker, walked_on, match_segments(loaded, walk.segments), client_id,
                      walk.span)


def read_upload(worker: str, day: str | date, gpx: bytes | str) -> tuple[date, GpxWalk]:
    """A GPX walk as uploaded (the worker who walked it, the day, the file), checked with no
    database: the day and the walk."""
    check_worker(worker)
    return recorded_day(day), read_gpx(gpx)


def check_worker(worker: str) -> None:
    """Refuse a track with no worker's name, or too long a one."""
    if not worker or not worker.strip():
        raise InvalidInput(msg("name the worker who walked the track"))
    limits.check_text(worker, "'worker'")


def keep_track(cur: Cursor, jur: Jurisdiction, loaded: LoadedNetwork, worker: str, day: date, track: MatchedTrack,
               client_id: str | None = None, span: Span = None) -> dict:
    """Keep a track matched on ``loaded`` (the jurisdiction's network, as it still is) as walked
    by ``worker`` on ``day`` (from ``span[0]`` to ``span[1]``, when known); what it walked. A
    network changed since it was loaded (streets re-imported while the walk was matched, outside
    this transaction) refuses it for now: sent again, it is matched on the streets as they are."""
    if streets_version(cur, jur.id, hold=True) != loaded.version:  # held: the streets stay as checked until kept
        raise ServiceBusyError(msg("the streets of {0} changed while the walk was being matched: send it again",
                                   jur.name), STREETS_CHANGED_RETRY_S)
    net, walked = loaded.net, track.walked
    lines = [s.tolist() for s in track.segments if len(s) >= 2]
    geom = json.dumps({"type": "MultiLineString", "coordinates": lines})
    started, ended = span or (None, None)
    cur.execute(read_sql("keep_track.sql"), {
        "jurisdiction_id": jur.id, "worker": worker.strip(), "day": day, "points": track.points,
        "matched_points": track.matched_points, "geom": geom, "client_id": client_id,
        "started_at": started, "ended_at": ended})
    track_id = cur.fetchone()[0]
    rows = [(track_id, int(net.edge_ids[net.parent[e]]), w) for e, w in walked.items()]
    if rows:
        execute_values(cur, "INSERT INTO patrol_walked (track_id, edge_id, walked_m) VALUES %s", rows)
    street_m = float(net.length[loaded.in_area].sum())
    walked_m = sum(w for e, w in walked.items() if loaded.in_area[net.parent[e]])
    answer = {"track_id": track_id, "created": True, "worker": worker.strip(), "day": day.isoformat(),
              "points": track.points, "matched_points": track.matched_points, "walked_m": round(walked_m, 2),
              "share_of_streets": round(walked_m / street_m, 4) if street_m else 0.0,
              "edges": sorted(int(net.edge_ids[net.parent[e]]) for e, w in walked.items()
                              if w >= WALKED_SHARE * net.length[e])}
    if client_id is not None:
        cur.execute("UPDATE patrol_track SET summary = %s WHERE id = %s", (json.dumps(answer), track_id))
    return answer


def stored_track(cur: Cursor, slug: str, client_id: str) -> dict | None:
    """What recording the track kept under ``client_id`` answered, or None when there is none."""
    cur.execute("SELECT j.slug, t.summary FROM patrol_track t JOIN jurisdiction j ON j.id = t.jurisdiction_id"
                " WHERE t.client_id = %s", (client_id,))
    row = cur.fetchone()
    if row is None:
        return None
    if row[0] != slug:
        raise InvalidInput(msg("client_id {0} is a track of another jurisdiction", client_id))
    return {**row[1], "created": False}


def record_visits(cur: Cursor, slug: str, visits: list[dict]) -> list[int]:
    """Check-ins at buildings (``building_id``, ``worker``, ``day``, ``kind``, ``note``, when it
    was made, ``at``, if known, and the phone's ``client_id``; their types checked at the edge):
    all are kept, or none when any is wrong (each problem named). A check-in whose ``client_id``
    is kept already is not kept again: its id is answered."""
    if not visits:
        raise InvalidInput(msg("give a list of visits: {{building_id, worker, day, kind}}"))
    if len(visits) > limits.MAX_FEATURES_PER_REQUEST:
        raise InvalidInput(msg("{0} visits in one request, more than the limit of {1}",
                               len(visits), limits.MAX_FEATURES_PER_REQUEST))
    jur = find_jurisdiction(cur, slug)
    cur.execute("SELECT id FROM building WHERE jurisdiction_id = %s", (jur.id,))
    known = {r[0] for r in cur.fetchall()}
    problems, rows = [], []
    for i, v in enumerate(visits):
        try:
            day = recorded_day(v.get("day"), msg("visit {0}: {1}", i, "day"))
        except InvalidInput as exc:
            problems.append(exc.message)
            continue
        building, worker, note = v.get("building_id"), v.get("worker") or "", v.get("note")
        if building not in known:
            problems.append(msg("visit {0}: {1} has no building {2!r}", i, slug, str(building)[:40]))
        if v.get("kind") not in ("small", "big"):
            problems.append(msg("visit {0}: kind must be small or big, got {1!r}", i, str(v.get("kind"))[:40]))
        if not worker.strip():
            problems.append(msg("visit {0}: name the worker", i))
        for value, what, field in ((worker, "'worker'", "name"), (note, "'note'", "note")):
            try:
                limits.check_text(value, what, field)
            except InvalidInput as exc:
                problems.append(msg("visit {0}: {1}", i, exc.message))
        client_id = v.get("client_id")
        if client_id is not None:
            try:
                client_id = parse_uuid(client_id, "client_id")
            except InvalidInput as exc:
                problems.append(msg("visit {0}: {1}", i, exc.message))
        rows.append((jur.id, building, worker.strip(), day, v.get("kind"), note, client_id, v.get("at")))
    if problems:
        raise InvalidInput(msg("{0} of the visits cannot be recorded; none was", len(problems)), problems)
    inserted = execute_values(cur, "INSERT INTO visit (jurisdiction_id, building_id, worker, day, kind, note, "
                                   "client_id, at) VALUES %s ON CONFLICT (client_id) DO NOTHING "
                                   "RETURNING id, client_id::text", rows, fetch=True,
                              template="(%s, %s, %s, %s, %s, %s, %s, %s::timestamptz)")
    fresh = iter(i for i, _ in inserted)  # in the order given, those written now
    written_now = {c for _, c in inserted if c}
    kept_before = sorted({r[6] for r in rows if r[6] and r[6] not in written_now})
    earlier: dict[str, int] = {}
    if kept_before:
        cur.execute("SELECT client_id::text, id FROM visit WHERE jurisdiction_id = %s AND client_id = ANY(%s::uuid[])",
                    (jur.id, kept_before))
        earlier = dict(cur.fetchall())
        elsewhere = [c for c in kept_before if c not in earlier]
        if elsewhere:
            raise InvalidInput(msg("client_id {0} is a check-in of another jurisdiction", elsewhere[0]))
    ids: list[int] = []
    seen: dict[str, int] = {}
    for r in rows:
        client_id = r[6]
        ids.append(seen.get(client_id) or earlier.get(client_id) or next(fresh) if client_id else next(fresh))
        if client_id:
            seen[client_id] = ids[-1]
    return ids


def patrol_coverage(cur: Cursor, slug: str, days: int, as_of: date,
                    geometry: bool = True) -> dict:
    """Share of street length walked in the last ``days`` days, per grid and in all; the streets
    not walked (stale), with the last day each was walked (and, with ``geometry``, their lines)."""
    if days < 1:
        raise InvalidInput(msg("days must be at least 1"))
    jur = find_jurisdiction(cur, slug)
    params = {"jurisdiction_id": jur.id, "as_of": as_of, "days": days, "margin": AREA_MARGIN_M,
              "geometry": geometry}
    cur.execute("SELECT code, name FROM grid WHERE jurisdiction_id = %s ORDER BY code", (jur.id,))
    per_grid = {code: {"code": code, "name": name, "street_m": 0.0, "walked_m": 0.0} for code, name in cur.fetchall()}
    cur.execute(read_sql("patrol_streets.sql"), params)
    streets, stale, total, walked = [], [], 0.0, 0.0
    for eid, name, length, share, last, geom, in_area, grid_codes in cur.fetchall():
        item = {"edge_id": eid, "name": name, "length_m": round(length, 2), "share": round(share, 4),
                "last_walked": last.isoformat() if last else None,
                "days_since": (as_of - last).days if last else None,
                "geometry": json.loads(geom) if geom else None}
        streets.append(item)
        for code in grid_codes or []:
            per_grid[code]["street_m"] += length
            per_grid[code]["walked_m"] += share * length
        if in_area:
            total += length
            walked += share * length
            if share < WALKED_SHARE:
                stale.append(item)
    grids = [{**g, "street_m": round(g["street_m"], 2), "walked_m": round(g["walked_m"], 2),
              "share": round(g["walked_m"] / g["street_m"], 4) if g["street_m"] else 0.0}
             for g in per_grid.values() if g["street_m"]]
    return {"jurisdiction": slug, "as_of": as_of.isoformat(), "days": days,
            "share": round(walked / total, 4) if total else 0.0, "street_m": round(total, 2),
            "walked_m": round(walked, 2), "grids": grids,
            "stale": [{k: v for k, v in s.items() if k != "geometry"} for s in stale],
            "streets": streets}


def visit_progress(cur: Cursor, slug: str, commercial_kinds: tuple[str, ...], capacity: int,
                   cal: Calendar, as_of: date) -> dict:
    """This year's planned building visits up to ``as_of`` against the check-ins recorded: a
    planned visit is done when the building has a visit of that kind this year, by ``as_of``."""
    jur = find_jurisdiction(cur, slug)
    from gis.patrol.schedule_store import commercial_buildings

    buildings = commercial_buildings(cur, jur.id, commercial_kinds)
    planned = [v for v in year_visits(buildings, as_of.year, cal, capacity) if v.day <= as_of]
    cur.execute("SELECT building_id, kind, min(day) FROM visit WHERE jurisdiction_id = %s "
                "AND day BETWEEN %s AND %s GROUP BY building_id, kind",
                (jur.id, date(as_of.year, 1, 1), as_of))
    done = {(b, k): d for b, k, d in cur.fetchall()}
    rows = [{"building_id": v.building.id, "name": v.building.name, "kind": v.kind,
             "planned": v.day.isoformat(),
             "done": done[(v.building.id, v.kind)].isoformat() if (v.building.id, v.kind) in done else None}
            for v in planned]
    missed = [r for r in rows if r["done"] is None]
    return {"jurisdiction": slug, "as_of": as_of.isoformat(), "year": as_of.year,
            "planned": len(rows), "done": len(rows) - len(missed), "missed": missed, "visits": rows,
            "by_kind": {k: {"planned": sum(r["kind"] == k for r in rows),
                            "done": sum(r["kind"] == k and r["done"] is not None for r in rows)}
                        for k in ("small", "big")}}

