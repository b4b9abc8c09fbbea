"""The grid worker's phone (``/field``): today's work, and the batch of what the phone recorded.

The item models check types only: what is wrong with an item's content (a walk with no points, a
time in the future, a building of another jurisdiction) is refused for that item alone, with the
reason, so that one bad item never holds back the rest of the phone's queue."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, StrictFloat, StrictInt

from api.models.cases import Name, Note, State, Urgency
from api.models.common import Answer, Input, PointIn
from gis import limits
from gis.errors import InvalidInput
from gis.i18n import msg

ClientId = Annotated[uuid.UUID, Field(description="The phone's id for this record (a UUID): sent again, it is kept "
                                                  "once")]
Id = Annotated[StrictInt, Field(ge=1, le=limits.MAX_ID)]
Lon = Annotated[StrictFloat | StrictInt, Field(ge=-1000, le=1000)]
Lat = Annotated[StrictFloat | StrictInt, Field(ge=-1000, le=1000)]
# Most items in one batch: the phone sends a longer queue in several.
MAX_ITEMS = 200


class Fix(Input):
    """A position of the phone (``watchPosition``): where, when, how sure."""

    lon: Lon
    lat: Lat
    t: dt.datetime = Field(description="When, with its UTC offset")
    accuracy: Annotated[StrictFloat | StrictInt, Field(ge=0, le=1_000_000)] | None = Field(
        None, description="Metres (the phone's own estimate); fixes vaguer than 100 m are not matched")


class TrackItem(Input):
    """A walk: the phone's fixes from start to stop, matched to the streets when it arrives."""

    type: Literal["track"]
    client_id: ClientId
    points: list[Fix] = Field(max_length=limits.MAX_TRACK_POINTS)


class VisitItem(Input):
    """A check-in at a building (small or big visit), at a time."""

    type: Literal["visit"]
    client_id: ClientId
    building_id: Id
    kind: Literal["small", "big"] = "small"
    note: Note | None = None
    at: dt.datetime = Field(description="When, with its UTC offset")


class CaseItem(Input):
    """A case reported on the walk: at a point (where the worker stood, or one they tapped) or a
    building. Its photos follow, each sent to ``POST /cases/{slug}/{case_id}/photos``."""

    type: Literal["case"]
    client_id: ClientId
    category: Name
    urgency: Urgency = "blue"
    description: Note
    where: PointIn | None = Field(None, description="Where, a GeoJSON Point in WGS84")
    building_id: Id | None = None
    address: Name | None = Field(None, description="Where, in words, as the phone said it to the worker "
                                                   "('电厂小区2号楼旁约 8 米'): read by whoever handles the case")
    at: dt.datetime = Field(description="When it was found, with its UTC offset")


class HandledItem(Input):
    """A case of the worker's marked handled (处置): what was done, and the "after" photos sent
    before it (their client_ids). ``version``: the case's version the phone saw (its ETag's)."""

    type: Literal["handled"]
    client_id: ClientId
    case_id: Id
    version: Id
    note: Note
    at: dt.datetime | None = Field(None, description="When it was done, if not now")
    photos: list[uuid.UUID] = Field([], max_length=4, description="client_ids of its after photos")


SyncItem = Annotated[TrackItem | VisitItem | CaseItem | HandledItem, Field(discriminator="type")]


class Batch(Input):
    """What the phone recorded, oldest first; at most ``limits.MAX_BATCH_FIXES`` walk points in
    all (the phone sends a longer queue in several batches)."""

    items: list[SyncItem] = Field(max_length=MAX_ITEMS)
    recorded_by: Name | None = Field(None, description="The account that recorded them, as the phone knows it: "
                                                       "sent with another's sign-in, the batch is refused whole "
                                                       "(409), nothing credited to the wrong worker")

    @staticmethod
    def precheck(raw: Any) -> None:
        """Refuse a batch of more walk points than one may hold before it is validated (422, the
        same words as after): counting them on the parsed JSON costs nothing, validating 80,000
        of them held the service's event loop for most of a second each."""
        items = raw.get("items") if isinstance(raw, dict) else None
        if not isinstance(items, list):
            return
        fixes = sum(len(i["points"]) for i in items if isinstance(i, dict) and isinstance(i.get("points"), list))
        if fixes > limits.MAX_BATCH_FIXES:
            raise InvalidInput(msg("a batch may hold at most {0} walk points in all; this one has {1}: send its walks "
                                   "in several batches", limits.MAX_BATCH_FIXES, fixes))


