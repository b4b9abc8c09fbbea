"""Export and import: packages round-trip, single layers in several formats, bad files refused."""

import json
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from gis import db
from gis.exporting import export_geojson, export_gpkg
from gis.importing import import_package
from tests.conftest import count, scalar

LAYERS = ("compound", "grid", "building", "courier_zone", "post_station", "street_edge")


def snapshot(conn, slug):
    """Every feature of a jurisdiction, by layer: sorted (properties, geometry) pairs."""
    out = {}
    with conn.cursor() as cur:
        for layer in LAYERS:
            cur.execute(f"SELECT to_jsonb(t) - 'id' - 'jurisdiction_id' - 'version' - 'updated_at'"
                        f" - 'geom' - 'grid_id' - 'building_id' - 'source' - 'target',"
                        f" ST_AsText(ST_SnapToGrid(t.geom, 1e-7)) FROM {layer} t"
                        f" JOIN jurisdiction j ON j.id = t.jurisdiction_id WHERE j.slug = %s",
                        (slug,))
            out[layer] = sorted((json.dumps(p, sort_keys=True, ensure_ascii=False), g)
                                for p, g in cur.fetchall())
        cur.execute("SELECT b.name, s.name FROM post_station s JOIN building b ON b.id ="
                    " s.building_id JOIN jurisdiction j ON j.id = s.jurisdiction_id"
                    " WHERE j.slug = %s ORDER BY 2", (slug,))
        out["station_building"] = cur.fetchall()
    conn.rollback()
    return out


@pytest.mark.parametrize("fmt", ["gpkg", "geojson"])
def test_export_then_import_gives_the_same_features(conn, tmp_path, fmt):
    target = tmp_path / ("huamao.gpkg" if fmt == "gpkg" else "huamao")
    with db.transaction(conn, snapshot=True) as cur:
        counts = (export_gpkg if fmt == "gpkg" else export_geojson)(cur, "huamao", target)
    assert counts["building"] == 32
    slug = f"roundtrip-{fmt}"
    with db.transaction(conn) as cur:
        import_package(cur, target, slug)
    assert snapshot(conn, slug) == snapshot(conn, "huamao")
    s = scalar(conn, "SELECT households FROM jurisdiction WHERE slug = %s", slug)
    assert s == 1733


@pytest.mark.parametrize("fmt", ["gpkg", "geojson"])
def test_a_package_keeps_how_its_walkers_patrol(conn, copy_of, cli, tmp_path, fmt):
    slug = copy_of()
    cli("jurisdiction", "update", slug, "--patrol", "by_grid")
    target = tmp_path / ("p.gpkg" if fmt == "gpkg" else "p")
    with db.transaction(conn, snapshot=True) as cur:
        (export_gpkg if fmt == "gpkg" else export_geojson)(cur, slug, target)
    with db.transaction(conn) as cur:
        import_package(cur, target, f"{slug}-back")
    assert scalar(conn, "SELECT patrol FROM jurisdiction WHERE slug = %s", f"{slug}-back") == "by_grid"
    bad = cli("jurisdiction", "update", slug, "--patrol", "weekly", check=False)
    assert bad.returncode == 2 and "shared, by_grid" in bad.stderr and "weekly" in bad.stderr, bad.stderr


def test_gpkg_has_one_layer_per_table(conn, tmp_path, cli):
    out = tmp_path / "x.gpkg"
    cli("export", "huamao", "-o", str(out))
    import pyogrio
    names = {row[0] for row in pyogrio.list_layers(out)}
    assert names == {"jurisdiction", "compound", "grid", "building", "courier_zone",
                     "post_station", "candidate_site", "street_edge", "street_node", "case_record"}


