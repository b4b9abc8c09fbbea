"""Text from data inside folium's maps.

folium puts a tooltip's text into HTML that sits inside a JavaScript template literal, and a
``GeoJsonTooltip`` puts property values into HTML as they are. So every value from data (a street,
building or facility name, a title) goes through :func:`as_text` before it reaches folium: HTML
special characters become entities, and so do the characters that end or open a template literal
(a backtick, ``${``) or escape in it (a backslash). The page then shows the value as plain text.
"""

from __future__ import annotations

import html

_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def as_text(value: object) -> str:
    """``value`` as text that folium's HTML-in-JavaScript shows literally."""
    return html.escape("" if value is None else str(value), quote=True).translate(_LITERAL)
