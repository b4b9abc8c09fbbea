"""Jurisdictions (社区) made and changed through the API: bodies and answers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictFloat

from api.models.common import Answer, Input, MultiPolygonIn, PolygonIn

Boundary = Annotated[PolygonIn | MultiPolygonIn, Field(discriminator="type", description="WGS84 polygon(s)")]
LonLat = Annotated[list[StrictFloat], Field(min_length=2, max_length=2, description="[lon, lat] in degrees")]
AdminCode = Annotated[str, Field(pattern=r"^[0-9]{12}$", description="The 12-digit community code (统计用区划代码)")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Patrol = Annotated[Literal["shared", "by_grid"], Field(
    description="How its daily walkers share the streets: shared (the whole jurisdiction, routes rotating day by "
                "day) or by_grid (each walks their own grid; walkers with no grid share the whole)")]


class NewJurisdiction(Input):
    """A jurisdiction to create from its boundary."""

    slug: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{1,62}$")]
    name: Name
    boundary: Boundary
    admin_code: AdminCode | None = None
    office: LonLat | None = Field(None, description="The community office, where routes start")
    patrol: Patrol = "shared"


class JurisdictionChange(Input):
    """What to change of a jurisdiction (what is left out stays)."""

    name: Name | None = None
    admin_code: AdminCode | None = None
    office: LonLat | None = None
    boundary: Boundary | None = None
    patrol: Patrol | None = None


class Jurisdiction(Answer):
    """A jurisdiction: its names, code, office and boundary, and its version (the ETag)."""

    id: int
    slug: str
    name: str
    admin_code: str | None
    households: int | None
    population: int | None
    office: list[float] | None
    patrol: Patrol
    version: int
    boundary: dict = Field(description="GeoJSON MultiPolygon")
