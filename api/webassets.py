"""Front-end packages served by the service (npm, installed at set-up), and folium pages pointed
at them instead of outside hosts, so maps render on a closed network."""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.headers import content_security_policy
from gis.settings import Settings

log = logging.getLogger("gridmap.api")
STATIC = Path(__file__).resolve().parent / "static"
# Mount point under /static/vendor → folder inside node_modules.
VENDOR = {
    "leaflet": "leaflet/dist",
    "geoman": "@geoman-io/leaflet-geoman-free/dist",
    "jquery": "jquery/dist",
    "bootstrap": "bootstrap/dist",
    "awesome-markers": "leaflet.awesome-markers/dist",
    "fontawesome": "@fortawesome/fontawesome-free",
    "textpath": "leaflet-textpath",
    "vectorgrid": "leaflet.vectorgrid/dist",
    "swagger": "swagger-ui-dist",
}
# What folium's pages load from outside hosts, and where the same file is served here (None: a
# stylesheet our maps do not need, left out).
FOLIUM_ASSETS = {
    r"https://cdn\.jsdelivr\.net/npm/leaflet@[^/]+/dist/leaflet\.js": "/static/vendor/leaflet/leaflet.js",
    r"https://cdn\.jsdelivr\.net/npm/leaflet@[^/]+/dist/leaflet\.css": "/static/vendor/leaflet/leaflet.css",
    r"https://code\.jquery\.com/jquery-[0-9.]+\.min\.js": "/static/vendor/jquery/jquery.min.js",
    r"https://cdn\.jsdelivr\.net/npm/bootstrap@[^/]+/dist/js/bootstrap\.bundle\.min\.js":
        "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
    r"https://cdn\.jsdelivr\.net/npm/bootstrap@[^/]+/dist/css/bootstrap\.min\.css":
        "/static/vendor/bootstrap/css/bootstrap.min.css",
    r"https://cdnjs\.cloudflare\.com/ajax/libs/Leaflet\.awesome-markers/[^/]+/leaflet\.awesome-markers\.js":
        "/static/vendor/awesome-markers/leaflet.awesome-markers.js",
    r"https://cdnjs\.cloudflare\.com/ajax/libs/Leaflet\.awesome-markers/[^/]+/leaflet\.awesome-markers\.css":
        "/static/vendor/awesome-markers/leaflet.awesome-markers.css",
    r"https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@[^/]+/css/all\.min\.css":
        "/static/vendor/fontawesome/css/all.min.css",
    r"https://cdn\.jsdelivr\.net/npm/leaflet-textpath@[^/]+/leaflet\.textpath\.min\.js":
        "/static/vendor/textpath/leaflet.textpath.js",
    r"https://netdna\.bootstrapcdn\.com/bootstrap/[^/]+/css/bootstrap-glyphicons\.css": None,
    r"https://cdn\.jsdelivr\.net/gh/python-visualization/folium/[^\"']+\.css": None,
}


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


def localize(html: str) -> str:
    """A folium page with its scripts and styles served here; those it does not need dropped."""
    for pattern, local in FOLIUM_ASSETS.items():
        if local is None:
            html = re.sub(r'<link[^>]*href="' + pattern + r'"[^>]*/?>', "", html)
        else:
            html = re.sub(pattern, local, html)
    leftover = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    if leftover:  # a folium upgrade brought new assets: the browser tests fail on them too
        log.warning("folium page loads assets from outside hosts: %s", leftover)
    return html


def folium_page(html: str) -> HTMLResponse:
    """A folium map as an answer: its assets served here, and its inline scripts (folium writes
    the map as one) allowed by a nonce of this answer alone. Data inside the map was escaped as
    text (``gis.map_text``), so no script tag comes from data; the nonce marks folium's own."""
    nonce = secrets.token_urlsafe(18)
    html = re.sub(r"<script\b", f'<script nonce="{nonce}"', localize(html))
    html = html.replace("<head>", f"<head>\n    {FAVICON}", 1)
    return HTMLResponse(html, headers={"Content-Security-Policy": content_security_policy(nonce)})
