"""Reading the files a Chinese community really has, without a database: Shapefiles in GBK with no
.cpg, CAD drawings (DXF) with their layers, household ledgers (台账) keyed as people write them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, Polygon, box

from gis import cad, ledger
from gis.errors import InvalidInput, UnreadableFile
from gis.filesio import dxf_in_utf8, file_encoding, read_frame, sniff_encoding

NAMES = ["华贸1号楼", "公寓2号", "底商"]


def _gbk_shapefile(folder, cpg: bool = False):
    frame = gpd.GeoDataFrame({"楼栋名称": NAMES, "层数": [5, 6, 1]},
                             geometry=[box(500000 + 30 * i, 4400000, 500020 + 30 * i, 4400020) for i in range(3)],
                             crs="EPSG:4527")
    path = folder / "buildings.shp"
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    if not cpg:
        path.with_suffix(".cpg").unlink()
    return path


def test_a_gbk_shapefile_without_cpg_reads_with_its_names(tmp_path):
    path = _gbk_shapefile(tmp_path)
    assert pyogrio.read_info(path)["fields"][0] != "楼栋名称"  # GDAL alone garbles it
    encoding = file_encoding(path)
    assert encoding == "GB18030"
    frame = read_frame(path, encoding=encoding)
    assert list(frame["楼栋名称"]) == NAMES and frame.crs.to_epsg() == 4527


def test_a_zipped_gbk_shapefile_too(tmp_path):
    _gbk_shapefile(tmp_path)
    archive = tmp_path / "buildings.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("buildings.*"):
            if part != archive:
                z.write(part, part.name)
    assert list(read_frame(archive, encoding=file_encoding(archive))["楼栋名称"]) == NAMES


def test_a_shapefile_that_declares_its_encoding_is_read_as_it_says(tmp_path):
    assert file_encoding(_gbk_shapefile(tmp_path, cpg=True)) is None  # GDAL reads the .cpg itself
    assert file_encoding(tmp_path / "buildings.shp", "GBK") == "GBK"
    with pytest.raises(UnreadableFile, match="unknown encoding"):
        file_encoding(tmp_path / "buildings.shp", "klingon")


def test_sniffing():
    assert sniff_encoding(b"plain") is None
    assert sniff_encoding("楼".encode()) == "UTF-8"
    assert sniff_encoding("楼栋".encode("gbk")) == "GB18030"


def _dxf(folder):
    """A drawing as AutoCAD in Chinese saves it: layer names in GBK (code page ANSI_936)."""
    frame = gpd.GeoDataFrame({"Layer": ["LAYERA", "LAYERA", "LAYERA", "LAYERB"]}, geometry=[
        LineString([(0, 0), (20, 0), (20, 20), (0, 20), (0, 0)]),  # a closed polyline
        Polygon([(30, 0), (50, 0), (50, 20), (30, 0)]),  # a hatch
        LineString([(60, 0), (80, 0), (80, 20)]),  # an open polyline: no outline
        LineString([(-10, -10), (100, -10)])], crs="EPSG:4527")  # DXF keeps no CRS
    path = folder / "plan.dxf"
    pyogrio.write_dataframe(frame, path, driver="DXF")
    data = path.read_bytes().replace(b"ANSI_1252", b"ANSI_936")
    path.write_bytes(data.replace(b"LAYERA", "建筑".encode("gbk")).replace(b"LAYERB", "道路".encode("gbk")))
    return path


def test_a_drawing_gives_outlines_and_lines_by_cad_layer(tmp_path):
    frame = read_frame(_dxf(tmp_path))
    buildings = cad.shapes(frame, "building", ["建筑"])
    assert len(buildings.geometries) == 2 and all(g.geom_type == "Polygon" for g in buildings.geometries)
    assert buildings.skipped == {"not a closed outline": 1} and buildings.cad_layers == ["建筑"]
    streets = cad.shapes(frame, "street_edge", ["道路"])
    assert [g.length for g in streets.geometries] == [110]
    with pytest.raises(InvalidInput, match="no CAD layer 房屋; its layers: 建筑, 道路"):
        cad.shapes(frame, "building", ["房屋"])
    with pytest.raises(InvalidInput, match="not post_station"):
        cad.shapes(frame, "post_station")
    # a drawing of several layers names the one to take (all: the outlines came in as streets)
    with pytest.raises(InvalidInput, match="the drawing has 2 CAD layers \\(建筑, 道路\\): name the one to import as "
                                           "street_edge with --cad-layer"):
        cad.shapes(frame, "street_edge")
    one = frame[frame["Layer"] == "道路"]
    assert [g.length for g in cad.shapes(one, "street_edge").geometries] == [110]  # its only layer: no need to name it


@pytest.mark.parametrize("version", ["AC1021", "AC1024", "AC1027", "AC1032"])
def test_a_drawing_of_autocad_2007_or_later_reads_its_layer_names_in_utf8(tmp_path, version):
    """AutoCAD 2007 and later save text in UTF-8 though the header still names the code page
    (ANSI_936): 道路 was read as 閬撹矾, and --cad-layer 道路 found no such layer."""
    path = _dxf(tmp_path)
    data = path.read_bytes().replace(b"AC1018", version.encode())
    path.write_bytes(data.replace("建筑".encode("gbk"), "建筑".encode()).replace("道路".encode("gbk"), "道路".encode()))
    assert sorted(set(read_frame(path)["Layer"])) == ["建筑", "道路"]
    for old in (b"AC2.10", b"AC1015"):  # AutoCAD 2.1 and 2000: their code page, not UTF-8
        older = tmp_path / f"{old.decode()}.dxf"
        older.write_bytes(data.replace(version.encode(), old))
        assert not dxf_in_utf8(older)
    (tmp_path / "folder.dxf").mkdir()
    assert not dxf_in_utf8(tmp_path / "folder.dxf")  # a folder of that name: no traceback
    (tmp_path / "older").mkdir()
    assert sorted(set(read_frame(_dxf(tmp_path / "older"))["Layer"])) == ["建筑", "道路"]  # and AC1018 in GBK still


@pytest.mark.parametrize("written, mapped", [
    ("3号楼", "3"), ("3#楼", "3"), ("３栋", "3"), (" 3 号楼 ", "3"), ("华贸公寓3号楼", "华贸公寓3"),
    ("综合楼", "综合楼"), ("A座", "a座")])
def test_keys_are_compared_as_people_write_them(written, mapped):
    assert ledger.normalise(written) == mapped


def test_rows_match_buildings_by_name_address_or_number():
    buildings = [ledger.Building(1, "华贸公寓1号楼", None), ledger.Building(2, "华贸公寓2号楼", "建国路89号"),
                 ledger.Building(3, "综合楼", None), ledger.Building(4, "A座3号楼", None),
                 ledger.Building(5, "B座3号楼", None), ledger.Building(6, None, None)]
    rows = [ledger.LedgerRow(2, "1#楼", 40, 100), ledger.LedgerRow(3, "建国路89号", 30, None),
            ledger.LedgerRow(4, "综合楼", 0, 0), ledger.LedgerRow(5, "3号楼", 10, 20),
            ledger.LedgerRow(6, "9号楼", 5, 5), ledger.LedgerRow(7, "华贸公寓1号楼", 41, 1)]
    m = ledger.match(rows, buildings)
    assert {b: r.row for b, r in m.counts.items()} == {1: 2, 2: 3, 3: 4}
    assert [r.row for r in m.unmatched] == [6]
    assert [(r.row, ids) for r, ids in m.ambiguous] == [(5, [4, 5])]
    assert [(a.row, b.row) for a, b in m.duplicates] == [(2, 7)]
    assert m.missing == [4, 5]  # named, not in the ledger; the unnamed building 6 is not counted


def test_ledger_rows_and_their_problems():
    records = [{"楼栋名称": "1号楼", "户数": "40户", "人数": 98.0}, {"楼栋名称": None, "户数": 80, "人数": 200},
               {"楼栋名称": "2号楼", "户数": "", "人数": 3}]
    rows = ledger.rows_of(records, "楼栋名称", "户数", "人数")
    assert rows == [ledger.LedgerRow(2, "1号楼", 40, 98), ledger.LedgerRow(4, "2号楼", None, 3)]
    with pytest.raises(InvalidInput, match="no column 户 数; its columns: 楼栋名称, 户数, 人数"):
        ledger.rows_of(records, "楼栋名称", "户 数", None)
    with pytest.raises(InvalidInput) as refused:  # every bad count at once
        ledger.rows_of([{"楼栋名称": "1号楼", "户数": -3}, {"楼栋名称": "2号楼", "户数": "二十"}],
                       "楼栋名称", "户数", None)
    assert [str(p) for p in refused.value.problems] == [
        "row 2: 户数 must be a whole number of at least 0, not -3",
        "row 3: 户数 must be a whole number of at least 0, not 二十"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_ledger_file_reads(tmp_path, suffix):
    frame = gpd.pd.DataFrame({"楼栋名称": ["1号楼", "2号楼"], "户数": [40, 35], "人数": [98, 80]})
    path = tmp_path / f"台账{suffix}"
    if suffix == ".csv":
        path.write_bytes(frame.to_csv(index=False).encode("gbk"))  # as Excel in Chinese saves it
    else:
        pyogrio.write_dataframe(frame, path, driver="XLSX")
    rows = ledger.rows_of(ledger.read_table(path), "楼栋名称", "户数", "人数")
    assert [(r.key, r.households, r.residents) for r in rows] == [("1号楼", 40, 98), ("2号楼", 35, 80)]


def test_a_map_file_carries_its_scripts_beside_it(tmp_path):
    import re

    import folium

    from gis.map_assets import write_map_file
    from gis.settings import Settings

    m = folium.Map(tiles=None)
    folium.Marker([39.9, 116.4], icon=folium.Icon(icon="home", prefix="fa")).add_to(m)
    folder = write_map_file(tmp_path / "route.html", m.get_root().render(), Path(Settings().web_assets_dir))
    html = (tmp_path / "route.html").read_text(encoding="utf-8")
    assert not re.findall(r'(?:src|href)="https?://', html)
    loaded = re.findall(r'(?:src|href)="(route_files/[^"]+)"', html)
    assert "route_files/leaflet/leaflet.js" in loaded
    assert all((tmp_path / p).is_file() for p in loaded)
    assert (folder / "leaflet/images/layers.png").is_file()  # what leaflet.css refers to
    assert list((folder / "fontawesome/webfonts").glob("*.woff2"))  # the icons' fonts
