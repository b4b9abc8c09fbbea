"""Coverage: walking distance from buildings to facilities, proposed layouts, siting."""

from __future__ import annotations

from typing import Annotated, Literal

from geojson_pydantic import Feature, FeatureCollection
from geojson_pydantic.geometries import Geometry
from pydantic import BaseModel, ConfigDict, Discriminator, Field

from api.models.common import Answer, GeometryIn, _GeoJSONIn
from gis import limits


class Within(Answer):
    """What lies within one threshold (keys of ``within`` are the thresholds in metres)."""

    buildings: int
    buildings_share: float
    households: int
    households_share: float


class Summary(Answer):
    buildings: int
    households: int
    within: dict[str, Within] = Field(description="By threshold in metres")
    unreachable: int = Field(description="Buildings that reach no facility")
    mean_distance_m: float | None


class GridCoverage(Summary):
    code: str
    name: str | None


class FacilityLoad(Answer):
    """A facility and the buildings nearest to it."""

    layer: str = Field(description="courier_zone or post_station")
    id: int | None = Field(description="null for a proposed one")
    name: str | None
    buildings: int
    households: int
    capacity_households: float | None
    load: float | None = Field(description="Households against capacity")
    overloaded: bool


class Unreachable(Answer):
    id: int
    name: str | None
    reason: str


class FacilityRef(Answer):
    layer: str
    id: int | None
    name: str | None


class BuildingDistance(Answer):
    id: int
    name: str | None
    kind: str | None
    households: int
    grid: str | None
    distance_m: float | None = Field(description="Walking distance to the nearest facility; null: none reached")
    facility: FacilityRef | None
    path: list[int] | None = Field(None, description="With paths=true: the street ids walked to it")


class ThresholdChange(Answer):
    households: int
    buildings: int


class GridChange(Answer):
    code: str
    before: dict[str, Within]
    after: dict[str, Within]
    change: dict[str, ThresholdChange]


class BuildingChange(Answer):
    id: int
    name: str | None
    households: int
    before_m: float | None
    after_m: float | None


class Comparison(Answer):
    """What a proposed layout improves and makes worse: per threshold, per grid, per building."""

    jurisdiction: str
    facility: str
    thresholds: list[float]
    before: Summary
    after: Summary
    change: dict[str, ThresholdChange] = Field(description="By threshold in metres")
    grids: list[GridChange]
    better: list[BuildingChange] = Field(description="Buildings more than a metre nearer")
    worse: list[BuildingChange]
    facilities_after: list[FacilityLoad]


class Coverage(Answer):
    """Walking distance from every building to its nearest facility."""

    jurisdiction: str
    facility: str
    thresholds: list[float]
    summary: Summary
    grids: list[GridCoverage]
    facilities: list[FacilityLoad]
    unreachable: list[Unreachable]
    buildings: list[BuildingDistance]
    duplicate_edges_ignored: list[int]
    draft: int | None = Field(None, description="With draft=: the draft measured")
    compared_with_published: Comparison | None = Field(None, description="With draft=: against the published layout")


class BuildingProperties(Answer):
    layer: Literal["building"]
    id: int
    name: str | None
    kind: str | None
    households: int
    grid: str | None
    distance_m: float | None
    facility_id: int | None


class FacilityProperties(FacilityLoad):
    pass


class AreaProperties(Answer):
    layer: Literal["service_area"]
    within_m: float


class CoverageFeature(Feature[Geometry, BuildingProperties | FacilityProperties | AreaProperties]):
    """A building with its distance, a facility with its load, or the area within a threshold."""


class CoverageFeatures(FeatureCollection[CoverageFeature]):
    """Coverage as GeoJSON (``format=geojson``)."""


class SitingStats(Answer):
    households_within: int
    buildings_within: int
    households_share: float
    mean_household_distance_m: float | None


class _Site(Answer):
    lon: float
    lat: float
    households_newly_within: int


class StreetNodeSite(_Site):
    kind: Literal["street_node"]


class CandidateSite(_Site):
    kind: Literal["candidate_site"]
    id: int
    name: str | None
    site_kind: str


class ProposedSite(_Site):
    kind: Literal["proposed"]
    index: int = Field(description="Its place among the features sent")
    name: str | None


Site = Annotated[StreetNodeSite | CandidateSite | ProposedSite, Field(discriminator="kind")]


class Siting(Answer):
    """Where new facilities cover the most households (exact MILP, HiGHS)."""

    jurisdiction: str
    facility: str
    objective: Literal["cover", "median"]
    within: float
    add: int
    candidates: int = Field(description="Candidate sites within reach of a street")
    candidates_too_far: int
    existing: int
    solver: str
    optimal: bool = Field(description="False when the solver stopped at its time limit")
    objective_value: float
    bound: float | None
    gap: float | None
    chosen: list[Site]
    before: SitingStats
    after: SitingStats


# --- bodies --------------------------------------------------------------------------------------


class CandidateProperties(BaseModel):
    """What a candidate site may carry: a name (other properties are not read)."""

    model_config = ConfigDict(extra="allow")

    name: str | None = Field(None, max_length=limits.MAX_NAME_CHARS)


class CandidateIn(_GeoJSONIn, Feature[GeometryIn, CandidateProperties]):
    """A candidate site: a point or a polygon (its representative point is sited)."""

    model_config = ConfigDict(extra="allow")

    properties: CandidateProperties | None = None


class CandidatesIn(_GeoJSONIn, FeatureCollection[CandidateIn]):
    """Candidate sites."""

    model_config = ConfigDict(extra="allow")

    features: list[CandidateIn] = Field(json_schema_extra={"maxItems": limits.MAX_CANDIDATE_SITES})


Candidates = Annotated[CandidateIn | CandidatesIn, Discriminator("type")]
