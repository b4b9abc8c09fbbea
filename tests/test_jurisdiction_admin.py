"""A jurisdiction made and changed from the command line, not only by importing: its boundary from
a file, its admin code, office and name set later (with history); and whole packages in a
projected CRS."""

from __future__ import annotations

import json
import uuid

import geopandas as gpd
import pyogrio
from shapely.geometry import box

from gis import datasets
from tests.conftest import count, scalar

HUAMAO_OFFICE = "116.4795,39.9097"


def test_create_from_a_boundary_file_in_its_own_crs_then_update(cli, conn, tmp_path):
    slug = f"new-{uuid.uuid4().hex[:8]}"
    boundary = gpd.GeoDataFrame({"名称": ["新社区"]}, geometry=[box(116.47, 39.90, 116.48, 39.91)],
                                crs=4326).to_crs(4548)  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
    pyogrio.write_dataframe(boundary, tmp_path / "b.gpkg")
    out = json.loads(cli("jurisdiction", "create", slug, "--name", "新社区", "--boundary",
                         str(tmp_path / "b.gpkg"), "--json").stdout)
    assert out == {"slug": slug, "name": "新社区", "admin_code": None, "patrol": "shared"}
    west = scalar(conn, "SELECT ST_XMin(geom) FROM jurisdiction WHERE slug = %s", slug)
    assert abs(west - 116.47) < 1e-7  # through Gauss-Kruger and back

    cli("jurisdiction", "update", slug, "--admin-code", "110105011333", "--office", "116.475,39.905",
        "--name", "新社区（更名）", "--actor", "planner-wang")
    row = scalar(conn, "SELECT admin_code || ' ' || name || ' ' || ST_AsText(office) FROM jurisdiction "
                       "WHERE slug = %s", slug)
    assert row == "110105011333 新社区（更名） POINT(116.475 39.905)"
    assert scalar(conn, "SELECT actor FROM history WHERE table_name = 'jurisdiction' AND op = 'update' "
                        "AND feature_id = (SELECT id FROM jurisdiction WHERE slug = %s)", slug) == "planner-wang"


def test_bad_changes_are_refused_and_change_nothing(cli, conn, copy_of, tmp_path):
    slug = copy_of()
    before = scalar(conn, "SELECT version FROM jurisdiction WHERE slug = %s", slug)
    for args, message in [
        (("--admin-code", "12345"), "admin code '12345' must be 12 digits"),
        (("--office", "116.0,39.0"), "lies outside the boundary"),
        ((), "nothing to change"),
    ]:
        refused = cli("jurisdiction", "update", slug, *args, check=False)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
    small = tmp_path / "small.geojson"
    gpd.GeoDataFrame(geometry=[box(116.477, 39.908, 116.478, 39.909)], crs=4326).to_file(small)
    refused = cli("jurisdiction", "update", slug, "--boundary", str(small), check=False)
    assert refused.returncode == 2 and "the office must lie inside the jurisdiction" in refused.stderr
    cli("jurisdiction", "update", slug, "--office", "116.4775,39.9085")  # move the office in first
    refused = cli("jurisdiction", "update", slug, "--boundary", str(small), check=False)
    assert refused.returncode == 2 and f"the new boundary of {slug} would leave" in refused.stderr
    before += 1
    assert scalar(conn, "SELECT version FROM jurisdiction WHERE slug = %s", slug) == before


def test_a_package_in_a_projected_crs_imports_with_no_flag_and_one_without_crs_with_crs(cli, conn, tmp_path):
    """A GeoPackage that declares EPSG:3857 needs no flag; GeoJSON files in metres declaring
    nothing take --crs (refused before: "--crs goes with --layer")."""
    src = datasets.dataset_path("xinghuananli")
    projected = tmp_path / "pkg3857.gpkg"
    plain = tmp_path / "pkg3857"
    plain.mkdir()
    for layer in sorted(p.stem for p in src.glob("*.geojson")):
        frame = gpd.read_file(src / f"{layer}.geojson").to_crs(3857)
        pyogrio.write_dataframe(frame, projected, layer=layer)
        frame.drop(columns=[]).to_file(plain / f"{layer}.geojson")
        text = (plain / f"{layer}.geojson").read_text(encoding="utf-8")
        obj = json.loads(text)
        obj.pop("crs", None)  # as a tool that writes metres but no CRS would
        (plain / f"{layer}.geojson").write_text(json.dumps(obj), encoding="utf-8")
    a, b = f"p1-{uuid.uuid4().hex[:6]}", f"p2-{uuid.uuid4().hex[:6]}"
    cli("import", "file", str(projected), "--jurisdiction", a)
    cli("import", "file", str(plain), "--jurisdiction", b, "--crs", "EPSG:3857")
    assert count(conn, "building", a) == count(conn, "building", b) > 0
    same = scalar(conn, """SELECT ST_HausdorffDistance(x.geom, y.geom) FROM jurisdiction x, jurisdiction y
                           WHERE x.slug = %s AND y.slug = %s""", a, b)
    assert same < 1e-7


