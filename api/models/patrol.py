"""Patrol: routes, building visits, schedules, tracks, check-ins, coverage and stewards."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from geojson_pydantic import Feature, FeatureCollection
from geojson_pydantic.geometries import LineString, Point
from pydantic import Field, StrictFloat, StrictInt

from api.models.common import Answer, Input, only
from gis import limits
from gis.patrol.stewards import WORKER_ROLES as ROLES

Lon = Annotated[StrictFloat, Field(ge=-180, le=180)]
Lat = Annotated[StrictFloat, Field(ge=-90, le=90)]


class Area(Answer):
    kind: str = Field(description="jurisdiction, grid or compound")
    name: str


class Start(Answer):
    """Where the walk starts (the community office unless given)."""

    lon: float
    lat: float
    to_street_m: float | None = Field(None, description="From the start to the nearest street")
    note: str | None = Field(None, description="Why the walk starts here when nobody chose the start: "
                                               "no community office, so the street point nearest the centre")


class WorkerRoute(Answer):
    """One worker's share of the patrol."""

    worker: int = Field(description="1, 2, …")
    length_m: float
    minutes: float
    deadhead_m: float = Field(description="Streets walked again to get somewhere")
    edges: list[int] = Field(description="The street ids walked, in order")


class RoutePlan(Answer):
    """The shortest walk over every street (Chinese postman), shared among the workers."""

    jurisdiction: str
    area: Area
    start: Start
    workers: int
    walking_speed_kmh: float
    length_m: float = Field(description="All workers together")
    lower_bound_m: float = Field(description="No patrol of every street can be shorter")
    deadhead_m: float
    required_m: float = Field(description="The length of the streets themselves")
    optimal: bool = Field(description="Whether the single tour is proven shortest")
    single_length_m: float = Field(description="The tour walked by one worker")
    longest_m: float = Field(description="The longest worker's share")
    longest_lower_bound_m: float
    balance: float = Field(description="Longest share against the mean (1: even)")
    unreachable_edges: list[int] = Field(description="Streets not reachable from the start")
    duplicate_edges_ignored: list[int] = Field(description="Street ids that repeat another street")
    routes: list[WorkerRoute]


class Stop(Answer):
    seq: int
    building_id: int
    name: str | None
    kind: str | None
    to_street_m: float


class Unvisited(Answer):
    building_id: int
    name: str | None
    reason: str


class VisitPlan(Answer):
    """The shortest walk through a set of buildings (LKH), from the start and back."""

    jurisdiction: str
    start: Start
    length_m: float
    street_m: float
    access_m: float = Field(description="From the street to each entrance and back")
    lower_bound_m: float
    gap: float = Field(description="How far the walk may be above the shortest, as a share")
    minutes: float
    stops: list[Stop]
    unreachable: list[Unvisited]
    edges: list[int]


class Leg(Answer):
    """A street walked."""

    worker: int
    seq: int
    edge_id: int
    name: str | None
    length_m: float
    minute: float = Field(description="The minute of the walk it starts at")
    minutes: float
    walker: str | None = Field(None, description="In a schedule's routes: who walks this route on its first day")


class Waypoint(Answer):
    """The start, or a building visited."""

    kind: str = Field(description="start or visit")
    name: str | None
    seq: int | None


class LegFeature(Feature[LineString, Leg]):
    """A street walked, in order."""


class WaypointFeature(Feature[Point, Waypoint]):
    """The start or a stop."""


class WalkFeatures(FeatureCollection[LegFeature | WaypointFeature]):
    """A walk as GeoJSON (``format=geojson``): each street walked, the start and the stops."""


class Patrol(Answer):
    worker: str
    route: int
    length_m: float
    minutes: float
    start: dt.datetime


class ScheduledVisit(Answer):
    worker: str
    kind: str = Field(description="small or big")
    building_id: int
    name: str | None
    start: dt.datetime


class Day(Answer):
    date: dt.date
    workday: bool
    patrols: list[Patrol]
    visits: list[ScheduledVisit]


class Schedule(Answer):
    """Daily patrols and building visits for the workers."""

    jurisdiction: str
    workers: list[str]
    days: list[Day]


class Track(Answer):
    """A GPX track matched to the streets and kept."""

    track_id: int
    created: bool = Field(True, description="False when the phone sent this track before (same client_id): "
                                            "nothing was written")
    worker: str
    day: dt.date
    points: int
    matched_points: int = Field(description="Points matched to a street")
    walked_m: float
    share_of_streets: float
    edges: list[int] = Field(description="Streets walked for at least half their length")


class Recorded(Answer):
    """The ids of what was recorded, in the order given."""

    ids: list[int]


class Registered(Answer):
    """The id of what was registered."""

    id: int


