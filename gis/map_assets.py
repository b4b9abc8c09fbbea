"""The front-end packages a folium map loads, from where ``make setup`` installed them (npm's
node_modules) instead of the outside hosts folium names, so that maps render on a closed network.

The service serves these packages under ``/static/vendor`` (``api.webassets``); a map file written
by the command line gets its own copy beside it, in a ``NAME_files`` folder, as a browser's
"save page" does, so the file opens from disk with no network at all.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

log = logging.getLogger("gridmap")

# Name → folder inside node_modules.
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
# What folium's pages load from outside hosts, and the same file here ("name/path", name as in
# VENDOR); None: a stylesheet our maps do not need, left out.
FOLIUM_ASSETS: dict[str, str | None] = {
    r"https://cdn\.jsdelivr\.net/npm/leaflet@[^/]+/dist/leaflet\.js": "leaflet/leaflet.js",
    r"https://cdn\.jsdelivr\.net/npm/leaflet@[^/]+/dist/leaflet\.css": "leaflet/leaflet.css",
    r"https://code\.jquery\.com/jquery-[0-9.]+\.min\.js": "jquery/jquery.min.js",
    r"https://cdn\.jsdelivr\.net/npm/bootstrap@[^/]+/dist/js/bootstrap\.bundle\.min\.js":
        "bootstrap/js/bootstrap.bundle.min.js",
    r"https://cdn\.jsdelivr\.net/npm/bootstrap@[^/]+/dist/css/bootstrap\.min\.css": "bootstrap/css/bootstrap.min.css",
    r"https://cdnjs\.cloudflare\.com/ajax/libs/Leaflet\.awesome-markers/[^/]+/leaflet\.awesome-markers\.js":
        "awesome-markers/leaflet.awesome-markers.js",
    r"https://cdnjs\.cloudflare\.com/ajax/libs/Leaflet\.awesome-markers/[^/]+/leaflet\.awesome-markers\.css":
        "awesome-markers/leaflet.awesome-markers.css",
    r"https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@[^/]+/css/all\.min\.css":
        "fontawesome/css/all.min.css",
    r"https://cdn\.jsdelivr\.net/npm/leaflet-textpath@[^/]+/leaflet\.textpath\.min\.js": "textpath/leaflet.textpath.js",
    r"https://netdna\.bootstrapcdn\.com/bootstrap/[^/]+/css/bootstrap-glyphicons\.css": None,
    r"https://cdn\.jsdelivr\.net/gh/python-visualization/folium/[^\"']+\.css": None,
}
# A stylesheet's references to files of its own package (images, fonts).
_CSS_URL = re.compile(r"""url\(\s*['"]?(?![a-z]+:|#|/)([^'")?#]+)""")


class AssetsMissing(RuntimeError):
    """The front-end packages are not installed where the settings say."""


def localize(html: str, base: str) -> tuple[str, list[str]]:
    """A folium page with its assets at ``base`` + "name/path" instead of outside hosts, those it
    does not need dropped; and the assets it now loads ("name/path")."""
    used: list[str] = []
    for pattern, local in FOLIUM_ASSETS.items():
        if local is None:
            html = re.sub(r'<link[^>]*href="' + pattern + r'"[^>]*/?>', "", html)
        elif re.search(pattern, html):
            html = re.sub(pattern, base + local, html)
            used.append(local)
    leftover = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    if leftover:  # a folium upgrade brought new assets: the browser tests fail on them too
        log.warning("folium page loads assets from outside hosts: %s", leftover)
    return html, used


def _source(modules: Path, asset: str) -> Path:
    name, _, sub = asset.partition("/")
    return modules / VENDOR[name] / sub


def _with_references(modules: Path, assets: list[str]) -> list[str]:
    """The assets and, for each stylesheet, the files it refers to within its package."""
    out: list[str] = []
    for asset in assets:
        out.append(asset)
        if asset.endswith(".css"):
            css = _source(modules, asset)
            for ref in sorted(set(_CSS_URL.findall(css.read_text(encoding="utf-8")))):
                target = (Path(asset).parent / ref).as_posix()
                parts: list[str] = []
                for part in target.split("/"):  # resolve "..", staying inside the package
                    if part == "..":
                        if len(parts) > 1:
                            parts.pop()
                    elif part not in ("", "."):
                        parts.append(part)
                resolved = "/".join(parts)
                if resolved.split("/")[0] == asset.split("/")[0] and _source(modules, resolved).is_file():
                    out.append(resolved)
    return out


def write_map_file(path: Path, html: str, modules: Path) -> Path:
    """Write a folium page to ``path`` with the files it loads copied beside it, in
    ``<stem>_files/``: it opens from disk, offline. Returns that folder."""
    folder = path.with_name(f"{path.stem}_files")
    html, used = localize(html, f"{folder.name}/")
    if not modules.is_dir():
        raise AssetsMissing(f"the map's scripts are not installed in {modules}: run make setup "
                            "(or set GRIDMAP_WEB_ASSETS_DIR to a node_modules folder)")
    for asset in _with_references(modules, used):
        target = folder / asset
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_source(modules, asset), target)
    path.write_text(html, encoding="utf-8")
    return folder
