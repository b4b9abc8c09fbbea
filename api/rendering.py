"""HTML pages from the templates in ``api/templates`` (Jinja2, as tipg renders its pages): every
value is escaped (autoescape), the shared head is an include, and the templates are read once."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, auto_reload=False)


def page(name: str, status_code: int = 200, **values: str) -> HTMLResponse:
    """A template filled with ``values`` (escaped); a value the template names but is not given is
    an error, not an empty string."""
    return HTMLResponse(_env.get_template(name).render(**values), status_code=status_code)