def test_a_geopackage_carries_the_workers_and_the_cases(conn, copy_of, tmp_path):
    """A GeoPackage takes a jurisdiction's people and cases with it, as a folder does: loaded
    again, the workers and every case — its place or none (a 12345 ticket not placed yet), its
    answers, each step with who took it and when, and when it was written where that was later —
    are as they were. A case whose steps are no list names itself and loads nothing."""
    from datetime import UTC, datetime, timedelta

    import pyogrio

    from gis.cases import store
    from gis.cases.package import case_features
    from gis.errors import InvalidInput
    from gis.patrol.stewards_store import add_worker
    from gis.patrol.workers_package import worker_features
    from gis.store import find_jurisdiction

    slug = copy_of()
    hours_ago = datetime.now(UTC) - timedelta(hours=3)
    with db.transaction(conn, "lead") as cur:
        add_worker(cur, slug, "钱社工", "social_worker", home=(116.48, 39.9115), grid="110105015001002")
        add_worker(cur, slug, "孙志愿者", "volunteer")
        ticket = store.add_case(cur, slug, category="garbage", description="来电：垃圾桶满溢", source="hotline",
                                ticket_no="GD-2026-0001", reported_at=hours_ago)
        store.transition(cur, ticket["id"], "accepted", ticket["version"], at=hours_ago + timedelta(minutes=5))
    out = tmp_path / "x.gpkg"
    with db.transaction(conn, snapshot=True) as cur:
        counts = export_gpkg(cur, slug, out)
    assert counts["worker"] == 2 and counts["case_record"] == 421
    typed = pyogrio.read_info(out, layer="case_record")
    assert dict(zip(typed["fields"], typed["dtypes"], strict=True))["solved"] == "bool"  # a yes/no, some empty

    def kept(of):
        with db.transaction(conn, snapshot=True) as cur:
            j = find_jurisdiction(cur, of)
            cases = [{k: v for k, v in f.items() if k != "id"} for f in case_features(cur, j)]
            return worker_features(cur, j), sorted(cases, key=lambda f: json.dumps(f, sort_keys=True))

    with db.transaction(conn) as cur:
        report = import_package(cur, out, f"{slug}-again")
    assert report.counts["worker"] == 2 and report.counts["case_record"] == 421
    assert not any("ignored" in n for n in report.notes), report.notes
    workers, cases = kept(f"{slug}-again")
    assert (workers, cases) == kept(slug)
    placed_not = [f for f in cases if f["properties"].get("ticket_no") == "GD-2026-0001"]
    assert placed_not[0]["geometry"] is None and "recorded" in placed_not[0]["properties"]["steps"][1]

    # declared GCJ-02 (--crs gcj02): the case points and the office move as the boundary does
    from gis.crs import gcj02_to_wgs84
    from gis.importing import _jurisdiction_feature
    from gis.package_features import read_features

    moved, where = read_features(out, "case_record", "gcj02")
    stored = pyogrio.read_dataframe(out, layer="case_record").geometry.values  # the same rows, as written
    assert where == "case_record (x.gpkg)" and len(moved) == len(stored) == 421
    pairs = [(f["geometry"]["coordinates"], gcj02_to_wgs84(g.x, g.y))
             for f, g in zip(moved, stored, strict=True) if g is not None]
    assert len(pairs) == 420 and all(got == pytest.approx(list(want), abs=1e-7) for got, want in pairs)
    props, _ = _jurisdiction_feature(out, "gcj02")
    with conn.cursor() as cur:
        cur.execute("SELECT ST_X(office), ST_Y(office) FROM jurisdiction WHERE slug = %s", (slug,))
        office = cur.fetchone()
    conn.rollback()
    assert (props["office_lon"], props["office_lat"]) == pytest.approx(gcj02_to_wgs84(*office), abs=1e-7)

    # a worker table with no place and no CRS loads; broken steps name their case and load nothing
    workers_only = pyogrio.read_dataframe(out, layer="worker", read_geometry=False)
    pyogrio.write_dataframe(workers_only, out, layer="worker", driver="GPKG")
    frame = pyogrio.read_dataframe(out, layer="case_record")
    frame = frame.astype({"solved": "boolean"})  # read with gaps as real numbers: written back a yes/no
    original = list(frame["steps"][:3])
    steps = [json.loads(t) for t in original]
    del steps[1][0]["at"]
    steps[2][0]["actor"] = 7
    frame.loc[:2, "steps"] = ["not JSON", json.dumps(steps[1]), json.dumps(steps[2])]
    pyogrio.write_dataframe(frame, out, layer="case_record", driver="GPKG")
    with pytest.raises(InvalidInput, match=r"case_record \(x.gpkg\)") as caught:
        with db.transaction(conn) as cur:
            import_package(cur, out, f"{slug}-bad")
    assert "case 1 of case_record (x.gpkg): its steps must begin with reported" in str(caught.value)
    frame.loc[0, "steps"] = json.dumps(steps[0])
    pyogrio.write_dataframe(frame, out, layer="case_record", driver="GPKG")
    with pytest.raises(InvalidInput, match=r"case_record \(x.gpkg\) cannot be loaded") as caught:
        with db.transaction(conn) as cur:
            import_package(cur, out, f"{slug}-bad")
    said = [str(p) for p in caught.value.problems]
    assert said == [f"case {n} of case_record (x.gpkg), step 1: a step is an object with at, to and actor"
                    for n in (2, 3)], said
    assert scalar(conn, "SELECT count(*) FROM jurisdiction WHERE slug = %s", f"{slug}-bad") == 0
    frame.loc[:2, "steps"] = original
    pyogrio.write_dataframe(frame, out, layer="case_record", driver="GPKG")
    with db.transaction(conn) as cur:
        assert import_package(cur, out, f"{slug}-table").counts["worker"] == 2


