"""What a grid worker's phone records, checked before it is kept (pure: no database).

A phone records a walk as points of ``watchPosition`` (longitude, latitude, time, and the accuracy
the phone reports for each point). Before a track reaches the map matching it is checked as a
whole: it has points, every point is near the jurisdiction (a phone that still held yesterday's
fix from another city, or (0, 0) from a failed fix, is refused, not matched), times go forward and
none lies in the future. Points the phone itself reports as vague (``accuracy`` over
:data:`VAGUE_M`) are left out of the matching, as are repeated fixes at one place and time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from gis import limits
from gis.errors import InvalidInput
from gis.i18n import msg

# A point the phone says is vaguer than this (metres, the radius of 68% confidence) is not matched.
VAGUE_M = 100.0
# How far outside the jurisdiction's envelope a point may lie (km): a walk around its edge.
NEAR_KM = 2.0
# How far ahead of the server's clock a phone's may run (a clock a little fast is no lie).
CLOCK_SKEW = timedelta(minutes=10)
# A walk is one day's: no longer than this from its first point to its last.
LONGEST_WALK = timedelta(hours=16)
EARTH_KM = 6371.0088


@dataclass(frozen=True)
class TrackPoint:
    """A fix of the phone: where, when (with its offset), and how sure (metres, or None)."""

    lon: float
    lat: float
    t: datetime
    accuracy: float | None = None


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two lon/lat points, in kilometres."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def km_outside(envelope: BaseGeometry, lon: float, lat: float) -> float:
    """How far (km) a point lies from the nearest point of ``envelope`` (0 inside it)."""
    p = Point(lon, lat)
    if envelope.covers(p):
        return 0.0
    near = nearest_points(envelope, p)[0]
    return km_between((lon, lat), (near.x, near.y))


def check_time(when: datetime, what: str, now: datetime) -> None:
    """Refuse a time with no offset, or one that has not come yet."""
    if when.tzinfo is None:
        raise InvalidInput(msg("{0} needs its UTC offset (2025-03-01T09:30:00+08:00)", what))
    if when > now + CLOCK_SKEW:
        raise InvalidInput(msg("{0} {1} has not come yet: the phone's clock may be wrong", what,
                               when.isoformat(timespec="seconds")))
    limits.check_day(when.date(), what)


def walk_day(points: list[TrackPoint], zone: ZoneInfo) -> date:
    """The local day a walk belongs to: the day of its first point."""
    return points[0].t.astimezone(zone).date()


def checked_track(points: list[TrackPoint], envelope: BaseGeometry, place: str, now: datetime) -> list[TrackPoint]:
    """The points of a walk to match, or a refusal naming every problem: no or too many points,
    points far from ``place`` (its ``envelope``), times going backwards or in the future, a walk
    longer than a day's. Vague and repeated fixes are left out."""
    if len(points) < 2:
        raise InvalidInput(msg("a walk needs at least two points; this one has {0}", len(points)))
    if len(points) > limits.MAX_TRACK_POINTS:
        raise InvalidInput(msg("a walk may hold at most {0} points; this one has {1}",
                               limits.MAX_TRACK_POINTS, len(points)))
    problems = []
    for i, p in enumerate(points):
        if not (-180 <= p.lon <= 180 and -90 <= p.lat <= 90):
            problems.append(msg("point {0}: {1},{2} is no longitude,latitude", i, p.lon, p.lat))
            continue
        away = km_outside(envelope, p.lon, p.lat)
        if away > NEAR_KM:
            problems.append(msg("point {0} lies {1:,.0f} km from {2}", i, away, place))
        try:
            check_time(p.t, msg("point {0}: the time", i), now)
        except InvalidInput as exc:
            problems.append(exc.message)
        if i and p.t.tzinfo and points[i - 1].t.tzinfo and p.t < points[i - 1].t:
            problems.append(msg("point {0}: its time {1} is before the time of the point before it",
                                i, p.t.isoformat(timespec="seconds")))
        if len(problems) >= 20:
            break
    if not problems and points[-1].t - points[0].t > LONGEST_WALK:
        problems.append(msg("a walk lasts at most {0} hours; this one lasts {1:.0f}",
                            LONGEST_WALK.seconds // 3600 + LONGEST_WALK.days * 24,
                            (points[-1].t - points[0].t).total_seconds() / 3600))
    if problems:
        raise InvalidInput(msg("the walk cannot be recorded"), problems)
    kept: list[TrackPoint] = []
    for p in points:
        if p.accuracy is not None and p.accuracy > VAGUE_M:
            continue
        if kept and (kept[-1].lon, kept[-1].lat) == (p.lon, p.lat):
            continue
        kept.append(p)
    if len(kept) < 2:
        raise InvalidInput(msg("fewer than two points of the walk are accurate to {0:.0f} m: the phone had no "
                               "good position", VAGUE_M))
    return kept
