"""``gridmap import file … --replace``: a layer imported wrongly is taken back whole, in the same
transaction as the import that replaces it; refused, writing nothing, while check-ins, cases or
walks are recorded against its features (they would be lost with them)."""

from __future__ import annotations

import json
import re

from gis import db
from gis.layers import LAYERS
from gis.replacing import RECORDS_ON
from tests.conftest import count, scalar
from tests.test_import_export import zones

# Tables whose rows hang on a layer's features but are derived from them (rebuilt with them).
DERIVED = {"building_feature"}  # its GeoJSON text, kept by a trigger
REPLACEABLE = [name for name, layer in LAYERS.items() if layer.writable and name != "grid"]


def _import(cli, path, slug, layer, *extra, check=True):
    return cli("import", "file", str(path), "--jurisdiction", slug, "--layer", layer, *extra, check=check)


def test_a_wrong_import_is_replaced_whole(conn, copy_of, cli, tmp_path):
    slug = copy_of()
    wrong, right = tmp_path / "wrong.geojson", tmp_path / "right.geojson"
    zones(2).to_file(wrong, engine="pyogrio")
    zones(3, origin=(116.48021, 39.91100)).to_file(right, engine="pyogrio")
    _import(cli, wrong, slug, "courier_zone", "--map", "名称=name")
    before = count(conn, "courier_zone", slug)
    out = json.loads(_import(cli, right, slug, "courier_zone", "--map", "名称=name", "--replace", "--json").stdout)
    assert out["counts"] == {"courier_zone": 3}
    assert f"replaced: {before} courier_zone deleted first" in out["notes"], out["notes"]
    assert count(conn, "courier_zone", slug) == 3
    assert scalar(conn, "SELECT count(*) FROM courier_zone z JOIN jurisdiction j ON j.id = z.jurisdiction_id"
                        " WHERE j.slug = %s AND z.name LIKE 'zone %%'", slug) == 3


def test_a_replacing_file_that_is_refused_deletes_nothing(conn, copy_of, cli, tmp_path):
    """Refused before the delete (a file of zones kilometres away) or after it (a zone of -5
    bays, found when the rows are checked): the zones stored stay, every one."""
    slug = copy_of()
    before = count(conn, "courier_zone", slug)
    far, bad = tmp_path / "far.geojson", tmp_path / "bad.geojson"
    zones(2, origin=(116.60, 39.95)).to_file(far, engine="pyogrio")  # kilometres outside Huamao
    proc = _import(cli, far, slug, "courier_zone", "--map", "名称=name", "--replace", check=False)
    assert proc.returncode == 2 and "reach outside" in proc.stderr, proc.stderr
    negative = zones(2)
    negative["bays"] = [3, -5]
    negative.to_file(bad, engine="pyogrio")
    proc = _import(cli, bad, slug, "courier_zone", "--map", "名称=name", "--map", "bays=capacity", "--replace",
                   check=False)
    assert proc.returncode == 2 and "capacity" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert count(conn, "courier_zone", slug) == before > 0


def test_a_draft_holding_the_zones_as_they_were_is_named(conn, copy_of, cli, tmp_path):
    """Courier zones are part of a layout: a draft made before the import would put the old ones
    back when published, and the import says which drafts hold them."""
    from gis.grids.layouts import create_draft

    slug = copy_of()
    with db.transaction(conn) as cur:
        draft = create_draft(cur, slug, "before the zones came")
    path = tmp_path / "zones.geojson"
    zones(2).to_file(path, engine="pyogrio")
    out = json.loads(_import(cli, path, slug, "courier_zone", "--map", "名称=name", "--replace", "--json").stdout)
    assert any(n.startswith(f"drafts {draft} hold the courier_zone") for n in out["notes"]), out["notes"]


