"""The street office's comparison of its communities (街道: 各社区接诉即办对比): the API's numbers
side by side as `gridmap cases compare` gives them, and the page that shows them, sorted by the
column clicked, worst first. One bound to a jurisdiction gets its own only."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from tests.browser import browsing, shot, table_rows

MONTH, FIRST, LAST = "2025-06", "2025-06-01", "2025-06-30"


def test_the_api_compares_what_the_command_line_does(server, make_user, cli):
    street = make_user("leader")  # bound to no jurisdiction: the street office
    bound = make_user("leader", "huamao")
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {street}"}) as c:
        every = c.get("/jurisdictions/kpi", params={"from": FIRST, "to": LAST})
    assert every.status_code == 200, every.text
    rows = {r["jurisdiction"]: r for r in every.json()["jurisdictions"]}
    assert {"huamao", "xinghuananli"} <= set(rows)
    ours = json.loads(cli("cases", "compare", "--from", FIRST, "--to", LAST, "--json").stdout)
    for r in ours["jurisdictions"]:
        assert rows[r["jurisdiction"]]["received"] == r["received"]
        assert rows[r["jurisdiction"]]["response_rate"] == r["response_rate"]
    assert rows["huamao"]["received"] > 0
    # the street's: the counts added, the rates made of the sums (not an average of the rates)
    whole, parts = every.json()["total"], every.json()["jurisdictions"]
    added = {k: sum(r[k] for r in parts) for k in ("received", "overdue", "closure_due", "closed_on_time")}
    assert (whole["received"], whole["overdue"]) == (added["received"], added["overdue"])
    due = added["closure_due"]
    assert whole["on_time_closure_rate"] == (added["closed_on_time"] / due if due else None)
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {bound}"}) as c:
        own = c.get("/jurisdictions/kpi", params={"from": FIRST, "to": LAST}).json()["jurisdictions"]
        assert [r["jurisdiction"] for r in own] == ["huamao"]
        assert c.get("/jurisdictions/kpi", params={"from": LAST, "to": "2025-13-01"}).status_code == 400
        # a year at most: the street office's whole city over a century would read every case ever
        long = c.get("/jurisdictions/kpi", params={"from": "2000-01-01", "to": "2099-12-31"})
        assert long.status_code == 422 and "at most 366 days" in long.json()["detail"], long.text


def test_the_street_office_sees_its_communities_side_by_side(browser, server, make_user):
    street = make_user("leader")
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {street}"}) as c:
        answer = c.get("/jurisdictions/kpi", params={"from": FIRST, "to": LAST}).json()
        rows = answer["jurisdictions"]
    for pg in browsing(browser, server, street):
        pg.goto(f"/communities?month={MONTH}")
        pg.wait_for_selector("body[data-ready=true]")
        shown = pg.locator("#compare-table tr[data-jurisdiction]")
        assert shown.count() == len(rows)
        huamao = pg.locator('#compare-table tr[data-jurisdiction="huamao"]')
        want = next(r for r in rows if r["jurisdiction"] == "huamao")
        assert huamao.locator('td[data-key="received"]').inner_text() == str(want["received"])
        assert huamao.locator("a").first.get_attribute("href").startswith("/cases?jurisdiction=huamao")
        total = pg.locator("#compare-table tr.total")  # the communities together, last
        assert total.locator('td[data-key="received"]').inner_text() == str(answer["total"]["received"])
        assert total.locator("th").inner_text() == "合计（各社区）"
        # "as of" in the communities' own time, as every date on the pages (not UTC's)
        local = datetime.fromisoformat(answer["as_of"]).astimezone(ZoneInfo("Asia/Shanghai"))
        assert local.strftime("%Y-%m-%d %H:%M") in pg.locator("#compare-note").inner_text()
        # sorted by the response rate clicked: the lowest first, drawn from the answer already had
        asked: list[str] = []
        pg.on("request", lambda r, seen=asked: seen.append(r.url) if "/jurisdictions/kpi" in r.url else None)
        pg.click('th[data-key="response_rate"] button')
        pg.wait_for_selector('th[data-key="response_rate"][aria-sort]')
        rates = [r["response_rate"] for r in rows if r["response_rate"] is not None]
        first = pg.locator("#compare-table tr[data-jurisdiction]").first.get_attribute("data-jurisdiction")
        assert next(r for r in rows if r["jurisdiction"] == first)["response_rate"] == min(rates)
        assert asked == []
        # clicked again: the best first, aria-sort turned; a community with no rate still last
        pg.click('th[data-key="response_rate"] button')
        pg.wait_for_selector('th[data-key="response_rate"][aria-sort=descending]')
        first = pg.locator("#compare-table tr[data-jurisdiction]").first.get_attribute("data-jurisdiction")
        assert next(r for r in rows if r["jurisdiction"] == first)["response_rate"] == max(rates)
        order = pg.locator("#compare-table tr[data-jurisdiction]").evaluate_all(
            "(rs) => rs.map((r) => r.dataset.jurisdiction)")
        rate_of = {r["jurisdiction"]: r["response_rate"] for r in rows}
        assert [rate_of[j] is None for j in order] == sorted(rate_of[j] is None for j in order)
        assert "各社区对比" in pg.locator("#pages nav a").all_text_contents()
        assert pg.locator("#user").inner_text().endswith("· 街道")  # not 网格长: the street office
        shot(pg, "communities_compared")


def test_the_street_office_signing_in_opens_the_communities_compared(browser, server, make_user):
    """Signed in with nowhere asked, the street office lands on its own page, the communities side
    by side (it landed on one community's map, labelled 网格长)."""
    from tests.browser import log_in

    make_user("leader", username="jiedao-office", password="street password")
    ctx = browser.new_context(base_url=server)
    try:
        pg = ctx.new_page()
        pg.goto("/login")
        log_in(pg, "jiedao-office", "street password")
        pg.wait_for_url("**/communities**")
        pg.wait_for_selector("body[data-ready=true]")
        assert pg.locator("#user").inner_text() == "jiedao-office · 街道"
    finally:
        ctx.close()


def test_on_a_phone_the_names_stay_and_a_community_opens_on_the_month_compared(browser, server, make_user, copy_of,
                                                                              conn):
    """At 390 px the numbers run past the screen: it says so, and the community's name stays in
    view as they scroll, a long one too (it wraps). A community of an earlier month opens its cases
    of that month, its numbers headed by that month, and the cases overdue now (whenever received)
    are said apart."""
    from gis import db

    long = copy_of("huamao")
    with db.transaction(conn) as cur:
        cur.execute("UPDATE jurisdiction SET name = %s WHERE slug = %s",
                    ("朝阳区建外街道华贸中心社区第二居委会" * 2, long))
    street = make_user("leader")
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {street}"}) as c:
        want = next(r for r in c.get("/jurisdictions/kpi", params={"from": FIRST, "to": LAST}).json()["jurisdictions"]
                    if r["jurisdiction"] == "huamao")
        overdue_now = c.get("/cases/huamao", params={"overdue": "true", "open": "true", "limit": 1}).json()["total"]
    for pg in browsing(browser, server, street):
        pg.set_viewport_size({"width": 390, "height": 844})
        pg.goto(f"/communities?month={MONTH}")
        pg.wait_for_selector("body[data-ready=true]")
        assert pg.locator("#scroll-hint").is_visible() and "滑动" in pg.locator("#scroll-hint").inner_text()
        names = [pg.locator(f'#compare-table tr[data-jurisdiction="{s}"] th') for s in ("huamao", long)]
        before = [n.bounding_box()["x"] for n in names]
        pg.locator(".compare-scroll").evaluate("n => { n.scrollLeft = n.scrollWidth; }")
        pg.wait_for_function("() => document.querySelector('.compare-scroll').scrollLeft > 0")
        assert all(abs(n.bounding_box()["x"] - x) < 1 for n, x in zip(names, before, strict=True))  # sticky
        last = pg.locator('#compare-table tr[data-jurisdiction="huamao"] td[data-key="overdue_n"]').bounding_box()
        assert last["x"] + last["width"] <= 390 + 1  # the last column scrolled into view
        shot(pg, "communities_phone")
        pg.locator('#compare-table tr[data-jurisdiction="huamao"] th a').first.click()
        pg.wait_for_url("**/cases?**")
        assert f"month={MONTH}" in pg.url
        pg.wait_for_selector("#kpi:not([hidden])")
        assert pg.locator("#kpi-title").inner_text().startswith(MONTH)
        rows = table_rows(pg, "#kpi-table")
        assert rows["受理"] == str(want["received"]) and rows["其中超期"] == str(want["overdue"])
        assert pg.locator("#f-month").input_value() == MONTH
        pg.wait_for_function("n => document.getElementById('count').textContent.includes(n)", arg=str(want["received"]))
        assert pg.locator("#kpi-overdue-now").get_attribute("data-n") == str(overdue_now)
        shot(pg, "cases_of_a_month_phone")


def test_this_month_s_open_and_overdue_cases_are_a_click_away(browser, server, make_user, copy_of, conn):
    """This month (its numbers as of now, as the list's filters are), a community's open cases open
    from its count; a month past is counted as of its end, and its counts link nowhere."""
    from gis import db
    from gis.cases import store

    slug = copy_of("huamao")
    with db.transaction(conn, "社区工作站") as cur:
        store.add_case(cur, slug, category="garbage", description="垃圾桶满溢", at=(116.4790, 39.9090))
    street = make_user("leader")
    for pg in browsing(browser, server, street):
        pg.goto("/communities")
        pg.wait_for_selector("body[data-ready=true]")
        month = pg.locator("#month").input_value()
        link = pg.locator(f'#compare-table tr[data-jurisdiction="{slug}"] td[data-key="open_n"] a')
        assert link.get_attribute("href") == f"/cases?jurisdiction={slug}&month={month}&open=true&lang=zh"
        pg.goto(f"/communities?month={MONTH}")
        pg.wait_for_selector("body[data-ready=true]")
        assert pg.locator("#compare-table td a").count() == 0