def zones(n, origin=(116.48021, 39.91090)):
    """Small zones side by side in Huamao's open space north of the CBD (off every building)."""
    x, y = origin
    return gpd.GeoDataFrame({"名称": [f"zone {i}" for i in range(n)], "bays": list(range(n))},
                            geometry=[box(x + i * 0.00008, y, x + i * 0.00008 + 0.00005, y + 0.00005)
                                      for i in range(n)], crs=4326)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp.zip"])
def test_import_layer_with_column_mapping(conn, copy_of, cli, tmp_path, fmt):
    slug = copy_of()
    before = count(conn, "courier_zone", slug)
    path = tmp_path / f"zones.{fmt}"
    frame = zones(3)
    if fmt == "shp.zip":
        shp = tmp_path / "zones.shp"
        frame.to_file(shp, engine="pyogrio")
        with zipfile.ZipFile(path, "w") as z:
            for part in tmp_path.glob("zones.*"):
                if part.suffix != ".zip":
                    z.write(part, part.name)
    else:
        frame.to_file(path, engine="pyogrio")
    out = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone",
              "--map", "名称=name", "--map", "bays=capacity", "--json")
    assert json.loads(out.stdout)["counts"] == {"courier_zone": 3}
    assert count(conn, "courier_zone", slug) == before + 3
    assert scalar(conn, "SELECT capacity FROM courier_zone WHERE name = 'zone 2' AND"
                        " jurisdiction_id = (SELECT id FROM jurisdiction WHERE slug = %s)", slug) == 2


def test_a_file_that_declares_its_crs_needs_no_flag(conn, copy_of, cli, tmp_path):
    slug = copy_of()
    path = tmp_path / "zones_3857.gpkg"
    zones(2).to_crs(3857).to_file(path, engine="pyogrio")
    before = count(conn, "courier_zone", slug)
    out = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone",
              "--map", "名称=name", "--json")
    assert "transformed from EPSG:3857 to WGS84" in json.loads(out.stdout)["notes"]
    assert count(conn, "courier_zone", slug) == before + 2
    # the same places as the WGS84 original, to a centimetre
    got = scalar(conn, "SELECT ST_AsText(ST_SnapToGrid(ST_Centroid(ST_Collect(geom)), 1e-7)) FROM courier_zone"
                       " WHERE jurisdiction_id = (SELECT id FROM jurisdiction WHERE slug = %s)"
                       " AND name LIKE 'zone %%'", slug)
    want = zones(2).geometry.union_all().centroid
    lon, lat = map(float, got.removeprefix("POINT(").removesuffix(")").split())
    assert abs(lon - want.x) < 2e-7 and abs(lat - want.y) < 2e-7


def test_a_wrongly_declared_crs_is_overridden_by_crs(conn, copy_of, cli, tmp_path):
    """A file that claims WGS84 but holds Web Mercator metres: --crs says what it really is."""
    slug = copy_of()
    path = tmp_path / "zones_mislabelled.gpkg"
    frame = zones(2).to_crs(3857)
    frame.set_crs(4326, allow_override=True).to_file(path, engine="pyogrio")
    before = count(conn, "courier_zone", slug)
    refused = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone",
                  "--map", "名称=name", check=False)
    assert refused.returncode == 2 and count(conn, "courier_zone", slug) == before
    cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone",
        "--map", "名称=name", "--crs", "EPSG:3857")
    assert count(conn, "courier_zone", slug) == before + 2


