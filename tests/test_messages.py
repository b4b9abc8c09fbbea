"""Every message in both languages: the catalogue holds exactly the messages Babel extracts from the
source (each ``msg(...)`` of gis/ and api/, each ``RAISE EXCEPTION`` of gis/sql), each translated;
no message reaches a user unmarked; the API and the command line answer in the language asked for."""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import logging
import re
import string
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi import FastAPI

from gis.errors import GridmapError, InvalidInput
from gis.i18n import Message, UnmarkedMessage, msg, verbatim
from gis.messages import LOCALE, catalogue, negotiate, translate
from gis.settings import Settings
from gis.sql_messages import from_database

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")  # Chinese characters and punctuation
PO = LOCALE / "zh" / "LC_MESSAGES" / "gridmap.po"


def extracted() -> dict[str, str]:
    """Every message template of the source, as ``make messages`` extracts it (babel.cfg), with
    where it was first found."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={"msg": None}):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


TEMPLATES = extracted()
with PO.open("rb") as _f:
    ENTRIES = {m.id: m for m in read_po(_f) if m.id}


def fields(template: str) -> list[tuple[str, str, str | None]]:
    """Each field of a template with its format spec and conversion (a translation keeps them)."""
    return sorted((name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template)
                  if name is not None)


def test_the_catalogue_holds_exactly_the_messages_of_the_source():
    assert len(TEMPLATES) > 300
    assert "courier zone {0} lies on the footprint of {1}" in TEMPLATES  # a rule of the database (SQL)
    missing = {t: where for t, where in TEMPLATES.items() if t not in ENTRIES}
    assert not missing, f"messages not in {PO.relative_to(ROOT)} (run make messages, then translate): {missing}"
    left_over = set(ENTRIES) - set(TEMPLATES)
    assert not left_over, f"entries of messages the source no longer has (run make messages): {left_over}"


@pytest.mark.parametrize("template", sorted(ENTRIES))
def test_each_message_is_translated_with_the_same_values(template):
    entry = ENTRIES[template]
    assert entry.string and not entry.fuzzy, f"untranslated: {template!r}"
    assert CJK.search(entry.string) or not re.sub(r"\{\d+\}", "", template).strip(" :"), entry.string
    assert fields(entry.string) == fields(template)
    assert ("python-brace-format" in entry.flags) == bool(fields(template))
    values = [1.5 if spec else f"«v{name}»" for name, spec, _ in fields(template)]
    assert translate(Message(template, tuple(values)), "zh") == entry.string.format(*values)


def test_values_that_are_messages_or_phrases_are_translated_too():
    crs = msg("Content-Crs: {0}", msg("unknown CRS {0!r}", "EPSG:99999"))
    assert crs == "Content-Crs: unknown CRS 'EPSG:99999'"  # English, as text
    assert translate(crs, "zh") == "Content-Crs：未知坐标系 'EPSG:99999'"
    role = msg("{0} is a {1}, who may not {2}", "wang", "worker", "edit grids and features")
    assert translate(role, "zh") == "wang 的角色是网格员，无权编辑网格和要素"  # two phrases
    feature = msg("{0}: {1}", msg("feature {0} ({1})", 2, "柴家湾"),
                  msg("property {0!r} must be {1}, got {2!r}", "households", "an integer", "x"))
    assert feature == "feature 2 (柴家湾): property 'households' must be an integer, got 'x'"
    assert translate(feature, "zh") == "要素 2 (柴家湾): 属性 'households' 应为整数，收到的是 'x'"
    # the kind of a broken rule stays (the planner page reads it); format specs apply in both languages
    overlap = msg("{0}: {1}", "overlap", msg("grids {0} and {1} overlap by {2:.0f} m²", "1", "2", 12.4))
    assert overlap == "overlap: grids 1 and 2 overlap by 12 m²"
    assert translate(overlap, "zh") == "overlap: 网格 1 与 2 重叠 12 平方米"
    # a value the user wrote, shown with !r, stays as written even when it is a phrase
    layer = msg("unknown layer {0!r}; layers are: {1}", "worker", "grid")
    assert translate(layer, "zh").startswith("未知图层 'worker'")
    assert translate("worker", "zh") == "网格员" and translate("not a phrase", "zh") == "not a phrase"
    assert translate(verbatim("Not Found"), "zh") == "未找到"


def test_a_rule_of_the_database_is_translated_by_its_template():
    raised = from_database("courier zone 东门 lies on the footprint of 3号楼")
    assert raised.template == "courier zone {0} lies on the footprint of {1}" and raised.args == ("东门", "3号楼")
    assert translate(raised, "zh") == ENTRIES[raised.template].string.format("东门", "3号楼")
    other = from_database("some text of the database")
    assert other == "some text of the database" and translate(other, "zh") == other


def test_a_message_keeps_its_template_through_pickling():
    import pickle

    m = msg("grid {0} has {1:.0f} households", "110105001001001", 812.6)
    again = pickle.loads(pickle.dumps(m))
    assert (again, again.template, again.args) == (m, m.template, m.args) and isinstance(again, Message)


# -- no message reaches a user unmarked --------------------------------------------------------------

def _domain_errors() -> set[str]:
    """The names of every domain error class (and the page refusal), from the classes themselves."""
    import api.auth_errors
    import api.errors  # noqa: F401  (defines BadRequest, PayloadTooLarge, …)
    import gis.access  # noqa: F401
    import gis.printing  # noqa: F401

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return {c.__name__ for c in below(GridmapError)} | {"GridmapError", api.auth_errors.PageForbidden.__name__}


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _unmarked(node: ast.expr | None) -> bool:
    """Text written as a literal (a string, an f-string, a concatenation, a str() or a .format)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _unmarked(node.left) or _unmarked(node.right)
    if isinstance(node, ast.IfExp):
        return _unmarked(node.body) or _unmarked(node.orelse)
    if isinstance(node, ast.Call):
        return _name(node.func) in ("str", "format", "join")
    return False


