"""The API's interactive docs (Swagger UI), served with the swagger-ui-dist npm package from this
service like the pages' Leaflet, so they open in a closed network too. Public, as /openapi.json."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="gridmap API",
                               swagger_js_url="/static/vendor/swagger/swagger-ui-bundle.js",
                               swagger_css_url="/static/vendor/swagger/swagger-ui.css",
                               swagger_favicon_url="data:,", oauth2_redirect_url="/docs/oauth2-redirect",
                               # no badge from validator.swagger.io: nothing is fetched from outside
                               swagger_ui_parameters={"validatorUrl": None})


@router.get("/docs/oauth2-redirect")
def oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()