def test_gcj02_data_are_shifted_back_to_wgs84(conn, copy_of, cli, tmp_path):
    from gis.crs import wgs84_to_gcj02

    slug = copy_of()
    lon, lat = 116.4790, 39.9090
    glon, glat = wgs84_to_gcj02(lon, lat)
    path = tmp_path / "locker.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [glon, glat]},
        "properties": {"name": "高德坐标快递柜", "kind": "parcel_locker"}}]}, ensure_ascii=False))
    cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "post_station",
        "--crs", "gcj02")
    wkt = scalar(conn, "SELECT ST_AsText(geom) FROM post_station WHERE name = '高德坐标快递柜'")
    assert shapely.from_wkt(wkt).distance(Point(lon, lat)) < 1e-7


def test_one_bad_feature_writes_nothing(conn, copy_of, cli, tmp_path):
    slug = copy_of()
    frame = zones(3)
    frame.loc[1, "geometry"] = box(117.5, 39.5, 117.6, 39.6)  # far outside
    path = tmp_path / "zones.geojson"
    frame.to_file(path, engine="pyogrio")
    before = count(conn, "courier_zone", slug)
    out = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone",
              "--map", "名称=name", check=False)
    assert out.returncode == 2
    assert "feature 2" in out.stderr and "outside jurisdiction" in out.stderr
    assert count(conn, "courier_zone", slug) == before


@pytest.mark.parametrize("content, message", [
    (b"SQLite format 3\x00" + b"\x00" * 200, "cannot read"),
    (b"", "cannot read"),
])
def test_corrupt_gpkg_is_refused(conn, cli, tmp_path, content, message):
    path = tmp_path / "broken.gpkg"
    path.write_bytes(content)
    n = count(conn, "jurisdiction")
    out = cli("import", "file", str(path), "--jurisdiction", "broken", check=False)
    assert out.returncode == 2 and message in out.stderr
    assert count(conn, "jurisdiction") == n


