"""Cases (事件 / 工单) through the API: reports, steps, lists, a case with its timeline, 12345
ticket imports, the categories and the 接诉即办 numbers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal, get_args

from pydantic import AwareDatetime, Field, StrictBool, StrictFloat, StrictInt

from api.models.common import Answer, Input, PointIn
from gis import limits
from gis.cases.workflow import STATES

State = Literal["reported", "accepted", "rejected", "dispatched", "handled", "verified", "closed", "parked"]
Source = Literal["patrol", "hotline", "resident", "inspection"]
Urgency = Literal["red", "yellow", "blue"]
Name = Annotated[str, Field(min_length=1, max_length=limits.MAX_NAME_CHARS)]
Note = Annotated[str, Field(min_length=1, max_length=limits.MAX_NOTE_CHARS)]
assert set(STATES) == set(get_args(State))  # the same states as the workflow's


class NewCase(Input):
    """A case to report: at a point (``at``) or a building (its id or name); a hotline case with
    its ticket number may have neither. The same ``client_id`` again answers the case it made."""

    category: Name = Field(description="A category's code or name (GET /cases/{slug}/categories)")
    description: Note = Field(description="What the problem is")
    source: Source = "patrol"
    urgency: Urgency = "blue"
    at: PointIn | None = Field(None, description="Where, a GeoJSON Point in WGS84")
    building: Annotated[StrictInt, Field(ge=1, le=limits.MAX_ID)] | Name | None = Field(
        None, description="Or a building: its id or its name")
    ticket_no: Name | None = Field(None, description="A hotline case's ticket number (工单编号)")
    address: Name | None = None
    reported_at: AwareDatetime | None = Field(None, description="When it was reported, if before now "
                                                                "(with its offset)")
    client_id: uuid.UUID | None = Field(None, description="A UUID the client made: a replayed report "
                                                          "creates nothing twice")


class Step(Input):
    """A step of a case's workflow (send the case's ETag as If-Match)."""

    to: State
    note: Note | None = Field(None, description="Why (rejected, parked) or what was done (handled)")
    assignee: Name | None = Field(None, description="Dispatch to this worker (default: the grid's)")
    department: Name | None = Field(None, description="Or to this department (code or name)")
    review_on: dt.date | None = Field(None, description="A parked case's review day")
    at: AwareDatetime | None = Field(None, description="When it happened, if not now (with its offset)")
    dispatch: StrictBool = Field(True, description="Accepting dispatches at once")


class Assignee(Answer):
    """One a case may be dispatched to by name."""

    name: str
    grid: str | None = Field(description="The grid they work in or lead (code), if any")
    kind: str = Field(description="A worker's role (social_worker, grid_worker, steward_…, volunteer), "
                                  "grid_leader, or account_worker / account_leader")


class CallBack(Input):
    """The resident's answer when called back about a case (回访): satisfied, and solved."""

    satisfaction: Literal["satisfied", "basically", "dissatisfied"] | None = Field(
        None, description="满意, 基本满意 or 不满意")
    solved: StrictBool | None = Field(None, description="Whether the resident says the problem was solved")


class Event(Answer):
    """One step a case took."""

    at: dt.datetime
    recorded_at: dt.datetime = Field(description="when the step was written: later than ``at`` for a step "
                                                 "recorded after the fact (a phone's offline step, 补录)")
    late: bool = Field(description="written more than 10 minutes after the time it gives (补录); a report's "
                                   "own time never is")
    actor: str
    actor_name: str | None = Field(None, description="Who took the step, by name (as reporter_name)")
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str
    note: str | None
    assignee: str | None
    department: str | None
    department_zh: str | None = Field(description="The department's name, in Chinese")
    department_en: str | None = Field(description="The department's name, in English")


class Photo(Answer):
    """A photo of a case (its bytes at ``url``, to those who see the case)."""

    id: int
    stage: Literal["before", "after"]
    media_type: str
    width: int
    height: int
    taken_by: str | None
    created_at: dt.datetime
    url: str


