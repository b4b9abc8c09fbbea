"""``gridmap cases …``: report, list, show and move cases (事件 / 工单); import 12345 tickets and
residents' feedback; the 接诉即办 numbers."""

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from gis.cli.options import Actor, JsonOpt, Slug, emit, listed, parse_mapping, said
from gis.cli.session import session
from gis.errors import InvalidInput
from gis.i18n import msg
from gis.parsing import parse_day, parse_lonlat

cases_app = typer.Typer(help="Cases (事件 / 工单) and 12345 tickets (接诉即办).", no_args_is_help=True)

MapOpt = Annotated[list[str] | None, typer.Option("--map", help="Rename a column: SRC=DST "
                                                  "(DST: ticket_no, received, text, address, lon, lat, category, "
                                                  "urgency; satisfaction, solved, feedback_at).")]
EncodingOpt = Annotated[str | None, typer.Option(help="The CSV's encoding (GBK, GB18030, UTF-8) when it is "
                                                      "not recognised.")]


def _moment(text: str | None, what: str) -> datetime | None:
    """A time typed as YYYY-MM-DD HH:MM (in GRIDMAP_TIME_ZONE unless it says its offset)."""
    if text is None:
        return None
    from gis.cases.tickets import parse_time
    from gis.settings import Settings

    try:
        return parse_time(text, Settings().time_zone)
    except ValueError:
        raise InvalidInput(msg("{0} must be a date and time as YYYY-MM-DD HH:MM, got {1!r}", what, text[:40])) from None


def _line(c: dict[str, Any]) -> str:
    """A case on one line: its number, version, state, category, urgency, grid, who has it, what."""
    # a value that is a phrase of the catalogue (the state, the urgency) is translated with the message
    state = said(msg("{0}, OVERDUE", c["state"])) if c["overdue"] else c["state"]
    return said(msg("#{0} v{1} [{2}] {3} {4} grid {5} → {6}: {7}", c["id"], c["version"], state, c["category_zh"],
                    c["urgency"], c["grid"] or "-", c["assignee"] or c["department_zh"] or "-", c["description"][:40]))


def _next(c: dict[str, Any]) -> str:
    """The states a case may move to next, as a line."""
    none = said(msg("none"))
    return said(msg("next: {0}", listed(said(s) for s in c["next"]) or none))


@cases_app.command("add")
def add_cmd(slug: Slug,
            category: Annotated[str, typer.Option(help="Category code or name (courier_parking, 电动车违规充电, …).")],
            text: Annotated[str, typer.Option("--text", help="What the problem is.")],
            at: Annotated[str | None, typer.Option(help="Where: LON,LAT (WGS84).")] = None,
            building: Annotated[str | None, typer.Option(help="Or a building: its id or name.")] = None,
            source: Annotated[str, typer.Option(help="patrol, hotline, resident or inspection.")] = "patrol",
            urgency: Annotated[str, typer.Option(help="red, yellow or blue.")] = "blue",
            ticket: Annotated[str | None, typer.Option(help="A hotline case's ticket number (工单编号).")] = None,
            reporter: Annotated[str | None, typer.Option(help="Who reported it.")] = None,
            reported_at: Annotated[str | None, typer.Option(help="When it was reported (YYYY-MM-DD HH:MM); "
                                                                  "default now.")] = None,
            client_id: Annotated[str | None, typer.Option(help="A UUID made by the client: the same one "
                                                                "again creates nothing.")] = None,
            actor: Actor = None, as_json: JsonOpt = False) -> None:
    """Report a case at a point or a building."""
    from gis.cases.store import add_case

    with session(actor) as cur:
        case = add_case(cur, slug, category=category, description=text, source=source, urgency=urgency,
                        at=parse_lonlat(at) if at else None, building=building, ticket_no=ticket,
                        reporter=reporter, reported_at=_moment(reported_at, "--reported-at"), client_id=client_id)
    emit(case, as_json, _line(case) if case["created"] else said(msg("already there: {0}", _line(case))))


