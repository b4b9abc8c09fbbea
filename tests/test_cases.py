"""Cases (#17): the workflow, kept by the database. Every allowed step works and is recorded;
every other step is refused (through gridmap and straight in SQL) and writes nothing; the handler
may not verify; a stale version is refused; the grid is derived from the place and re-derived
when grids change; a case outside the jurisdiction or of an unknown category is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from gis import datasets, db
from gis.cases import catalogue_store, store, workflow
from gis.errors import InvalidInput, StaleVersion
from gis.importing import import_package
from tests.conftest import scalar

# How to bring a new case to each state, from reported: (state, note, actor) steps.
PATHS = {
    "reported": [],
    "accepted": [("accepted", None, "lead")],
    "rejected": [("rejected", "not a problem of the community", "lead")],
    "dispatched": [("accepted", None, "lead"), ("dispatched", None, "lead")],
    "handled": [("accepted", None, "lead"), ("dispatched", None, "lead"), ("handled", "cleared", "wang")],
    "verified": [("accepted", None, "lead"), ("dispatched", None, "lead"), ("handled", "cleared", "wang"),
                 ("verified", None, "lead")],
    "closed": [("accepted", None, "lead"), ("dispatched", None, "lead"), ("handled", "cleared", "wang"),
               ("verified", None, "lead"), ("closed", None, "lead")],
    "parked": [("accepted", None, "lead"), ("parked", "waiting for the property company", "lead")],
}
ALLOWED = [(a, b) for a, nexts in workflow.TRANSITIONS.items() for b in nexts
           if not (a == "parked" and b != "accepted")]  # the parked path comes from accepted


@pytest.fixture(scope="module")
def slug(database_url):
    """One copy of huamao for the module's cases."""
    name = f"cases-{uuid.uuid4().hex[:8]}"
    conn = db.connect(database_url)
    with db.transaction(conn) as cur:
        import_package(cur, datasets.dataset_path("huamao"), name)
    conn.close()
    return name


def new_case(conn, slug, **kw):
    args = {"category": "garbage", "description": "垃圾桶满溢", "building": "电厂小区1号楼"} | kw
    with db.transaction(conn, "reporter") as cur:
        return store.add_case(cur, slug, **args)


def step(conn, case, to, note=None, actor="lead", **kw):
    with db.transaction(conn, actor) as cur:
        return store.transition(cur, case["id"], to, case["version"], note=note,
                                review_on=date.today() + timedelta(days=30) if to == "parked" else None,
                                dispatch=False, **kw)


def case_in(conn, slug, state):
    case = new_case(conn, slug)
    for to, note, actor in PATHS[state]:
        case = step(conn, case, to, note, actor)
    assert case["state"] == state
    return case


def events(conn, case_id):
    with db.transaction(conn) as cur:
        cur.execute("SELECT from_state, to_state, actor, note FROM case_event WHERE case_id = %s ORDER BY at, id",
                    (case_id,))
        return cur.fetchall()


# -- pure ---------------------------------------------------------------------------------------

def test_what_was_said_when_a_case_was_last_given():
    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    t1 = t0 + timedelta(hours=5)
    said = workflow.said_when_given
    # accepted with a note, dispatched by the service in the same stroke: the leader's note
    assert said([("accepted", t0, "当天清运"), ("dispatched", t0, "automatic: the grid's worker")]) == "当天清运"
    assert said([("accepted", t0, None), ("dispatched", t0, "请联系物业")]) == "请联系物业"
    assert said([("accepted", t0, None), ("dispatched", t0, "automatic: the grid's worker")]) is None
    # given again later without a word: the earlier note was for the earlier handling
    assert said([("accepted", t0, "当天清运"), ("dispatched", t0, None), ("dispatched", t1, None)]) is None
    again = [("accepted", t0, "x"), ("dispatched", t0, None), ("dispatched", t1, "返工：照片不清")]
    assert said(again) == "返工：照片不清"
    # accepted but not yet given to anyone
    assert said([("accepted", t0, "先立案")]) is None and said([]) is None