class ItemResult(Answer):
    """What became of one item."""

    type: str
    client_id: uuid.UUID
    status: Literal["created", "exists", "refused"] = Field(
        description="created; exists: kept before (nothing written); refused: see reason")
    reason: str | None = Field(None, description="Why it was refused, in the request's language")
    problems: list[str] | None = None
    id: int | None = Field(None, description="The track, check-in or case kept")
    version: int | None = Field(None, description="A case's version now")
    state: State | None = None
    edges: list[int] | None = Field(None, description="A walk's streets (walked for at least half their length)")


class Synced(Answer):
    """A result per item, in the order sent."""

    results: list[ItemResult]
    created: int
    exists: int
    refused: int


class FieldWorker(Answer):
    id: int
    name: str
    role: str
    grid: str | None


class RouteInfo(Answer):
    number: int = Field(description="Which of the routes of its area (1 … of)")
    of: int = Field(description="How many routes its area is shared into (one per walker)")
    grid: str | None = Field(None, description="The code of the grid it patrols, where the jurisdiction patrols by "
                                               "grid; none: the whole jurisdiction")
    length_m: float
    minutes: float
    day: dt.date = Field(description="The working day whose route it is (on a rest day: the next one)")


class RouteLeg(Answer):
    seq: int = Field(description="Walking order")
    edge_id: int
    name: str | None
    length_m: float
    coordinates: list[list[float]] = Field(description="lon/lat along the walking direction")


class PlannedVisit(Answer):
    building_id: int
    name: str | None
    kind: Literal["small", "big"]
    lon: float | None
    lat: float | None
    done: bool


class FieldBuilding(Answer):
    id: int
    name: str | None
    kind: str
    lon: float
    lat: float
    outline: dict[str, Any] = Field(description="Its footprint, a GeoJSON Polygon in WGS84")
    visited: list[str] = Field(description="Kinds of visit the worker made here today")
    own: bool = Field(description="Of the grid the account reads: a case may be reported at it (elsewhere at a point)")


class CasePhotoRef(Answer):
    id: int
    stage: Literal["before", "after"]


class FieldCase(Answer):
    id: int
    version: int
    etag: str
    state: State
    category: str
    category_zh: str
    category_en: str
    urgency: Urgency
    description: str
    building: str | None
    address: str | None = Field(description="Where, in words (as the reporter's phone said it, or a ticket's address)")
    lon: float | None
    lat: float | None
    reported_at: str
    due_at: str
    overdue: bool
    client_id: str | None
    assigned: bool = Field(description="Dispatched to the worker (else reported by them)")
    may_handle: bool
    photos: list[CasePhotoRef]
    instructions: str | None = Field(description="What the office said giving it (the note of its latest "
                                                 "accepting or dispatching step)")


class FieldGrid(Answer):
    code: str
    name: str | None
    geometry: dict[str, Any]


class FieldCompound(Answer):
    name: str
    geometry: dict[str, Any]


class FieldCategory(Answer):
    code: str
    name_zh: str
    name_en: str


class Today(Answer):
    """Everything the phone shows today (kept by the phone for offline use). ``version`` changes
    whenever any of it does (also sent as the ETag)."""

    jurisdiction: str
    jurisdiction_name: str
    day: dt.date
    worker: FieldWorker
    workday: bool
    route: RouteInfo | None = Field(description="Today's patrol from the schedule; none on a rest day")
    legs: list[RouteLeg]
    walked: list[int] = Field(description="Streets (edge ids) the worker's walks of today covered")
    visits: list[PlannedVisit]
    buildings: list[FieldBuilding] = Field(description="Where the worker may check in: their grid's buildings and "
                                                       "today's visits")
    grid: FieldGrid | None
    compounds: list[FieldCompound] = Field(description="The jurisdiction's named compounds (小区), by which its "
                                                       "buildings are told apart")
    boundary: dict[str, Any]
    boundary_tolerance_m: float = Field(description="How far past the boundary a point still lies in the community "
                                                    "(the service's tolerance: a street drawn along the boundary)")
    office: list[float] | None
    cases: list[FieldCase]
    categories: list[FieldCategory]
    version: str


class PhotoStored(Answer):
    """A photo kept (normalised: EXIF gone, at most 2048 px)."""

    id: int
    case_id: int
    created: bool = Field(description="False when sent before with this client_id: nothing written")


class ManifestIcon(Answer):
    src: str
    sizes: str
    type: str
    purpose: str


class Manifest(Answer):
    """The web app manifest that makes the field app installable (add to home screen)."""

    name: str
    short_name: str
    lang: str
    start_url: str
    scope: str
    display: str
    orientation: str
    background_color: str
    theme_color: str
    description: str
    icons: list[ManifestIcon]