def _elements(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.List | ast.Tuple):
        return list(node.elts)
    if isinstance(node, ast.ListComp):
        return [node.elt]
    return [node]


def unmarked_messages(source: str, errors: set[str]) -> list[tuple[int, str]]:
    """Where ``source`` gives a domain error (or a grid check's Problem) text that is no Message, adds
    text to a list it gives a domain error as problems, or marks a template that is no literal."""
    tree = ast.parse(source)
    found = []
    for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module)):
        calls = [n for n in ast.walk(func) if isinstance(n, ast.Call)]
        problem_lists = set()
        for call in calls:
            name = _name(call.func)
            if name in errors:
                message = (call.args[0] if call.args
                           else next((k.value for k in call.keywords if k.arg == "message"), None))
                problems = [k.value for k in call.keywords if k.arg == "problems"] + call.args[1:2]
                if _unmarked(message):
                    found.append((call.lineno, f"{name}({ast.unparse(message)[:80]})"))
                for p in problems:
                    if isinstance(p, ast.Name):
                        problem_lists.add(p.id)
                    found += [(e.lineno, f"{name}(…, [{ast.unparse(e)[:80]}])") for e in _elements(p) if _unmarked(e)]
            elif name == "Problem" and len(call.args) >= 3 and _unmarked(call.args[2]):
                found.append((call.lineno, f"Problem(…, {ast.unparse(call.args[2])[:80]})"))
            elif name == "msg" and not (call.args and isinstance(call.args[0], ast.Constant)
                                        and isinstance(call.args[0].value, str)):
                found.append((call.lineno, f"msg() of no literal template: {ast.unparse(call)[:80]}"))
        for node in ast.walk(func):
            if (isinstance(node, ast.Call) and _name(node.func) in ("append", "extend", "insert")
                    and isinstance(node.func, ast.Attribute) and _name(node.func.value) in problem_lists):
                found += [(node.lineno, f"{_name(node.func.value)}.{_name(node.func)}({ast.unparse(a)[:80]})")
                          for a in node.args[-1:] for e in (_elements(a) if _name(node.func) == "extend" else [a])
                          if _unmarked(e)]
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AugAssign) else []
            if any(_name(t) in problem_lists for t in targets):
                found += [(node.lineno, f"problems: {ast.unparse(e)[:80]}")
                          for e in _elements(node.value) if _unmarked(e)]
    return sorted(set(found))


