"""``/cases``: report cases (事件 / 工单), list them, read one with its timeline, move it along the
workflow, import 12345 tickets, and the 接诉即办 numbers.

Who sees which case and who takes which step is ``gis.access`` (:func:`~gis.access.case_scope`,
:func:`~gis.access.case_steps`): workers report anywhere in their jurisdiction and handle the
cases of their grid, leaders accept, dispatch, verify, close and park, departments handle what is
dispatched to them, planners and schedulers read. A step names the case's ETag (If-Match)."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi import Path as PathParam

from api.auth import Handler, Reader, Reporter, Triager, Viewer
from api.deps import ConnDep, JSONBodyRoute, PlainParameters, SettingsDep, raw_body
from api.errors import UnsupportedMediaTypeError
from api.models.cases import (
    Assignee,
    CallBack,
    Case,
    CaseList,
    Catalogue,
    Category,
    CategoryIn,
    Density,
    Department,
    DepartmentIn,
    FeedbackReport,
    Hotspots,
    Kpi,
    NewCase,
    Reported,
    Source,
    State,
    Step,
    TicketReport,
)
from api.models.common import COMMON, WRITES, header, links, problems
from gis import access, etags
from gis.access import Principal
from gis.cases import catalogue_store, store
from gis.cases.workflow import call_back_refusal, check_step
from gis.db import Connection, transaction
from gis.errors import InvalidInput, NotFound, StaleVersion
from gis.i18n import msg
from gis.limits import MAX_ID, MAX_NAME_CHARS, MAX_TICKET_ROWS

router = APIRouter(prefix="/cases", tags=["cases"], dependencies=[PlainParameters], route_class=JSONBodyRoute,
                   responses=COMMON)
ETAG = {"ETag": header("The case's version, for If-Match")}
CaseId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
TABLE = store.TABLE
# Ticket files as request bodies, by media type → the suffix the reader knows them by.
TICKET_TYPES = {"text/csv": ".csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
                "application/vnd.oasis.opendocument.spreadsheet": ".ods"}


def received_between(first: date | None, last: date | None, tz: Any) -> tuple[datetime | None, datetime | None]:
    """The moments the days ``first`` to ``last`` (both included, either open) begin and end in ``tz``."""
    from gis.cases.kpi import period

    start = period(first, first, tz)[0] if first else None
    end = period(last, last, tz)[1] if last else None
    if start and end and end <= start:
        raise InvalidInput(msg("the period ends ({0}) before it begins ({1})", last, first))
    return start, end


def _answer(who: Principal, case: dict[str, Any], response: Response) -> dict[str, Any]:
    """A case for ``who``: its ETag as a header, the steps they may take, and whether they may
    record the resident's answer."""
    response.headers["ETag"] = case["etag"]
    refused = call_back_refusal(case["id"], case["state"], case["ticket_no"])
    return {**case, "actions": _actions(who, case), "may_call_back": who.may("triage") and refused is None}


def _actions(who: Principal, case: dict[str, Any]) -> list[str]:
    steps = access.case_steps(who, case, tuple(case["next"]))
    return [s for s in steps if not (s == "verified" and case["handled_by"] == who.username)]


def _visible(cur: Any, who: Principal, slug: str, case_id: int) -> dict[str, Any]:
    """Case ``case_id`` of ``slug``, if ``who`` sees it (404 when it is another jurisdiction's)."""
    case = store.get_case(cur, case_id)
    if case["jurisdiction"] != slug:
        raise NotFound(msg("{0} has no case {1}", slug, case_id))
    if not access.sees_case(who, case):
        raise access.Forbidden(msg("{0} may not see case {1}: it is not of their grid or department",
                                   who.username, case_id))
    return case


@router.get("/{slug}", summary="The cases of a jurisdiction, newest first (those the user sees)",
            response_model=CaseList)
