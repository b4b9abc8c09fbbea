"""What every area shares: the base models, problem+json, links, GeoJSON input types, and the
schemas routes name by reference (an answer in a second media type, the problems)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI
from geojson_pydantic import geometries
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.json_schema import models_json_schema

GEOJSON = "application/geo+json"
PROBLEM = "application/problem+json"
SCHEMA = "application/schema+json"
REF_TEMPLATE = "#/components/schemas/{model}"


class Answer(BaseModel):
    """An answer: every key the route returns is declared; another is an error, never dropped."""

    model_config = ConfigDict(extra="forbid")


class Input(BaseModel):
    """A JSON request body: a key the model does not know is refused (a misspelt one would
    otherwise be ignored without a word)."""

    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (``application/problem+json``), in the language the
    request asks for (``?lang=``, Accept-Language)."""

    type: str = Field("about:blank", description="Always about:blank: the status says what kind of error")
    title: str = Field(description="The status's title, e.g. Not found")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong, in words")
    problems: list[str] | None = Field(None, description="Each problem of the request, where there are several "
                                                         "(``body.name: …``, ``feature 3 (name): …``)")
    current_version: int | None = Field(None, description="412 only: the version the resource has now")


class Link(Answer):
    """A link to another resource."""

    rel: str = Field(description="self, next, items …")
    type: str | None = Field(None, description="the media type of what it links to")
    href: str


# --- schemas named by reference ----------------------------------------------------------------

_REFERENCED: dict[str, type[BaseModel]] = {}


def ref(model: type[BaseModel]) -> dict[str, str]:
    """A ``$ref`` to ``model``'s schema, which :func:`install` adds to the components: for an
    answer in a second media type (a route's GeoJSON beside its JSON) and for the problems."""
    _REFERENCED[model.__name__] = model
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def returns(model: type[BaseModel], media_type: str = GEOJSON) -> dict[str, Any]:
    """``{media_type: schema}`` for a route's ``responses[200]["content"]``."""
    return {media_type: {"schema": ref(model)}}


# The problems a route may answer with, by status (each route lists those it can give).
REASONS = {400: "Malformed request: a parameter, the JSON syntax or an If-Match",
           401: "Not signed in, or the token is not valid",
           403: "Signed in, but the role or reach does not allow this",
           404: "The jurisdiction, layer, layout, grid or feature does not exist",
           405: "Method not allowed: the path (with an empty segment) names another route",
           409: "Conflicts with the current state (not a draft, a name taken)",
           412: "If-Match names a version that is no longer current",
           413: "The body is over the size limit",
           415: "The body is not sent as JSON or GeoJSON (or GPX where a track is sent)",
           422: "The body or a value is refused: every problem is listed",
           428: "If-Match is required",
           429: "Too many attempts or heavy jobs: try again after Retry-After",
           503: "The database or printer is unavailable, or the service busy: try again after Retry-After"}


def header(description: str, required: bool = True) -> dict[str, Any]:
    """A response header, for a response's ``headers``."""
    return {"description": description, "required": required, "schema": {"type": "string"}}


def links(targets: dict[str, dict[str, str]]) -> dict[str, Any]:
    """OpenAPI links: the operations (by operationId, ``api.main.operation_id``) an answer's ids
    and ETags go to next, with the parameters they fill; schemathesis follows them."""
    return {op: {"operationId": op, "parameters": parameters} for op, parameters in targets.items()}


