"""``gridmap patrol …``: routes, visits, schedules, tracks, check-ins, coverage, stewards."""

import json
from pathlib import Path
from typing import Annotated

import typer

from gis.cli.options import JsonOpt, Slug, emit, err, listed, said, say, write_map, write_output
from gis.cli.session import session
from gis.errors import InvalidInput
from gis.i18n import msg
from gis.parsing import parse_day, parse_days, parse_lonlat

patrol_app = typer.Typer(help="Patrols (走动式 / 搜索式工作法): routes, visits, schedules, tracks.",
                         no_args_is_help=True)

StartOpt = Annotated[str | None, typer.Option(help="Start as LON,LAT (default: the community office).")]
OutFile = Annotated[Path | None, typer.Option()]


@patrol_app.command("route")
def route(slug: Slug,
          grid: Annotated[str | None, typer.Option(help="Only this grid (15-digit code).")] = None,
          compound: Annotated[str | None, typer.Option(help="Only this compound (name).")] = None,
          workers: Annotated[int, typer.Option(help="Share the walk among K workers.")] = 1,
          start: StartOpt = None,
          gpx: Annotated[Path | None, typer.Option(help="Write the routes as GPX.")] = None,
          geojson: Annotated[Path | None, typer.Option(help="Write GeoJSON with sequence numbers.")] = None,
          streets: Annotated[Path | None, typer.Option(help="Write the printable street list.")] = None,
          map_: Annotated[Path | None, typer.Option("--map", help="Write the route map (HTML).")] = None,
          as_json: JsonOpt = False) -> None:
    """The shortest walk over every street of the area, from the start and back, per worker."""
    from gis.patrol.outputs import route_outputs
    from gis.patrol.routes import plan_routes
    from gis.settings import Settings

    settings = Settings()
    with session() as cur:
        plan = plan_routes(cur, slug, settings, grid=grid, compound=compound, workers=workers,
                           start=parse_lonlat(start) if start else None)
    if plan.start.note:
        err(msg("note: {0}", plan.start.note))
    if left := plan.unreachable():
        names = sorted({name or "—" for _, name in left})
        err(msg("{0} streets cannot be reached from the start (not joined to its streets) and are not in "
                "the route: {1}", len(left), listed(names, limit=10)))
    out = route_outputs(plan, settings.lang)  # each made only when asked for
    write_output(gpx, out.gpx)
    write_output(geojson, lambda: json.dumps(out.geojson(), ensure_ascii=False))
    write_output(streets, out.street_list)
    if map_ is not None:
        write_map(map_, out.map_html())
    emit(plan.to_json(), as_json, out.street_list)


@patrol_app.command("visits")
def visits(slug: Slug,
           buildings: Annotated[str | None, typer.Option(help="Building ids: 1,2,3.")] = None,
           kind: Annotated[str | None, typer.Option(help="Building kinds: office,mall,hotel.")] = None,
           grid: Annotated[str | None, typer.Option(help="Only buildings of this grid.")] = None,
           start: StartOpt = None,
           gpx: OutFile = None, geojson: OutFile = None,
           map_: Annotated[Path | None, typer.Option("--map", help="Write the map (HTML).")] = None,
           as_json: JsonOpt = False) -> None:
    """The shortest walk through a set of buildings, with its gap to a lower bound."""
    from gis.patrol.outputs import visit_outputs
    from gis.patrol.visits import parse_ids, plan_visits
    from gis.settings import Settings

    settings = Settings()
    with session() as cur:
        plan = plan_visits(cur, slug, settings, building_ids=parse_ids(buildings),
                           kinds=[k.strip() for k in kind.split(",")] if kind else None, grid=grid,
                           start=parse_lonlat(start) if start else None)
    if plan.start.note:
        err(msg("note: {0}", plan.start.note))
    out = visit_outputs(plan, settings.lang)  # each made only when asked for
    write_output(gpx, out.gpx)
    write_output(geojson, lambda: json.dumps(out.geojson(), ensure_ascii=False))
    if map_ is not None:
        write_map(map_, out.map_html())
    r = plan.to_json()
    emit(r, as_json, lambda: "\n".join(
        [said(msg("{0:.2f} km, {1:.0f} min, within {2:.1%} of the lower bound", r["length_m"] / 1000, r["minutes"],
                  r["gap"]))] + [f"{s['seq']:>3}. {s['name'] or s['building_id']}" for s in r["stops"]]))


@patrol_app.command("schedule")
def schedule(slug: Slug,
             from_: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
             days: Annotated[int, typer.Option(help="How many days.")],
             workers: Annotated[str, typer.Option(help="Worker names: 王芳,李强.")],
             capacity: Annotated[int | None, typer.Option(help="Most building visits a day.")] = None,
             holidays: Annotated[str | None, typer.Option(help="Holidays: dates, comma-separated.")] = None,
             workdays: Annotated[str | None, typer.Option(help="Make-up working days (调休).")] = None,
             csv: OutFile = None, ics: OutFile = None, as_json: JsonOpt = False) -> None:
    """Daily patrols for the workers and the yearly building visits, as JSON, CSV or iCalendar."""
    from gis.patrol import schedule as sched
    from gis.patrol.schedule_store import plan_schedule
    from gis.settings import Settings

    names = [w.strip() for w in workers.split(",") if w.strip()]
    cal = sched.Calendar(parse_days(holidays, "holiday"), parse_days(workdays, "workday"))
    with session() as cur:
        plan = plan_schedule(cur, slug, Settings(), parse_day(from_, "--from"), days, names, cal, capacity)
    write_output(csv, sched.to_csv(plan))
    write_output(ics, sched.to_ical(plan, slug))
    emit({"jurisdiction": slug, "workers": names, "days": sched.to_json(plan)}, as_json,
           sched.to_csv(plan))


