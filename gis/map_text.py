"""Text from data inside folium's maps.

folium puts a tooltip's text into HTML that sits inside a JavaScript template literal, and a
``GeoJsonTooltip`` puts property values into HTML as they are. So every value from data (a street,
building or facility name, a title) goes through :func:`as_text` before it reaches folium: HTML
special characters become entities, and so do the characters that end or open a template literal
(a backtick, ``${``) or escape in it (a backslash). The page then shows the value as plain text.

Braces and ``%`` become entities too: folium (through branca) parses each element's rendered
script again as a Jinja template, unsandboxed, so ``{{ … }}`` or ``{% … %}`` in a name would run
on the server (a planner's street name ran a shell command, found by a review in 2026-12).
"""

from __future__ import annotations

import html

_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;", "%": "&#37;"})


def as_text(value: object) -> str:
    """``value`` as text that folium's HTML-in-JavaScript shows literally."""
    return html.escape("" if value is None else str(value), quote=True).translate(_LITERAL)
