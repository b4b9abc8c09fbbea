"""Layers and their features (``/collections``): OGC API – Features style, GeoJSON in and out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from geojson_pydantic import Feature, FeatureCollection
from geojson_pydantic.geometries import Geometry
from pydantic import BaseModel, ConfigDict, Discriminator, Field

from api.models.common import Answer, GeometryIn, Link, _GeoJSONIn
from api.models.ogc import Extent
from gis import limits


class Collection(Answer):
    """A layer: what its features are and where to get them."""

    id: str = Field(description="The layer's name, as in /collections/{layer}")
    title: str
    title_zh: str = Field(description="The title in Chinese")
    description: str
    itemType: Literal["feature"]
    geometryTypes: list[str] = Field(description="The geometry types its features may have")
    writable: bool = Field(description="Whether planners may write it (derived layers are read-only)")
    properties: list[str] = Field(description="The properties each feature carries")
    crs: list[str] = Field(description="The coordinate reference systems served (CRS84, EPSG:4326, EPSG:3857)")
    storageCrs: str = Field(description="The CRS the features are stored in (CRS84)")
    extent: Extent | None = Field(None, description="Where the features the caller may see lie (none: no feature)")
    links: list[Link] = Field(description="self, items, queryables, describedby (the JSON Schema of a feature)")


class Collections(Answer):
    """Every layer."""

    collections: list[Collection]
    crs: list[str] = Field(description="The coordinate reference systems served")
    links: list[Link]


class ItemProperties(BaseModel):
    """A feature's properties: the jurisdiction and version every layer has, and the layer's own
    (``GET /collections/{layer}`` lists them)."""

    model_config = ConfigDict(extra="allow")

    jurisdiction: str = Field(description="The slug of the jurisdiction it belongs to")
    version: int = Field(description="Its version; the ETag of GET /collections/{layer}/items/{id} names it")


class Item(Feature[Geometry, ItemProperties]):
    """One feature of a layer (links: self and its collection, when asked for alone)."""

    links: list[Link] | None = None


class Items(FeatureCollection[Item]):
    """A page of a layer's features (links: self, ``next`` while there are more, ``prev`` after
    the first page)."""

    numberMatched: int = Field(description="Features matching the request, on every page")
    numberReturned: int = Field(description="Features on this page")
    links: list[Link]


class Created(Answer):
    """The ids of the features created, in the order given."""

    ids: list[int]


# --- GeoJSON in ----------------------------------------------------------------------------------


class FeatureIn(_GeoJSONIn, Feature[GeometryIn, dict[str, Any]]):
    """A GeoJSON Feature sent: its geometry in WGS84 longitude/latitude (or in the CRS named by
    Content-Crs), its properties as the layer has them. Foreign members (``crs``) are kept."""

    model_config = ConfigDict(extra="allow")

    properties: dict[str, Any] | None = Field(None, description="The layer's properties (may be left out)")


class FeatureCollectionIn(_GeoJSONIn, FeatureCollection[FeatureIn]):
    """A GeoJSON FeatureCollection sent: written all or none."""

    model_config = ConfigDict(extra="allow")

    features: list[FeatureIn] = Field(json_schema_extra={"maxItems": limits.MAX_FEATURES_PER_REQUEST})


GeoJSONIn = Annotated[FeatureIn | FeatureCollectionIn, Discriminator("type")]


def as_geojson(body: BaseModel) -> dict[str, Any]:
    """A validated GeoJSON body as the plain JSON the domain reads (what was sent, normalised)."""
    return body.model_dump(mode="json", exclude_unset=True, by_alias=True)