class CaseSummary(Answer):
    """A case as lists show it: its state, place, category, who has it, its times and ETag."""

    id: int
    jurisdiction: str
    jurisdiction_id: int
    version: int
    etag: str = Field(description="Send it as If-Match with a step")
    state: State
    parked_from: str | None
    next: list[str] = Field(description="The states the workflow allows next (to anyone)")
    overdue: bool = Field(description="Open, not parked, past its due time")
    source: Source
    ticket_no: str | None
    category: str
    category_zh: str
    category_en: str = Field(description="The category's English name")
    urgency: Urgency
    description: str
    address: str | None
    reporter: str | None
    reporter_name: str | None = Field(None, description="The reporter's name: their account's worker record's, else "
                                                        "the name the account was given")
    building_id: int | None
    building: str | None
    grid: str | None
    grid_name: str | None
    assignee: str | None
    department: str | None
    department_zh: str | None
    handled_by: str | None
    handled_by_name: str | None = Field(None, description="Who handled it, by name (as reporter_name)")
    handling: str | None
    reason: str | None
    review_on: dt.date | None
    reported_at: dt.datetime
    due_at: dt.datetime
    state_since: dt.datetime
    accepted_at: dt.datetime | None
    rejected_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    handled_at: dt.datetime | None
    verified_at: dt.datetime | None
    closed_at: dt.datetime | None
    parked_at: dt.datetime | None
    satisfaction: Literal["satisfied", "basically", "dissatisfied"] | None
    solved: bool | None
    feedback_at: dt.datetime | None
    client_id: str | None
    lon: float | None
    lat: float | None


class Case(CaseSummary):
    """A case, its timeline, and the steps the signed-in user may take next."""

    events: list[Event]
    photos: list[Photo] = Field(description="Its photos, before and after, oldest first")
    actions: list[str] = Field(description="The next states the signed-in user may move it to")
    may_call_back: bool = Field(False, description="Whether the signed-in user may record the resident's answer "
                                                   "(POST …/feedback): one who triages, once it is handled")


class Reported(Case):
    """A reported case; ``created`` false when its client_id had made it already."""

    created: bool


class CaseList(Answer):
    """A page of cases, newest first."""

    jurisdiction: str
    total: int = Field(description="Cases matching the filters (all pages)")
    limit: int
    offset: int
    cases: list[CaseSummary]


class Category(Answer):
    """A case category: its department and time limits (hours), its version and ETag."""

    id: int
    version: int
    etag: str = Field(description="Send it as If-Match to change the category")
    code: str
    name_zh: str
    name_en: str
    department: str | None
    department_zh: str | None
    response_hours: int
    red_hours: int
    yellow_hours: int
    blue_hours: int


class Department(Answer):
    """A department cases are dispatched to, its version and ETag."""

    id: int
    version: int
    etag: str = Field(description="Send it as If-Match to change the department")
    code: str
    name_zh: str
    name_en: str


class Catalogue(Answer):
    """A jurisdiction's case categories and departments."""

    categories: list[Category]
    departments: list[Department]


Hours = Annotated[StrictInt, Field(ge=1, le=8760)]


class DepartmentIn(Input):
    """A department's names (its code is in the path)."""

    name_zh: Name
    name_en: Name


class CategoryIn(Input):
    """A case category (its code is in the path): names, default department, time limits in hours
    (red ≤ yellow ≤ blue; response: to accept or reject)."""

    name_zh: Name
    name_en: Name
    department: Name | None = Field(None, description="The department handling it by default (code or name)")
    response_hours: Hours
    red_hours: Hours
    yellow_hours: Hours
    blue_hours: Hours


class FeedbackEntry(Answer):
    """A row of a feedback file and the case it updated."""

    row: int
    ticket_no: str
    case: int | None = None


class FeedbackReport(Answer):
    """Residents' answers put on the cases of their ticket numbers; unknown numbers listed."""

    jurisdiction: str
    updated: list[FeedbackEntry]
    unknown: list[FeedbackEntry]


class TicketEntry(Answer):
    """A ticket of the file, and what became of it."""

    row: int
    ticket_no: str
    case: int | None = None
    placed: str | None = None
    building: str | None = None
    grid: str | None = None
    category: str | None = None
    address: str | None = None
    lon: StrictFloat | None = None
    lat: StrictFloat | None = None
    filed_as: str | None = None