def test_truncated_gpkg_export_is_refused(conn, cli, tmp_path):
    good = tmp_path / "good.gpkg"
    with db.transaction(conn, snapshot=True) as cur:
        export_gpkg(cur, "xinghuananli", good)
    data = good.read_bytes()
    bad = tmp_path / "truncated.gpkg"
    bad.write_bytes(data[: len(data) // 2])
    n = count(conn, "jurisdiction")
    out = cli("import", "file", str(bad), "--jurisdiction", "truncated", check=False)
    assert out.returncode == 2 and "truncated.gpkg" in out.stderr
    assert count(conn, "jurisdiction") == n


def test_unknown_layer_and_jurisdiction(cli, tmp_path):
    path = tmp_path / "z.geojson"
    zones(1).to_file(path, engine="pyogrio")
    out = cli("import", "file", str(path), "--jurisdiction", "huamao", "--layer", "castle",
              check=False)
    assert out.returncode == 2 and "unknown layer 'castle'" in out.stderr
    out = cli("import", "file", str(path), "--jurisdiction", "nowhere", "--layer",
              "courier_zone", check=False)
    assert out.returncode == 2 and "unknown jurisdiction 'nowhere'" in out.stderr


def test_replacing_with_a_bad_package_keeps_the_old_jurisdiction(conn, copy_of, tmp_path):
    import shutil

    from gis import datasets
    from gis.errors import InvalidInput

    slug = copy_of()
    package = tmp_path / "pkg"
    shutil.copytree(datasets.dataset_path("huamao"), package)
    zones_file = package / "courier_zone.geojson"
    data = json.loads(zones_file.read_text(encoding="utf-8"))
    data["features"][0]["geometry"] = box(117.5, 39.5, 117.6, 39.6).__geo_interface__
    zones_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    history = scalar(conn, "SELECT count(*) FROM history")
    with pytest.raises(InvalidInput, match="outside jurisdiction"):
        with db.transaction(conn) as cur:
            import_package(cur, package, slug, replace=True)
    assert count(conn, "building", slug) == 32 and count(conn, "courier_zone", slug) == 3
    assert scalar(conn, "SELECT count(*) FROM history") == history


def test_a_package_carries_its_workers(conn, copy_of, tmp_path):
    """The people of a jurisdiction (their names, roles, grids and homes) leave with its package
    and come back with it: the cases given to them replay only if they do. A package with a
    worker of no known role, or of a grid it does not have, loads nothing and names the worker."""
    from gis.errors import InvalidInput
    from gis.patrol.stewards_store import add_worker

    slug = copy_of()
    with db.transaction(conn) as cur:
        add_worker(cur, slug, "钱社工", "social_worker", home=(116.48, 39.9115), grid="110105015001002")
        add_worker(cur, slug, "孙志愿者", "volunteer")
    package = tmp_path / "pkg"
    with db.transaction(conn, snapshot=True) as cur:
        assert export_geojson(cur, slug, package)["worker"] == 2

    def workers(of):
        with conn.cursor() as cur:
            cur.execute("SELECT w.name, w.role, g.code, ST_AsText(w.geom) FROM worker w LEFT JOIN grid g ON"
                        " g.id = w.grid_id JOIN jurisdiction j ON j.id = w.jurisdiction_id WHERE j.slug = %s"
                        " ORDER BY w.name", (of,))
            found = cur.fetchall()
        conn.rollback()
        return found

    with db.transaction(conn) as cur:
        assert import_package(cur, package, f"{slug}-again").counts["worker"] == 2
    assert workers(f"{slug}-again") == workers(slug) == [
        ("孙志愿者", "volunteer", None, None), ("钱社工", "social_worker", "110105015001002", "POINT(116.48 39.9115)")]

    data = json.loads((package / "worker.geojson").read_text(encoding="utf-8"))
    data["features"][0]["properties"]["role"] = "boss"
    data["features"][1]["properties"]["grid"] = "110105015001999"
    data["features"] += [{"type": "Feature", "geometry": "home", "properties": {"name": "甲", "role": "volunteer"}},
                         {"type": "Feature", "geometry": None, "properties": ["乙"]},
                         {"type": "Feature", "geometry": {"type": "Point", "coordinates": [True, False]},
                          "properties": {"name": {"x": 1}, "role": "volunteer", "grid": ["001"]}},
                         {"type": "Feature", "geometry": None, "properties": {"name": "丙\u0000", "role": "volunteer"}}]
    (package / "worker.geojson").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InvalidInput, match="worker.geojson cannot be loaded") as caught:
        with db.transaction(conn) as cur:
            import_package(cur, package, f"{slug}-bad")
    said = [str(p) for p in caught.value.problems]
    assert any(p.startswith("worker 1 of worker.geojson: role must be one of") and "'boss'" in p for p in said), said
    assert any(p.startswith("worker 2 of worker.geojson:") and "110105015001999" in p for p in said), said
    assert "worker 3 of worker.geojson: a home is a point in longitude and latitude" in said
    assert "worker 4 of worker.geojson: a feature with properties" in said
    assert {"worker 5 of worker.geojson: a home is a point in longitude and latitude",
            "worker 5 of worker.geojson: a worker needs a name"} <= set(said), said
    assert any(p.startswith("worker 5 of worker.geojson:") and "no grid ['001']" in p for p in said), said
    assert "the name of worker 6 of worker.geojson cannot contain the NUL character (U+0000)" in said, said
    assert scalar(conn, "SELECT count(*) FROM jurisdiction WHERE slug = %s", f"{slug}-bad") == 0
    # exported again into the same folder with nobody left: the workers of before are not kept there
    with db.transaction(conn) as cur:
        cur.execute("DELETE FROM worker WHERE jurisdiction_id = (SELECT id FROM jurisdiction WHERE slug = %s)", (slug,))
    with db.transaction(conn, snapshot=True) as cur:
        assert export_geojson(cur, slug, package)["worker"] == 0
    assert json.loads((package / "worker.geojson").read_text(encoding="utf-8"))["features"] == []


def test_streets_from_a_file_join_the_stored_ones_where_they_meet(conn, copy_of, cli, tmp_path):
    """A lane drawn to end on a stored street (30 cm short of it, as drawings are) and one across
    another: both joined to the network, the stored streets split there (the first piece keeping
    its id), and the patrol route walks them (each was a piece of its own, left out of the route
    without a word)."""
    import math

    slug = copy_of()
    rows = conn.cursor()
    rows.execute("SELECT e.id, ST_X(ST_LineInterpolatePoint(e.geom, 0.5)), ST_Y(ST_LineInterpolatePoint(e.geom, 0.5)),"
                 " degrees(ST_Azimuth(ST_StartPoint(e.geom), ST_EndPoint(e.geom))) FROM street_edge e"
                 " JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = %s AND ST_NPoints(e.geom) = 2"
                 " AND ST_Covers(j.geom, ST_Buffer(e.geom::geography, 30)::geometry)"  # lanes off it inside
                 " ORDER BY e.length_m DESC LIMIT 2", (slug,))
    (t_id, tx, ty, t_az), (x_id, xx, xy, x_az) = rows.fetchall()
    conn.rollback()

    def off(x, y, azimuth_deg, metres):  # a point ``metres`` from (x, y) across a street of that azimuth
        a = math.radians(azimuth_deg + 90)
        return [x + metres * math.sin(a) / (111_320 * math.cos(math.radians(y))), y + metres * math.cos(a) / 111_320]

    with conn.cursor() as cur:  # the T street walked whole before: a walk on record along it
        cur.execute("INSERT INTO patrol_track (jurisdiction_id, worker, day, points, matched_points, geom)"
                    " SELECT e.jurisdiction_id, '王芳', current_date, 2, 2, ST_Multi(e.geom) FROM street_edge e"
                    " WHERE e.id = %s RETURNING id", (t_id,))
        (track,) = cur.fetchone()
        cur.execute("INSERT INTO patrol_walked (track_id, edge_id, walked_m) SELECT %s, id, length_m FROM street_edge"
                    " WHERE id = %s RETURNING walked_m", (track, t_id))
        (walked,) = cur.fetchone()
    conn.commit()
    lanes = {"T-lane": [off(tx, ty, t_az, 25), off(tx, ty, t_az, 0.3)],
             "crossing lane": [off(xx, xy, x_az, -15), off(xx, xy, x_az, 15)]}
    path = tmp_path / "lanes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n}, "geometry": {"type": "LineString", "coordinates": c}}
        for n, c in lanes.items()]}, ensure_ascii=False))
    before = count(conn, "street_edge", slug)
    out = json.loads(cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "street_edge",
                         "--json").stdout)
    assert out["counts"] == {"street_edge": 3}  # the crossing lane cut in two
    assert any("1 ends joined" in n and "2 streets stored already split" in n for n in out["notes"]), out["notes"]
    assert count(conn, "street_edge", slug) == before + 3 + 2
    assert scalar(conn, "SELECT count(*) FROM street_edge WHERE id IN (%s, %s)", t_id, x_id) == 2  # kept their ids
    # the walk along the T street shared between its two pieces by length, none lost
    with conn.cursor() as cur:
        cur.execute("SELECT w.walked_m, e.length_m FROM patrol_walked w JOIN street_edge e ON e.id = w.edge_id"
                    " WHERE w.track_id = %s ORDER BY e.id", (track,))
        shared = cur.fetchall()
    conn.rollback()
    assert len(shared) == 2 and abs(sum(m for m, _ in shared) - walked) < 0.01
    assert all(abs(m - length) < 0.5 for m, length in shared)  # each piece walked as long as it is
    route = json.loads(cli("patrol", "route", slug, "--json").stdout)
    assert route["unreachable_edges"] == []
    walked = {e for r in route["routes"] for e in r["edges"]}
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM street_edge WHERE name IN ('T-lane', 'crossing lane')")
        lanes_stored = {r[0] for r in cur.fetchall()}
    conn.rollback()
    assert len(lanes_stored) == 3 and lanes_stored <= walked
    # the same lanes again: refused (each was stored as pieces; it would have doubled them), nothing written
    again = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "street_edge", check=False)
    assert again.returncode == 2 and "stored already" in again.stderr, again.stderr
    assert count(conn, "street_edge", slug) == before + 3 + 2
    # a path drawn 5 m short of every street stays apart, and the route says it left it out
    alone = tmp_path / "alone.geojson"
    alone.write_text(json.dumps({"type": "Feature", "properties": {"name": "孤立小路"}, "geometry": {
        "type": "LineString", "coordinates": [off(tx, ty, t_az, -5), off(tx, ty, t_az, -25)]}}, ensure_ascii=False))
    cli("import", "file", str(alone), "--jurisdiction", slug, "--layer", "street_edge")
    told = cli("patrol", "route", slug)
    assert "1 streets cannot be reached from the start" in told.stderr and "孤立小路" in told.stderr, told.stderr


