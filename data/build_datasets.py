"""Build the embedded datasets (data/huamao, data/xinghuananli) from the facts of the seeds.

These are *models*, not surveys: the figures (area, households, residents, compounds, grids)
are the published ones (see data/README.md); the geometry is a schematic layout placed at the
community's approximate location, drawn in a local metric frame (metres east and north of the
south-west corner) and converted to WGS84 through the UTM zone.

Run from the repository root: ``.venv/bin/python data/build_datasets.py``. The output is
deterministic; the GeoJSON files it writes are committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, mapping
from shapely.ops import unary_union

from gis.filesio import write_features

HERE = Path(__file__).resolve().parent
ROAD_SETBACK = 14.0  # metres from a street centre line to a compound fence or building


@dataclass
class Building:
    name: str
    rect: tuple[float, float, float, float]  # x0, y0, x1, y1 in the local frame
    kind: str
    floors: int
    households: int = 0
    residents: int = 0
    manager: str | None = None


@dataclass
class Community:
    slug: str
    name: str
    admin_code: str
    utm_epsg: int
    origin_lonlat: tuple[float, float]
    size: tuple[float, float]
    nodes: dict[str, tuple[float, float]]
    edges: list[tuple[str, str, str]]  # from node, to node, street name
    compounds: list[tuple[str, str, tuple[float, float, float, float]]]
    grids: list[tuple[str, str, tuple[float, float, float, float]]]  # name, leader, rect
    buildings: list[Building]
    courier_zones: list[dict] = field(default_factory=list)
    stations: list[dict] = field(default_factory=list)
    office: tuple[float, float] = (0.0, 0.0)

    @property
    def households(self) -> int:
        return sum(b.households for b in self.buildings)

    @property
    def residents(self) -> int:
        return sum(b.residents for b in self.buildings)


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` integers differing by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def slabs(prefix: str, block: tuple[float, float, float, float], rows: int, cols: int,
          floors: int, households: int, residents: int, depth: float = 12.0) -> list[Building]:
    """Residential slab blocks set in rows within a street block, households shared out."""
    x0, y0, x1, y1 = block
    x0, y0, x1, y1 = x0 + ROAD_SETBACK + 6, y0 + ROAD_SETBACK + 6, x1 - ROAD_SETBACK - 6, y1 - ROAD_SETBACK - 6
    gap_x = 14.0
    length = (x1 - x0 - gap_x * (cols - 1)) / cols
    step_y = (y1 - y0 - depth) / max(rows - 1, 1)
    n = rows * cols
    hh = split_evenly(households, n)
    rs = split_evenly(residents, n)
    out = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            bx = x0 + c * (length + gap_x)
            by = y0 + r * step_y
            out.append(Building(f"{prefix}{i + 1}号楼", (bx, by, bx + length, by + depth),
                                "residential", floors, hh[i], rs[i]))
    return out


def huamao() -> Community:
    """华贸中心社区, 八里庄街道, 朝阳区: 0.5 km², 1,733 households, 3,000+ residents."""
    n = {
        "A": (0, 0), "M": (210, 0), "L": (420, 0), "N": (630, 0), "B": (840, 0),
        "E": (0, 300), "O": (210, 300), "F": (280, 300), "G": (420, 300), "H": (560, 300),
        "T": (630, 300), "I": (840, 300),
        "P": (0, 450), "Q": (280, 450), "R": (560, 450), "S": (840, 450),
        "D": (0, 600), "J": (280, 600), "K": (560, 600), "C": (840, 600),
    }
    edges = [
        ("A", "M", "建国路"), ("M", "L", "建国路"), ("L", "N", "建国路"), ("N", "B", "建国路"),
        ("B", "I", "西大望路"), ("I", "S", "西大望路"), ("S", "C", "西大望路"),
        ("C", "K", "光华东路"), ("K", "J", "光华东路"), ("J", "D", "光华东路"),
        ("D", "P", "金汇路"), ("P", "E", "金汇路"), ("E", "A", "金汇路"),
        ("E", "O", "华贸中街"), ("O", "F", "华贸中街"), ("F", "G", "华贸中街"),
        ("G", "H", "华贸中街"), ("H", "T", "华贸中街"), ("T", "I", "华贸中街"),
        ("F", "Q", "电厂路"), ("Q", "J", "电厂路"), ("H", "R", "柴家湾路"), ("R", "K", "柴家湾路"),
        ("P", "Q", "电厂南里"), ("Q", "R", "柴家湾胡同"), ("R", "S", "住四胡同"),
        ("M", "O", "华贸西街"), ("L", "G", "华贸南街"), ("N", "T", "华贸东街"),
    ]
    buildings: list[Building] = []
    # 电厂小区 (自护): two street blocks in the north-west; 1980s six-storey slabs.
    hh, rs = split_evenly(520, 2), split_evenly(940, 2)
    buildings += slabs("电厂小区", (0, 300, 280, 450), 2, 2, 6, hh[0], rs[0])
    buildings += slabs("电厂小区", (0, 450, 280, 600), 2, 2, 6, hh[1], rs[1])
    for i, b in enumerate(buildings[4:], start=5):
        b.name = f"电厂小区{i}号楼"
    # 柴家湾小区 (自助): north middle, with the community office (居委会) by 柴家湾胡同.
    start = len(buildings)
    buildings += slabs("柴家湾小区", (280, 450, 560, 600), 2, 2, 6, 230, 420)
    buildings += slabs("柴家湾小区", (280, 300, 560, 450), 1, 2, 6, 150, 270)
    for i, b in enumerate(buildings[start:], start=1):
        b.name = f"柴家湾小区{i}号楼"
    buildings.append(Building("华贸中心社区居委会", (390, 415, 450, 435), "public", 2))
    # 住四小区 (自管): north-east.
    start = len(buildings)
    buildings += slabs("住四小区", (560, 450, 840, 600), 2, 2, 6, 240, 430)
    buildings += slabs("住四小区", (560, 300, 840, 450), 2, 2, 6, 220, 400)
    for i, b in enumerate(buildings[start:], start=1):
        b.name = f"住四小区{i}号楼"
    # The CBD (华贸商圈): office towers, a mall, two hotels.
    buildings += [
        Building("华贸中心写字楼1座", (30, 30, 90, 100), "office", 28, manager="华贸物业"),
        Building("华贸中心写字楼2座", (120, 30, 180, 100), "office", 28, manager="华贸物业"),
        Building("华贸中心写字楼3座", (30, 180, 180, 270), "office", 32, manager="华贸物业"),
        Building("新光天地", (240, 30, 400, 270), "mall", 6, manager="新光天地商场"),
        Building("北京丽思卡尔顿酒店", (450, 30, 600, 110), "hotel", 26, manager="丽思卡尔顿"),
        Building("北京JW万豪酒店", (450, 170, 600, 270), "hotel", 24, manager="JW万豪"),
    ]
    # 华贸公寓小区 (自觉): high-end apartments in the south-east block.
    apt_hh, apt_rs = split_evenly(373, 3), split_evenly(600, 3)
    for i, (y0, y1) in enumerate([(30, 75), (125, 170), (215, 260)]):
        buildings.append(Building(f"华贸公寓{i + 1}号楼", (665, y0, 805, y1), "apartment", 30,
                                  apt_hh[i], apt_rs[i], manager="华贸公寓服务中心"))
    return Community(
        slug="huamao", name="华贸中心社区", admin_code="110105015001", utm_epsg=32650,
        origin_lonlat=(116.4745, 39.9075), size=(840, 600), nodes=n, edges=edges,
        compounds=[
            ("电厂小区", "自护：安全、环境", (0, 300, 280, 600)),
            ("柴家湾小区", "自助：邻里互助", (280, 300, 560, 600)),
            ("住四小区", "自管：停车、治安", (560, 300, 840, 600)),
            ("华贸公寓小区", "自觉：参与共建", (630, 0, 840, 300)),
        ],
        grids=[
            ("第一网格（电厂小区）", "王芳", (0, 300, 280, 600)),
            ("第二网格（柴家湾小区）", "李静", (280, 300, 560, 600)),
            ("第三网格（住四小区）", "张伟", (560, 300, 840, 600)),
            ("第四网格（华贸商圈）", "刘洋", (0, 0, 840, 300)),
        ],
        buildings=buildings,
        courier_zones=[
            {"name": "华贸西街快递集中停车分拣区", "rect": (188, 120, 200, 170), "capacity": 24,
             "hours": "07:00-21:00", "operator": "华贸商圈党建工作联盟"},
            {"name": "华贸南街快递集中停车分拣区", "rect": (406, 120, 412, 200), "capacity": 30,
             "hours": "07:00-21:00", "operator": "华贸商圈党建工作联盟"},
            {"name": "华贸中街南侧停车分拣区", "rect": (455, 276, 545, 286), "capacity": 18,
             "hours": "08:00-20:00", "operator": "华贸中心社区"},
        ],
        stations=[
            {"name": "写字楼1座楼宇驿站", "kind": "building_station", "building": "华贸中心写字楼1座", "capacity": 400},
            {"name": "写字楼2座楼宇驿站", "kind": "building_station", "building": "华贸中心写字楼2座", "capacity": 400},
            {"name": "写字楼3座楼宇驿站", "kind": "building_station", "building": "华贸中心写字楼3座", "capacity": 500},
            {"name": "新光天地楼宇驿站", "kind": "building_station", "building": "新光天地", "capacity": 600},
            {"name": "华贸公寓服务中心", "kind": "service_centre", "building": "华贸公寓2号楼", "capacity": 300},
            {"name": "电厂小区快递柜", "kind": "parcel_locker", "at": (140, 440), "capacity": 120},
            {"name": "柴家湾小区快递柜", "kind": "parcel_locker", "at": (480, 440), "capacity": 100},
            {"name": "住四小区快递柜", "kind": "parcel_locker", "at": (700, 440), "capacity": 110},
        ],
        office=(420, 438),
    )


def xinghuananli() -> Community:
    """兴华南里社区, 林校路街道, 大兴区: 0.21 km², 3 compounds, 1,619 households, 5 grids."""
    n = {
        "A": (0, 0), "M": (170, 0), "L": (340, 0), "B": (500, 0),
        "E": (0, 210), "O": (170, 210), "F": (250, 210), "G": (340, 210), "I": (500, 210),
        "D": (0, 420), "J": (250, 420), "C": (500, 420),
    }
    edges = [
        ("A", "M", "兴华南路"), ("M", "L", "兴华南路"), ("L", "B", "兴华南路"),
        ("B", "I", "林校路"), ("I", "C", "林校路"),
        ("C", "J", "兴华中路"), ("J", "D", "兴华中路"),
        ("D", "E", "兴政街"), ("E", "A", "兴政街"),
        ("E", "O", "兴华南里中街"), ("O", "F", "兴华南里中街"), ("F", "G", "兴华南里中街"),
        ("G", "I", "兴华南里中街"),
        ("F", "J", "怡兴园路"), ("M", "O", "华昱西巷"), ("L", "G", "华昱东巷"),
    ]
    buildings: list[Building] = []
    buildings += slabs("怡兴园", (0, 210, 250, 420), 3, 2, 11, 560, 1568)
    buildings += slabs("兴政家园", (250, 210, 500, 420), 3, 2, 11, 520, 1456)
    hy_hh, hy_rs = split_evenly(539, 3), split_evenly(1508, 3)
    start = len(buildings)
    for i, block in enumerate([(0, 0, 170, 210), (170, 0, 340, 210), (340, 0, 500, 210)]):
        buildings += slabs("华昱家园", block, 2, 1, 9, hy_hh[i], hy_rs[i])
    for i, b in enumerate(buildings[start:], start=1):
        b.name = f"华昱家园{i}号楼"
    buildings.append(Building("兴华南里社区居委会", (200, 150, 240, 170), "public", 2))
    return Community(
        slug="xinghuananli", name="兴华南里社区", admin_code="110115002012", utm_epsg=32650,
        origin_lonlat=(116.3355, 39.7275), size=(500, 420), nodes=n, edges=edges,
        compounds=[
            ("怡兴园", None, (0, 210, 250, 420)),
            ("兴政家园", None, (250, 210, 500, 420)),
            ("华昱家园", None, (0, 0, 500, 210)),
        ],
        grids=[
            ("第一网格（怡兴园）", "赵敏", (0, 210, 250, 420)),
            ("第二网格（兴政家园）", "孙磊", (250, 210, 500, 420)),
            ("第三网格（华昱家园西）", "周丽", (0, 0, 170, 210)),
            ("第四网格（华昱家园中）", "吴强", (170, 0, 340, 210)),
            ("第五网格（华昱家园东）", "郑洁", (340, 0, 500, 210)),
        ],
        buildings=buildings,
        courier_zones=[
            {"name": "兴华南里快递集中停车分拣区", "rect": (260, 100, 320, 110), "capacity": 16,
             "hours": "07:30-20:30", "operator": "兴华南里社区"},
        ],
        stations=[
            {"name": "怡兴园快递柜", "kind": "parcel_locker", "at": (125, 300), "capacity": 120},
            {"name": "兴政家园快递柜", "kind": "parcel_locker", "at": (375, 300), "capacity": 120},
            {"name": "华昱家园快递柜", "kind": "parcel_locker", "at": (200, 100), "capacity": 150},
        ],
        office=(220, 148),
    )


class Frame:
    """Local metres (east, north of the south-west corner) to WGS84 longitude/latitude."""

    def __init__(self, origin_lonlat: tuple[float, float], utm_epsg: int) -> None:
        fwd = Transformer.from_crs(4326, utm_epsg, always_xy=True)
        self.x0, self.y0 = fwd.transform(*origin_lonlat)
        self.inv = Transformer.from_crs(utm_epsg, 4326, always_xy=True)

    def lonlat(self, geom):
        def fn(xy: np.ndarray) -> np.ndarray:
            lon, lat = self.inv.transform(xy[:, 0] + self.x0, xy[:, 1] + self.y0)
            return np.column_stack([lon, lat]).round(7)

        return shapely.transform(geom, fn)


def _inset(rect: tuple[float, float, float, float], d: float) -> Polygon:
    x0, y0, x1, y1 = rect
    return box(x0 + d, y0 + d, x1 - d, y1 - d)


def entrance(footprint: Polygon, streets) -> Point:
    """The midpoint of the footprint side nearest to a street."""
    coords = list(footprint.exterior.coords)
    mids = [Point((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in zip(coords, coords[1:], strict=False)]
    return min(mids, key=lambda p: p.distance(streets))


def features(c: Community) -> dict[str, list[dict]]:
    """The layers of a community as GeoJSON features (WGS84)."""
    f = Frame(c.origin_lonlat, c.utm_epsg)
    w, h = c.size
    boundary = box(0, 0, w, h)
    streets = unary_union([LineString([c.nodes[a], c.nodes[b]]) for a, b, _ in c.edges])

    def feat(i, geom, props):
        return {"type": "Feature", "id": i, "geometry": mapping(f.lonlat(geom)), "properties": props}

    out: dict[str, list[dict]] = {}
    office = f.lonlat(Point(c.office))
    out["jurisdiction"] = [feat(1, MultiPolygon([boundary]), {
        "slug": c.slug, "name": c.name, "admin_code": c.admin_code,
        "households": c.households, "population": c.residents,
        "office_lon": office.x, "office_lat": office.y})]
    out["compound"] = [feat(i, MultiPolygon([_inset(r, ROAD_SETBACK - 4)]),
                            {"name": name, "governance": gov})
                       for i, (name, gov, r) in enumerate(c.compounds, start=1)]
    out["grid"] = [feat(i, box(*r), {"code": f"{c.admin_code}{i:03d}", "name": name,
                                     "leader": leader})
                   for i, (name, leader, r) in enumerate(c.grids, start=1)]
    out["building"] = []
    by_name = {}
    for i, b in enumerate(c.buildings, start=1):
        fp = box(*b.rect)
        ent = f.lonlat(entrance(fp, streets))
        by_name[b.name] = (i, fp)
        out["building"].append(feat(i, MultiPolygon([fp]), {
            "name": b.name, "kind": b.kind, "floors": b.floors, "households": b.households,
            "residents": b.residents, "manager": b.manager,
            "entrances": f"MULTIPOINT (({ent.x:.7f} {ent.y:.7f}))"}))
    out["courier_zone"] = [feat(i, box(*z["rect"]), {k: v for k, v in z.items() if k != "rect"})
                           for i, z in enumerate(c.courier_zones, start=1)]
    out["post_station"] = []
    for i, s in enumerate(c.stations, start=1):
        props = {"name": s["name"], "kind": s["kind"], "capacity": s["capacity"],
                 "hours": "08:00-22:00"}
        if "building" in s:
            bid, fp = by_name[s["building"]]
            props["building_id"] = bid
            # by the building's entrance, just inside (ground floor, where couriers come in)
            door = entrance(fp, streets)
            c0 = fp.centroid
            step = 3.0 / max(door.distance(c0), 1e-9)
            pt = Point(door.x + (c0.x - door.x) * step, door.y + (c0.y - door.y) * step)
        else:
            pt = Point(s["at"])
        out["post_station"].append(feat(i, pt, props))
    out["street_edge"] = [feat(i, LineString([c.nodes[a], c.nodes[b]]), {"name": name})
                          for i, (a, b, name) in enumerate(c.edges, start=1)]
    return out


# -- cases (事件 / 工单): a year of them in Huamao -----------------------------------------------
# Where the seeds say problems were (seed 000): couriers' parking and sorting disorder (三难一乱) by
# the courier zones and the office towers, e-bikes charged inside the old compounds' buildings
# (电厂小区, 柴家湾小区, 住四小区), the sewers of 电厂小区's north gate road, parking in 住四小区
# (自管: parking). Each case carries its steps (who, when, to which state), which `gridmap load`
# replays through the database's workflow.
CASE_YEAR = 2025
CASES_PER_YEAR = 420
# category: share of cases, sources (weights), where (a function of the random generator)
CATEGORY_MIX = [
    ("courier_parking", 0.24), ("ebike_charging", 0.20), ("garbage", 0.12), ("parking", 0.12),
    ("drainage", 0.06), ("noise", 0.06), ("road_lighting", 0.05), ("neighbour_dispute", 0.05),
    ("illegal_construction", 0.03), ("other", 0.07),
]
CASE_TEXT = {
    "courier_parking": ["快递三轮车占道分拣", "外卖电动车堵住写字楼入口", "快递车辆在人行道乱停",
                        "快递小哥就地分拣堵塞通道"],
    "ebike_charging": ["楼道内给电动车充电", "电动车推进楼内充电", "飞线充电：从窗口拉线给电动车充电",
                       "楼梯间停放电动车并充电"],
    "garbage": ["垃圾桶满溢未清运", "楼前堆放装修垃圾", "垃圾分类投放点异味"],
    "parking": ["小区门口乱停车阻挡视线", "车辆占用消防通道", "僵尸车长期占用车位"],
    "drainage": ["下水道堵塞返水", "雨水井盖缺失", "污水管道外溢"],
    "noise": ["夜间施工噪音扰民", "商户外放音响噪音", "楼上装修噪音"],
    "road_lighting": ["路灯不亮", "人行道地砖破损", "道路坑洼积水"],
    "neighbour_dispute": ["邻里因漏水产生纠纷", "楼道堆物引发邻里矛盾"],
    "illegal_construction": ["楼顶私搭乱建", "底商违规扩建"],
    "other": ["楼道小广告", "宠物扰民", "健身器材损坏"],
}
DEPARTMENT_ZH = {"urban_management": "城管执法队", "fire_safety": "消防安全", "sanitation": "环卫所",
                 "traffic": "交通与停车管理", "municipal": "市政市容", "drainage": "排水集团",
                 "mediation": "人民调解委员会", "community": "社区居委会", "police": "派出所"}
CATEGORY_DEPARTMENT = {"courier_parking": "urban_management", "ebike_charging": "fire_safety",
                       "garbage": "sanitation", "parking": "traffic", "drainage": "drainage", "noise": "police",
                       "road_lighting": "municipal", "neighbour_dispute": "mediation",
                       "illegal_construction": "urban_management", "other": "community"}
# Hours to close, by urgency (the seeded catalogue, gis/sql/011_cases.sql).
CLOSE_HOURS = {"courier_parking": (4, 24, 72), "ebike_charging": (2, 12, 48), "garbage": (4, 24, 72),
               "parking": (4, 48, 120), "drainage": (4, 24, 72), "noise": (4, 24, 72),
               "road_lighting": (8, 72, 168), "neighbour_dispute": (24, 72, 168),
               "illegal_construction": (24, 168, 360), "other": (24, 72, 168)}
OLD_COMPOUNDS = ("电厂小区", "柴家湾小区", "住四小区")
STATION = "社区工作站"  # who accepts, verifies and closes


def _case_place(rng, category, c: Community, streets):
    """Where a case of ``category`` happens: (x, y) in the local frame and the building, if any."""
    residential = [b for b in c.buildings if b.kind == "residential"]
    old = [b for b in residential if b.name.startswith(OLD_COMPOUNDS)]
    towers = [b for b in c.buildings if b.kind in ("office", "mall")]

    def inside(b):
        x0, y0, x1, y1 = b.rect
        return (float(rng.uniform(x0 + 2, x1 - 2)), float(rng.uniform(y0 + 2, y1 - 2))), b.name

    def near(x, y, spread):
        return (float(np.clip(x + rng.normal(0, spread), 5, c.size[0] - 5)),
                float(np.clip(y + rng.normal(0, spread), 5, c.size[1] - 5))), None

    if category == "courier_parking":
        if rng.random() < 0.55:
            z = c.courier_zones[rng.integers(len(c.courier_zones))]["rect"]
            return near((z[0] + z[2]) / 2, (z[1] + z[3]) / 2, 12)
        door = entrance(box(*towers[rng.integers(len(towers))].rect), streets)
        return near(door.x, door.y, 8)
    if category == "ebike_charging":
        return inside(old[rng.integers(len(old))])
    if category == "drainage" and rng.random() < 0.6:
        return near(140, 585, 25)  # 电厂北门路: the sewers of seed 000
    if category == "parking":
        zhusi = [b for b in residential if b.name.startswith("住四小区")]
        return inside(zhusi[rng.integers(len(zhusi))]) if rng.random() < 0.5 else near(700, 450, 40)
    if category in ("garbage", "neighbour_dispute", "illegal_construction", "noise", "other"):
        pool = old if category != "noise" else [*old, *towers]
        return inside(pool[rng.integers(len(pool))])
    a, b, _ = c.edges[rng.integers(len(c.edges))]
    (x0, y0), (x1, y1) = c.nodes[a], c.nodes[b]
    s = float(rng.uniform(0.1, 0.9))
    return near(x0 + s * (x1 - x0), y0 + s * (y1 - y0), 3)


def _grid_leader(c: Community, xy) -> str:
    for _, leader, (x0, y0, x1, y1) in c.grids:
        if x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1:
            return leader
    return c.grids[-1][1]


def case_features(c: Community) -> list[dict]:
    """A year of cases in ``c`` with their steps, deterministic (a fixed seed)."""
    from datetime import datetime, timedelta, timezone

    tz = timezone(timedelta(hours=8))
    rng = np.random.default_rng(17)
    f = Frame(c.origin_lonlat, c.utm_epsg)
    streets = unary_union([LineString([c.nodes[a], c.nodes[b]]) for a, b, _ in c.edges])
    codes = [k for k, _ in CATEGORY_MIX]
    weights = np.array([w for _, w in CATEGORY_MIX])
    end = datetime(CASE_YEAR + 1, 1, 1, tzinfo=tz)
    out = []
    tickets = 0
    days = np.sort(rng.integers(0, 365, CASES_PER_YEAR))
    for i, day in enumerate(days, start=1):
        category = codes[rng.choice(len(codes), p=weights / weights.sum())]
        (x, y), building = _case_place(rng, category, c, streets)
        source = rng.choice(["patrol", "hotline", "resident", "inspection"], p=[0.45, 0.4, 0.1, 0.05])
        urgency = rng.choice(["red", "yellow", "blue"], p=[0.1, 0.3, 0.6])
        if category == "ebike_charging" and urgency == "blue":
            urgency = "yellow"  # a fire risk: never ordinary
        reported = (datetime(CASE_YEAR, 1, 1, tzinfo=tz) + timedelta(days=int(day), hours=float(rng.uniform(7, 22))))
        reported = reported.replace(second=0, microsecond=0)
        reporter = {"patrol": _grid_leader(c, (x, y)), "hotline": "12345", "resident": "居民",
                    "inspection": "街道检查组"}[str(source)]
        steps = [{"at": reported, "to": "reported", "actor": reporter}]
        t = reported + timedelta(hours=float(rng.gamma(1.5, 0.8 if urgency == "red" else 1.2)))
        if source in ("hotline", "resident") and rng.random() < 0.05:
            steps.append({"at": t, "to": "rejected", "actor": STATION, "note": "不属于社区职责范围，已告知诉求人"})
        else:
            steps.append({"at": t, "to": "accepted", "actor": STATION})
            department = CATEGORY_DEPARTMENT[category]
            to_department = category in ("illegal_construction", "drainage") or (
                category in ("courier_parking", "noise", "parking") and rng.random() < 0.3)
            dispatch = {"at": t, "to": "dispatched", "actor": STATION}
            if to_department:
                dispatch["department"] = department
                handler = DEPARTMENT_ZH[department]
            else:
                dispatch["assignee"] = handler = _grid_leader(c, (x, y))
            steps.append(dispatch)
            limit = CLOSE_HOURS[category][["red", "yellow", "blue"].index(str(urgency))]
            late = rng.random() < 0.12
            t = t + timedelta(hours=float(rng.uniform(0.2, 0.8) * limit * (1.6 if late else 1)))
            if rng.random() < 0.03:
                review = (t + timedelta(days=60)).date().isoformat()
                steps.append({"at": t, "to": "parked", "actor": STATION, "note": "需产权单位协调资金，挂账跟进",
                              "review_on": review})
            else:
                steps.append({"at": t, "to": "handled", "actor": handler, "note": "已现场处置"})
                t = t + timedelta(hours=float(rng.uniform(0.5, 12)))
                if rng.random() < 0.05:  # verification fails: sent back, handled again
                    steps.append({"at": t, "to": "verified", "actor": STATION})
                    steps.append({**dispatch, "at": t, "note": "核查未通过，退回重新处置"})
                    t = t + timedelta(hours=float(rng.uniform(2, 24)))
                    steps.append({"at": t, "to": "handled", "actor": handler, "note": "已重新处置"})
                    t = t + timedelta(hours=float(rng.uniform(0.5, 6)))
                steps.append({"at": t, "to": "verified", "actor": STATION})
                steps.append({"at": t + timedelta(minutes=30), "to": "closed", "actor": STATION})
        steps = [s for s in steps if s["at"] < end]
        props: dict = {"source": str(source), "category": category, "urgency": str(urgency),
                       "description": CASE_TEXT[category][rng.integers(len(CASE_TEXT[category]))],
                       "reporter": reporter, "building": building}
        if source == "hotline":
            tickets += 1
            props["ticket_no"] = f"{reported:%Y%m%d}{tickets:04d}"
            if steps[-1]["to"] in ("closed", "rejected"):
                answer = rng.random()
                props["satisfaction"] = ("satisfied" if answer < 0.8 else "basically" if answer < 0.92
                                         else "dissatisfied")
                props["solved"] = bool(rng.random() < (0.9 if answer < 0.92 else 0.3))
        props["steps"] = [{**s, "at": s["at"].replace(microsecond=0).isoformat()} for s in steps]
        point = f.lonlat(Point(x, y))
        out.append({"type": "Feature", "id": i, "geometry": mapping(point), "properties": props})
    return out


def write(c: Community) -> None:
    folder = HERE / c.slug
    folder.mkdir(exist_ok=True)
    layers = features(c)
    if c.slug == "huamao":
        layers["case_record"] = case_features(c)
    for layer, feats in layers.items():
        write_features(folder / f"{layer}.geojson", feats)
    print(f"{c.slug}: {c.households} households, {c.residents} residents, "
          f"{len(c.buildings)} buildings")


if __name__ == "__main__":
    for community in (huamao(), xinghuananli()):
        write(community)
