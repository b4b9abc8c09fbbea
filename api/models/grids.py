"""Grids and layouts: drafts, their live edits, checks, comparisons, publishing, history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from geojson_pydantic import Feature, FeatureCollection
from geojson_pydantic.geometries import Geometry, MultiPolygon, Point, Polygon
from pydantic import ConfigDict, Field, StrictInt

from api.models import common
from api.models.common import Answer, Input, _GeoJSONIn
from gis import limits

Id = Annotated[StrictInt, Field(ge=1, le=limits.MAX_ID)]


class GridMetrics(Answer):
    """A grid's numbers: what it holds and how it is shaped."""

    code: str = Field(description="The grid's code (12-digit community code + 3 digits)")
    name: str | None
    households: int
    residents: int
    buildings: int = Field(description="Buildings assigned to it (by where most of each lies)")
    area_m2: float
    polsby_popper: float = Field(description="Compactness, 4πA/P²: 1 for a circle, near 0 for a strip")
    deviation: float | None = Field(description="Households against the target, as a share (0.1: 10 % over); "
                                                "null without a target")


class RuleProblem(Answer):
    """A rule the layout breaks."""

    kind: str = Field(description="The rule: gap, overlap, outside_boundary, not_contiguous, building_split, "
                                  "households_out_of_tolerance …")
    grid: str | None = Field(description="The grid's code, when one grid has it")
    message: str


class CheckProblem(RuleProblem):
    """A rule the layout breaks, and where."""

    geometry: Geometry | None = Field(description="Where (WGS84), when it has a place")


class Check(Answer):
    """Every problem of a layout, and each grid's numbers."""

    ok: bool = Field(description="No problem at all")
    layout: int | None = Field(description="The draft checked; null: the published layout")
    jurisdiction: str
    target_households: float | None
    tolerance: float = Field(description="The share households may deviate from the target")
    problems: list[CheckProblem]
    grids: list[GridMetrics]


class Generated(Check):
    """The new draft's check, and how many units its grids were made of."""

    units: int = Field(description="Blocks cut by streets and compound edges that the grids group")


class Layout(Answer):
    """A layout: a draft, the published one, or one published before (archived)."""

    id: int
    jurisdiction_id: int
    name: str
    status: Literal["draft", "published", "archived"]
    based_on: int | None = Field(description="The layout it was copied from")
    target_households: float | None
    tolerance: float
    created_by: str | None
    created_at: dt.datetime | None
    published_by: str | None
    published_at: dt.datetime | None
    version: int


class PublishedLayout(Layout):
    """A layout just published, with what the rules allow but a planner should see."""

    warnings: list[str] = Field(description="The draft's problems that do not stop a publish (households out of "
                                            "tolerance, …), in the request's language")


class HistoryEntry(Answer):
    """One change in the history."""

    at: dt.datetime
    actor: str | None = Field(description="Who made it")
    table: str = Field(description="grid, courier_zone, post_station, layout, layout_grid …")
    op: str = Field(description="insert, update or delete")
    id: int | None = Field(description="The id of what changed")


class DraftGridProperties(GridMetrics):
    """A grid of a draft: its numbers, leader and version."""

    leader: str | None
    version: int
    etag: str = Field(description="What If-Match must carry to edit it")


class DraftZoneProperties(Answer):
    name: str | None
    capacity: int | None = Field(description="Parking bays")
    version: int


class DraftStationProperties(Answer):
    name: str | None
    kind: str
    version: int


class DraftGrid(Feature[Polygon | MultiPolygon, DraftGridProperties]):
    """A grid of a draft."""


class DraftZone(Feature[Polygon | MultiPolygon, DraftZoneProperties]):
    """A courier zone of a draft."""


class DraftStation(Feature[Point, DraftStationProperties]):
    """A post station of a draft."""