def test_an_export_to_nowhere_or_to_a_format_it_does_not_write_says_so(cli, tmp_path):
    """-o into a folder that does not exist printed a traceback; -o x.shp made a folder named x.shp
    full of GeoJSON. Both are refused, naming the problem, nothing written."""
    missing = cli("export", "huamao", "-o", str(tmp_path / "nowhere" / "x.gpkg"), check=False)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr, missing.stderr
    assert "nowhere" in missing.stderr and "does not exist" in missing.stderr
    shp = cli("export", "huamao", "-o", str(tmp_path / "x.shp"), check=False)
    assert shp.returncode == 2 and ".shp" in shp.stderr and "GeoPackage" in shp.stderr, shp.stderr
    assert not (tmp_path / "x.shp").exists()
    dotted = cli("export", "huamao", "-o", str(tmp_path / "out.v2"))  # a folder's name may have a dot
    assert dotted.returncode == 0 and (tmp_path / "out.v2" / "building.geojson").exists()


def test_a_geopackage_of_several_layers_is_read_by_the_layer_named(conn, copy_of, cli, tmp_path):
    """Two layers and none named: refused, naming them (the first was taken, with a library's
    warning on the screen); one named as the layer imported into is taken; --source-layer picks."""
    slug = copy_of()
    path = tmp_path / "two.gpkg"
    zones(2).to_file(path, layer="快递区", engine="pyogrio")
    zones(1).to_file(path, layer="stations", engine="pyogrio")
    before = count(conn, "courier_zone", slug)
    refused = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone",
                  "--map", "名称=name", check=False)
    assert refused.returncode == 2 and "快递区, stations" in refused.stderr and "--source-layer" in refused.stderr
    assert "Warning" not in refused.stderr and count(conn, "courier_zone", slug) == before
    cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone", "--map", "名称=name",
        "--source-layer", "快递区")
    assert count(conn, "courier_zone", slug) == before + 2
    beside = (116.48021 + 0.00008 * 2, 39.91090)  # next to those imported already (the same ones are refused)
    zones(3, origin=beside).to_file(path, layer="courier_zone", engine="pyogrio")  # named as the layer imported into
    cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone", "--map", "名称=name")
    assert count(conn, "courier_zone", slug) == before + 2 + 3
    # saved by QGIS: one layer, and its styles in a table of their own (no geometry): the layer is read
    qgis = tmp_path / "qgis.gpkg"
    zones(1, origin=(116.48021 + 0.00008 * 5, 39.91090)).to_file(qgis, layer="roads", engine="pyogrio")
    import pandas as pd
    import pyogrio
    pyogrio.write_dataframe(pd.DataFrame({"styleName": ["roads"], "styleQML": ["<qgis/>"]}), qgis,
                            layer="layer_styles", driver="GPKG")
    cli("import", "file", str(qgis), "--jurisdiction", slug, "--layer", "courier_zone", "--map", "名称=name")
    assert count(conn, "courier_zone", slug) == before + 2 + 3 + 1