def test_the_workflow_without_a_database():
    assert workflow.next_states("reported") == ("accepted", "rejected")
    assert workflow.next_states("verified") == ("closed", "handled", "dispatched")
    assert workflow.next_states("parked", "dispatched") == ("dispatched",)
    assert workflow.next_states("closed") == () and workflow.next_states("rejected") == ()
    with pytest.raises(InvalidInput, match="next allowed: accepted, rejected"):
        workflow.check_step(7, "reported", "dispatched")
    with pytest.raises(InvalidInput, match="next allowed: handled$"):
        workflow.check_step(7, "parked", "accepted", "handled")
    limits = workflow.Limits(response_hours=2, red_hours=4, yellow_hours=24, blue_hours=72)
    t = datetime(2025, 3, 1, 9, tzinfo=timezone(timedelta(hours=8)))
    assert workflow.due_time(t, "red", limits) == t + timedelta(hours=4)
    assert workflow.due_time(t, "blue", limits) == t + timedelta(days=3)
    assert workflow.response_deadline(t, limits) == t + timedelta(hours=2)
    assert workflow.is_overdue("dispatched", t, t + timedelta(seconds=1))
    assert not workflow.is_overdue("parked", t, t + timedelta(days=1))
    with pytest.raises(InvalidInput, match="urgency"):
        limits.hours("purple")


def test_the_database_allows_the_same_steps_as_the_workflow(conn):
    with db.transaction(conn) as cur:
        cur.execute("SELECT from_state, to_state FROM case_transition")
        stored = set(cur.fetchall())
    assert stored == {(a, b) for a, nexts in workflow.TRANSITIONS.items() for b in nexts}


# -- the steps ----------------------------------------------------------------------------------

@pytest.mark.parametrize("before, after", ALLOWED)
def test_every_allowed_step_is_taken_and_recorded(conn, slug, before, after):
    case = case_in(conn, slug, before)
    n = len(events(conn, case["id"]))
    note = {"rejected": "duplicate", "handled": "done", "parked": "waiting"}.get(after)
    actor = "other" if after == "verified" else "lead"
    moved = step(conn, case, after, note, actor)
    assert moved["state"] == after and moved["version"] == case["version"] + 1
    recorded = events(conn, case["id"])
    assert len(recorded) == n + 1 and recorded[-1][:3] == (before, after, actor)
    assert recorded[-1][3] == (note or ("automatic: the leader of grid 110105015001001" if after == "dispatched"
                                        else None))
    assert moved[f"{after}_at"] is not None and moved["events"][-1]["to"] == after


@pytest.mark.parametrize("before", list(PATHS))
def test_every_other_step_is_refused_and_writes_nothing(conn, slug, before):
    case = case_in(conn, slug, before)
    allowed = workflow.next_states(before, case["parked_from"])
    n = len(events(conn, case["id"]))
    for to in workflow.STATES:
        if to in allowed:
            continue
        with pytest.raises(InvalidInput, match="next allowed"):
            step(conn, case, to, note="x", assignee=None)
        if to == before:
            continue  # in SQL, writing the same state is no step at all
        with pytest.raises(InvalidInput, match=f"cannot go from {before} to {to}; next allowed"):
            with db.transaction(conn, "lead") as cur:  # straight in SQL, as QGIS or psql would
                cur.execute("UPDATE case_record SET state = %s, note = 'x', review_on = current_date + 1"
                            " WHERE id = %s", (to, case["id"]))
    with db.transaction(conn) as cur:
        assert store.get_case(cur, case["id"])["version"] == case["version"]
    assert len(events(conn, case["id"])) == n


def test_a_parked_case_goes_back_only_where_it_came_from(conn, slug):
    case = case_in(conn, slug, "parked")
    assert case["parked_from"] == "accepted" and case["next"] == ["accepted"]
    with pytest.raises(InvalidInput, match="next allowed: accepted"):
        step(conn, case, "handled", "x")
    back = step(conn, case, "accepted")
    assert back["parked_from"] is None and back["review_on"] is None