def test_no_domain_error_or_problem_is_given_unmarked_text():
    errors = _domain_errors()
    assert {"InvalidInput", "NotFound", "Forbidden", "BadRequest", "PageForbidden"} <= errors
    found = {f"{path.relative_to(ROOT)}:{line}": what
             for package in ("gis", "api") for path in sorted((ROOT / package).rglob("*.py"))
             for line, what in unmarked_messages(path.read_text(encoding="utf-8"), errors)}
    assert not found, f"messages a user reads without gis.i18n.msg (no catalogue can translate them): {found}"


def test_messages_are_made_with_msg_only():
    """Babel extracts msg(...): a Message built directly would escape the catalogue (only the
    marker itself, and the database's rules by their extracted templates, build one)."""
    allowed = {Path("gis/i18n.py"), Path("gis/sql_messages.py")}
    built = [f"{path.relative_to(ROOT)}:{node.lineno}"
             for package in ("gis", "api") for path in sorted((ROOT / package).rglob("*.py"))
             if path.relative_to(ROOT) not in allowed
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and _name(node.func) == "Message"]
    assert not built, built


def test_the_static_check_sees_each_way_of_writing_an_unmarked_message():
    planted = '''
def check(code, problems):
    mine = []
    mine.append(f"grid {code} is odd")
    mine += [f"grid {c}" for c in code]
    if code:
        raise InvalidInput("grid " + code, mine)
    raise NotFound(f"no grid {code}", [msg("fine {0}", code), "plain"])
    return [Problem("kind", code, f"grid {code}"), msg(template)]
'''
    found = [what for _, what in unmarked_messages(planted, {"InvalidInput", "NotFound"})]
    assert found == ["mine.append(f'grid {code} is odd')", "problems: f'grid {c}'", "InvalidInput('grid ' + code)",
                     "NotFound(f'no grid {code}')", "NotFound(…, ['plain'])", "Problem(…, f'grid {code}')",
                     "msg() of no literal template: msg(template)"]
    marked = "def f(code):\n    raise InvalidInput(msg('grid {0} is odd', code), [msg('a')])\n"
    assert unmarked_messages(marked, {"InvalidInput"}) == []


def _app(strict: bool) -> FastAPI:
    from api.errors import install

    app = FastAPI()
    app.state.settings = Settings(strict_messages=strict)
    install(app)

    @app.get("/unmarked")
    def unmarked() -> None:
        raise InvalidInput("grid 1 is odd")  # type: ignore[arg-type]  # planted: what mypy refuses

    @app.get("/marked")
    def marked() -> None:
        raise InvalidInput(msg("unknown jurisdiction {0!r}", "nowhere"), [msg("{0}: {1}", "a", "b")])

    return app


def _get(app: FastAPI, path: str, **kwargs) -> httpx.Response:
    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            return await c.get(path, **kwargs)

    # in a thread of its own: a browser test of the same session (Playwright's sync API) may hold
    # an event loop in this one, where asyncio.run refuses to start another
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, get()).result()