# The headers that come with a problem of a status.
PROBLEM_HEADERS = {401: {"WWW-Authenticate": header("Bearer: how to sign in")},
                   429: {"Retry-After": header("Seconds to wait")},
                   503: {"Retry-After": header("Seconds to wait")}}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses`` for the problem+json answers of ``codes`` (with their headers)."""
    return {code: {"description": REASONS[code], "content": {PROBLEM: {"schema": ref(Problem)}},
                   **({"headers": PROBLEM_HEADERS[code]} if code in PROBLEM_HEADERS else {})} for code in codes}


# What every route that needs a sign-in and reads the database may answer.
COMMON = problems(400, 401, 403, 404, 405, 422, 503)
WRITES = problems(409, 413, 415)


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` hold the schemas named with :func:`ref` too, and declare errors as
    problem+json only."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            _, top = models_json_schema([(m, "serialization") for m in _REFERENCED.values()],
                                        ref_template=REF_TEMPLATE)
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in top.get("$defs", {}).items():
                schemas.setdefault(name, schema)
            _problem_json_only(spec)
        return app.openapi_schema or spec

    app.openapi = openapi  # type: ignore[method-assign]


def _problem_json_only(spec: dict[str, Any]) -> None:
    """FastAPI documents a 422 of its own (HTTPValidationError) where a route declares none; this
    service answers a malformed parameter with a 400 and a refused body with a 422, both
    problem+json (:data:`COMMON`)."""
    for operations in spec.get("paths", {}).values():
        for op in operations.values():
            answer = op.get("responses", {}).get("422", {})
            if "HTTPValidationError" in str(answer.get("content", {}).get("application/json", {})):
                del op["responses"]["422"]
    for name in ("HTTPValidationError", "ValidationError"):
        spec.get("components", {}).get("schemas", {}).pop(name, None)


# --- bodies: what JSON says, not what Python would make of it -------------------------------------
# Pydantic's lax mode would take false for 0 and "1.5" for a number, or a number of seconds for a
# day; a body's schema says a number or a date, so anything else is refused (each where it is).

_NOT_VALID = object()  # no type validates it: the field's own "should be a valid …" error follows


def only(*types: type) -> BeforeValidator:
    """A field that takes values of ``types`` only (anything else is refused as its type)."""
    return BeforeValidator(lambda v: v if isinstance(v, types) and not isinstance(v, bool) else _NOT_VALID)


def _numbers_only(value: Any) -> Any:
    if isinstance(value, list):
        return [_numbers_only(v) for v in value]
    return _NOT_VALID if isinstance(value, bool | str) else value


# --- GeoJSON in ----------------------------------------------------------------------------------
# geojson-pydantic's geometries, except that a bounding box crossing the antimeridian is taken as
# RFC 7946 allows (theirs warns, which the tests' filterwarnings = error makes a 500).


class _GeoJSONIn(BaseModel):
    """What every GeoJSON object sent shares: any bbox, and coordinates that are numbers."""

    @field_validator("bbox", check_fields=False)
    @classmethod
    def validate_bbox(cls, bbox: Any) -> Any:
        return bbox  # what is sent is kept; gridmap never reads a bbox

    @field_validator("coordinates", check_fields=False, mode="before")
    @classmethod
    def numbers_only(cls, coordinates: Any) -> Any:
        return _numbers_only(coordinates)  # geojson-pydantic's positions are lax floats


class PointIn(_GeoJSONIn, geometries.Point):
    """A GeoJSON Point."""


class MultiPointIn(_GeoJSONIn, geometries.MultiPoint):
    """A GeoJSON MultiPoint."""


class LineStringIn(_GeoJSONIn, geometries.LineString):
    """A GeoJSON LineString."""


class MultiLineStringIn(_GeoJSONIn, geometries.MultiLineString):
    """A GeoJSON MultiLineString."""


class PolygonIn(_GeoJSONIn, geometries.Polygon):
    """A GeoJSON Polygon."""


class MultiPolygonIn(_GeoJSONIn, geometries.MultiPolygon):
    """A GeoJSON MultiPolygon."""


GeometryIn = Annotated[PointIn | MultiPointIn | LineStringIn | MultiLineStringIn | PolygonIn | MultiPolygonIn,
                       Field(discriminator="type")]
PolygonalIn = Annotated[PolygonIn | MultiPolygonIn, Field(discriminator="type")]
LinearIn = Annotated[LineStringIn | MultiLineStringIn, Field(discriminator="type")]