class Placed(Answer):
    exact: int
    by_number: int
    coordinates: int


class TicketReport(Answer):
    """An import of 12345 tickets: written, already there, not ours, unplaced."""

    jurisdiction: str
    created: list[TicketEntry]
    already_there: list[TicketEntry]
    not_ours: list[TicketEntry]
    unplaced: list[TicketEntry]
    categories_not_recognised: list[TicketEntry]
    placed: Placed


class Figures(Answer):
    """One group's numbers (definitions: README, "Cases: the numbers")."""

    grid: str | None = None
    worker: str | None = None
    department: str | None = None
    category: str | None = None
    received: int
    responded: int
    response_rate: float | None
    solved: int
    solved_answered: int
    resolution_rate: float | None
    satisfaction_answered: int
    satisfaction_rate: float | None
    closed_on_time: int
    closure_due: int
    on_time_closure_rate: float | None
    open: int
    parked: int
    overdue: int
    mean_hours: dict[str, float] = Field(description="Mean hours the cases stayed in each state")


class CommunityFigures(Figures):
    """One community's overall numbers, for comparing communities (no hours per state)."""

    jurisdiction: str
    name: str
    mean_hours: dict[str, float] | None = None  # type: ignore[assignment]


class TotalFigures(Figures):
    """Several communities' numbers together (no hours per state)."""

    mean_hours: dict[str, float] | None = None  # type: ignore[assignment]


class Comparison(Answer):
    """The communities' 接诉即办 numbers of a period side by side (the street office's view)."""

    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    as_of: dt.datetime
    basic_weight: float
    jurisdictions: list[CommunityFigures]
    total: TotalFigures = Field(description="All of them together: their counts added, the rates made of the sums")


class Kpi(Answer):
    """The 接诉即办 numbers of a period: overall, per grid, per worker (or department), per category."""

    jurisdiction: str
    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    as_of: dt.datetime
    basic_weight: float
    overall: Figures
    by_grid: list[Figures]
    by_worker: list[Figures]
    by_category: list[Figures]


class HotspotGrid(Answer):
    """A grid's cases in the period."""

    code: str
    name: str | None
    cases: int = Field(description="Received in the period")
    open: int = Field(description="Of them, neither closed nor rejected now")
    overdue: int = Field(description="Of them, open, not parked, past their due time now")
    by_category: dict[str, int] = Field(description="Received in the period, per category code")


class HotspotFeature(Answer):
    type: Literal["Feature"]
    id: str
    geometry: dict = Field(description="The grid, a GeoJSON (Multi)Polygon")
    properties: HotspotGrid


class Hotspots(Answer):
    """Where the cases of a period cluster: the grids with their counts (a GeoJSON FeatureCollection)."""

    type: Literal["FeatureCollection"]
    jurisdiction: str
    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    category: str | None
    total: int = Field(description="Cases received in the period (of the category)")
    outside_grids: int = Field(description="Of them, in no grid (an unplaced ticket)")
    features: list[HotspotFeature]


class DensityCell(Answer):
    """A cell's density: cases per km² there, and its share of the highest cell's."""

    density: float
    share: float


class DensityFeature(Answer):
    type: Literal["Feature"]
    id: str
    geometry: dict = Field(description="The cell, a GeoJSON Polygon (a square in the jurisdiction's metric CRS)")
    properties: DensityCell


class Peak(Answer):
    """One of the highest places of the surface, and the building nearest it (within 60 m)."""

    lon: float
    lat: float
    density: float
    building: str | None


class Density(Answer):
    """A density surface of the cases of a period (quartic kernel): the cells at least the floor
    of the highest, and the peaks (a GeoJSON FeatureCollection)."""

    type: Literal["FeatureCollection"]
    jurisdiction: str
    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    category: str | None
    cases: int = Field(description="Cases of the period (and category) with a place")
    bandwidth: float = Field(description="The kernel's radius, metres")
    cell: float = Field(description="The cells' side, metres")
    max_density: float = Field(description="The highest cell's cases per km²")
    peaks: list[Peak]
    features: list[DensityFeature]