def test_the_handler_may_not_verify(conn, slug):
    case = case_in(conn, slug, "handled")
    with pytest.raises(InvalidInput, match="wang handled it and may not verify it too"):
        step(conn, case, "verified", actor="wang")
    with pytest.raises(InvalidInput, match="wang handled it"):
        with db.transaction(conn, "wang") as cur:
            cur.execute("UPDATE case_record SET state = 'verified' WHERE id = %s", (case["id"],))
    assert step(conn, case, "verified", actor="li")["state"] == "verified"


def test_a_stale_version_is_refused(conn, slug):
    case = case_in(conn, slug, "accepted")
    moved = step(conn, case, "dispatched")
    with pytest.raises(StaleVersion) as stale:
        step(conn, case, "parked", "x")
    assert stale.value.current_version == moved["version"] and "not " + str(case["version"]) in stale.value.message


def test_steps_that_need_a_note_a_target_or_a_review_date(conn, slug):
    case = new_case(conn, slug)
    with pytest.raises(InvalidInput, match="give a note"):
        step(conn, case, "rejected")
    with pytest.raises(InvalidInput, match="give a note"):
        with db.transaction(conn) as cur:
            cur.execute("UPDATE case_record SET state = 'rejected' WHERE id = %s", (case["id"],))
    accepted = step(conn, case, "accepted")
    with pytest.raises(InvalidInput, match="dispatch it to a worker or a department"):
        with db.transaction(conn) as cur:
            cur.execute("UPDATE case_record SET state = 'dispatched' WHERE id = %s", (case["id"],))
    with pytest.raises(InvalidInput, match="is no worker, user or grid leader"):
        step(conn, accepted, "dispatched", assignee="nobody-at-all")
    with pytest.raises(InvalidInput, match="needs a review date"):
        with db.transaction(conn) as cur:
            cur.execute("UPDATE case_record SET state = 'parked', note = 'x' WHERE id = %s", (case["id"],))
    with pytest.raises(InvalidInput, match="changes only by dispatching"):
        with db.transaction(conn) as cur:
            cur.execute("UPDATE case_record SET assignee = '王芳' WHERE id = %s", (case["id"],))


def test_accepting_dispatches_to_the_grid_or_the_department(conn, slug):
    case = new_case(conn, slug)
    with db.transaction(conn, "lead") as cur:
        moved = store.transition(cur, case["id"], "accepted", case["version"])
    assert moved["state"] == "dispatched" and moved["assignee"] == "王芳"  # the leader of grid 001
    assert [e["to"] for e in moved["events"]] == ["reported", "accepted", "dispatched"]
    with db.transaction(conn, "sched") as cur:
        from gis.patrol.stewards_store import add_worker
        add_worker(cur, slug, "赵社工", "social_worker", grid="110105015001001")
    case = new_case(conn, slug)
    with db.transaction(conn, "lead") as cur:
        assert store.transition(cur, case["id"], "accepted", case["version"])["assignee"] == "赵社工"
    case = new_case(conn, slug, category="ebike_charging")
    with db.transaction(conn, "lead") as cur:  # a leader's choice wins
        moved = store.transition(cur, case["id"], "accepted", case["version"], department="fire_safety")
    assert moved["assignee"] is None and moved["department"] == "fire_safety"


def test_events_are_a_record(conn, slug):
    case = case_in(conn, slug, "accepted")
    for sql in ("UPDATE case_event SET actor = 'x' WHERE case_id = %s", "DELETE FROM case_event WHERE case_id = %s"):
        with pytest.raises(InvalidInput, match="cannot be changed or deleted"):
            with db.transaction(conn) as cur:
                cur.execute(sql, (case["id"],))


