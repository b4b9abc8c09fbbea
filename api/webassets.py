"""Front-end packages served by the service (npm, installed at set-up), and folium pages pointed
at them instead of outside hosts, so maps render on a closed network."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.headers import content_security_policy
from gis.map_assets import VENDOR, localize
from gis.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
# Our icon, on every page (the pages' shared head) and every folium map.
FAVICON = '<link rel="icon" href="/static/app/favicon.svg" type="image/svg+xml">'


def mount(app: FastAPI, settings: Settings) -> None:
    """Our own scripts and styles, and the front-end packages from node_modules."""
    app.mount("/static/app", StaticFiles(directory=STATIC), name="static-app")
    modules = Path(settings.web_assets_dir)
    for name, sub in VENDOR.items():
        folder = modules / sub
        if folder.is_dir():
            app.mount(f"/static/vendor/{name}", StaticFiles(directory=folder), name=f"vendor-{name}")


def folium_page(html: str) -> HTMLResponse:
    """A folium map as an answer: its assets served here, and its inline scripts (folium writes
    the map as one) allowed by a nonce of this answer alone. Data inside the map was escaped as
    text (``gis.map_text``), so no script tag comes from data; the nonce marks folium's own."""
    nonce = secrets.token_urlsafe(18)
    html = re.sub(r"<script\b", f'<script nonce="{nonce}"', localize(html, "/static/vendor/")[0])
    html = html.replace("<head>", f"<head>\n    {FAVICON}", 1)
    return HTMLResponse(html, headers={"Content-Security-Policy": content_security_policy(nonce)})
