"""The patrol calendar: who walks which route each working day, and the building visits.

走动式工作法: on every working day each worker walks one of the K routes that together cover the
jurisdiction; the routes rotate so every worker comes to know every street. Where walkers patrol
by grid, each *team* (the walkers of one grid, or those with none) has routes of its own, as many
as its walkers, that rotate among them only.
搜索式工作法: every commercial building gets a small visit every calendar year and a big visit
every second year (half the buildings one year, the other half the next). A year's visits are
spread evenly over its working days, so any window of the calendar is the same whichever day it
is asked from; a day never holds more visits than the daily capacity, or the plan is refused.
Each visit goes to the worker whose route that day passes the building's street, else to the
worker with the fewest visits that day.
"""

from __future__ import annotations

import calendar
import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from gis import limits
from gis.errors import InvalidInput
from gis.i18n import msg

TZ = ZoneInfo("Asia/Shanghai")
PATROL_START = time(9, 0)
VISIT_START = time(14, 0)
VISIT_MINUTES = {"small": 60, "big": 120}


@dataclass(frozen=True)
class Building:
    id: int
    name: str | None
    kind: str
    edge_id: int | None = None  # the street its entrance is on


@dataclass(frozen=True)
class Route:
    length_m: float
    minutes: float
    edges: frozenset[int]


@dataclass(frozen=True)
class Visit:
    day: date
    building: Building
    kind: str  # small | big