@cases_app.command("list")
def list_cmd(slug: Slug,
             state: Annotated[str | None, typer.Option(help="Only cases in this state.")] = None,
             grid: Annotated[str | None, typer.Option(help="Only cases of this grid (15-digit code).")] = None,
             category: Annotated[str | None, typer.Option(help="Only cases of this category.")] = None,
             overdue: Annotated[bool, typer.Option(help="Only open cases past their due time.")] = False,
             limit: Annotated[int, typer.Option(min=1, max=100000)] = 1000,
             as_json: JsonOpt = False) -> None:
    """The cases of a jurisdiction, newest first."""
    from gis.cases.store import list_cases

    with session() as cur:
        found = list_cases(cur, slug, state=state, grid=grid, category=category, overdue=overdue, limit=limit)
    emit(found, as_json, "\n".join(_line(c) for c in found) or said(msg("no cases")))


@cases_app.command("show")
def show_cmd(case_id: Annotated[int, typer.Argument(min=1, max=2_147_483_647)], as_json: JsonOpt = False) -> None:
    """A case, its steps, and the steps allowed next."""
    from gis.cases.store import get_case

    with session() as cur:
        case = get_case(cur, case_id)
    steps = [f"  {e['at']} {e['actor']}: {said(e['from']) if e['from'] else '-'} → {said(e['to'])}"
             + (f" ({e['note']})" if e["note"] else "")
             + (" " + said(msg("[written late, at {0}]", e["recorded_at"])) if e["late"] else "")
             for e in case["events"]]
    emit(case, as_json, "\n".join([_line(case), *steps, _next(case)]))


@cases_app.command("move")
def move_cmd(case_id: Annotated[int, typer.Argument(min=1, max=2_147_483_647)],
             to: Annotated[str, typer.Option("--to", help="The next state: accepted, rejected, dispatched, "
                                                          "handled, verified, closed, parked.")],
             version: Annotated[int, typer.Option(help="The case's version (its ETag): a stale one is refused.")],
             note: Annotated[str | None, typer.Option(help="The step's note (needed to reject, handle, park).")] = None,
             assignee: Annotated[str | None, typer.Option(help="Dispatch to this worker (default: the grid's).")
                                         ] = None,
             department: Annotated[str | None, typer.Option(help="Or to this department (code or name).")] = None,
             review_on: Annotated[str | None, typer.Option(help="A parked case's review day (YYYY-MM-DD).")] = None,
             at: Annotated[str | None, typer.Option(help="When it happened, if not now (YYYY-MM-DD HH:MM).")] = None,
             dispatch: Annotated[bool, typer.Option(help="Accepting dispatches at once.")] = True,
             actor: Actor = None, as_json: JsonOpt = False) -> None:
    """Move a case to its next state (one step; accepting also dispatches unless --no-dispatch)."""
    from gis.cases.store import transition

    with session(actor) as cur:
        case = transition(cur, case_id, to, version, note=note, assignee=assignee, department=department,
                          review_on=parse_day(review_on, "--review-on") if review_on else None,
                          at=_moment(at, "--at"), dispatch=dispatch)
    emit(case, as_json, _line(case) + "\n" + _next(case))


@cases_app.command("import")
def import_cmd(slug: Slug,
               path: Annotated[Path, typer.Argument(help="The tickets: .csv, .xlsx or .ods.")],
               map_: MapOpt = None, encoding: EncodingOpt = None,
               crs: Annotated[str | None, typer.Option(help="gcj02 when lon/lat come from Gaode or Tencent.")] = None,
               actor: Actor = None, as_json: JsonOpt = False) -> None:
    """Import 12345 tickets as hotline cases, placed by address or coordinates; again changes nothing."""
    from gis.cases.tickets import parse_tickets, read_records
    from gis.cases.tickets_store import import_tickets
    from gis.settings import Settings

    if crs not in (None, "gcj02", "wgs84"):
        raise InvalidInput(msg("--crs is gcj02 or wgs84, got {0!r}", crs))
    tickets = parse_tickets(read_records(path, encoding), parse_mapping(map_), Settings().time_zone,
                            datetime.now().astimezone())
    with session(actor) as cur:
        report = import_tickets(cur, slug, tickets, crs=crs)
    lines = [said(msg("{0}: {1} tickets written, {2} already there", slug, len(report["created"]),
                      len(report["already_there"]))),
             said(msg("placed: {0}", listed(f"{said(k)} {v}" for k, v in report["placed"].items())))]
    for t in report["not_ours"]:
        lines.append(said(msg("not ours: row {0} ticket {1} {2}", t["row"], t["ticket_no"], t["address"])))
    for t in report["unplaced"]:
        lines.append(said(msg("unplaced: row {0} ticket {1} {2}", t["row"], t["ticket_no"], t["address"])))
    emit(report, as_json, "\n".join(lines))


