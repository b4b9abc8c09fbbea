"""The outputs of a route or visit plan in one place (GPX, GeoJSON, the street list, the map page),
for the CLI and the API alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

from gis.map_labels import label
from gis.patrol.exports import Leg, Waypoint, legs, street_list, to_geojson, to_gpx

if TYPE_CHECKING:
    from gis.patrol.routes import RoutePlan
    from gis.patrol.schedule import Day
    from gis.patrol.schedule_store import TeamRoute
    from gis.patrol.visits import VisitPlan


@dataclass
class Outputs:
    """A plan's routes as legs, with its waypoints, ready to write in any format; titles and
    labels in ``lang`` (zh or en), the language the request or the command line asks for.

    The legs (every street walked, as lon/lat) are made the first time a format needs them: a
    JSON answer needs none, and on a city of thousands of streets they take a tenth of a second.
    """

    title: str
    make_routes: Callable[[], list[list[Leg]]]
    waypoints: list[Waypoint]
    speed_kmh: float
    lang: str = "en"
    walkers: list[str | None] | None = None  # a schedule's: who walks route k on its first day

    @cached_property
    def routes(self) -> list[list[Leg]]:
        """Each route as legs, in walking order."""
        return self.make_routes()

    def gpx(self) -> str:
        return to_gpx(self.routes, self.waypoints, self.title, self.lang)

    def geojson(self) -> dict:
        return to_geojson(self.routes, self.waypoints, self.speed_kmh, self.walkers)

    def street_list(self) -> str:
        return street_list(self.routes, self.title, self.speed_kmh, self.lang)

    def map_html(self) -> str:
        # folium (and pandas with it) only when a map is asked for: a command that prints JSON
        # or writes GPX would spend most of its time importing them.
        from gis.map_controls import page_html
        from gis.patrol.maps import route_map

        return page_html(route_map(self.routes, self.waypoints, self.title, self.lang), self.lang, self.title)


def route_outputs(plan: RoutePlan, lang: str = "en") -> Outputs:
    to_wgs84 = plan.loaded.to_wgs84
    if plan.area.kind == "jurisdiction":
        title = label("patrol_title_all", lang, jurisdiction=plan.jurisdiction.name)
    else:
        area = label("area_grid", lang, code=plan.area.label) if plan.area.kind == "grid" else plan.area.label
        title = label("patrol_title", lang, jurisdiction=plan.jurisdiction.name, area=area)
    start = Waypoint(plan.start.lon, plan.start.lat, label("start", lang), None, "start")
    return Outputs(title, lambda: [legs(plan.net, r.steps, to_wgs84) for r in plan.split.routes],
                   [start, *plan.buildings], plan.speed_kmh, lang)


def schedule_outputs(routes: list[TeamRoute], lang: str = "en", days: list[Day] | None = None) -> Outputs:
    """A schedule's routes (route ``k`` the ``k``-th, as the schedule numbers them, each team's
    from its own area's plan), with the start and the buildings along them, and (given the
    schedule's ``days``) who walks each on its first day."""
    today = days[0].assignments if days else []
    walkers = [next((a.worker for a in today if a.task == "patrol" and a.route == k), None)
               for k in range(1, len(routes) + 1)]
    first = routes[0].plan
    start = Waypoint(first.start.lon, first.start.lat, label("start", lang), None, "start")
    seen: dict[tuple, Waypoint] = {}
    for r in routes:
        seen.update({(w.lon, w.lat, w.name, w.kind): w for w in r.plan.buildings})
    return Outputs(label("patrol_title_all", lang, jurisdiction=first.jurisdiction.name),
                   lambda: [legs(r.plan.net, r.tour.steps, r.plan.loaded.to_wgs84) for r in routes],
                   [start, *seen.values()], first.speed_kmh, lang, walkers)


def visit_outputs(plan: VisitPlan, lang: str = "en") -> Outputs:
    points = [replace(w, name=label("start", lang)) if w.kind == "start" else w for w in plan.waypoints()]
    return Outputs(label("visits_title", lang, jurisdiction=plan.jurisdiction),
                   lambda: [legs(plan.net, plan.steps, plan.loaded.to_wgs84)], points, plan.speed_kmh, lang)
