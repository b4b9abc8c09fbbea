"""The folium map files (patrol routes, visits, patrol coverage, courier coverage) in one language
each, the one asked for (?lang=, Accept-Language; the command line's GRIDMAP_LANG), with a
metric-only scale bar and a legend clear of it."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser import shot

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
MAPS = ["/patrol/huamao/route?workers=2&format=html", "/patrol/huamao/visits?kind=office&format=html",
        "/patrol/huamao/coverage?format=html", "/coverage/huamao?facility=courier_zone&format=html"]


def _labels(pg) -> list[str]:
    """The fixed labels of a map: its layer names and its legend (no names from data)."""
    layers = pg.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    legend = pg.locator(".gridmap-legend").all_inner_texts()
    return [t.strip() for t in layers + legend]


@pytest.mark.parametrize("path", MAPS)
def test_each_map_speaks_one_language_with_a_metric_scale(page, path):
    for lang in ("en", "zh"):
        page.goto(f"{path}&lang={lang}")
        page.wait_for_selector(".leaflet-control-scale", timeout=20_000)
        labels = _labels(page)
        assert labels
        for text in labels:
            text = re.sub(r"\b11010501500100\d\b", "", text)  # grid codes in the coverage legend
            if lang == "en":
                assert not CJK.search(text), (path, text)
            else:
                assert not LATIN_WORD.search(text.replace("gridmap", "")), (path, text)
        # metres only: one scale line, no feet or miles
        lines = page.locator(".leaflet-control-scale-line").all_inner_texts()
        assert len(lines) == 1 and re.fullmatch(r"\d+ k?m", lines[0].strip()), lines
        # the legend keeps clear of the scale bar
        scale = page.locator(".leaflet-control-scale").bounding_box()
        for box in [b.bounding_box() for b in page.locator(".gridmap-legend").all()]:
            assert (box["x"] >= scale["x"] + scale["width"] or box["y"] + box["height"] <= scale["y"]), (box, scale)
        shot(page, "folium_" + path.split("?")[0].strip("/").replace("/", "_") + f"_{lang}")


def test_the_route_map_follows_accept_language(client):
    zh = client.get("/patrol/huamao/route", params={"workers": 2, "format": "html"},
                    headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    en = client.get("/patrol/huamao/route", params={"workers": 2, "format": "html"}).text
    assert "路线 2" in zh and "Route 2" not in zh and "起点" in zh
    assert "Route 2" in en and "路线" not in en


def test_the_command_line_map_follows_gridmap_lang(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDMAP_LANG", "zh")
    cli("coverage", "huamao", "--facility", "courier_zone", "--map", str(tmp_path / "zh.html"))
    cli("patrol", "route", "huamao", "--workers", "2", "--map", str(tmp_path / "route_zh.html"))
    monkeypatch.setenv("GRIDMAP_LANG", "en")
    cli("coverage", "huamao", "--facility", "courier_zone", "--map", str(tmp_path / "en.html"))
    zh, en = (tmp_path / "zh.html").read_text(), (tmp_path / "en.html").read_text()
    escaped = json.dumps("服务范围")[1:-1]  # layer names sit in the map's script, escaped
    assert escaped in zh and "Service area" not in zh and "步行距离" in zh  # (the legend is HTML)
    assert "Service area" in en and escaped not in en and "Walking distance" in en
    assert "imperial: false" in zh and "L.control.scale()" not in zh
    assert json.dumps("路线 2")[1:-1] in (tmp_path / "route_zh.html").read_text()