class Draft(Answer):
    """A layout as the planner edits it: its grids (each with its ETag and numbers), courier zones
    and post stations."""

    layout: Layout
    etag: str = Field(description="The ETag of all the draft holds: If-Match of DELETE /layouts/{id}")
    grids: FeatureCollection[DraftGrid]
    courier_zones: FeatureCollection[DraftZone]
    post_stations: FeatureCollection[DraftStation]


class MovedBuilding(Answer):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    building_id: int
    from_: str | None = Field(alias="from", description="The grid it was in")
    to: str | None = Field(description="The grid it is in now")


class GridBeforeAfter(Answer):
    code: str
    before: GridMetrics | None
    after: GridMetrics | None
    changed: bool = Field(description="Its ground (more than 1 m²) or its households change, or it is new or gone")


class FacilityChange(Answer):
    """A courier zone or post station a draft adds, removes or changes (matched by name)."""

    layer: Literal["courier_zone", "post_station"]
    name: str
    change: Literal["added", "removed", "changed"]
    area_before_m2: int | None
    area_after_m2: int | None
    capacity_before: int | None
    capacity_after: int | None
    moved: float | None = Field(description="How much it moved: a courier zone's ground gained and lost (m²), a post "
                                            "station's distance (m); none when added or removed")


class LayoutComparison(Answer):
    """A draft against the published layout."""

    layout: int
    jurisdiction: str
    buildings_moved: list[MovedBuilding]
    grids: list[GridBeforeAfter]
    facilities: list[FacilityChange]


class EditedGrid(GridMetrics):
    """A grid an edit changed: its numbers and new version."""

    id: int
    version: int
    etag: str


class EditResult(Answer):
    """An edit accepted (a refused one is a 422 naming the problems it would bring)."""

    accepted: bool
    changed: bool = Field(description="False when nothing moved (within drawing noise): nothing written")
    layout: int
    grids: list[EditedGrid] = Field(description="The grids it changed")
    removed: list[str] = Field(description="The codes of grids it removed (a merge)")
    problems: list[RuleProblem] = Field(description="The problems the draft has now (none of them new)")


class FacilityVersion(Answer):
    """A facility of a draft written."""

    id: int
    version: int
    etag: str = Field(description="What If-Match must carry to edit it again")


class Worker(Answer):
    name: str
    role: str


class GridPatrol(Answer):
    days: int
    as_of: dt.date
    share: float | None = Field(description="Share of its streets walked in those days")


class GridNumbers(Answer):
    """A grid's page in numbers."""

    jurisdiction: str
    jurisdiction_name: str
    id: int
    code: str
    name: str | None
    leader: str | None
    geometry: Geometry
    area_m2: float
    buildings: int
    households: int
    residents: int
    stations: int = Field(description="Post stations in it")
    courier_zones: int
    workers: list[Worker]
    patrol_coverage: GridPatrol


# --- bodies --------------------------------------------------------------------------------------


class NewDraft(Input):
    """A new draft: a copy of the published layout, or of another."""

    name: str = Field(min_length=1, max_length=limits.MAX_NAME_CHARS)
    from_layout: Id | None = Field(None, description="The layout to copy (default: the published one)")


class MovedBuildings(Input):
    """Buildings given to a grid, with the ground around them."""

    buildings: list[Id] = Field(min_length=1, max_length=limits.MAX_FEATURES_PER_REQUEST,
                                description="Building ids")


class _ShapeFeature(_GeoJSONIn):
    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    properties: dict[str, Any] | None = None
    id: StrictInt | str | None = None


class PolygonFeature(_ShapeFeature):
    """A Feature of the grid's new polygon (its properties are not read)."""

    geometry: common.PolygonalIn


class LineFeature(_ShapeFeature):
    """A Feature of the line to split along (its properties are not read)."""

    geometry: common.LinearIn


NewBoundary = Annotated[PolygonFeature | common.PolygonIn | common.MultiPolygonIn, Field(discriminator="type")]
SplitLine = Annotated[LineFeature | common.LineStringIn | common.MultiLineStringIn, Field(discriminator="type")]