def test_the_api_refuses_an_unmarked_message_when_strict_and_logs_it_otherwise(caplog):
    with pytest.raises(UnmarkedMessage, match="grid 1 is odd"):
        _get(_app(strict=True), "/unmarked")
    r = _get(_app(strict=True), "/marked", headers={"Accept-Language": "zh"})
    assert r.status_code == 422 and r.json()["detail"] == "未知社区 'nowhere'" and r.json()["problems"] == ["a: b"]
    with caplog.at_level(logging.WARNING, "gridmap.messages"):
        r = _get(_app(strict=False), "/unmarked")
    assert r.status_code == 422 and r.json()["detail"] == "grid 1 is odd"
    assert "unmarked message reaches a user: 'grid 1 is odd'" in caplog.text


def test_the_command_line_refuses_an_unmarked_message_when_strict(monkeypatch, capsys):
    import gis.cli

    def planted() -> None:
        raise InvalidInput(msg("cannot add user {0!r}", "x"), ["a grid worker needs a grid"])  # type: ignore[list-item]

    monkeypatch.setattr(gis.cli, "app", planted)
    monkeypatch.setenv("GRIDMAP_STRICT_MESSAGES", "1")
    with pytest.raises(UnmarkedMessage, match="a grid worker needs a grid"):
        gis.cli.main()
    monkeypatch.setenv("GRIDMAP_STRICT_MESSAGES", "0")
    with pytest.raises(SystemExit):
        gis.cli.main()
    assert "a grid worker needs a grid" in capsys.readouterr().err


def test_no_message_is_found_by_guessing_from_names():
    assert not (ROOT / "gis" / "message_sources.py").exists()
    assert not (ROOT / "gis" / "locale" / "zh.toml").exists()


# -- the language of an answer -------------------------------------------------------------------------

