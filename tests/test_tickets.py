"""12345 tickets (接诉即办): a street office's export, GBK as Excel saves it, placed on buildings by
address (with the confidence), at GCJ-02 coordinates, or left unplaced; tickets elsewhere listed as
not ours; importing again changes nothing; bad files refused whole; feedback onto the cases."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gis import datasets, db
from gis.cases.tickets import Place, canonical, match_address, parse_tickets, parse_time
from gis.crs import wgs84_to_gcj02
from gis.errors import InvalidInput
from gis.importing import import_package
from tests.conftest import count

TZ = ZoneInfo("Asia/Shanghai")
HEADER = "工单编号,受理时间,诉求内容,地址,经度,纬度,类别\n"


def tickets_csv(path, rows, encoding="gbk", header=HEADER):
    path.write_bytes((header + "".join(",".join(r) + "\n" for r in rows)).encode(encoding))
    return path


@pytest.fixture(scope="module")
def slug(database_url):
    name = f"tickets-{uuid.uuid4().hex[:8]}"
    conn = db.connect(database_url)
    with db.transaction(conn) as cur:
        import_package(cur, datasets.dataset_path("huamao"), name)
    conn.close()
    return name


def _rows():
    glon, glat = wgs84_to_gcj02(116.4790, 39.9085)  # a point in the CBD block, as Gaode gives it
    olon, olat = wgs84_to_gcj02(116.3600, 39.9100)  # 西城区: not ours
    return [
        ["T001", "2025/3/1 9:05", "楼道里有人给电动车充电", "朝阳区八里庄街道电厂小区3#楼2单元", "", "",
         "电动车违规充电"],
        ["T002", "2025年3月2日 10时30分", "快递车辆占道停放", "住四小区2栋", "", "", "快递车辆乱停"],
        ["T003", "2025-03-03 08:00", "门口垃圾无人清运", "华贸公寓小区1号楼", "", "", "垃圾"],
        ["T004", "2025-03-04 12:00", "路灯不亮", "华贸商圈", f"{float(glon):.7f}", f"{float(glat):.7f}", "市容环境"],
        ["T005", "2025-03-05 18:20", "楼上噪音扰民", "某小区", "", "", "噪音"],
        ["T006", "2025-03-06 07:45", "井盖缺失", "西城区某路", f"{float(olon):.7f}", f"{float(olat):.7f}", "排水"],
    ]


# -- pure ---------------------------------------------------------------------------------------

def test_addresses_are_matched_with_a_confidence():
    places = [Place(1, "电厂小区3号楼", None, "电厂小区"), Place(2, "电厂小区13号楼", None, "电厂小区"),
              Place(3, "华贸公寓1号楼", "东三环北路甲1号", "华贸公寓小区"),
              Place(4, "华贸公寓2号楼", None, "华贸公寓小区")]
    assert canonical("电厂小区 3 #楼") == canonical("电厂小区３号楼") == "电厂小区3#"
    assert match_address("朝阳区电厂小区3#楼2单元501", places) == (1, "exact")
    assert match_address("电厂小区13栋", places) == (2, "exact")
    assert match_address("东三环北路甲1号院内", places) == (3, "exact")
    assert match_address("华贸公寓小区2号楼", places) == (4, "by_number")
    assert match_address("华贸公寓小区", places) == (None, "none")
    assert match_address("", places) == (None, "none")


@pytest.mark.parametrize("text", ["2025-03-01 09:05", "2025/3/1 9:05", "2025年3月1日 9时5分", "2025-03-01T09:05",
                                  "2025-03-01 09:05:00"])
def test_received_times_as_offices_write_them(text):
    assert parse_time(text, TZ) == datetime(2025, 3, 1, 9, 5, tzinfo=TZ)


def test_every_problem_of_a_file_is_listed_at_once():
    records = [{"工单编号": "A1", "受理时间": "昨天", "诉求内容": "x", "地址": "y"},
               {"工单编号": "A2", "受理时间": "2025-03-01 08:00", "诉求内容": "", "地址": "y"},
               {"工单编号": "A1", "受理时间": "2025-03-01 08:00", "诉求内容": "x", "地址": "y"},
               {"工单编号": "A3", "受理时间": "2099-03-01 08:00", "诉求内容": "x", "地址": "y"}]
    with pytest.raises(InvalidInput) as refused:
        parse_tickets(records, {}, TZ, datetime(2026, 1, 1, tzinfo=TZ))
    assert refused.value.problems == [
        "row 2: received time '昨天' is not a date and time (YYYY-MM-DD HH:MM)", "row 3: ticket A2 has no text",
        "rows 2 and 4 have the same ticket number A1",
        "row 5: received time 2099-03-01T08:00:00+08:00 is in the future"]


def test_urgency_in_the_words_offices_and_gridmap_s_own_report_use():
    """重要 (the yellow of gridmap's own monthly report, 紧急/重要/一般) was refused on import."""
    words = {"紧急": "red", "重要": "yellow", "较急": "yellow", "一般": "blue", "黄": "yellow", "": "blue"}
    records = [{"工单编号": f"U{k}", "受理时间": "2025-03-01 08:00", "诉求内容": "x", "地址": "y", "紧急程度": w}
               for k, w in enumerate(words)]
    tickets = parse_tickets(records, {}, TZ, datetime(2026, 1, 1, tzinfo=TZ))
    assert [t.urgency for t in tickets] == list(words.values())
    with pytest.raises(InvalidInput) as refused:
        parse_tickets([{**records[0], "紧急程度": "很急"}], {}, TZ, datetime(2026, 1, 1, tzinfo=TZ))
    assert "紧急/重要/一般" in refused.value.problems[0]


# -- into the database --------------------------------------------------------------------------

def test_a_gbk_export_is_placed_and_importing_again_changes_nothing(cli, slug, tmp_path, conn):
    path = tickets_csv(tmp_path / "工单.csv", _rows())
    first = json.loads(cli("cases", "import", slug, str(path), "--crs", "gcj02", "--json").stdout)
    placed = {c["ticket_no"]: c for c in first["created"]}
    assert sorted(placed) == ["T001", "T002", "T003", "T004", "T005"]
    assert (placed["T001"]["placed"], placed["T001"]["building"]) == ("exact", "电厂小区3号楼")
    assert (placed["T002"]["placed"], placed["T002"]["building"]) == ("exact", "住四小区2号楼")
    assert (placed["T003"]["placed"], placed["T003"]["building"]) == ("by_number", "华贸公寓1号楼")
    assert (placed["T004"]["placed"], placed["T004"]["grid"]) == ("coordinates", "110105015001004")
    assert placed["T005"]["placed"] == "none" and [u["ticket_no"] for u in first["unplaced"]] == ["T005"]
    assert [n["ticket_no"] for n in first["not_ours"]] == ["T006"]
    assert first["placed"] == {"exact": 2, "by_number": 1, "coordinates": 1}
    assert placed["T001"]["category"] == "ebike_charging" and placed["T004"]["category"] == "other"
    assert [c["ticket_no"] for c in first["categories_not_recognised"]] == ["T004"]
    with db.transaction(conn) as cur:
        cur.execute("SELECT reported_at, source, state FROM case_record WHERE ticket_no = 'T002'"
                    " AND jurisdiction_id = (SELECT id FROM jurisdiction WHERE slug = %s)", (slug,))
        assert cur.fetchone() == (datetime(2025, 3, 2, 10, 30, tzinfo=TZ), "hotline", "reported")
    before = count(conn, "case_record", slug), count(conn, "case_event", slug)
    again = json.loads(cli("cases", "import", slug, str(path), "--crs", "gcj02", "--encoding", "GBK",
                           "--json").stdout)
    assert again["created"] == [] and len(again["already_there"]) == 5 and len(again["not_ours"]) == 1
    assert (count(conn, "case_record", slug), count(conn, "case_event", slug)) == before
    text = cli("cases", "import", slug, str(path), "--crs", "gcj02").stdout
    assert "0 tickets written, 5 already there" in text and "not ours: row 7 ticket T006" in text


def test_a_workbook_is_read_too(cli, slug, tmp_path):
    import pandas as pd
    import pyogrio

    frame = pd.DataFrame({"工单编号": ["X100"], "受理时间": ["2025-04-01 09:00"], "诉求内容": ["井盖松动"],
                          "地址": ["柴家湾小区2号楼"], "类别": ["排水"]})
    pyogrio.write_dataframe(frame, tmp_path / "tickets.xlsx", driver="XLSX")
    out = json.loads(cli("cases", "import", slug, str(tmp_path / "tickets.xlsx"), "--json").stdout)
    assert out["created"][0]["building"] == "柴家湾小区2号楼" and out["created"][0]["category"] == "drainage"


@pytest.mark.parametrize("name, content, message", [
    ("missing.csv", "工单编号,诉求内容,地址\nM1,x,y\n", "the file has no column for received"),
    ("twice.csv", HEADER + "D1,2025-03-01 08:00,x,y,,,\nD1,2025-03-01 09:00,z,y,,,\n",
     "rows 2 and 3 have the same ticket number D1"),
    ("bad-date.csv", HEADER + "B1,2025-02-30 08:00,x,y,,,\nB2,2025-03-01 08:00,x,y,,,\n",
     "row 2: received time '2025-02-30 08:00' is not a date and time"),
    ("fake.xlsx", "工单编号,受理时间\n", "fake.xlsx is not an Excel workbook (.xlsx)"),
    ("tickets.txt", "x", "a ticket file is a .csv, .xlsx or .ods file"),
])
def test_bad_files_are_refused_whole(cli, slug, tmp_path, conn, name, content, message):
    path = tmp_path / name
    path.write_bytes(content.encode("gbk"))
    before = count(conn, "case_record", slug)
    proc = cli("cases", "import", slug, str(path), check=False)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert count(conn, "case_record", slug) == before


def test_feedback_updates_the_cases_of_its_tickets(cli, slug, tmp_path, conn):
    cli("cases", "import", slug, str(tickets_csv(tmp_path / "t.csv", _rows())), "--crs", "gcj02")
    path = tmp_path / "回访.csv"
    path.write_bytes("工单编号,满意度,是否解决\nT001,满意,已解决\nT002,不满意,否\nT999,满意,是\n".encode("gbk"))
    out = json.loads(cli("cases", "feedback", slug, str(path), "--json").stdout)
    assert [u["ticket_no"] for u in out["updated"]] == ["T001", "T002"] and out["unknown"][0]["ticket_no"] == "T999"
    with db.transaction(conn) as cur:
        cur.execute("SELECT ticket_no, satisfaction, solved FROM case_record WHERE ticket_no IN ('T001', 'T002')"
                    " AND jurisdiction_id = (SELECT id FROM jurisdiction WHERE slug = %s) ORDER BY 1", (slug,))
        assert cur.fetchall() == [("T001", "satisfied", True), ("T002", "dissatisfied", False)]
    bad = tmp_path / "bad.csv"
    bad.write_text("工单编号,满意度\nT001,还行\n", encoding="utf-8")
    proc = cli("cases", "feedback", slug, str(bad), check=False)
    assert proc.returncode == 2 and "satisfaction '还行' is not 满意, 基本满意 or 不满意" in proc.stderr