def test_a_step_dated_back_says_when_it_was_written(conn, slug, cli):
    """A step may be dated back (a phone's offline step): it is, but the record keeps when it was
    written, and the case's history shows both, so that a step dated back is seen as such (补录)."""
    hours_ago = datetime.now(UTC) - timedelta(hours=5)
    case = new_case(conn, slug, reported_at=hours_ago)
    case = step(conn, case, "accepted", at=hours_ago + timedelta(minutes=5))
    with db.transaction(conn) as cur:
        cur.execute("SELECT now()")
        written = cur.fetchone()[0]
        got = store.get_case(cur, case["id"])
    accepted = got["events"][-1]
    assert accepted["to"] == "accepted"
    assert datetime.fromisoformat(accepted["at"]) == hours_ago + timedelta(minutes=5)
    assert abs(datetime.fromisoformat(accepted["recorded_at"]) - written) < timedelta(minutes=1)
    assert [e["late"] for e in got["events"]] == [False, True]  # the report's own time is never late
    shown = cli("cases", "show", str(case["id"])).stdout
    assert shown.count("written late") == 1, shown  # on the command line too
    with pytest.raises(InvalidInput, match="cannot be changed or deleted"):  # and nobody rewrites it after
        with db.transaction(conn) as cur:
            cur.execute("UPDATE case_event SET recorded_at = at WHERE case_id = %s", (case["id"],))


def test_a_package_keeps_when_each_step_was_written(conn, slug, tmp_path):
    """Exported and loaded again, a step dated back is still seen as written late, at the same
    times: the package gives the steps written after their time their ``recorded`` time (here the
    report too, entered three hours on, though a report is never called late). A case parked and
    resumed loads again too (a past parking's review date is not kept). A package whose step
    says it was written before it happened, or in the future, loads nothing and names the step;
    and replaying a package lets only that time move, nothing else of a step."""
    import json

    from gis.exporting import export_geojson
    from gis.patrol.stewards_store import add_worker

    hours_ago = datetime.now(UTC) - timedelta(hours=3)
    case = new_case(conn, slug, reported_at=hours_ago, description="补录往返")
    case = step(conn, case, "accepted", at=hours_ago + timedelta(minutes=5))
    resumed = case_in(conn, slug, "parked")  # a past parking keeps no review date: the package still loads
    step(conn, resumed, "accepted", "业主回来了")
    with db.transaction(conn) as cur:  # given to a worker who has left since: the history still loads
        add_worker(cur, slug, "临时工", "volunteer")
    step(conn, case_in(conn, slug, "accepted"), "dispatched", assignee="临时工")
    with db.transaction(conn) as cur:
        cur.execute("DELETE FROM worker WHERE name = '临时工'")
    package = tmp_path / "pkg"
    with db.transaction(conn, snapshot=True) as cur:
        export_geojson(cur, slug, package)
    data = json.loads((package / "case_record.geojson").read_text(encoding="utf-8"))
    ours = next(f for f in data["features"] if f["properties"].get("description") == "补录往返")
    assert ["recorded" in s for s in ours["properties"]["steps"]] == [True, True]
    shipped = [f["properties"]["steps"] for f in data["features"]
               if datetime.fromisoformat(f["properties"]["steps"][0]["at"]) < hours_ago - timedelta(days=1)]
    assert len(shipped) > 300 and not any("recorded" in s for steps in shipped for s in steps)  # replayed on time

    def history(cur, slug_, text):
        cur.execute("SELECT c.id FROM case_record c JOIN jurisdiction j ON j.id = c.jurisdiction_id"
                    " WHERE j.slug = %s AND c.description = %s", (slug_, text))
        return [(e["to"], e["at"], e["recorded_at"], e["late"])
                for e in store.get_case(cur, cur.fetchone()[0])["events"]]

    again = f"{slug}-again"
    with db.transaction(conn) as cur:
        import_package(cur, package, again)
        cur.execute("SELECT count(*) FROM case_record c JOIN jurisdiction j ON j.id = c.jurisdiction_id"
                    " WHERE j.slug = %s AND c.assignee = '临时工'", (again,))
        assert cur.fetchone()[0] == 1
        assert history(cur, again, "补录往返") == history(cur, slug, "补录往返")
        assert [late for *_, late in history(cur, again, "补录往返")] == [False, True]

    accepted = ours["properties"]["steps"][1]
    last_year = accepted["at"].replace(str(hours_ago.year), str(hours_ago.year - 1))
    steps = ours["properties"]["steps"]
    for recorded, said in ((last_year, "before it happened"),
                           ((datetime.now(UTC) + timedelta(days=2)).isoformat(), "in the future"),
                           ("昨天", "is not a time"), ("2025-W02-3T10:00:00+08:00", "is not a time"),
                           (steps[1]["recorded"], "the case is accepted already")):
        accepted["recorded"] = recorded
        if said.endswith("already"):  # the same step twice records nothing, and the rest would slip by one
            ours["properties"]["steps"] = [*steps[:2], {**steps[1], "at": steps[1]["recorded"]}]
        (package / "case_record.geojson").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        with pytest.raises(InvalidInput) as caught:
            with db.transaction(conn) as cur:
                import_package(cur, package, f"{slug}-bad")
        n = data["features"].index(ours) + 1
        where = f"case {n} of case_record.geojson, step {3 if said.endswith('already') else 2}"
        assert any(where in p and said in p for p in caught.value.problems), caught.value.problems
        with db.transaction(conn) as cur:
            cur.execute("SELECT count(*) FROM jurisdiction WHERE slug = %s", (f"{slug}-bad",))
            assert cur.fetchone()[0] == 0
    for change in ("note = 'rewritten', recorded_at = recorded_at + interval '1 minute'",  # more than the time
                   "recorded_at = at"):  # a step this transaction did not write: 补录 is not wiped out
        with pytest.raises(InvalidInput, match="cannot be changed or deleted"):
            with db.transaction(conn) as cur:
                cur.execute("SELECT set_config('gridmap.replaying', 'on', true)")
                cur.execute(f"UPDATE case_event SET {change} WHERE case_id = %s", (case["id"],))


