"""The API description in OpenAPI 3.0, for clients of OGC API – Features Part 1, whose "OpenAPI
3.0" conformance class names that version: FastAPI writes 3.1, whose schemas are JSON Schema
2020-12. The same document, with what 3.0 cannot say written as 3.0 says it:

- ``{"anyOf": [X, {"type": "null"}]}`` and ``"type": [X, "null"]``: X with ``nullable: true``
  (a ``$ref`` X inside ``allOf``, since 3.0 ignores the siblings of a ``$ref``);
- ``const: v``: ``enum: [v]``; ``examples: [v, …]`` in a schema: ``example: v``;
- numeric ``exclusiveMinimum``/``exclusiveMaximum``: ``minimum``/``maximum`` with the 3.0 flag;
- 3.1-only members (``webhooks``, ``jsonSchemaDialect``, ``info.summary``,
  ``license.identifier``, a schema's ``$schema``, ``contentMediaType``) left out.

Served at ``/openapi-3.0.json`` beside FastAPI's ``/openapi.json`` and as it is (:func:`install`:
public, outside the API it describes); the landing page links both as ``service-desc``.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

VERSION = "3.0.3"
# Members holding schemas, or maps / lists of schemas, inside a schema.
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = ("items", "not", "additionalProperties", "contains", "propertyNames")
_DROPPED = ("$schema", "$id", "contentMediaType", "contentEncoding", "unevaluatedProperties", "$comment")


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def schema30(schema: Any) -> Any:
    """One JSON Schema 2020-12 schema as an OpenAPI 3.0 Schema Object."""
    if not isinstance(schema, dict):
        return schema
    out = {k: v for k, v in schema.items() if k not in _DROPPED}
    for key in _SCHEMA_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = {name: schema30(s) for name, s in out[key].items()}
    for key in _SCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [schema30(s) for s in out[key]]
    for key in _SCHEMA_ONE:
        if isinstance(out.get(key), dict):
            out[key] = schema30(out[key])
    if "prefixItems" in out:  # tuples: 3.0 has none; any of the item schemas
        out["items"] = {"anyOf": out.pop("prefixItems")} if "items" not in out else out["items"]
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        if len(types) < len(out["type"]):
            out["nullable"] = True
        if len(types) == 1:
            out["type"] = types[0]
        else:
            del out["type"]
            out["anyOf"] = [{"type": t} for t in types]
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and any(_is_null(s) for s in options):
            rest = [s for s in options if not _is_null(s)]
            del out[key]
            out["nullable"] = True
            if len(rest) == 1 and "$ref" not in rest[0]:
                out = {**rest[0], **out}
            elif len(rest) == 1:
                out["allOf"] = [*out.get("allOf", []), rest[0]]
            else:
                out[key] = rest
    if "$ref" in out and len(out) > 1:  # siblings of a $ref count in 3.0 only beside it, in allOf
        ref = {"$ref": out.pop("$ref")}
        out["allOf"] = [ref, *out.get("allOf", [])]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    for bound, flag in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        value = out.get(flag)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[bound], out[flag] = value, True
    return out


def _content30(content: dict) -> dict:
    return {media: {**body, **({"schema": schema30(body["schema"])} if "schema" in body else {})}
            for media, body in content.items()}


def _parameter30(param: dict) -> dict:
    out = dict(param)
    if "schema" in out:
        out["schema"] = schema30(out["schema"])
    if "content" in out:
        out["content"] = _content30(out["content"])
    return out


def _operation30(op: dict) -> dict:
    out = dict(op)
    if "parameters" in out:
        out["parameters"] = [_parameter30(p) for p in out["parameters"]]
    if isinstance(out.get("requestBody"), dict) and "content" in out["requestBody"]:
        out["requestBody"] = {**out["requestBody"], "content": _content30(out["requestBody"]["content"])}
    responses = {}
    for status, answer in out.get("responses", {}).items():
        answer = dict(answer)
        answer.setdefault("description", "")  # required in 3.0
        if "content" in answer:
            answer["content"] = _content30(answer["content"])
        if "headers" in answer:
            answer["headers"] = {name: _parameter30(h) for name, h in answer["headers"].items()}
        responses[status] = answer
    if responses:
        out["responses"] = responses
    return out


def openapi30(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document ``spec`` as OpenAPI 3.0."""
    out = copy.deepcopy(spec)
    out["openapi"] = VERSION
    out.pop("webhooks", None)
    out.pop("jsonSchemaDialect", None)
    info = out.get("info", {})
    info.pop("summary", None)
    info.get("license", {}).pop("identifier", None)
    for path, item in out.get("paths", {}).items():
        out["paths"][path] = {method: (_operation30(op) if isinstance(op, dict) and method != "parameters" else
                                       [_parameter30(p) for p in op] if method == "parameters" else op)
                              for method, op in item.items()}
    components = out.get("components", {})
    if "schemas" in components:
        components["schemas"] = {name: schema30(s) for name, s in components["schemas"].items()}
    for kind in ("parameters", "headers"):
        if kind in components:
            components[kind] = {name: _parameter30(p) for name, p in components[kind].items()}
    return out


class OpenAPI30Response(JSONResponse):
    media_type = "application/vnd.oai.openapi+json;version=3.0"


def install(app: FastAPI) -> None:
    """Serve ``openapi30(app.openapi())`` at ``/openapi-3.0.json`` (made once)."""

    async def openapi_30(request: Request) -> JSONResponse:
        if getattr(app.state, "openapi30", None) is None:
            app.state.openapi30 = openapi30(app.openapi())
        return OpenAPI30Response(app.state.openapi30)

    app.add_route("/openapi-3.0.json", openapi_30, include_in_schema=False)