@patrol_app.command("track")
def track(slug: Slug, file: Annotated[Path, typer.Argument(help="A GPX file.")],
          worker: Annotated[str, typer.Option(help="Who walked it.")],
          day: Annotated[str, typer.Option(help="The day, YYYY-MM-DD.")],
          as_json: JsonOpt = False) -> None:
    """Upload a GPX track: match it to the streets and record what it walked."""
    from gis.patrol.records import record_track

    if not file.is_file():
        raise InvalidInput(msg("{0}: no such file", file))
    with session(worker) as cur:
        r = record_track(cur, slug, worker, day, file.read_bytes())
    emit(r, as_json, lambda: said(msg("track {0}: {1}/{2} points on streets, {3:.0f} m walked ({4:.0%} of the "
                                      "streets)", r["track_id"], r["matched_points"], r["points"], r["walked_m"],
                                      r["share_of_streets"])))


@patrol_app.command("checkin")
def checkin(slug: Slug, building: Annotated[int, typer.Option(help="Building id.")],
            worker: Annotated[str, typer.Option()], day: Annotated[str, typer.Option()],
            kind: Annotated[str, typer.Option(help="small or big.")] = "small",
            note: Annotated[str | None, typer.Option()] = None) -> None:
    """Record a building visit."""
    from gis.patrol.records import record_visits

    with session(worker) as cur:
        (vid,) = record_visits(cur, slug, [{"building_id": building, "worker": worker, "day": day,
                                            "kind": kind, "note": note}])
    say(msg("visit {0} recorded", vid))


@patrol_app.command("coverage")
def coverage(slug: Slug, days: Annotated[int, typer.Option(help="The last N days.")] = 7,
             as_of: Annotated[str | None, typer.Option(help="Up to this day (default today).")] = None,
             map_: Annotated[Path | None, typer.Option("--map", help="Write the coverage map.")] = None,
             as_json: JsonOpt = False) -> None:
    """Share of the streets walked in the last N days, per grid; the stale streets."""
    from gis.patrol.maps import patrol_coverage_page
    from gis.patrol.records import patrol_coverage
    from gis.settings import Settings

    settings = Settings()
    with session() as cur:
        r = patrol_coverage(cur, slug, days, parse_day(as_of, "--as-of") if as_of else settings.today())
    if map_:
        write_map(map_, patrol_coverage_page(r, settings.lang))
    r = {k: v for k, v in r.items() if k != "streets"}
    lines = [said(msg("{0}: {1:.0%} of {2:.2f} km walked in {3} days", slug, r["share"], r["street_m"] / 1000, days))]
    lines += [f"  {g['code']} {g['name'] or ''}: {g['share']:.0%}" for g in r["grids"]]
    never = said(msg("never"))
    for s in r["stale"]:
        lines.append(said(msg("  stale: {0} {1} (last walked {2})", s["edge_id"], s["name"] or "",
                              s["last_walked"] or never)))
    emit(r, as_json, "\n".join(lines))


@patrol_app.command("progress")
def progress(slug: Slug, as_of: Annotated[str | None, typer.Option(help="Up to this day.")] = None,
             capacity: Annotated[int | None, typer.Option()] = None,
             holidays: Annotated[str | None, typer.Option()] = None,
             workdays: Annotated[str | None, typer.Option()] = None, as_json: JsonOpt = False) -> None:
    """Building visits done against planned, this year up to the day."""
    from gis.patrol.records import visit_progress
    from gis.patrol.schedule import Calendar
    from gis.settings import Settings

    settings = Settings()
    with session() as cur:
        r = visit_progress(cur, slug, settings.commercial_kinds, capacity or settings.visits_per_day,
                           Calendar(parse_days(holidays, "holiday"), parse_days(workdays, "workday")),
                           parse_day(as_of, "--as-of") if as_of else settings.today())
    emit(r, as_json, said(msg("{0} {1}: {2} of {3} planned visits done; {4} missed", slug, r["year"], r["done"],
                              r["planned"], len(r["missed"]))))


@patrol_app.command("stewards")
def stewards(slug: Slug, as_json: JsonOpt = False) -> None:
    """Lane stewards (小巷管家) assigned to grids by proximity, 1:5:10."""
    from gis.patrol.stewards_store import assign_stewards

    with session() as cur:
        r = assign_stewards(cur, slug)
    lines = [said(msg("{0}: staff {1}, retired {2}, working {3}", g["code"], len(g["staff"]),
                      len(g["steward_retired"]), len(g["steward_working"]))) for g in r["grids"]]
    emit(r, as_json, "\n".join(lines))