def list_cases(who: Viewer, slug: str, conn: ConnDep, settings: SettingsDep, state: State | None = None,
               grid: Annotated[str | None, Query(max_length=15)] = None,
               category: Annotated[str | None, Query(max_length=MAX_NAME_CHARS)] = None,
               source: Source | None = None,
               overdue: Annotated[bool, Query(description="Only open cases past their due time")] = False,
               open: Annotated[bool, Query(description="Only cases neither closed nor rejected")] = False,
               limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
               offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
               from_: Annotated[date | None, Query(alias="from", description="Only cases received on or after "
                                                                             "this day")] = None,
               to: Annotated[date | None, Query(description="Only cases received on or before this day")] = None
               ) -> dict:
    filters: dict[str, Any] = {"state": state, "grid": grid, "category": category, "source": source, "overdue": overdue,
               "open_only": open, "scope": access.case_scope(who),
               "received": received_between(from_, to, settings.time_zone)}
    with transaction(conn) as cur:
        return {"jurisdiction": slug, "limit": limit, "offset": offset,
                "total": store.count_cases(cur, slug, **filters),
                "cases": store.list_cases(cur, slug, limit=limit, offset=offset, **filters)}


@router.post("/{slug}", status_code=201, summary="Report a case at a point or a building",
             response_model=Reported,
             responses={200: {"description": "Reported before with this client_id: the case it made",
                              "model": Reported, "headers": ETAG},
                        201: {"description": "Reported", "headers": ETAG, "links": links({
                            op: {"slug": "$request.path.slug", "case_id": "$response.body#/id"}
                            for op in ("cases-show", "cases-step")})}, **WRITES})
def report(who: Reporter, slug: str, body: NewCase, conn: ConnDep, response: Response) -> dict:
    at = (body.at.coordinates[0], body.at.coordinates[1]) if body.at else None
    access.check_report_source(who, source=body.source, ticket_no=body.ticket_no)
    with transaction(conn, who.username) as cur:
        case = store.add_case(cur, slug, category=body.category, description=body.description, source=body.source,
                              urgency=body.urgency, at=at, building=body.building, ticket_no=body.ticket_no,
                              address=body.address, reporter=who.username, reported_at=body.reported_at,
                              client_id=body.client_id, before_creating=lambda: access.check_report_time(
                                  who, body.reported_at, datetime.now(UTC)), buildings_of=access.building_reach(who))
        if not case["created"]:
            response.status_code = 200
            if not access.sees_case(who, case):  # someone else's report: not a way to read it
                raise access.Forbidden(msg("client_id {0} names a case {1} may not see", body.client_id,
                                           who.username))
        return _answer(who, case, response)


@router.get("/{slug}/categories", summary="The case categories (department, hours) and departments",
            response_model=Catalogue)
def categories(who: Viewer, slug: str, conn: ConnDep) -> dict:
    with transaction(conn) as cur:
        return catalogue_store.catalogue(cur, slug)


@router.get("/{slug}/assignees", summary="Whom a case may be dispatched to by name (workers, grid leaders, accounts)",
            response_model=list[Assignee])
def assignees(who: Triager, slug: str, conn: ConnDep) -> list[dict]:
    with transaction(conn) as cur:
        return store.assignees(cur, slug)


Code = Annotated[str, PathParam(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="Its code: lower-case letters, "
                                "digits and _")]
IF_MATCH = Header(alias="If-Match", description="The ETag of the row replaced; none to create a new code")
SAVED = {200: {"description": "Replaced", "headers": {"ETag": header("Its version, for If-Match")}},
         201: {"description": "Created", "headers": {"ETag": header("Its version, for If-Match")}},
         **WRITES, **problems(412, 428)}


@router.put("/{slug}/categories/{category}", summary="Create a case category, or replace one (If-Match: its ETag)",
            response_model=Category, responses=SAVED)
def put_category(who: Triager, slug: str, category: Code, body: CategoryIn, conn: ConnDep, response: Response,
                 if_match: Annotated[str | None, IF_MATCH] = None) -> dict:
    with transaction(conn, who.username) as cur:
        saved, created = catalogue_store.save_category(
            cur, slug, category, name_zh=body.name_zh, name_en=body.name_en, department=body.department,
            hours={k: getattr(body, k) for k in catalogue_store.HOURS},
            version=_catalogue_version(cur, if_match, catalogue_store.CATEGORY, slug, category))
    return _saved(saved, created, response)