@pytest.mark.parametrize("lang, header, want", [
    (None, None, "en"), (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"), (None, "en-US,en;q=0.9,zh;q=0.5", "en"),
    (None, "fr-FR, zh;q=0.3", "zh"), (None, "de", "en"), ("en", "zh-CN", "en"), ("zh", None, "zh"),
    ("xx", "zh;q=bad, en", "en"),
])
def test_the_language_of_an_answer(lang, header, want):
    assert negotiate(lang, header) == want


def test_titles_and_parameter_problems_have_their_translations():
    from api.errors import TITLES

    zh = catalogue("zh")
    assert not set(TITLES.values()) - set(zh.titles)
    assert zh.validation["greater_than_equal"] == "应不小于 {ge}" and zh.phrases["worker"] == "网格员"


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
    assert client.get("/no/such/page", headers=zh).json()["title"] == "未找到"


@pytest.mark.parametrize("body, want", [
    ({"junk": 1}, ["body.junk: 不接受此字段"]),
    # a union (2-D | 3-D position): its closer member's problem, once (it was said twice, and a
    # third, "coordinates[2]: missing", was the 3-D one's)
    ({"at": {"type": "Point", "coordinates": [116.48, "abc"]}}, ["body.at.coordinates[1]: 应为数字"]),
    ({"urgency": "purple"}, ["body.urgency: 应为 'red', 'yellow' 或 'blue'"]),
    ({"description": 5}, ["body.description: 应为文本"]),
    ({"at": [116.48, 39.91]}, ["body.at: 应为对象"]),
    ({"building": {"a": 1}}, ["body.building: 应为整数", "body.building: 应为文本"]),
    ({"reported_at": "yesterday"}, ["body.reported_at: 应为日期时间（ISO 8601，如 2026-12-07T09:30:00+08:00）"]),
])
def test_a_body_s_problems_are_said_once_each_in_chinese(client, body, want):
    """Pydantic's own words reached a Chinese answer ("Extra inputs are not permitted", "Input
    should be a valid number", "'red', 'yellow' or 'blue'"), and a union's members each told theirs."""
    sent = {"category": "garbage", "description": "x", "at": {"type": "Point", "coordinates": [116.48, 39.91]}, **body}
    r = client.post("/cases/huamao", json=sent, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 422 and r.json()["problems"] == want


def test_a_body_with_very_many_problems_lists_the_first_and_counts_them(client):
    """400,000 unknown keys were each said (13 MB back, 5 s of a core): the first 50 are listed,
    and how many there were."""
    sent = {"category": "garbage", "description": "x", **{f"k{i}": 0 for i in range(1500)}}
    r = client.post("/cases/huamao", json=sent, headers={"Accept-Language": "zh-CN"})
    problems = r.json()["problems"]
    assert r.status_code == 422 and len(problems) == 51 and problems[0] == "body.k0: 不接受此字段"
    assert problems[-1] == "共 1500 个问题，只列出前 50 个"


def test_the_command_line_speaks_chinese_when_asked(cli, monkeypatch):
    monkeypatch.setenv("GRIDMAP_LANG", "zh")
    proc = cli("users", "add", f"w-{uuid.uuid4().hex[:6]}", "--role", "worker", "--machine", check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("错误: 无法添加用户")
    assert "网格员需要 --jurisdiction 和 --grid" in proc.stderr


def test_a_list_in_a_report_is_joined_as_its_language_joins_one(monkeypatch):
    from gis.cli.options import listed

    monkeypatch.setenv("GRIDMAP_LANG", "en")
    assert listed(["4 compound", "4 grid"]) == "4 compound, 4 grid" and listed([]) == ""
    assert listed("abcd", limit=2) == "a, b …" and listed("ab", limit=2) == "a, b"
    monkeypatch.setenv("GRIDMAP_LANG", "zh")
    assert listed(["王府井路", "华贸路", "西大望路"], limit=2) == "王府井路、华贸路 …"


def test_the_command_line_s_reports_are_in_chinese_when_asked(cli, conn, copy_of, monkeypatch):
    """Under GRIDMAP_LANG=zh what a street office reads at the command line — a community's
    figures, courier coverage, the patrol's, its cases and their 接诉即办 rates, the users — is in
    Chinese (it was English whatever the setting: only errors and imports were translated)."""
    import json
    from datetime import date, timedelta

    from tests.conftest import scalar

    slug = copy_of()
    at = scalar(conn, "SELECT ST_X(p) || ',' || ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM jurisdiction"
                      " WHERE slug = %s) s", slug)
    monkeypatch.setenv("GRIDMAP_LANG", "zh")
    cli("users", "add", f"l-{uuid.uuid4().hex[:6]}", "--role", "leader", "--jurisdiction", slug, "--machine")
    case = json.loads(cli("cases", "add", slug, "--category", "courier_parking", "--text", "快递车占用消防通道",
                          "--at", at, "--json").stdout)
    first, last = str(date.today() - timedelta(days=30)), str(date.today() + timedelta(days=1))
    english = re.compile(r"\b(households|buildings?|residents|walked|planned|visits|received|response|resolution|"
                         r"satisfaction|overdue|next|none|within|active|everywhere|tickets|stale|staff|red|yellow|"
                         r"blue|reported|accepted|dispatched|street_edge|courier_zone|compound|any)\b")
    for args in [("stats", slug), ("coverage", slug), ("patrol", "coverage", slug), ("patrol", "progress", slug),
                 ("patrol", "stewards", slug), ("cases", "list", slug), ("cases", "show", str(case["id"])),
                 ("cases", "kpi", slug, "--from", first, "--to", last),
                 ("cases", "compare", "--from", first, "--to", last, slug), ("users", "list")]:
        out = cli(*args).stdout
        assert out.strip() and not english.search(out), (args, out)
        assert CJK.search(out), (args, out)
    assert "快递车占用消防通道" in cli("cases", "list", slug).stdout
    counts = cli("stats", slug).stdout.splitlines()[1]  # a list is joined as Chinese joins one: 4 小区、4 网格
    assert re.fullmatch(r"  \d+ 小区、\d+ 网格、.*候选站点", counts) and ", " not in counts, counts
    assert "受理 1，" in cli("cases", "kpi", slug, "--from", first, "--to", last).stdout