@dataclass
class Calendar:
    """Working days: Monday to Friday, less holidays, plus make-up working days (调休)."""

    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)

    def is_workday(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def year(self, y: int) -> list[date]:
        first = date(y, 1, 1)
        n = 366 if calendar.isleap(y) else 365
        return [first + timedelta(days=i) for i in range(n) if self.is_workday(first + timedelta(days=i))]


def year_visits(buildings: list[Building], y: int, cal: Calendar, capacity: int) -> list[Visit]:
    """The visits of calendar year ``y``, spread evenly over its working days."""
    ordered = sorted(buildings, key=lambda b: b.id)
    n = len(ordered)
    if n == 0:
        return []
    wanted: list[tuple[float, int, str, Building]] = []
    for i, b in enumerate(ordered):
        pos = (i + 0.5) / n
        wanted.append((pos, b.id, "small", b))
        if (i + y) % 2 == 0:  # each building's big visit every second year
            wanted.append(((pos + 0.5) % 1.0, b.id, "big", b))
    wanted.sort(key=lambda w: (w[0], w[1], w[2]))
    days = cal.year(y)
    if not days:
        raise InvalidInput(msg("{0} has no working days", y))
    per_day = math.ceil(len(wanted) / len(days))
    if per_day > capacity:
        raise InvalidInput(msg("{0} building visits in {1} need {2} a day on {3} working days, more than the daily "
                               "capacity of {4}", len(wanted), y, per_day, len(days), capacity))
    return [Visit(days[int((k + 0.5) * len(days) / len(wanted))], w[3], w[2])
            for k, w in enumerate(wanted)]


@dataclass
class Assignment:
    worker: str
    task: str            # patrol | small | big
    route: int | None = None
    building: Building | None = None
    minutes: float = 0.0
    length_m: float = 0.0


@dataclass
class Day:
    day: date
    workday: bool
    assignments: list[Assignment] = field(default_factory=list)


def check_plan(start: date, days: int, workers: list[str]) -> None:
    """Refuse a calendar that cannot be planned: no days or workers, workers named twice or past
    their limits (see :mod:`gis.limits`), or days outside those gridmap accepts."""
    if days < 1:
        raise InvalidInput(msg("days must be at least 1"))
    if not workers:
        raise InvalidInput(msg("give at least one worker"))
    if len(workers) > limits.MAX_WORKERS:
        raise InvalidInput(msg("{0} workers; a plan is shared among at most {1}", len(workers), limits.MAX_WORKERS))
    for w in workers:
        limits.check_text(w, "a worker's name")
    if len(set(workers)) != len(workers):
        raise InvalidInput(msg("worker names must differ"))
    limits.check_day(start, "the first day")
    if days > (limits.LATEST_DAY - start).days + 1:
        raise InvalidInput(msg("the plan would run past {0}: at most {1} days from {2}",
                               limits.LATEST_DAY, (limits.LATEST_DAY - start).days + 1, start))


def make_schedule(start: date, days: int, workers: list[str], routes: list[Route],
                  buildings: list[Building], cal: Calendar, capacity: int,
                  teams: list[list[str]] | None = None) -> list[Day]:
    """The calendar from ``start`` for ``days`` days. ``teams`` splits the workers into groups
    with routes of their own (default: one team of all): ``routes`` holds each team's in turn,
    as many as its walkers, and route ``k`` of the answer is ``routes[k - 1]``."""
    check_plan(start, days, workers)
    teams = teams if teams is not None else [workers]
    if sorted(w for t in teams for w in t) != sorted(workers) or not all(teams):
        raise ValueError("teams must split the workers")
    if len(routes) != len(workers):
        raise ValueError(msg("one route per worker"))
    end = start + timedelta(days=days)
    visits: dict[date, list[Visit]] = {}
    for y in range(start.year, end.year + 1):
        for v in year_visits(buildings, y, cal, capacity):
            if start <= v.day < end:
                visits.setdefault(v.day, []).append(v)
    out = []
    for i in range(days):
        d = start + timedelta(days=i)
        day = Day(d, cal.is_workday(d))
        if day.workday:
            route_of = _rotation(teams, d)
            for w in workers:
                r = route_of[w]
                day.assignments.append(Assignment(w, "patrol", r + 1, None, routes[r].minutes, routes[r].length_m))
            load = dict.fromkeys(workers, 0)
            for v in visits.get(d, []):
                on_route = [w for w in workers if v.building.edge_id in routes[route_of[w]].edges]
                pool = on_route or workers
                w = min(pool, key=lambda x: (load[x], workers.index(x)))
                load[w] += 1
                day.assignments.append(Assignment(w, v.kind, route_of[w] + 1, v.building,
                                                  VISIT_MINUTES[v.kind]))
        out.append(day)
    return out


def _rotation(teams: list[list[str]], d: date) -> dict[str, int]:
    """Which route (an index into all the teams' routes) each worker walks on ``d``: a team's
    routes rotate among its walkers by date, so any window agrees with any other."""
    turn, first, out = d.toordinal(), 0, {}
    for team in teams:
        for j, w in enumerate(team):
            out[w] = first + (j + turn) % len(team)
        first += len(team)
    return out


def _times(day: Day) -> Iterator[tuple[Assignment, datetime, datetime]]:
    """Start and end of each assignment: patrols from 09:00, visits from 14:00, one after another."""
    clock: dict[tuple[str, str], datetime] = {}
    for a in day.assignments:
        key = (a.worker, "patrol" if a.task == "patrol" else "visit")
        begin = clock.get(key) or datetime.combine(day.day, PATROL_START if a.task == "patrol"
                                                  else VISIT_START, TZ)
        finish = begin + timedelta(minutes=max(1, round(a.minutes)))
        clock[key] = finish
        yield a, begin, finish


class PatrolJson(TypedDict):
    worker: str
    route: int | None
    length_m: float
    minutes: float
    start: str


class VisitJson(TypedDict):
    worker: str
    kind: str
    building_id: int
    name: str | None
    start: str


class DayJson(TypedDict):
    date: str
    workday: bool
    patrols: list[PatrolJson]
    visits: list[VisitJson]


def _visited(a: Assignment) -> Building:
    """The building of a visit (every visit has one)."""
    if a.building is None:
        raise ValueError(msg("a {0} visit of {1} without a building", a.task, a.worker))
    return a.building


def to_json(days: list[Day]) -> list[DayJson]:
    out: list[DayJson] = []
    for day in days:
        patrols: list[PatrolJson] = []
        visits: list[VisitJson] = []
        for a, begin, _ in _times(day):
            if a.task == "patrol":
                patrols.append({"worker": a.worker, "route": a.route, "length_m": round(a.length_m, 2),
                                "minutes": round(a.minutes, 1), "start": begin.isoformat()})
            else:
                b = _visited(a)
                visits.append({"worker": a.worker, "kind": a.task, "building_id": b.id,
                               "name": b.name, "start": begin.isoformat()})
        out.append({"date": day.day.isoformat(), "workday": day.workday, "patrols": patrols,
                    "visits": visits})
    return out


def _cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: one starting with = + - @ or a tab or return (a
    formula to Excel or WPS) is prefixed with ' (names come from planners and imports)."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(days: list[Day]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["date", "worker", "task", "route", "building_id", "building", "start", "end", "length_m"])
    for day in days:
        for a, begin, finish in _times(day):
            w.writerow([day.day.isoformat(), _cell(a.worker), a.task, a.route or "",
                        a.building.id if a.building else "", _cell(a.building.name) if a.building else "",
                        begin.strftime("%H:%M"), finish.strftime("%H:%M"),
                        round(a.length_m, 1) if a.task == "patrol" else ""])
    return buf.getvalue()


def to_ical(days: list[Day], jurisdiction: str) -> bytes:
    """An iCalendar (RFC 5545) file: one event per patrol and per visit."""
    from icalendar import Calendar as ICal
    from icalendar import Event

    events = sum(len(day.assignments) for day in days)
    if events > limits.MAX_CALENDAR_EVENTS:
        raise InvalidInput(msg("the calendar would hold {0} events, more than the {1} one calendar may: ask for fewer "
                               "days or workers, or for format=csv", events, limits.MAX_CALENDAR_EVENTS))
    cal = ICal()
    cal.add("prodid", "-//gridmap//patrol schedule//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{jurisdiction} patrol schedule")
    for day in days:
        for a, begin, finish in _times(day):
            ev = Event()
            if a.task == "patrol":
                ev.add("summary", f"巡查 Patrol: route {a.route} — {a.worker}")
                ev.add("description", f"{a.length_m / 1000:.2f} km, {a.minutes:.0f} min")
                uid = f"{day.day:%Y%m%d}-{a.worker}-patrol"
            else:
                label = {"small": "小走访 small visit", "big": "大走访 big visit"}[a.task]
                b = _visited(a)
                ev.add("summary", f"{label}: {b.name or b.id} — {a.worker}")
                uid = f"{day.day:%Y%m%d}-{a.worker}-{a.task}-{b.id}"
            ev.add("uid", f"{uid}@{jurisdiction}.gridmap")
            ev.add("dtstamp", datetime.combine(day.day, time(0, 0), TZ))
            ev.add("dtstart", begin)
            ev.add("dtend", finish)
            cal.add_component(ev)
    cal.add_missing_timezones()
    ical: bytes = cal.to_ical()  # icalendar is untyped
    return ical