def test_a_package_replays_its_history_as_written_on_time(conn, slug):
    with db.transaction(conn) as cur:
        cur.execute("""SELECT count(*), count(*) FILTER (WHERE e.recorded_at = e.at) FROM case_event e
                         JOIN jurisdiction j ON j.id = e.jurisdiction_id JOIN case_record c ON c.id = e.case_id
                        WHERE j.slug = %s AND c.reported_at < now() - interval '1 day'""", (slug,))
        steps, on_time = cur.fetchone()
    assert steps > 1000 and on_time == steps


# -- places, categories, clients ----------------------------------------------------------------

def test_the_grid_is_derived_and_derived_again_when_grids_change(conn, slug):
    case = new_case(conn, slug)
    assert case["grid"] == "110105015001001"
    with db.transaction(conn, "planner") as cur:  # what publishing does: the grids' rows change
        cur.execute("""UPDATE grid g SET geom = o.geom FROM grid o
                        WHERE g.jurisdiction_id = o.jurisdiction_id AND g.jurisdiction_id =
                              (SELECT id FROM jurisdiction WHERE slug = %s)
                          AND (g.code, o.code) IN (('110105015001001', '110105015001002'),
                                                   ('110105015001002', '110105015001001'))""", (slug,))
    with db.transaction(conn) as cur:
        again = store.get_case(cur, case["id"])
        assert again["grid"] == "110105015001002"
        cur.execute("UPDATE grid SET geom = o.geom FROM (SELECT code, geom FROM grid) o WHERE false")
    with db.transaction(conn, "planner") as cur:  # and back
        cur.execute("""UPDATE grid g SET geom = o.geom FROM grid o
                        WHERE g.jurisdiction_id = o.jurisdiction_id AND g.jurisdiction_id =
                              (SELECT id FROM jurisdiction WHERE slug = %s)
                          AND (g.code, o.code) IN (('110105015001001', '110105015001002'),
                                                   ('110105015001002', '110105015001001'))""", (slug,))
        assert store.get_case(cur, case["id"])["grid"] == "110105015001001"