@router.put("/{slug}/departments/{department}", summary="Create a department, or rename one (If-Match: its ETag)",
            response_model=Department, responses=SAVED)
def put_department(who: Triager, slug: str, department: Code, body: DepartmentIn, conn: ConnDep,
                   response: Response, if_match: Annotated[str | None, IF_MATCH] = None) -> dict:
    with transaction(conn, who.username) as cur:
        saved, created = catalogue_store.save_department(
            cur, slug, department, name_zh=body.name_zh, name_en=body.name_en,
            version=_catalogue_version(cur, if_match, catalogue_store.DEPARTMENT, slug, department))
    return _saved(saved, created, response)


def _catalogue_version(cur: Any, if_match: str | None, table: str, slug: str, code: str) -> int | None:
    """The version If-Match names for the row of ``table`` with ``code`` (None: no If-Match)."""
    if not if_match:
        return None
    found = etags.versions(if_match, table)
    row = catalogue_store.row_id(cur, table, slug, code)
    if row is None or row not in found:
        raise StaleVersion(msg("If-Match does not name the current {0} {1}", table, code), 0)
    return found[row]


def _saved(saved: dict[str, Any], created: bool, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = saved["etag"]
    response.status_code = 201 if created else 200
    return saved


@router.get("/{slug}/kpi", summary="接诉即办 numbers of the cases received in a period", response_model=Kpi)
def kpi(who: Reader, slug: str, conn: ConnDep, settings: SettingsDep,
        from_: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD)")],
        to: Annotated[date, Query(description="Last day, included")],
        as_of: Annotated[datetime | None, Query(description="See the workflow as of this time")] = None,
        basic_weight: Annotated[float, Query(ge=0, le=1, description="What 基本满意 counts for")] = 1.0) -> dict:
    from gis.cases.kpi_store import case_kpi

    with transaction(conn) as cur:
        return case_kpi(cur, slug, from_, to, settings.time_zone, as_of=as_of, basic_weight=basic_weight)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/{slug}/kpi.xlsx", summary="The 接诉即办 numbers of a period as the street office's Excel report",
            response_class=Response, responses={200: {
                "description": "The workbook: overall, per grid, per worker, per category, the cases",
                "headers": {"Content-Disposition": header("attachment, with a file name")},
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def kpi_workbook(who: Reader, slug: str, conn: ConnDep, settings: SettingsDep,
                 from_: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD)")],
                 to: Annotated[date, Query(description="Last day, included")],
                 basic_weight: Annotated[float, Query(ge=0, le=1)] = 1.0) -> Response:
    from gis.cases.kpi_store import case_kpi
    from gis.cases.report import names, period_cases, workbook

    with transaction(conn) as cur:
        report = case_kpi(cur, slug, from_, to, settings.time_zone, basic_weight=basic_weight)
        data = workbook(report, names(cur, slug), period_cases(cur, slug, report, settings.time_zone))
    name = f"{slug}-kpi-{from_}-{to}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{slug}/hotspots", summary="Where the cases of a period cluster: counts per grid (and category)",
            response_model=Hotspots)
def hot(who: Reader, slug: str, conn: ConnDep, settings: SettingsDep,
        from_: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD)")],
        to: Annotated[date, Query(description="Last day, included")],
        category: Annotated[str | None, Query(max_length=MAX_NAME_CHARS)] = None) -> dict:
    from gis.cases.hotspots import hotspots

    with transaction(conn) as cur:
        return hotspots(cur, slug, from_, to, settings.time_zone, category=category)


@router.get("/{slug}/density", summary="Where the cases of a period cluster: a kernel density surface on cells",
            response_model=Density)