@cases_app.command("feedback")
def feedback_cmd(slug: Slug,
                 path: Annotated[Path, typer.Argument(help="Call-back results: .csv, .xlsx or .ods.")],
                 map_: MapOpt = None, encoding: EncodingOpt = None,
                 actor: Actor = None, as_json: JsonOpt = False) -> None:
    """Residents' answers (satisfaction, solved) onto the cases of their ticket numbers."""
    from gis.cases.tickets import parse_feedback, read_records
    from gis.cases.tickets_store import import_feedback
    from gis.settings import Settings

    answers = parse_feedback(read_records(path, encoding), parse_mapping(map_), Settings().time_zone)
    with session(actor) as cur:
        report = import_feedback(cur, slug, answers)
    none = said(msg("none"))
    emit(report, as_json, said(msg("{0}: {1} cases updated; unknown ticket numbers: {2}", slug, len(report["updated"]),
                                   listed(u["ticket_no"] for u in report["unknown"]) or none)))


@cases_app.command("kpi")
def kpi_cmd(slug: Slug,
            from_: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
            to: Annotated[str, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")],
            as_of: Annotated[str | None, typer.Option(help="See the workflow as of this time "
                                                           "(default: the end of the period, or now).")] = None,
            basic_weight: Annotated[float, typer.Option(help="What 基本满意 counts for in the satisfaction "
                                                             "rate (0 to 1).")] = 1.0,
            xlsx: Annotated[Path | None, typer.Option(help="Also write the street office's Excel report "
                                                          "here (.xlsx).")] = None,
            as_json: JsonOpt = False) -> None:
    """Received, response, resolution, satisfaction and on-time closure rates, open and overdue
    cases and mean hours per state: per grid, worker, category and overall."""
    from gis.cases.kpi_store import case_kpi
    from gis.settings import Settings

    first: date = parse_day(from_, "--from")
    last: date = parse_day(to, "--to")
    with session() as cur:
        report = case_kpi(cur, slug, first, last, Settings().time_zone, as_of=_moment(as_of, "--as-of"),
                          basic_weight=basic_weight)
        if xlsx is not None:
            from gis.cases.report import names, period_cases, workbook

            xlsx.write_bytes(workbook(report, names(cur, slug), period_cases(cur, slug, report, Settings().time_zone)))
    emit(report, as_json, _rates(f"{slug} {first}…{last}", report["overall"]))


@cases_app.command("compare")
def compare_cmd(from_: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
                to: Annotated[str, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")],
                slugs: Annotated[list[str] | None, typer.Argument(help="The communities (default: every one).")] = None,
                basic_weight: Annotated[float, typer.Option(help="What 基本满意 counts for (0 to 1).")] = 1.0,
                as_json: JsonOpt = False) -> None:
    """Communities side by side: each one's overall 接诉即办 numbers for the period (as
    ``gridmap cases kpi`` gives them), for the street office's monthly comparison."""
    from gis.cases.kpi_store import kpi_by_jurisdiction
    from gis.settings import Settings

    first: date = parse_day(from_, "--from")
    last: date = parse_day(to, "--to")
    with session() as cur:
        report = kpi_by_jurisdiction(cur, first, last, Settings().time_zone, slugs=slugs or None,
                                     basic_weight=basic_weight)

    lines = [_rates(r["jurisdiction"], r) for r in report["jurisdictions"]]
    if len(lines) > 1:  # all of them together: the counts added, the rates of the sums
        lines.append(_rates(said(msg("all communities")), report["total"]))
    emit(report, as_json, "\n".join(lines))


def _rates(what: str, o: dict[str, Any]) -> str:
    """The 接诉即办 numbers of a period on one line (a rate with nothing to count: -)."""
    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x:.1%}"

    return said(msg("{0}: received {1}, response {2}, resolution {3}, satisfaction {4}, on-time closure {5}, "
                    "open {6}, overdue {7}", what, o["received"], pct(o["response_rate"]), pct(o["resolution_rate"]),
                    pct(o["satisfaction_rate"]), pct(o["on_time_closure_rate"]), o["open"], o["overdue"]))
