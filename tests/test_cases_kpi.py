"""The 接诉即办 numbers against the same numbers worked out by hand on five cases of March 2024 with
known times (and two outside the month), as defined in gis/cases/kpi.py and README.md. (The
dataset's own cases are of 2025, so they are not counted.)

Categories: garbage answers within 2 h and closes within 72 h (blue) or 24 h (yellow);
e-bike charging answers within 1 h and closes within 2 h (red) or 48 h (blue).

=====  ========  =====  ======================================================================
case   category  grid   what happened (March 2024, UTC+8)
=====  ========  =====  ======================================================================
A      garbage   001    reported 1st 09:00, accepted 10:00 (1 h: in time), dispatched 10:00,
       blue             handled 2nd 09:00, verified 12:00, closed 12:00 (due 4th 09:00: on
                        time); satisfied, solved
B      e-bike    002    reported 5th 20:00, accepted 22:00 (2 h: late), dispatched 22:00,
       red              handled 6th 09:00, verified 10:00, closed 10:00 (due 5th 22:00: late);
                        basically satisfied, not solved
C      garbage   001    reported 10th 08:00, rejected 09:00 (1 h: in time); dissatisfied
       yellow
D      e-bike    002    reported 20th 10:00, accepted 10:30 (in time), dispatched to fire
       blue             safety 10:30; handled only on 3 April (after the month); due 22nd
                        10:00: open and overdue at the end of March
E      garbage   001    reported 25th 12:00, accepted 13:00 (in time), dispatched 13:00, parked
       blue             26th 12:00 (due 28th 12:00): open, parked
=====  ========  =====  ======================================================================

By hand: received 5; responded A, C, D, E = 4 → 0.8; solved answers A (yes), B (no) → 0.5;
satisfaction answers A, B, C → (1 + 1 + 0) / 3 = 0.6667 (with 基本满意 weighing 0.5: 0.5);
closure judged for A, B, D, E (C rejected): on time A only → 0.25; open D, E; parked E; overdue D.
Mean hours: reported (1 + 2 + 1 + 0.5 + 1) / 5 = 1.1; accepted 0 (A, B, D, E dispatched at
once); dispatched (23 + 11 + 23) / 3 = 19 (D's stay had not ended); handled (3 + 1) / 2 = 2;
verified 0.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gis import datasets, db
from gis.cases import kpi, store
from gis.cases.kpi_store import case_kpi, kpi_by_jurisdiction
from gis.importing import import_package

TZ = ZoneInfo("Asia/Shanghai")


def t(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(scope="module")
def slug(database_url):
    name = f"kpi-{uuid.uuid4().hex[:8]}"
    conn = db.connect(database_url)
    try:
        with db.transaction(conn) as cur:
            import_package(cur, datasets.dataset_path("huamao"), name)
        cases = {
            "A": ("garbage", "blue", "电厂小区1号楼", t(1, 9)),
            "B": ("ebike_charging", "red", "柴家湾小区1号楼", t(5, 20)),
            "C": ("garbage", "yellow", "电厂小区2号楼", t(10, 8)),
            "D": ("ebike_charging", "blue", "柴家湾小区2号楼", t(20, 10)),
            "E": ("garbage", "blue", "电厂小区3号楼", t(25, 12)),
            "before": ("garbage", "blue", "电厂小区1号楼", t(28, 23, month=2)),
            "after": ("garbage", "blue", "电厂小区1号楼", t(1, 0, month=4)),
        }
        ids = {}
        for key, (category, urgency, building, at) in cases.items():
            with db.transaction(conn, "reporter") as cur:
                ids[key] = store.add_case(cur, name, category=category, description=f"case {key}",
                                          building=building, urgency=urgency, reported_at=at)["id"]

        def go(key, to, at, actor="lead", **kw):
            with db.transaction(conn, actor) as cur:
                version = store.get_case(cur, ids[key], events=False)["version"]
                store.transition(cur, ids[key], to, version, at=at, **kw)

        go("A", "accepted", t(1, 10))
        go("A", "handled", t(2, 9), "wang", note="cleared")
        go("A", "verified", t(2, 12))
        go("A", "closed", t(2, 12))
        go("B", "accepted", t(5, 22))
        go("B", "handled", t(6, 9), "wang", note="charger removed")
        go("B", "verified", t(6, 10))
        go("B", "closed", t(6, 10))
        go("C", "rejected", t(10, 9), note="a private matter")
        go("D", "accepted", t(20, 10, 30), department="fire_safety")
        go("D", "handled", t(3, 9, month=4), "fire", note="inspected")
        go("E", "accepted", t(25, 13))
        go("E", "parked", t(26, 12), note="needs the property company's budget", review_on=date(2024, 4, 15))
        for key, satisfaction, solved in (("A", "satisfied", True), ("B", "basically", False),
                                          ("C", "dissatisfied", None)):
            with db.transaction(conn) as cur:
                store.set_feedback(cur, ids[key], satisfaction=satisfaction, solved=solved)
    finally:
        conn.close()
    return name


@pytest.fixture(scope="module")
def march(slug, database_url):
    conn = db.connect(database_url)
    try:
        with db.transaction(conn) as cur:
            return case_kpi(cur, slug, date(2024, 3, 1), date(2024, 3, 31), TZ)
    finally:
        conn.close()


def test_overall_numbers_equal_those_worked_by_hand(march):
    o = march["overall"]
    assert march["as_of"] == "2024-04-01T00:00:00+08:00"
    assert o["received"] == 5
    assert (o["responded"], o["response_rate"]) == (4, 0.8)
    assert (o["solved"], o["solved_answered"], o["resolution_rate"]) == (1, 2, 0.5)
    assert (o["satisfaction_answered"], o["satisfaction_rate"]) == (3, 0.6667)
    assert (o["closed_on_time"], o["closure_due"], o["on_time_closure_rate"]) == (1, 4, 0.25)
    assert (o["open"], o["parked"], o["overdue"]) == (2, 1, 1)
    assert o["mean_hours"] == {"reported": 1.1, "accepted": 0.0, "dispatched": 19.0, "handled": 2.0,
                               "verified": 0.0}


def test_numbers_per_grid_worker_and_category(march):
    grids = {g["grid"]: g for g in march["by_grid"]}
    assert grids["110105015001001"]["received"] == 3 and grids["110105015001001"]["response_rate"] == 1.0
    assert grids["110105015001002"]["received"] == 2 and grids["110105015001002"]["response_rate"] == 0.5
    assert grids["110105015001002"]["overdue"] == 1 and grids["110105015001002"]["on_time_closure_rate"] == 0.0
    assert grids["110105015001001"]["mean_hours"]["dispatched"] == 23.0  # A and E
    workers = {(w["worker"], w["department"]): w for w in march["by_worker"]}
    assert workers[("王芳", None)]["received"] == 2  # A, E (grid 001's leader)
    assert workers[("李静", None)]["on_time_closure_rate"] == 0.0  # B
    assert workers[(None, "fire_safety")]["open"] == 1  # D, as of the end of March
    assert workers[(None, None)]["received"] == 1  # C, never dispatched
    cats = {c["category"]: c for c in march["by_category"]}
    assert cats["garbage"]["received"] == 3 and cats["garbage"]["satisfaction_rate"] == 0.5
    assert cats["ebike_charging"]["received"] == 2 and cats["ebike_charging"]["response_rate"] == 0.5


def test_the_weight_of_basically_satisfied_and_a_later_as_of(slug, conn):
    with db.transaction(conn) as cur:
        half = case_kpi(cur, slug, date(2024, 3, 1), date(2024, 3, 31), TZ, basic_weight=0.5)
        later = case_kpi(cur, slug, date(2024, 3, 1), date(2024, 3, 31), TZ, as_of=t(10, 0, month=4))
    assert half["overall"]["satisfaction_rate"] == 0.5
    # by 10 April, D was handled (3 April): no longer dispatched, still open (not closed), not overdue
    workers = {(w["worker"], w["department"]): w for w in later["by_worker"]}
    assert later["overall"]["open"] == 2 and later["overall"]["overdue"] == 1
    assert workers[(None, "fire_safety")]["mean_hours"]["dispatched"] == round((13 * 24 + 22.5), 2)


def test_communities_side_by_side_have_each_one_s_own_numbers(slug, march, conn):
    """The city's comparison (case_kpi_by_jurisdiction.sql) gives a community the overall figures
    its own report gives, and a community without cases in the period zeros and nulls."""
    with db.transaction(conn) as cur:
        side = kpi_by_jurisdiction(cur, date(2024, 3, 1), date(2024, 3, 31), TZ, slugs=[slug, "xinghuananli"])
    rows = {r["jurisdiction"]: r for r in side["jurisdictions"]}
    mine = {k: v for k, v in march["overall"].items() if k != "mean_hours"}
    assert {k: v for k, v in rows[slug].items() if k not in ("jurisdiction", "name")} == mine
    assert rows["xinghuananli"]["received"] == 0 and rows["xinghuananli"]["response_rate"] is None
    assert side["as_of"] == march["as_of"]
    # and on a year of Huamao's cases (rejected, parked, sent back, steps after the period), for
    # a month seen at its end and later, and for the whole year
    for first, last, as_of in [(date(2025, 6, 1), date(2025, 6, 30), None),
                               (date(2025, 6, 1), date(2025, 6, 30), datetime(2025, 7, 3, tzinfo=TZ)),
                               (date(2025, 1, 1), date(2025, 12, 31), None)]:
        with db.transaction(conn) as cur:
            own = case_kpi(cur, "huamao", first, last, TZ, as_of=as_of)["overall"]
            city = kpi_by_jurisdiction(cur, first, last, TZ, slugs=["huamao"], as_of=as_of)["jurisdictions"][0]
        assert own["received"] > 20
        assert {k: v for k, v in city.items() if k not in ("jurisdiction", "name")} == {
            k: v for k, v in own.items() if k != "mean_hours"}, (first, as_of)


def test_the_command_line_compares_communities(cli, slug, march):
    import json

    out = json.loads(cli("cases", "compare", slug, "xinghuananli", "--from", "2024-03-01", "--to", "2024-03-31",
                         "--json").stdout)
    assert [r["jurisdiction"] for r in out["jurisdictions"]] == sorted([slug, "xinghuananli"])
    mine = next(r for r in out["jurisdictions"] if r["jurisdiction"] == slug)
    assert mine["received"] == march["overall"]["received"]
    text = cli("cases", "compare", slug, "--from", "2024-03-01", "--to", "2024-03-31").stdout
    assert text.startswith(f"{slug}: received 5, response 80.0%")


def test_rates_without_a_denominator_are_null():
    assert kpi.rate(0, 0) is None and kpi.rate(2, 3) == 0.6667
    start, end = kpi.period(date(2024, 3, 1), date(2024, 3, 31), TZ)
    assert end - start == timedelta(days=31) and start.utcoffset() == timedelta(hours=8)
    empty = kpi.assemble([], [])
    assert empty["overall"]["received"] == 0 and empty["overall"]["response_rate"] is None


def test_the_command_line_prints_the_same(cli, slug, march):
    import json

    out = json.loads(cli("cases", "kpi", slug, "--from", "2024-03-01", "--to", "2024-03-31", "--json").stdout)
    assert out["overall"] == march["overall"]
    bad = cli("cases", "kpi", slug, "--from", "2024-03-31", "--to", "2024-03-01", check=False)
    assert bad.returncode == 2 and "ends (2024-03-01) before it begins" in bad.stderr


def test_a_case_still_within_its_time_to_answer_counts_neither_way(slug, database_url):
    """At 12:30 on the 25th, E (received 12:00, garbage: answered within 2 h) has no answer yet and
    has 1.5 h left: the response rate is A, C, D in time of A, B, C, D due (0.75), not of all five
    received (0.6, as a leader saw 0 % minutes after two cases came in); at 14:30 E (answered
    13:00) counts. The comparison of communities says the same."""
    conn = db.connect(database_url)
    try:
        with db.transaction(conn) as cur:
            for as_of, responded, rate_ in ((t(25, 12, 30), 3, 0.75), (t(25, 14, 30), 4, 0.8)):
                o = case_kpi(cur, slug, date(2024, 3, 1), date(2024, 3, 31), TZ, as_of=as_of)["overall"]
                assert (o["received"], o["responded"], o["response_rate"]) == (5, responded, rate_)
                side = kpi_by_jurisdiction(cur, date(2024, 3, 1), date(2024, 3, 31), TZ, slugs=[slug], as_of=as_of)
                assert side["jurisdictions"][0]["response_rate"] == rate_
    finally:
        conn.close()