def test_the_api_creates_reads_and_changes_a_jurisdiction(client, conn):
    slug = f"api-{uuid.uuid4().hex[:8]}"
    ring = [[116.47, 39.90], [116.48, 39.90], [116.48, 39.91], [116.47, 39.91], [116.47, 39.90]]
    body = {"slug": slug, "name": "接口社区", "boundary": {"type": "Polygon", "coordinates": [ring]}}
    r = client.post("/jurisdictions", json=body)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["name"] == "接口社区" and made["office"] is None and made["version"] == 1
    assert r.headers["etag"] == f'"jurisdiction-{made["id"]}-1"'
    assert client.post("/jurisdictions", json=body).status_code == 409  # the slug is taken
    change = {"admin_code": "110105011444", "office": [116.475, 39.905]}
    assert client.patch(f"/jurisdictions/{slug}", json=change).status_code == 428  # say which version
    r = client.patch(f"/jurisdictions/{slug}", json=change, headers={"If-Match": r.headers["etag"]})
    assert r.status_code == 200, r.text
    assert r.json()["admin_code"] == "110105011444" and r.json()["office"] == [116.475, 39.905]
    old = {"If-Match": f'"jurisdiction-{made["id"]}-1"'}
    stale = client.patch(f"/jurisdictions/{slug}", json={"name": "x"}, headers=old)
    assert stale.status_code == 412
    bad = client.patch(f"/jurisdictions/{slug}", json={"office": [117.0, 40.0]},
                       headers={"If-Match": r.headers["etag"]})
    assert bad.status_code == 422 and "outside the boundary" in bad.json()["detail"]
    assert client.get(f"/jurisdictions/{slug}").json()["version"] == 2
    assert scalar(conn, "SELECT count(*) FROM history WHERE table_name = 'jurisdiction' AND feature_id = %s",
                  made["id"]) == 2  # created, changed once


def test_a_slug_the_api_keeps_for_a_path_is_refused(conn):
    """GET /jurisdictions/kpi is the communities compared: no jurisdiction may be called "kpi"."""
    import pytest

    from gis import db
    from gis.errors import InvalidInput
    from gis.jurisdictions import create_jurisdiction

    before = count(conn, "jurisdiction")
    with pytest.raises(InvalidInput, match="keeps for itself"), db.transaction(conn) as cur:
        create_jurisdiction(cur, "kpi", "指标社区", box(116.47, 39.90, 116.48, 39.91))
    # and the database keeps it from any client (psql, QGIS, a restored dump)
    with pytest.raises(InvalidInput, match="keeps for itself"), db.transaction(conn) as cur:
        cur.execute("UPDATE jurisdiction SET slug = 'kpi' WHERE slug = 'xinghuananli'")
    assert count(conn, "jurisdiction") == before


def test_an_office_far_from_every_street_is_said_when_it_is_set(cli, copy_of, conn):
    """An office 160 m from the nearest street was taken without a word, and every route failed
    after. It is taken (the streets may come later) and said; one by a street is not."""
    slug = copy_of("huamao")
    with conn.cursor() as cur:  # the streets within 150 m of the community's middle gone
        cur.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM jurisdiction"
                    " WHERE slug = %s) c", (slug,))
        x, y = cur.fetchone()
        cur.execute("DELETE FROM street_edge e USING jurisdiction j WHERE j.id = e.jurisdiction_id AND j.slug = %s"
                    " AND ST_DWithin(e.geom::geography, ST_SetSRID(ST_Point(%s, %s), 4326)::geography, 150)",
                    (slug, x, y))
    conn.commit()
    far = cli("jurisdiction", "update", slug, "--office", f"{x},{y}")
    assert "from the nearest street" in far.stderr and "GRIDMAP_SNAP_MAX_M" in far.stderr, far.stderr
    with conn.cursor() as cur:  # a point of a street left, inside the boundary
        cur.execute("SELECT ST_X(q), ST_Y(q) FROM (SELECT ST_LineInterpolatePoint(e.geom, 0.5) AS q FROM street_edge e"
                    " JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = %s) s, jurisdiction j"
                    " WHERE j.slug = %s AND ST_Covers(j.geom, q) LIMIT 1", (slug, slug))
        sx, sy = cur.fetchone()
    conn.rollback()
    near = cli("jurisdiction", "update", slug, "--office", f"{sx},{sy}")
    assert "nearest street" not in near.stderr, near.stderr


def test_a_community_sharing_a_code_or_ground_with_another_is_told(cli, tmp_path):
    """Huamao's community code again (its grids' codes would be the same) and ground of Huamao's:
    said at once, not found later in the street office's sums."""
    slug = f"twin-{uuid.uuid4().hex[:8]}"
    gpd.GeoDataFrame(geometry=[box(116.47, 39.90, 116.48, 39.91)], crs=4326).to_file(tmp_path / "b.geojson")
    proc = cli("jurisdiction", "create", slug, "--name", "孪生社区", "--boundary", str(tmp_path / "b.geojson"),
               "--admin-code", "110105015001")  # Huamao's
    assert "note: huamao (华贸中心社区) has the same community code" in proc.stderr, proc.stderr
    assert "note: the boundary overlaps huamao (华贸中心社区) by" in proc.stderr, proc.stderr
    alone = f"alone-{uuid.uuid4().hex[:8]}"
    gpd.GeoDataFrame(geometry=[box(116.30, 39.80, 116.31, 39.81)], crs=4326).to_file(tmp_path / "far.geojson")
    proc = cli("jurisdiction", "create", alone, "--name", "远处社区", "--boundary", str(tmp_path / "far.geojson"),
               "--admin-code", "110105099001")
    assert "note:" not in proc.stderr, proc.stderr