def test_a_case_outside_the_jurisdiction_is_refused(conn, slug):
    with pytest.raises(InvalidInput) as refused:
        new_case(conn, slug, building=None, at=(116.40, 39.90))
    assert "lies outside 华贸中心社区" in str(refused.value)
    with pytest.raises(InvalidInput, match="lies outside its jurisdiction"):
        with db.transaction(conn) as cur:
            cur.execute("""INSERT INTO case_record (jurisdiction_id, source, category_id, description, geom)
                           SELECT j.id, 'patrol', k.id, 'x', ST_SetSRID(ST_MakePoint(116.40, 39.90), 4326)
                             FROM jurisdiction j JOIN case_category k ON k.jurisdiction_id = j.id
                            WHERE j.slug = %s AND k.code = 'garbage'""", (slug,))


def test_an_unknown_category_is_refused(conn, slug):
    with pytest.raises(InvalidInput, match="unknown case category 'litter'; categories are: .*garbage"):
        new_case(conn, slug, category="litter")
    with pytest.raises(InvalidInput, match="is not a case category of the case's jurisdiction"):
        with db.transaction(conn) as cur:  # another jurisdiction's category
            cur.execute("""INSERT INTO case_record (jurisdiction_id, source, category_id, description, building_id)
                           SELECT j.id, 'patrol', k.id, 'x', (SELECT min(id) FROM building WHERE jurisdiction_id = j.id)
                             FROM jurisdiction j, case_category k
                            WHERE j.slug = %s AND k.jurisdiction_id <> j.id LIMIT 1""", (slug,))


def test_a_case_starts_as_reported_and_a_client_id_makes_one_case(conn, slug):
    with pytest.raises(InvalidInput, match="a case starts as reported, not closed"):
        with db.transaction(conn) as cur:
            cur.execute("""INSERT INTO case_record
                               (jurisdiction_id, source, category_id, description, state, building_id)
                           SELECT j.id, 'patrol', k.id, 'x', 'closed', (SELECT min(id) FROM building
                                                                        WHERE jurisdiction_id = j.id)
                             FROM jurisdiction j JOIN case_category k ON k.jurisdiction_id = j.id
                            WHERE j.slug = %s AND k.code = 'garbage'""", (slug,))
    client = str(uuid.uuid4())
    first = new_case(conn, slug, client_id=client)
    again = new_case(conn, slug, client_id=client, description="sent twice")
    assert first["created"] and not again["created"] and again["id"] == first["id"]
    assert again["description"] == first["description"]


def test_every_jurisdiction_has_the_catalogue(conn, slug):
    with db.transaction(conn) as cur:
        cats = store.categories(cur, store.find_jurisdiction(cur, slug).id)
    assert {"courier_parking", "ebike_charging", "garbage", "parking", "illegal_construction", "road_lighting",
            "drainage", "noise", "neighbour_dispute", "other"} <= set(cats)
    assert cats["ebike_charging"].name_zh == "电动车违规充电" and cats["courier_parking"].name_zh == "快递车辆乱停"
    assert all(c.department_id is not None for c in cats.values())


def test_the_command_line_moves_a_case_and_refuses_clearly(cli, slug):
    import json

    made = json.loads(cli("cases", "add", slug, "--category", "快递车辆乱停", "--text", "快递三轮车占道分拣",
                          "--at", "116.4770,39.9085", "--actor", "wang", "--json").stdout)
    assert made["grid"] == "110105015001004" and made["state"] == "reported"
    bad = cli("cases", "move", str(made["id"]), "--to", "closed", "--version", "1", check=False)
    assert bad.returncode == 2 and "next allowed: accepted, rejected" in bad.stderr
    moved = json.loads(cli("cases", "move", str(made["id"]), "--to", "accepted", "--version", "1",
                           "--actor", "lead", "--json").stdout)
    assert moved["state"] == "dispatched" and moved["assignee"] == "刘洋"
    stale = cli("cases", "move", str(made["id"]), "--to", "handled", "--version", "1", "--note", "x", check=False)
    assert stale.returncode == 2 and f"is at version {moved['version']}, not 1" in stale.stderr
    listed = json.loads(cli("cases", "list", slug, "--state", "dispatched", "--grid", "110105015001004",
                            "--json").stdout)
    assert made["id"] in [c["id"] for c in listed]


