"""What gridmap's folium maps add to folium's own: a metric-only scale bar, and a legend placed
where it covers neither the scale bar nor the layer list.

folium's ``control_scale=True`` draws Leaflet's default scale, metres and feet side by side;
Chinese maps use metres only. The scale here is Leaflet's own control with ``imperial: false``,
written by folium's template machinery into the map's script (the service allows that script by
the answer's nonce, see ``api.webassets.folium_page``). The legend is plain HTML, fixed in the
bottom right corner above Leaflet's attribution; the scale stays bottom left.
"""

from __future__ import annotations

import re

import folium
from branca.element import MacroElement
from jinja2 import Template

from gis.map_text import as_text


class MetricScale(MacroElement):
    """Leaflet's scale control in metres only."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            L.control.scale({imperial: false, metric: true, position: "bottomleft"})
                .addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


def base_map() -> folium.Map:
    """An empty folium map (no tiles: our own streets and buildings are the base) with the metric
    scale bar."""
    m = folium.Map(tiles=None, control_scale=False)
    MetricScale().add_to(m)
    return m


def add_legend(m: folium.Map, body_html: str) -> None:
    """Put ``body_html`` (fixed text and values already escaped with ``gis.map_text.as_text``) in a
    legend box in the bottom right corner, clear of the scale bar (bottom left), the layer list
    (top right) and the attribution (under it)."""
    box = ("<div class='gridmap-legend' style='position:fixed;bottom:28px;right:10px;z-index:999;"
           "background:#fff;padding:6px 10px;font:12px sans-serif;border:1px solid #999;"
           "max-width:45%;max-height:45%;overflow:auto'>" + body_html + "</div>")
    m.get_root().html.add_child(folium.Element(box))  # type: ignore[attr-defined]  # a Figure's html


def page_html(m: folium.Map, lang: str, title: str) -> str:
    """The map as a whole page: in its language, with a title, and zoomable on a phone (folium's
    viewport forbids pinching; a map file is read on phones too)."""
    html = m.get_root().render()
    html = html.replace("<html>", f'<html lang="{"en" if lang == "en" else "zh"}">', 1)
    viewport = '<meta name="viewport" content="width=device-width, initial-scale=1">'
    html = re.sub(r'<meta name="viewport"[^>]*>', viewport, html, count=1)
    return html.replace("<head>", f"<head>\n    <title>{as_text(title)}</title>", 1)
