"""OGC API – Features documents beside the collections: the landing page, the conformance
classes, a collection's extent and the JSON Schemas of its properties."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from api.models.common import Answer, Link


class LandingPage(Answer):
    """Where an OGC API – Features client starts: links to the API's description, its conformance
    classes and the collections (the same ``/`` answers the map page to a browser)."""

    title: str
    description: str
    links: list[Link] = Field(description="self, service-desc, service-doc, conformance, data")


class Conformance(Answer):
    """The OGC conformance classes the service implements."""

    conformsTo: list[str]


class SpatialExtent(Answer):
    """Where the features lie, in CRS84."""

    bbox: list[list[float]] = Field(description="One box: west, south, east, north (longitude/latitude)")
    crs: Literal["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]


class Extent(Answer):
    """The extent of a collection's features (those the caller may see)."""

    spatial: SpatialExtent


class PropertySchema(Answer):
    """A property's JSON Schema: its type, and what constrains its values."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal["string", "integer", "number", "boolean", "object"]
    title: str | None = None
    description: str | None = None
    enum: list[str] | None = None
    minimum: float | None = None
    pattern: str | None = None
    format: str | None = None
    readOnly: bool | None = None
    properties: dict[str, Any] | None = None


class JSONSchema(Answer):
    """A JSON Schema (draft 2020-12) of an object: a layer's queryables, or one of its features."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(alias="$schema", description="The JSON Schema dialect")
    id: str = Field(alias="$id", description="Its own URL")
    type: Literal["object"]
    title: str
    properties: dict[str, PropertySchema]
    required: list[str] | None = None
    additionalProperties: bool | None = None
