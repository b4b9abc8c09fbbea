"""The service itself: health, what the pages need, vector tile metadata."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.models.common import Answer


class Health(Answer):
    """The database answers, with these versions of its extensions."""

    status: Literal["ok"]
    database: Literal["ok"]
    postgis: str
    pgrouting: str | None


class PageConfig(Answer):
    """What the pages need to know."""

    basemaps: list[str] = Field(description="none, osm, gaode, and tianditu when a key is set")
    tianditu_key: str | None
    tiles_above: int = Field(description="The zoom from which the pages draw layers from vector tiles")
    time_zone: str
    walking_speed_kmh: float


class VectorLayer(Answer):
    id: str
    fields: dict[str, str] = Field(description="Property name → kind (text, int, bool …)")


class TileJSON(Answer):
    """TileJSON 3.0.0: the tile URL with the layer's current version."""

    tilejson: Literal["3.0.0"]
    name: str
    version: str
    minzoom: int
    maxzoom: int
    tiles: list[str]
    vector_layers: list[VectorLayer]
