"""Every message in both languages: the catalogue covers each message the source can raise, each
translation is found again from the message it translates, and the API and the command line
answer in the language asked for."""

from __future__ import annotations

import re
import string
import uuid

import httpx
import pytest

from gis.message_sources import all_templates
from gis.messages import catalogue, negotiate, translate

CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")  # Chinese characters and punctuation
TEMPLATES = all_templates()
ZH = catalogue("zh")


def placeholders(template: str) -> list[str]:
    return sorted(f for _, f, _, _ in string.Formatter().parse(template) if f is not None)


def test_every_message_has_a_chinese_translation_and_none_is_left_over():
    assert len(TEMPLATES) > 200
    missing = {t: where for t, where in TEMPLATES.items() if t not in ZH.messages}
    assert not missing, f"messages without a translation in gis/locale/zh.toml: {missing}"
    left_over = set(ZH.messages) - set(TEMPLATES)
    assert not left_over, f"translations of messages the source no longer has: {left_over}"


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_each_message_is_translated_from_what_it_says(template):
    """Fill the template with values, as the code does, and translate the result: the translation
    of that very template comes back with the values (no other, more general message shadows it)."""
    zh = ZH.messages[template]
    assert placeholders(zh) == placeholders(template)
    assert CJK.search(zh), f"not Chinese: {zh!r}"
    values = [f"«v{k}»" for k in range(len(placeholders(template)))]
    assert translate(template.format(*values), "zh") == zh.format(*values)
    assert translate(template.format(*values), "en") == template.format(*values)


def test_values_that_are_messages_or_phrases_are_translated_too():
    assert translate("Content-Crs: unknown CRS 'EPSG:99999'", "zh") == "Content-Crs：未知坐标系 'EPSG:99999'"
    assert (translate("wang is a worker, who may not edit grids and features", "zh")
            == "wang 的角色是网格员，无权编辑网格和要素")
    assert (translate("feature 2 (柴家湾): property 'households' must be an integer, got 'x'", "zh")
            == "要素 2 (柴家湾): 属性 'households' 应为整数，收到的是 'x'")
    # the kind of a broken rule stays: the planner page reads it
    assert translate("overlap: grids 1 and 2 overlap by 12 m²", "zh") == "overlap: 网格 1 与 2 重叠 12 平方米"
    assert translate("something no template fits", "zh") == "something no template fits"


@pytest.mark.parametrize("lang, header, want", [
    (None, None, "en"), (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"), (None, "en-US,en;q=0.9,zh;q=0.5", "en"),
    (None, "fr-FR, zh;q=0.3", "zh"), (None, "de", "en"), ("en", "zh-CN", "en"), ("zh", None, "zh"),
    ("xx", "zh;q=bad, en", "en"),
])
def test_the_language_of_an_answer(lang, header, want):
    assert negotiate(lang, header) == want


def test_the_api_answers_in_the_language_asked_for(client, copy_of):
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    r = client.get("/collections/grid/items", params={"jurisdiction": "nowhere"}, headers=zh)
    assert r.status_code == 404 and r.headers["content-language"] == "zh"
    assert r.json()["detail"] == "未知社区 'nowhere'" and r.json()["title"] == "未找到"
    en = client.get("/collections/grid/items", params={"jurisdiction": "nowhere"})
    assert en.json()["detail"] == "unknown jurisdiction 'nowhere'" and en.headers["content-language"] == "en"
    assert client.get("/collections/grid/items", params={"jurisdiction": "nowhere", "lang": "en"},
                      headers=zh).json()["detail"] == "unknown jurisdiction 'nowhere'"
    # a refused write lists each problem, each in Chinese
    slug = copy_of("huamao")
    bad = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.48, 39.91]}, "properties": {}},
        {"type": "Feature", "geometry": None, "properties": {"name": "x"}}]}
    r = client.post("/collections/courier_zone/items", params={"jurisdiction": slug}, json=bad, headers=zh)
    body = r.json()
    assert r.status_code == 422 and body["detail"] == "courier_zone 输入中有 3 个问题；未写入任何内容"
    assert body["problems"] and all(CJK.search(p) for p in body["problems"])
    # request parameters, sign-in and roles
    r = client.get("/collections/grid/items", params={"limit": 0}, headers=zh)
    assert r.json()["detail"] == "请求参数无效" and r.json()["problems"] == ["query.limit: 应不小于 1"]
    anon = httpx.get(f"{client.base_url}/auth/me", headers=zh)
    assert anon.status_code == 401 and anon.json()["detail"].startswith("请先登录")


def test_the_command_line_speaks_chinese_when_asked(cli, monkeypatch):
    monkeypatch.setenv("GRIDMAP_LANG", "zh")
    proc = cli("users", "add", f"w-{uuid.uuid4().hex[:6]}", "--role", "worker", "--machine", check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("错误: 无法添加用户")
    assert "网格员需要 --jurisdiction 和 --grid" in proc.stderr