def test_the_dataset_holds_a_year_of_cases_where_the_seeds_put_them(conn):
    with db.transaction(conn) as cur:
        cur.execute("""SELECT k.code, g.code, count(*)
                         FROM case_record c JOIN jurisdiction j ON j.id = c.jurisdiction_id
                         JOIN case_category k ON k.id = c.category_id LEFT JOIN grid g ON g.id = c.grid_id
                        WHERE j.slug = 'huamao' GROUP BY 1, 2""")
        counts = {(k, g): n for k, g, n in cur.fetchall()}
        cur.execute("""SELECT count(*) FILTER (WHERE e.to_state = 'closed'), count(DISTINCT e.case_id)
                         FROM case_event e JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = 'huamao'""")
        closed, with_steps = cur.fetchone()
    assert sum(counts.values()) == with_steps == 420 and closed > 350
    ebike = {g: n for (k, g), n in counts.items() if k == "ebike_charging"}
    assert set(ebike) <= {"110105015001001", "110105015001002", "110105015001003"}  # the old compounds
    courier = {g: n for (k, g), n in counts.items() if k == "courier_parking"}
    assert courier["110105015001004"] > 0.8 * sum(courier.values())  # the CBD: zones and towers


def test_a_case_on_the_line_between_two_grids_has_a_grid(conn, copy_of):
    """Standing in 华贸中街, where grid 004's straight north edge meets the corners of 001–003: the
    point is in the hair of a gap (under a centimetre) floating point leaves between the grids, and
    the case went to no grid, so to no grid worker. It goes to the nearest grid within 0.5 m."""
    slug = copy_of("huamao")
    on_the_line = (116.479393, 39.910225)
    with db.transaction(conn, "社区工作站") as cur:
        cur.execute("SELECT count(*) FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id"
                    " WHERE j.slug = %s AND ST_Intersects(g.geom, ST_SetSRID(ST_Point(%s, %s), 4326))",
                    (slug, *on_the_line))
        assert cur.fetchone()[0] == 0  # in no grid's polygon: the gap
        case = store.add_case(cur, slug, category="other", description="占道经营", at=on_the_line)
        cur.execute("SELECT g.code FROM case_record c JOIN grid g ON g.id = c.grid_id WHERE c.id = %s", (case["id"],))
        row = cur.fetchone()
        cur.execute("SELECT g.code, ST_Distance(g.geom::geography, ST_SetSRID(ST_Point(%s, %s), 4326)::geography)"
                    " FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE j.slug = %s ORDER BY 2 LIMIT 1",
                    (*on_the_line, slug))
        nearest, metres = cur.fetchone()
    assert row is not None and row[0] == nearest and metres < 0.01


def test_a_case_names_who_took_each_step_by_the_name_they_were_given(conn, copy_of):
    """The timeline named each step's taker by login name (li-3f2a); a user given a name (users add
    --name) is named by it, as a worker's account is by its worker record."""
    import uuid

    from gis import users

    slug = copy_of("huamao")
    leader = f"li-{uuid.uuid4().hex[:6]}"
    with db.transaction(conn) as cur:
        users.add_user(cur, leader, "leader", password=None, jurisdiction=slug, display_name="李芳")
    with db.transaction(conn, leader) as cur:
        case = store.add_case(cur, slug, category="garbage", description="垃圾桶满溢", at=(116.4790, 39.9090),
                              reporter=leader)
        store.transition(cur, case["id"], "rejected", case["version"], note="重复上报")
        told = store.get_case(cur, case["id"])
    assert told["reporter_name"] == "李芳"
    assert [(e["actor"], e["actor_name"]) for e in told["events"]] == [(leader, "李芳")] * 2