def test_buildings_with_check_ins_or_streets_with_walks_are_not_replaced(conn, copy_of, cli, tmp_path, monkeypatch):
    slug = copy_of()
    with db.transaction(conn) as cur:
        cur.execute("INSERT INTO visit (jurisdiction_id, building_id, worker, day, kind)"
                    " SELECT b.jurisdiction_id, b.id, '王芳', current_date, 'small' FROM building b"
                    " JOIN jurisdiction j ON j.id = b.jurisdiction_id WHERE j.slug = %s LIMIT 2", (slug,))
        cur.execute("INSERT INTO patrol_track (jurisdiction_id, worker, day, points, matched_points, geom)"
                    " SELECT e.jurisdiction_id, '王芳', current_date, 2, 2, ST_Multi(e.geom) FROM street_edge e"
                    " JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = %s LIMIT 1 RETURNING id", (slug,))
        (track,) = cur.fetchone()
        cur.execute("INSERT INTO patrol_walked (track_id, edge_id, walked_m) SELECT %s, e.id, e.length_m"
                    " FROM street_edge e JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = %s LIMIT 1",
                    (track, slug))
    files = tmp_path / "export"
    cli("export", slug, "-o", str(files))
    for layer, file, said in (("building", "building.geojson", "2 check-ins"),
                              ("street_edge", "street_edge.geojson", "1 walks")):
        before = count(conn, layer, slug)
        proc = _import(cli, files / file, slug, layer, "--replace", check=False)
        assert proc.returncode == 2 and "cannot be replaced" in proc.stderr and said in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
        assert count(conn, layer, slug) == before
    monkeypatch.setenv("GRIDMAP_LANG", "zh")  # said in the command line's language, each kind of record too
    proc = _import(cli, files / "building.geojson", slug, "building", "--replace", check=False)
    assert "不能替换" in proc.stderr and "2 次走访签到" in proc.stderr and "check-ins" not in proc.stderr, proc.stderr


def test_grids_are_not_replaced_by_an_import(conn, copy_of, cli, tmp_path):
    slug = copy_of()
    files = tmp_path / "export"
    cli("export", slug, "-o", str(files))
    before = count(conn, "grid", slug)
    proc = _import(cli, files / "grid.geojson", slug, "grid", "--replace", check=False)
    assert proc.returncode == 2 and "publish" in proc.stderr, proc.stderr
    assert count(conn, "grid", slug) == before


def test_every_record_on_a_replaceable_layer_is_counted(conn):
    """Every foreign key to a layer --replace deletes is counted by that layer's query (or is a
    table derived from the layer): a table added later cannot lose its rows to a replace unseen."""
    with conn.cursor() as cur:
        cur.execute("SELECT confrelid::regclass::text, conrelid::regclass::text FROM pg_constraint"
                    " WHERE contype = 'f' AND confrelid::regclass::text = ANY(%s)", (REPLACEABLE,))
        refs = cur.fetchall()
    conn.rollback()
    assert refs, "no foreign keys found"
    counted = {layer: set(re.findall(r"FROM (\w+)", db.read_sql(f))) for layer, f in RECORDS_ON.items()}
    missing = [(layer, table) for layer, table in refs
               if table not in DERIVED | counted.get(layer, set()) | {layer}]
    assert missing == []


def test_an_import_says_what_it_wrote_in_the_command_line_s_language(conn, copy_of, cli, tmp_path, monkeypatch):
    """Under GRIDMAP_LANG=zh an import's result, notes and progress are in Chinese (only its
    errors were: a planner read "2 courier_zone written" and "note: clipped to …")."""
    slug = copy_of()
    path = tmp_path / "zones.geojson"
    zones(2).to_file(path, engine="pyogrio")
    monkeypatch.setenv("GRIDMAP_LANG", "zh")
    proc = _import(cli, path, slug, "courier_zone", "--map", "名称=name", "--replace")
    assert f"{slug}：已写入 2 个 courier_zone" in proc.stdout, proc.stdout
    assert "提示：替换：先删除了" in proc.stdout and "提示：忽略的列（无此属性）：bays" in proc.stdout, proc.stdout
    assert "zones.geojson：读取 2 个要素" in proc.stderr and "courier_zone：已检查 2 个" in proc.stderr, proc.stderr
    assert "written" not in proc.stdout and "note:" not in proc.stdout


def test_a_generated_draft_is_reported_in_the_command_line_s_language(copy_of, cli, monkeypatch):
    """A planner under GRIDMAP_LANG=zh reads the draft's check in Chinese, grid by grid."""
    slug = copy_of()
    monkeypatch.setenv("GRIDMAP_LANG", "zh")
    out = cli("grids", "generate", slug, "--households-per-grid", "300").stdout
    assert out.startswith("草案 ") and "目标每格 " in out and " 户，" in out and "紧凑度" in out, out
    assert "households" not in out and "compactness" not in out
