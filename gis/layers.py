"""The feature layers: one table each, what geometry they hold and which properties they carry.

This registry is what the API's collections, the importers and the exporters all read, so a
layer is described once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gis.errors import NotFound
from gis.i18n import msg

POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Field:
    """One property of a layer.

    ``kind`` is ``text``, ``int``, ``float`` or ``wkt`` (a geometry given as WKT text, such as a
    building's entrances). ``sql`` is the column's SQL type for casting.
    """

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    pattern: str | None = None
    description: str = ""
    # Value written when the input leaves the property out (the column's default).
    default: Any = None
    # The column's SQL type when it is not the kind's usual one (e.g. bigint OSM ids).
    sql: str | None = None
    # The geometry types a ``wkt`` property may hold.
    geometry_types: tuple[str, ...] = ()

    @property
    def sql_type(self) -> str:
        """The SQL type values are cast to."""
        return self.sql or {"text": "text", "int": "integer", "float": "double precision",
                            "bool": "boolean", "wkt": "geometry"}[self.kind]


@dataclass(frozen=True)
class Layer:
    """A layer: a table of features of one jurisdiction."""

    name: str
    title: str
    title_zh: str
    geometry_types: tuple[str, ...]
    stored_type: str
    fields: tuple[Field, ...]
    # Columns computed by the database, returned but never written.
    derived: tuple[str, ...] = ()
    writable: bool = True
    description: str = ""
    properties: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "properties", tuple(f.name for f in self.fields) + self.derived)

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


_NAME = Field("name", required=True, description="name")
_OSM_ID = Field("osm_id", "int", sql="bigint", description="OpenStreetMap id of the source")

LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer(
            "jurisdiction", "Jurisdiction", "社区辖区", POLYGONAL, "MultiPolygon",
            (Field("slug", required=True, pattern=r"^[a-z][a-z0-9_-]{1,62}$"), _NAME,
             Field("admin_code", pattern=r"^[0-9]{12}$",
                   description="12-digit code: county (6) + street (3) + community (3)"),
             Field("households", "int", minimum=0), Field("population", "int", minimum=0),
             Field("office_lon", "float"), Field("office_lat", "float"),
             Field("patrol", pattern=r"^(shared|by_grid)$",
                   description="how its walkers share the streets: shared (the whole jurisdiction) or by_grid")),
            derived=("metric_srid", "version"), writable=False,
            description="The community's boundary (社区辖区); created by imports and datasets.",
        ),
        Layer(
            "compound", "Compound", "小区", POLYGONAL, "MultiPolygon",
            (_NAME, Field("governance", description="self-governance note, e.g. 自护")),
            derived=("version",),
        ),
        Layer(
            "grid", "Grid", "网格", ("Polygon",), "Polygon",
            (Field("code", required=True, pattern=r"^[0-9]{15}$",
                   description="15 digits: the jurisdiction's 12-digit code + 3-digit sequence"),
             Field("name"), Field("leader"), Field("target_households", "int", minimum=1)),
            derived=("version",),
        ),
        Layer(
            "building", "Building", "楼栋", POLYGONAL, "MultiPolygon",
            (Field("name"),
             Field("kind", choices=("residential", "office", "apartment", "hotel", "mall",
                                    "public", "other"), default="other"),
             Field("floors", "int", minimum=1),
             Field("households", "int", minimum=0, default=0),
             Field("residents", "int", minimum=0, default=0), Field("manager"),
             Field("address", description="street address (门牌) that tickets and ledgers name"),
             Field("households_estimated", "bool",
                   description="households estimated from footprint x levels, not counted",
                   default=False),
             _OSM_ID, Field("entrances", "wkt", geometry_types=("Point", "MultiPoint"),
                            description="entrance points as MULTIPOINT WKT, inside the jurisdiction")),
            derived=("grid_id", "version"),
        ),
        Layer(
            "courier_zone", "Courier parking and sorting zone", "快递集中停车分拣区",
            ("Polygon",), "Polygon",
            (_NAME, Field("capacity", "int", minimum=0, description="parking bays"),
             Field("hours"), Field("operator")),
            derived=("version",),
        ),
        Layer(
            "post_station", "Post station / service centre", "楼宇驿站 / 服务中心",
            ("Point",), "Point",
            (_NAME, Field("kind", required=True,
                          choices=("building_station", "service_centre", "parcel_locker")),
             Field("building_id", "int"), Field("capacity", "int", minimum=0), Field("hours")),
            derived=("version",),
        ),
        Layer(
            "candidate_site", "Candidate facility site", "候选站点", ("Point",), "Point",
            (Field("kind", required=True, choices=("parking", "parcel_locker", "post_office")),
             Field("name"), _OSM_ID),
            derived=("version",),
        ),
        Layer(
            "street_edge", "Walkable street", "步行道路", ("LineString",), "LineString",
            (Field("name"), Field("highway"), _OSM_ID),
            derived=("source", "target", "length_m", "cost", "reverse_cost", "version"),
            description="pgRouting-compatible edges; nodes are derived from their end points.",
        ),
        Layer(
            "street_node", "Street node", "道路节点", ("Point",), "Point", (),
            derived=("version",), writable=False,
            description="Derived from street edges' end points.",
        ),
    )
}

# Order in which layers are written by imports (a layer after those it refers to).
IMPORT_ORDER = ("compound", "grid", "building", "courier_zone", "post_station",
                "candidate_site", "street_edge")


def get_layer(name: str) -> Layer:
    """The layer called ``name``; :class:`NotFound` naming the known layers otherwise."""
    try:
        return LAYERS[name]
    except KeyError:
        raise NotFound(msg("unknown layer {0!r}; layers are: {1}", name, ", ".join(LAYERS))) from None