def density(who: Reader, slug: str, conn: ConnDep, settings: SettingsDep,
            from_: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD)")],
            to: Annotated[date, Query(description="Last day, included")],
            category: Annotated[str | None, Query(max_length=MAX_NAME_CHARS)] = None,
            bandwidth: Annotated[float, Query(ge=10, le=2000, description="The kernel's radius, metres")] = 100.0,
            cell: Annotated[float, Query(ge=2, le=500, description="The cells' side, metres")] = 20.0,
            floor: Annotated[float, Query(ge=0, le=1, description="Leave out cells below this share of the "
                                                                   "highest")] = 0.05) -> dict:
    from gis.cases import hotspots

    with transaction(conn) as cur:
        return hotspots.density(cur, slug, from_, to, settings.time_zone, category=category, bandwidth=bandwidth,
                                cell=cell, floor=floor)


@router.post("/{slug}/tickets", status_code=201, summary="Import 12345 tickets (CSV, .xlsx or .ods) as cases",
             response_model=TicketReport, responses=WRITES,
             openapi_extra={"requestBody": {"required": True, "description": "The ticket file", "content": {
                 t: {"schema": {"type": "string", "format": "binary"}} for t in TICKET_TYPES}}})
async def tickets(request: Request, who: Triager, slug: str, conn: ConnDep,
                  encoding: Annotated[str | None, Query(max_length=20, description="The CSV's encoding, "
                                                        "when not recognised (GBK)")] = None,
                  crs: Annotated[str | None, Query(pattern="^(gcj02|wgs84)$")] = None,
                  map_: Annotated[list[str] | None, Query(alias="map", description="SRC=DST: rename a column")
                                  ] = None) -> Any:
    from starlette.concurrency import run_in_threadpool

    data = await _upload(request)
    return await run_in_threadpool(_import, request, who, conn, slug, data, encoding, crs, map_)


@router.post("/{slug}/feedback", summary="Import residents' call-back answers (satisfaction, solved) onto the "
             "cases of their ticket numbers", response_model=FeedbackReport, responses=WRITES,
             openapi_extra={"requestBody": {"required": True, "description": "The feedback file", "content": {
                 t: {"schema": {"type": "string", "format": "binary"}} for t in TICKET_TYPES}}})
async def feedback(request: Request, who: Triager, slug: str, conn: ConnDep,
                   encoding: Annotated[str | None, Query(max_length=20, description="The CSV's encoding, "
                                                         "when not recognised (GBK)")] = None,
                   map_: Annotated[list[str] | None, Query(alias="map", description="SRC=DST: rename a column")
                                   ] = None) -> Any:
    from starlette.concurrency import run_in_threadpool

    data = await _upload(request)
    return await run_in_threadpool(_import_feedback, request, who, conn, slug, data, encoding, map_)