def test_coordinates_that_say_their_crs_is_missing_are_refused_with_the_flag_to_give(conn, copy_of, cli, tmp_path):
    """Metres with no CRS declared, and Gaode (GCJ-02) coordinates read as WGS84, were refused as
    "outside: give --clip"; following that kept a few features ~500 m off, or none. The refusal
    names the --crs that places them."""
    from gis.crs import wgs84_to_gcj02

    slug = copy_of()
    before = count(conn, "courier_zone", slug)
    metres = zones(2).to_crs(4527)
    path = tmp_path / "no_crs.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"z{i}"}, "geometry": shapely.geometry.mapping(g)}
        for i, g in enumerate(metres.geometry)]}))
    refused = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone", check=False)
    assert refused.returncode == 2 and "declares no CRS" in refused.stderr and "--crs" in refused.stderr, refused.stderr
    gaode = [shapely.transform(g, lambda xy: np.array([wgs84_to_gcj02(x, y) for x, y in xy]))
             for g in zones(2).geometry]
    path = tmp_path / "gaode.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"g{i}"}, "geometry": shapely.geometry.mapping(g)}
        for i, g in enumerate(gaode)]}))
    refused = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone", check=False)
    assert refused.returncode == 2 and "--crs gcj02" in refused.stderr, refused.stderr
    assert count(conn, "courier_zone", slug) == before
    cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone", "--crs", "gcj02")
    assert count(conn, "courier_zone", slug) == before + 2


