"""A worker's day as the leader looks at it (走动式工作法: walk, find, report, settle): the walks,
with when they began and ended and how fast they went, the check-ins with their notes, the cases
reported and handled; and who of the walkers recorded nothing. Pure: rows in, a dict out (the
store, :mod:`gis.patrol.day_store`, reads the rows).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

# Faster than this on average (km/h) a walk is not a walk: a brisk one is 5–6 km/h; a bicycle or a
# phone in a car goes 10 and more. Marked for the leader, not refused (a worker may cycle between
# compounds): 5.3 km in 6 minutes was taken as a patrol.
WALKING_PACE_MAX_KMH = 7.0


# A walk this short in both time and distance has no pace worth telling: a few fixes' jitter (10–20 m
# each) over seconds reads as a run. Past either, it has: 280 m ridden in 49 s (20 km/h) went unmarked
# when a pace needed a whole minute.
PACE_MIN_S, PACE_MIN_M = 60, 200


def pace_kmh(metres: float, started: datetime | None, ended: datetime | None) -> float | None:
    """Average speed of a walk, km/h; None when its times are not known, or when it lasted under a
    minute and went under 200 m (:data:`PACE_MIN_S`, :data:`PACE_MIN_M`)."""
    if started is None or ended is None:
        return None
    seconds = (ended - started).total_seconds()
    if seconds <= 0 or (seconds < PACE_MIN_S and metres < PACE_MIN_M):
        return None
    return metres / 1000 / (seconds / 3600)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def worker_days(walkers: Sequence[str], walks: Iterable[Sequence[Any]], visits: Iterable[Sequence[Any]],
                cases: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Each worker's day: the registered ``walkers`` first, in their order (those who recorded
    nothing too: a leader sees who did not walk), then anyone else who recorded something. Rows
    as ``day_walks.sql``, ``day_visits.sql`` and ``day_cases.sql`` give them."""
    days: dict[str, dict[str, Any]] = {w: _empty(w) for w in walkers}
    for worker, tid, started, ended, points, matched, length, on_streets, geojson in walks:
        pace = pace_kmh(length, started, ended)
        days.setdefault(worker, _empty(worker))["walks"].append({
            "id": tid, "started_at": _iso(started), "ended_at": _iso(ended), "points": points,
            "matched_points": matched, "length_m": round(length, 1), "on_streets_m": round(on_streets, 1),
            "pace_kmh": round(pace, 1) if pace is not None else None,
            "too_fast": pace is not None and pace > WALKING_PACE_MAX_KMH, "geometry": json.loads(geojson)})
    for worker, vid, at, kind, note, building_id, name, lon, lat in visits:
        days.setdefault(worker, _empty(worker))["visits"].append({
            "id": vid, "at": _iso(at), "kind": kind, "note": note, "building_id": building_id, "building": name,
            "lon": round(lon, 7), "lat": round(lat, 7)})
    for worker, did, cid, at, zh, en, urgency, state, text, lon, lat in cases:
        days.setdefault(worker, _empty(worker))[did].append({
            "id": cid, "at": _iso(at), "category_zh": zh, "category_en": en, "urgency": urgency, "state": state,
            "description": text, "lon": round(lon, 7) if lon is not None else None,
            "lat": round(lat, 7) if lat is not None else None})
    for d in days.values():
        d["walked_m"] = round(sum(w["length_m"] for w in d["walks"]), 1)
        times = [t for w in d["walks"] for t in (w["started_at"], w["ended_at"]) if t] + [
            v["at"] for v in d["visits"] if v["at"]]
        d["first"], d["last"] = (min(times), max(times)) if times else (None, None)
        d["nothing"] = not (d["walks"] or d["visits"] or d["reported"] or d["handled"])
    return list(days.values())


def _empty(worker: str) -> dict[str, Any]:
    return {"worker": worker, "walks": [], "visits": [], "reported": [], "handled": []}