@pytest.mark.parametrize("name, why", [
    ("周敏\u202e", "U+202E"),  # turned the account beside it around: 周敏（2olr_kta）
    ("王芳\u200b", "U+200B"),  # a second 王芳 that read as the first
    ("张伟\n李强", "U+000A"),
    ("atk_c1,atk_c2", "a comma"),  # two walkers on the printed routes, one on the phones
])
def test_a_name_with_a_character_not_seen_or_a_comma_is_refused(conn, copy_of, name, why):
    """A worker's name (added, or in a package) and an account's name are read by people: none
    may hold a character that is not seen; a worker's, listed with commas, none of those."""
    import uuid

    from gis import users
    from gis.patrol.stewards_store import add_worker
    from gis.patrol.workers_package import import_workers
    from gis.store import find_jurisdiction

    slug = copy_of("huamao")
    with db.transaction(conn) as cur:
        before = scalar(conn, "SELECT count(*) FROM worker")
        with pytest.raises(InvalidInput) as added:
            add_worker(cur, slug, name, "volunteer")
        with pytest.raises(InvalidInput) as packaged:
            import_workers(cur, find_jurisdiction(cur, slug), [{"type": "Feature", "geometry": None,
                                                                "properties": {"name": name, "role": "volunteer"}}],
                           "worker.geojson")
        if why != "a comma":  # an account's name is not listed with commas
            with pytest.raises(InvalidInput) as account:
                users.add_user(cur, f"u-{uuid.uuid4().hex[:6]}", "leader", password=None, jurisdiction=slug,
                               display_name=name)
            assert why in str(account.value.problems)
    assert why in str(added.value.message)
    assert packaged.value.problems and scalar(conn, "SELECT count(*) FROM worker") == before


def test_street_vending_has_its_category_and_goes_to_urban_management(conn, copy_of):
    """占道经营, among the commonest street problems, was filed under 其他 and went to the community
    committee; it has a category of its own, sent to 城管, and 其他 stays last in the list."""
    slug = copy_of("huamao")
    with db.transaction(conn, "社区工作站") as cur:
        j = store.find_jurisdiction(cur, slug)
        codes = list(store.categories(cur, j.id))
        listed = [c["code"] for c in catalogue_store.catalogue(cur, slug)["categories"]]  # the forms' and filters'
        case = store.add_case(cur, slug, category="street_vending", description="水果摊占道", at=(116.4790, 39.9090))
        cur.execute("SELECT d.name_zh, k.name_zh FROM case_record c JOIN case_category k ON k.id = c.category_id"
                    " JOIN department d ON d.id = k.department_id WHERE c.id = %s", (case["id"],))
        department, name = cur.fetchone()
    assert "street_vending" in codes and codes[-1] == "other"
    assert "street_vending" in listed and listed[-1] == "other"
    assert (department, name) == ("城管执法队", "占道经营")


def test_a_building_is_found_however_its_number_is_written(conn, copy_of):
    """银桂苑3#楼 found no 银桂苑3号楼, though ledgers and tickets match them: a case is put at the
    building written 3#楼, ３号楼 (full width) or 3栋 as at 3号楼; one matching none is still refused."""
    slug = copy_of("huamao")
    with db.transaction(conn, "社区工作站") as cur:
        cur.execute("SELECT b.id FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
                    " WHERE j.slug = %s AND b.name = '电厂小区3号楼'", (slug,))
        (wanted,) = cur.fetchone()
        for spelt in ("电厂小区3#楼", "电厂小区３号楼", "电厂小区 3栋"):
            case = store.add_case(cur, slug, category="garbage", description="垃圾满溢", building=spelt)
            cur.execute("SELECT building_id FROM case_record WHERE id = %s", (case["id"],))
            assert cur.fetchone()[0] == wanted, spelt
        with pytest.raises(InvalidInput, match="has no building"):
            store.add_case(cur, slug, category="garbage", description="垃圾满溢", building="电厂小区99#楼")