def test_every_problem_of_a_ledger_is_listed_in_one_run(conn, copy_of, cli, tmp_path):
    """A count in words, a negative one and two rows naming one building (1号楼 and 1#楼) came one
    kind a run: three runs to find them. One run lists all three, and writes nothing."""
    slug = copy_of()
    path = tmp_path / "台账.csv"
    path.write_text("楼栋名称,户数\n电厂小区1号楼,二十\n电厂小区2号楼,-3\n电厂小区3号楼,40\n电厂小区3#楼,41\n",
                    encoding="utf-8")
    before = scalar(conn, "SELECT sum(b.households) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
                          " WHERE j.slug = %s", slug)
    refused = cli("import", "ledger", slug, str(path), "--key", "楼栋名称", "--households", "户数", check=False)
    assert refused.returncode == 2, refused.stderr
    said = refused.stderr
    assert "3 problems" in said and "二十" in said and "-3" in said and "rows 4 and 5" in said, said
    assert scalar(conn, "SELECT sum(b.households) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
                        " WHERE j.slug = %s", slug) == before


def test_a_file_imported_again_is_refused_and_writes_nothing(conn, copy_of, cli, tmp_path):
    """The same zones twice: the second time refused, naming how many are stored already (a street
    file imported twice made 48 streets of 21, and nothing but deleting the community took them
    back); the file with one new zone beside them is refused as well, whole."""
    slug = copy_of()
    path = tmp_path / "zones.geojson"
    zones(2).to_file(path, engine="pyogrio")
    cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone", "--map", "名称=name")
    before = count(conn, "courier_zone", slug)
    again = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone", "--map", "名称=name",
                check=False)
    assert again.returncode == 2 and "2 of the 2 features" in again.stderr and "stored already" in again.stderr
    zones(3).to_file(path, engine="pyogrio")  # the two and one more
    more = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "courier_zone", "--map", "名称=name",
               check=False)
    assert more.returncode == 2 and "2 of the 3 features" in more.stderr, more.stderr
    assert count(conn, "courier_zone", slug) == before


def test_clipping_gives_a_building_to_the_community_holding_most_of_it(conn, copy_of, cli, tmp_path):
    """``--clip`` with buildings the boundary runs through: one mostly inside is cut to the
    boundary; one mostly outside is the neighbour's and left out, by name (its sliver inside was
    imported as a building with all its households); one wholly inside is written as it is."""
    slug = copy_of()
    boundary = shapely.from_wkb(bytes(scalar(conn, "SELECT ST_AsBinary(geom) FROM jurisdiction WHERE slug = %s",
                                             slug)))
    ring = np.array(shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(boundary)[0])))
    k = int(np.argmax(np.hypot(*np.diff(ring, axis=0).T)))  # the longest edge: a square at its middle meets no other
    (x0, y0), (x1, y1) = ring[k], ring[k + 1]
    per_m = np.array([1 / (111_320 * np.cos(np.radians((y0 + y1) / 2))), 1 / 111_320])
    t = (np.array([x1 - x0, y1 - y0]) / per_m)
    t /= np.hypot(*t)  # along the edge, in metres
    n = np.array([-t[1], t[0]])
    middle = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    if not boundary.contains(Point(middle + 5 * n * per_m)):
        n = -n  # inwards

    def square(centre_m: float) -> shapely.Polygon:  # 24 m a side, square to the edge, centred that far in
        return shapely.Polygon([middle + (centre_m * n + a * 12 * n + b * 12 * t) * per_m
                                for a, b in ((-1, -1), (-1, 1), (1, 1), (1, -1))])

    frame = gpd.GeoDataFrame({"name": ["大半在内楼", "邻社区楼", "整栋在内楼"], "households": [40, 60, 20]},
                             geometry=[square(6), square(-6), square(40)], crs=4326)
    path = tmp_path / "edge.geojson"
    frame.to_file(path, engine="pyogrio")
    before = count(conn, "building", slug)
    out = cli("import", "file", str(path), "--jurisdiction", slug, "--layer", "building", "--clip")
    said = out.stdout + out.stderr
    assert "1 cut at the boundary, 1 left out (most of each lies outside" in said and "邻社区楼" in said, said
    assert count(conn, "building", slug) == before + 2
    rows = dict(conn_rows(conn, "SELECT b.name, ST_Area(b.geom::geography) FROM building b JOIN jurisdiction j"
                                " ON j.id = b.jurisdiction_id WHERE j.slug = %s AND b.name = ANY(%s)",
                          slug, list(frame.name)))
    assert set(rows) == {"大半在内楼", "整栋在内楼"}
    assert 0.7 * 576 < rows["大半在内楼"] < 0.8 * 576 and rows["整栋在内楼"] == pytest.approx(576, rel=0.01)


def conn_rows(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        rows = cur.fetchall()
    conn.rollback()
    return rows
