"""The fixed labels of the maps and route sheets gridmap writes (folium maps, the printable
street list, GPX names), in Chinese and English.

These are labels, not messages: a map is in one language, the one its request asks for
(``?lang=``, Accept-Language) or the command line's ``GRIDMAP_LANG``, never both side by side.
Values from data are filled in by the caller (and escaped for folium with
``gis.map_text.as_text``); the templates here are fixed text with ``{name}`` fields.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "route": "路线 {n}",
        "route_of": "{title} — 路线 {n}",
        "route_line": "路线 {n}：{km:.2f} 公里，{minutes:.0f} 分钟",
        "unnamed": "（无名路）",
        "metres": "{m:.0f} 米",
        "patrol_title": "{jurisdiction} 巡查路线：{area}",
        "patrol_title_all": "{jurisdiction} 巡查路线",
        "area_grid": "网格 {code}",
        "visits_title": "{jurisdiction} 走访路线",
        "worker_track": "{title} — 巡查员 {n}",
        "start": "起点",
        "start_of": "起点：{name}",
        "stops": "起点与走访楼栋",
        "walked": "已巡道路（近 {days} 天）",
        "stale": "未巡道路",
        "walked_tip": "{name} — 已巡 {share:.0%}；{since}",
        "days_ago": "最近一次 {days} 天前",
        "never": "从未巡查",
        "patrol_coverage": "巡查覆盖 {share:.0%}（近 {days} 天）",
        "walked_key": "已巡",
        "stale_key": "未巡",
        "service_area": "服务范围 ≤ {m:g} 米",
        "streets": "道路",
        "buildings_by_distance": "楼栋（按步行距离）",
        "facilities": "设施（负荷）",
        "walking_distance": "到{facility}的步行距离",
        "unreachable": "无法到达",
        "within": "{share:.0%} 的户数在 {m:g} 米内",
        "facility_tip": "{name}：{households} 户，负荷 {load}",
        "overloaded": "超负荷",
        "name": "名称",
        "households": "户数",
        "distance": "距离",
        "le": "≤ {m:g} 米",
        "between": "{a:g}–{b:g} 米",
        "gt": "> {m:g} 米",
        "m": "{m:.0f} 米",
        "courier_zone": "快递停车分拣区",
        "post_station": "驿站",
        "service_centre": "服务中心",
        "any": "最近的设施",
    },
    "en": {
        "route": "Route {n}",
        "route_of": "{title} — route {n}",
        "route_line": "Route {n}: {km:.2f} km, {minutes:.0f} min",
        "unnamed": "(unnamed)",
        "metres": "{m:.0f} m",
        "patrol_title": "{jurisdiction} patrol: {area}",
        "patrol_title_all": "{jurisdiction} patrol",
        "area_grid": "grid {code}",
        "visits_title": "{jurisdiction} visits",
        "worker_track": "{title} — worker {n}",
        "start": "Start",
        "start_of": "Start: {name}",
        "stops": "Start and buildings to visit",
        "walked": "Walked (last {days} days)",
        "stale": "Stale streets",
        "walked_tip": "{name} — {share:.0%} walked; {since}",
        "days_ago": "last walked {days} days ago",
        "never": "never walked",
        "patrol_coverage": "Patrol coverage {share:.0%} (last {days} days)",
        "walked_key": "walked",
        "stale_key": "stale",
        "service_area": "Service area ≤ {m:g} m",
        "streets": "Streets",
        "buildings_by_distance": "Buildings by distance",
        "facilities": "Facilities (load)",
        "walking_distance": "Walking distance to {facility}",
        "unreachable": "unreachable",
        "within": "{share:.0%} of households within {m:g} m",
        "facility_tip": "{name}: {households} households, load {load}",
        "overloaded": "overloaded",
        "name": "Name",
        "households": "Households",
        "distance": "Distance",
        "le": "≤ {m:g} m",
        "between": "{a:g}–{b:g} m",
        "gt": "> {m:g} m",
        "m": "{m:.0f} m",
        "courier_zone": "a courier zone",
        "post_station": "a post station",
        "service_centre": "a service centre",
        "any": "the nearest facility",
    },
}


def label(key: str, lang: str = "en", **values: object) -> str:
    """The label ``key`` in ``lang`` (English for a language gridmap does not have), filled with
    ``values``."""
    return LABELS.get(lang, LABELS["en"])[key].format(**values)