async def _upload(request: Request) -> tuple[bytes, str]:
    """The file a request sends as its body, and the suffix its media type names."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in TICKET_TYPES:
        raise UnsupportedMediaTypeError(msg("send the ticket file with Content-Type {0}, not {1!r}",
                                            " or ".join(TICKET_TYPES), media[:100]))
    return await raw_body(request), TICKET_TYPES[media]


def _records(upload: tuple[bytes, str], encoding: str | None, map_: list[str] | None
             ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rows of an uploaded file (read as the command line reads a file) and the column map."""
    from gis.cases.tickets import read_records

    mapping = {}
    for item in map_ or []:
        src, sep, dst = item.partition("=")
        if not sep or not src or not dst:
            raise InvalidInput(msg("map takes SRC=DST, got {0!r}", item[:100]))
        mapping[src] = dst
    data, suffix = upload
    if not data:
        raise InvalidInput(msg("send the ticket file as the request body"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"tickets{suffix}"
        path.write_bytes(data)
        records = read_records(path, encoding)
    if len(records) > MAX_TICKET_ROWS:
        raise InvalidInput(msg("the file has {0} rows; one upload takes at most {1}: send it in parts (a month "
                               "each), or import it with the command line (gridmap cases import)",
                               len(records), MAX_TICKET_ROWS))
    return records, mapping


def _import(request: Request, who: Principal, conn: Connection, slug: str, upload: tuple[bytes, str],
            encoding: str | None, crs: str | None, map_: list[str] | None) -> dict:
    """Read, check and write a ticket file (as ``gridmap cases import``), in one transaction."""
    from gis.cases.tickets import parse_tickets
    from gis.cases.tickets_store import import_tickets

    records, mapping = _records(upload, encoding, map_)
    settings = request.app.state.settings
    found = parse_tickets(records, mapping, settings.time_zone, datetime.now().astimezone())
    with transaction(conn, who.username) as cur:
        return import_tickets(cur, slug, found, crs=crs)


def _import_feedback(request: Request, who: Principal, conn: Connection, slug: str, upload: tuple[bytes, str],
                     encoding: str | None, map_: list[str] | None) -> dict:
    """Read, check and write a feedback file (as ``gridmap cases feedback``): a file with any
    bad row is refused whole, every problem named."""
    from gis.cases.tickets import parse_feedback
    from gis.cases.tickets_store import import_feedback

    records, mapping = _records(upload, encoding, map_)
    answers = parse_feedback(records, mapping, request.app.state.settings.time_zone)
    with transaction(conn, who.username) as cur:
        return import_feedback(cur, slug, answers)


@router.get("/{slug}/{case_id}", summary="A case, its timeline, and the steps the user may take next",
            response_model=Case, responses={200: {"description": "The case", "headers": ETAG}})
def show(who: Viewer, slug: str, case_id: CaseId, conn: ConnDep, response: Response) -> dict:
    with transaction(conn) as cur:
        return _answer(who, _visible(cur, who, slug, case_id), response)


@router.post("/{slug}/{case_id}/feedback", summary="Record the resident's answer when called back (回访)",
             response_model=Case, responses={200: {"description": "The case with the answer", "headers": ETAG},
                                             **WRITES})
def call_back(who: Triager, slug: str, case_id: CaseId, body: CallBack, conn: ConnDep, response: Response) -> dict:
    """The resident's answer for one of the community's own cases (a 12345 ticket's comes in the
    platform's file, ``POST /cases/{slug}/feedback``, and is never overwritten here): what the
    resolution and satisfaction rates count. Taken once the case is handled; a later answer
    replaces an earlier one (what is left out stays as it was)."""
    with transaction(conn, who.username) as cur:
        case = _visible(cur, who, slug, case_id)
        if (refused := call_back_refusal(case_id, case["state"], case["ticket_no"])) is not None:
            raise InvalidInput(refused)
        store.set_feedback(cur, case_id, satisfaction=body.satisfaction, solved=body.solved)
        return _answer(who, store.get_case(cur, case_id), response)


@router.post("/{slug}/{case_id}/transitions", summary="Move a case to its next state (If-Match: its ETag)",
             response_model=Case, responses={200: {"description": "The case after the step", "headers": ETAG},
                                             **WRITES, **problems(412, 428)})
def step(who: Handler, slug: str, case_id: CaseId, body: Step, conn: ConnDep, response: Response,
         if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> dict:
    version = etags.version(if_match, TABLE, case_id)
    with transaction(conn, who.username) as cur:
        case = _visible(cur, who, slug, case_id)
        if version != case["version"]:
            raise StaleVersion(msg("case {0} is at version {1}, not {2}", case_id, case["version"], version),
                               case["version"])
        check_step(case_id, case["state"], body.to, case["parked_from"])  # out of order: 422, naming the next
        access.check_case_step(who, case, body.to, tuple(case["next"]))
        if (body.assignee or body.department) and not who.may("triage"):
            raise access.Forbidden(msg("{0} is a {1}, who may not choose whom a case goes to", who.username,
                                       who.role))
        moved = store.transition(cur, case_id, body.to, version, note=body.note, assignee=body.assignee,
                                 department=body.department, review_on=body.review_on, at=body.at,
                                 dispatch=body.dispatch)
        return _answer(who, moved, response)
