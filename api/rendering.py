"""HTML pages from the templates in ``api/templates``: the shared head, then the values, escaped."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi.responses import HTMLResponse

TEMPLATES = Path(__file__).resolve().parent / "templates"


def page(name: str, **values: str) -> HTMLResponse:
    """A template with the shared head (``{{>head}}``: Leaflet, the labels) and its values,
    escaped."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    text = text.replace("{{>head}}", (TEMPLATES / "_head.html").read_text(encoding="utf-8").rstrip("\n"))
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
    return HTMLResponse(text)
