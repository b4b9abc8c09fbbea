"""The API's contract (``/openapi.json``), read from the app itself: no database is needed, as the
app connects only when it starts serving.

Every route declares what it answers: a JSON answer names a model, any other answer its media
type, and errors are problem+json. The document is valid OpenAPI and every reference in it
resolves, so that schemathesis (tests/test_fuzz.py) checks real schemas.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import schemathesis
from fastapi import params
from fastapi.routing import APIRoute
from jsonschema import Draft202012Validator

from api.deps import JSONBodyRoute
from api.main import ROUTERS, create_app
from gis.settings import Settings

JSON = re.compile(r"^application/(.+\+)?json$")


@pytest.fixture(scope="module")
def app():
    return create_app(Settings())


@pytest.fixture(scope="module")
def spec(app) -> dict[str, Any]:
    return app.openapi()


def api_routes(app) -> list[APIRoute]:
    """Every route of the app (as its routers hold them: the app includes them lazily)."""
    return [r for module in ROUTERS for r in module.router.routes if isinstance(r, APIRoute)]


def operation(spec: dict, route: APIRoute, method: str) -> dict:
    return spec["paths"][route.path_format][method.lower()]


def names_a_model(schema: dict) -> bool:
    """A schema that is a model's (a reference), a list of them, or a choice among them."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return names_a_model(schema.get("items", {}))
    choices = schema.get("oneOf") or schema.get("anyOf")
    return bool(choices) and all(names_a_model(c) for c in choices)


def test_every_route_declares_what_it_answers(app, spec):
    """A JSON answer names a model; any other answer says its media type; 204 has no body."""
    undeclared = []
    for route in api_routes(app):
        if not route.include_in_schema:  # the docs pages: HTML, and said so
            assert route.response_class.media_type == "text/html", route.path
            continue
        for method in route.methods:
            status = str(route.status_code or 200)
            answer = operation(spec, route, method)["responses"].get(status)
            where = f"{method} {route.path} {status}"
            if answer is None:
                undeclared.append(f"{where}: not declared")
                continue
            content = answer.get("content", {})
            if status == "204":
                if content:
                    undeclared.append(f"{where}: a 204 declares a body {sorted(content)}")
                continue
            if not content:
                undeclared.append(f"{where}: no media type")
            for media, declared in content.items():
                if JSON.match(media) and not names_a_model(declared.get("schema", {})):
                    undeclared.append(f"{where}: {media} without a model's schema: {declared.get('schema')}")
    assert not undeclared, "\n".join(undeclared)


def test_errors_are_declared_as_problem_json(app, spec):
    """Every route declares its problem+json answers, and no error as plain JSON (FastAPI's own
    HTTPValidationError is not what this service answers)."""
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        for method in route.methods:
            responses = operation(spec, route, method)["responses"]
            errors = {code: r for code, r in responses.items() if code.startswith(("4", "5"))}
            assert errors, f"{method} {route.path} declares no error"
            for code, answer in errors.items():
                content = answer.get("content", {})
                assert "application/json" not in content, (method, route.path, code)
                if "application/problem+json" in content:
                    assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_routes_with_a_json_body_check_it_first_and_document_it(app, spec):
    """A JSON body is a model in the document, and read by JSONBodyRoute (size, media type,
    syntax and NUL checked before the model)."""
    with_body = 0
    for route in api_routes(app):
        if route.body_field is None or isinstance(route.body_field.field_info, params.Form):
            continue
        with_body += 1
        assert isinstance(route, JSONBodyRoute), route.path
        for method in route.methods:
            body = operation(spec, route, method)["requestBody"]
            assert body["required"], (method, route.path)
            assert names_a_model(body["content"]["application/json"]["schema"]), (method, route.path)
    assert with_body >= 12


def test_the_document_is_valid_openapi_and_every_reference_resolves(spec):
    # Against the OpenAPI 3.1 meta-schema, which has the token URL as an absolute URI; the
    # specification's text allows a relative one (ours: /auth/token, on whatever host serves it).
    checked = copy.deepcopy(spec)
    checked["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] = (
        "https://gridmap.example/auth/token")
    schemathesis.openapi.from_dict(checked).validate()
    schemas = spec["components"]["schemas"]
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    refs = set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(spec)))
    dangling = {r for r in refs if not r.startswith("#/components/schemas/") or r.rsplit("/", 1)[1] not in schemas}
    assert not dangling, dangling


def test_answers_are_described_with_their_fields(spec):
    """The models say what their fields are: the answers of each area, as the document shows them."""
    schemas = spec["components"]["schemas"]
    assert schemas["Problem"]["required"] == ["title", "status", "detail"]
    assert set(schemas["Items"]["properties"]) >= {"type", "features", "numberMatched", "numberReturned", "links"}
    assert schemas["NewWorker"]["properties"]["role"]["enum"][0] == "social_worker"
    assert schemas["Visit"]["properties"]["day"]["format"] == "date"
    assert schemas["Layout"]["properties"]["status"]["enum"] == ["draft", "published", "archived"]
    # the items of a layer are GeoJSON, described as such, also where the answer is pre-encoded
    items = spec["paths"]["/collections/{layer}/items"]["get"]["responses"]["200"]["content"]
    assert items == {"application/geo+json": {"schema": {"$ref": "#/components/schemas/Items"}}}
    route = spec["paths"]["/patrol/{slug}/route"]["get"]["responses"]["200"]["content"]
    assert set(route) == {"application/json", "application/geo+json", "application/gpx+xml", "text/plain",
                          "text/html"}


def test_operations_have_names_and_links_name_real_ones(spec):
    """operationIds are unique and readable (``collections-create``); every link names one."""
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids)) and "collections-create" in ids
    for path in spec["paths"].values():
        for op in path.values():
            for answer in op["responses"].values():
                for link in answer.get("links", {}).values():
                    assert link["operationId"] in ids, link
