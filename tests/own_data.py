"""A community's own files, generated: what a 社区 that is not in OpenStreetMap really has.

- ``boundary.shp``: the boundary, in CGCS2000 / 3-degree Gauss–Krüger zone 39 (EPSG:4527), its
  CRS declared by the .prj;
- ``buildings.shp``: footprints in the same CRS with a GBK attribute table and no .cpg (as ArcGIS
  on Chinese Windows writes), 楼栋名称 / 层数 / 门牌 columns, no households; attached buildings
  (terraces whose houses share walls, courtyard blocks: 平房 and 底商 rows);
- ``plan.dxf``: a CAD drawing (code page ANSI_936) with the roads on layer 道路 running past the
  boundary, and a new compound's outlines on layer 建筑;
- ``courier_zones.gpkg``: two courier parking zones the community marked, in EPSG:4527;
- ``台账.xlsx``: the household ledger, keyed by 楼栋名称 as people write it (3#楼 for 3号楼), with a
  row naming no building and buildings it leaves out.

Pure: the geometry helpers are used by the grid tests too (random blocks of touching buildings).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import LineString, Polygon, box

CRS = "EPSG:4527"  # CGCS2000 / 3-degree Gauss-Kruger zone 39 (central meridian 117°E)
# The south-west corner of the community: about 116.47°E 39.90°N, in EPSG:4527.
X0, Y0 = 39_459_000.0, 4_417_000.0
WIDTH, HEIGHT = 400.0, 300.0
STREET_XS = (0.0, 130.0, 270.0, 400.0)  # north–south streets (offsets from X0)
STREET_YS = (0.0, 150.0, 300.0)  # east–west streets (offsets from Y0)
SETBACK = 8.0  # from a street's centre line to the first wall
ADMIN_CODE = "110105011222"


def terrace(x: float, y: float, widths: list[float], depths: list[float] | None = None) -> list[Polygon]:
    """A row of houses sharing their side walls, west to east from (x, y), each as wide as given
    (and as deep: 12 m unless given)."""
    out, left = [], x
    for i, width in enumerate(widths):
        depth = depths[i] if depths else 12.0
        out.append(box(left, y, left + width, y + depth))
        left += width
    return out


def courtyard(x: float, y: float, across: int, down: int, size: float = 10.0) -> list[Polygon]:
    """A perimeter block (四合院-like, or a 底商 ring): buildings of ``size`` m round a yard,
    ``across`` on the north and south sides, ``down`` between them on the west and east; every
    building shares its walls with its neighbours, corners included."""
    out = [box(x + i * size, y, x + (i + 1) * size, y + size) for i in range(across)]
    top = y + (down + 1) * size
    out += [box(x + i * size, top, x + (i + 1) * size, top + size) for i in range(across)]
    for j in range(1, down + 1):
        out.append(box(x, y + j * size, x + size, y + (j + 1) * size))
        out.append(box(x + (across - 1) * size, y + j * size, x + across * size, y + (j + 1) * size))
    return out


@dataclass
class Community:
    """What was written, for the checks."""

    folder: Path
    buildings: list[Polygon]  # the shapefile's, in EPSG:4527
    names: list[str]
    cad_buildings: list[Polygon]
    ledger: pd.DataFrame
    streets: list[LineString]


def _blocks() -> list[tuple[float, float, float, float]]:
    """The street blocks inside their setbacks (x0, y0, x1, y1), offsets from the corner."""
    out = []
    for xa, xb in zip(STREET_XS, STREET_XS[1:], strict=False):
        for ya, yb in zip(STREET_YS, STREET_YS[1:], strict=False):
            out.append((xa + SETBACK, ya + SETBACK, xb - SETBACK, yb - SETBACK))
    return out


def _footprints() -> tuple[list[Polygon], list[Polygon]]:
    """Attached buildings in five blocks (terraces and courtyards); the sixth is the CAD's."""
    shp: list[Polygon] = []
    blocks = _blocks()
    for n, (x0, y0, x1, y1) in enumerate(blocks[:-1]):
        if n % 2 == 0:  # terraces along the block's south and north edges
            widths = [9.0] * int((x1 - x0) // 9.0)
            shp += terrace(X0 + x0, Y0 + y0, widths) + terrace(X0 + x0, Y0 + y1 - 12.0, widths)
        else:  # two courtyards side by side
            across = int((x1 - x0) // 20.0)
            down = int((y1 - y0) // 10.0) - 2
            shp += courtyard(X0 + x0, Y0 + y0, across, down)
    x0, y0, x1, y1 = blocks[-1]
    cad = [box(X0 + x0 + 5 + 30 * i, Y0 + y0 + 10 + 45 * j, X0 + x0 + 25 + 30 * i, Y0 + y0 + 35 + 45 * j)
           for i in range(int((x1 - x0 - 5) // 30)) for j in range(int((y1 - y0 - 10) // 45))]
    return shp, cad


def write(folder: Path) -> Community:
    """Write the community's files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    boundary = box(X0, Y0, X0 + WIDTH, Y0 + HEIGHT)
    pyogrio.write_dataframe(gpd.GeoDataFrame({"名称": ["示例社区"]}, geometry=[boundary], crs=CRS),
                            folder / "boundary.shp", encoding="GBK")
    (folder / "boundary.cpg").unlink()

    footprints, cad = _footprints()
    names = [f"幸福里{i + 1}号楼" for i in range(len(footprints))]
    floors = [1 + (i % 6) for i in range(len(footprints))]
    addresses = [f"幸福路{i + 1}号" for i in range(len(footprints))]
    frame = gpd.GeoDataFrame({"楼栋名称": names, "层数": floors, "门牌": addresses}, geometry=footprints, crs=CRS)
    pyogrio.write_dataframe(frame, folder / "buildings.shp", encoding="GBK")
    (folder / "buildings.cpg").unlink()

    streets = [LineString([(X0 + x, Y0 - 60), (X0 + x, Y0 + HEIGHT + 60)]) for x in STREET_XS]
    streets += [LineString([(X0 - 60, Y0 + y), (X0 + WIDTH + 60, Y0 + y)]) for y in STREET_YS]
    drawing = gpd.GeoDataFrame(
        {"Layer": ["ROADS"] * len(streets) + ["OUTLINES"] * len(cad)},
        geometry=streets + [LineString(list(b.exterior.coords)) for b in cad], crs=CRS)
    pyogrio.write_dataframe(drawing, folder / "plan.dxf", driver="DXF")
    data = (folder / "plan.dxf").read_bytes().replace(b"ANSI_1252", b"ANSI_936")
    data = data.replace(b"ROADS", "道路".encode("gbk")).replace(b"OUTLINES", "建筑".encode("gbk"))
    (folder / "plan.dxf").write_bytes(data)

    zones = [box(X0 + 131, Y0 + 75, X0 + 139, Y0 + 90), box(X0 + 271, Y0 + 200, X0 + 279, Y0 + 215)]
    gpd.GeoDataFrame({"name": ["北门快递点", "南门快递点"], "capacity": [6, 4]}, geometry=zones,
                     crs=CRS).to_file(folder / "courier_zones.gpkg", engine="pyogrio")

    # The ledger: every building but the last three, the third written 3#楼-style, and a
    # building the map does not have.
    keyed = [n.replace("幸福里3号楼", "幸福里3#楼") for n in names[:-3]]
    ledger = pd.DataFrame({"楼栋名称": keyed + ["幸福里999号楼"],
                           "户数": [4 + (i % 5) for i in range(len(keyed))] + [12],
                           "人数": [10 + (i % 7) for i in range(len(keyed))] + [30]})
    pyogrio.write_dataframe(ledger, folder / "台账.xlsx", driver="XLSX")
    return Community(folder, footprints, names, cad, ledger, streets)
