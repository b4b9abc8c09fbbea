"""The exports of a route or visit plan in one place, for the CLI and the API alike."""

from __future__ import annotations

from dataclasses import dataclass

from gis.patrol.exports import Leg, Waypoint, legs, street_list, to_geojson, to_gpx
from gis.patrol.maps import route_map
from gis.patrol.routes import RoutePlan
from gis.patrol.visits import VisitPlan


@dataclass
class Outputs:
    """A plan's routes as legs, with its waypoints, ready to write in any format."""

    title: str
    routes: list[list[Leg]]
    waypoints: list[Waypoint]
    speed_kmh: float

    def gpx(self) -> str:
        return to_gpx(self.routes, self.waypoints, self.title)

    def geojson(self) -> dict:
        return to_geojson(self.routes, self.waypoints, self.speed_kmh)

    def street_list(self) -> str:
        return street_list(self.routes, self.title, self.speed_kmh)

    def map_html(self) -> str:
        return route_map(self.routes, self.waypoints, self.title).get_root().render()


def route_outputs(plan: RoutePlan) -> Outputs:
    to_wgs84 = plan.loaded.to_wgs84
    area = plan.area.label if plan.area.kind == "jurisdiction" else f"{plan.jurisdiction.slug} {plan.area.label}"
    title = f"{plan.jurisdiction.name} 巡查路线 patrol: {area}"
    start = Waypoint(plan.start.lon, plan.start.lat, "起点 start", None, "start")
    return Outputs(title, [legs(plan.net, r.steps, to_wgs84) for r in plan.split.routes],
                   [start, *plan.buildings], plan.speed_kmh)


def visit_outputs(plan: VisitPlan) -> Outputs:
    return Outputs(f"{plan.jurisdiction} 走访 visits", [legs(plan.net, plan.steps, plan.loaded.to_wgs84)],
                   plan.waypoints(), plan.speed_kmh)