class GridWalked(Answer):
    code: str
    name: str | None
    street_m: float
    walked_m: float
    share: float


class Street(Answer):
    edge_id: int
    name: str | None
    length_m: float
    share: float = Field(description="Share of it walked in the days")
    last_walked: dt.date | None
    days_since: int | None


class StreetWalked(Street):
    geometry: LineString | None


class PatrolCoverage(Answer):
    """Share of the streets walked in the last days; stale streets."""

    jurisdiction: str
    as_of: dt.date
    days: int
    share: float
    street_m: float
    walked_m: float
    grids: list[GridWalked]
    stale: list[Street] = Field(description="Streets walked for less than half their length")
    streets: list[StreetWalked]


class PlannedVisit(Answer):
    building_id: int
    name: str | None
    kind: str
    planned: dt.date
    done: dt.date | None


class Tally(Answer):
    planned: int
    done: int


class Progress(Answer):
    """This year's planned building visits against the check-ins."""

    jurisdiction: str
    as_of: dt.date
    year: int
    planned: int
    done: int
    missed: list[PlannedVisit]
    visits: list[PlannedVisit]
    by_kind: dict[str, Tally]


class GridStewards(Answer):
    code: str
    name: str | None
    staff: list[str]
    steward_retired: list[str]
    steward_working: list[str]
    short: dict[str, int] = Field(description="Places no steward of a role fills, by role")


class Stewards(Answer):
    """Lane stewards assigned to grids by proximity, at staff : retired : working 1:5:10."""

    jurisdiction: str
    ratio: str
    grids: list[GridStewards]
    unassigned: list[str]
    no_home: list[str] = Field(description="Stewards without a home to place them by")


# --- bodies --------------------------------------------------------------------------------------


class Visit(Input):
    """A building visit done."""

    building_id: Annotated[StrictInt, Field(ge=1, le=limits.MAX_ID)]
    worker: str = Field(min_length=1, max_length=limits.MAX_NAME_CHARS)
    day: Annotated[dt.date, only(str)] = Field(description="YYYY-MM-DD, no later than tomorrow")
    kind: Literal["small", "big"]
    note: str | None = Field(None, max_length=limits.MAX_NOTE_CHARS)
    client_id: uuid.UUID | None = Field(None, description="The phone's id for this check-in: sent again, it is "
                                                          "kept once")


Visits = Annotated[list[Visit], Field(min_length=1, json_schema_extra={"maxItems": limits.MAX_FEATURES_PER_REQUEST})]


class NewWorker(Input):
    """A worker or lane steward."""

    name: str = Field(min_length=1, max_length=limits.MAX_NAME_CHARS)
    role: Literal[ROLES]  # type: ignore[valid-type]
    home: tuple[Lon, Lat] | None = Field(None, description="[lon, lat]: places a steward near a grid")
    grid: str | None = Field(None, description="The grid's code")


class DayWalk(Answer):
    """A walk of the day: when it began and ended, its length, its average pace."""

    id: int
    started_at: dt.datetime | None = Field(description="None for a walk kept before times were (or a GPX without)")
    ended_at: dt.datetime | None
    points: int
    matched_points: int
    length_m: float = Field(description="As walked (the recorded lines)")
    on_streets_m: float = Field(description="Along the streets it was matched to")
    pace_kmh: float | None = Field(description="Average speed; None when the times are not known, or the walk lasted "
                                                "under a minute and went under 200 m")
    too_fast: bool = Field(description="Faster than a walk (over 7 km/h on average): a bicycle, or a phone in a car")
    geometry: dict[str, Any] = Field(description="MultiLineString, lon/lat")


class DayVisit(Answer):
    """A check-in of the day."""

    id: int
    at: dt.datetime | None
    kind: Literal["small", "big"]
    note: str | None
    building_id: int
    building: str | None
    lon: float
    lat: float


class DayCase(Answer):
    """A case the worker reported, or handled, that day."""

    id: int
    at: dt.datetime
    category_zh: str
    category_en: str
    urgency: str
    state: str
    description: str
    lon: float | None
    lat: float | None


class WorkerDay(Answer):
    """One worker's day."""

    worker: str
    walks: list[DayWalk]
    visits: list[DayVisit]
    reported: list[DayCase]
    handled: list[DayCase]
    walked_m: float
    first: dt.datetime | None = Field(description="The first time recorded that day")
    last: dt.datetime | None
    nothing: bool = Field(description="Nothing recorded: no walk, check-in or case")


class PatrolDay(Answer):
    """What the workers did on a day: walked, checked in, reported, handled (走动式工作法)."""

    jurisdiction: str
    day: dt.date
    workers: list[WorkerDay]
