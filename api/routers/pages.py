"""The pages people open: the one map (一张图), a grid's page, the planner, today's patrol, printing;
each needs a sign-in (the login page otherwise). Leaflet comes from the service
itself (npm packages installed at set-up, under /static/vendor), never from an outside host."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import COOKIE, PagePlanner, PageReader, PageViewer, SignedIn, Viewer
from api.auth_errors import PageForbidden
from api.deps import ConnDep, SettingsDep
from api.heavy import HeavyReader, HeavyViewer, heavy_job, pooled
from api.models.common import COMMON, header, problems, ref
from api.models.grids import GridNumbers
from api.models.ogc import LandingPage
from api.models.service import PageConfig
from api.rendering import page
from gis import access
from gis.cases.store import get_case
from gis.db import Connection, transaction
from gis.errors import NotFound
from gis.field_store import patrol_workers
from gis.grids.summary import grid_summary
from gis.i18n import msg
from gis.jurisdictions import SLUG
from gis.limits import MAX_ID
from gis.parsing import parse_day
from gis.printing import PrinterUnavailable, orientation_for, render
from gis.settings import Settings
from gis.store import first_jurisdiction, grid_bounds, grid_id_of, jurisdiction_id_of
from gis.users import issue_token, revoke_token

router = APIRouter(tags=["pages"])
# A page asked for without signing in sends the browser to the login page; one the role may not
# open is a page saying why (403, HTML), and so is one not there (404) or a link with a wrong
# parameter (400, 422): problem+json to a client that asks for no page (api/errors.py).
PAGE: dict[int | str, dict[str, Any]] = {303: {"description": "To the login page, and back after"},
        403: {"description": "A page that says why, and where the user may go", "content": {"text/html": {}}},
        **problems(400, 404, 405, 422, 503)}
# How long the print browser's token lives (seconds): one print, drawn within the browser's timeout.
PRINT_TOKEN_S = 90


Month = Annotated[str | None, Query(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$",
                                    description="The month, YYYY-MM (default: this month, so far)")]
# A page's parameters are what they can be, or the link is wrong (a page saying so): a grid code of
# fifteen digits, a slug, a day — text from a link never reaches a page of the service as words
# it seems to say ("没有这个网格 ：系统升级，请拨打 010-…" was a grid "code" in a crafted link).
Slug = Annotated[str | None, Query(pattern=SLUG.pattern, description="jurisdiction slug")]
GRID_CODE = r"^[0-9]{15}$"
GridCode = Annotated[str, Path(pattern=GRID_CODE, description="The grid's 15-digit code")]
OnlyGrid = Annotated[str | None, Query(pattern=GRID_CODE, description="Only this grid")]
Day = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="YYYY-MM-DD (default: today)")]


def _month(month: str | None, settings: Settings) -> str:
    """The month asked for, or this month in the service's time zone."""
    return month or settings.today().strftime("%Y-%m")


def _home(who, jurisdiction: str | None, settings: Settings, conn: Connection) -> str:
    """The jurisdiction a page shows: the one asked for, else the caller's own, else the
    configured default (``GRIDMAP_DEFAULT_JURISDICTION``), else the first there is."""
    named = jurisdiction or who.jurisdiction_slug or settings.default_jurisdiction
    if named:
        return named
    with transaction(conn) as cur:
        return first_jurisdiction(cur)


# Who walks a jurisdiction with no walker registered yet: two social workers, as in Huamao.
DEFAULT_WALKERS = ("社工1", "社工2")


def _walkers(conn: Connection, slug: str) -> list[str]:
    """Who walks the jurisdiction every day, as the field app's schedule shares the route among
    them (its registered social and grid workers), so that the office's pages and the phones show
    the same routes; two social workers when none is registered (or the jurisdiction is unknown:
    the page says so when it asks for its data)."""
    try:
        with transaction(conn) as cur:
            names = patrol_workers(cur, jurisdiction_id_of(cur, slug))
    except NotFound:
        names = []
    return names or list(DEFAULT_WALKERS)


@router.get("/", response_class=HTMLResponse, summary="One map of a jurisdiction (一张图); to a request asking for "
            "JSON, the OGC API – Features landing page (api/routers/ogc.py)",
            responses={**PAGE, 200: {"description": "The map page, or the landing page as JSON",
                                     "content": {"application/json": {"schema": ref(LandingPage)}}}})
def one_map(who: PageViewer, settings: SettingsDep, conn: ConnDep,
            jurisdiction: Slug = None) -> HTMLResponse:
    slug = _home(who, jurisdiction, settings, conn)
    return page("one_map.html", jurisdiction=slug, walkers=",".join(_walkers(conn, slug)))


@router.get("/grids/{code}", response_class=HTMLResponse, summary="A grid's page: its map and numbers",
            responses=PAGE)
def grid_page(who: PageViewer, code: GridCode, settings: SettingsDep, conn: ConnDep,
              jurisdiction: Slug = None) -> HTMLResponse:
    return page("grid.html", jurisdiction=_home(who, jurisdiction, settings, conn), code=code)


@router.get("/planner", response_class=HTMLResponse, summary="Edit the grids of a draft on the map",
            responses=PAGE)
def planner_page(who: PagePlanner, settings: SettingsDep, conn: ConnDep,
                 jurisdiction: Slug = None) -> HTMLResponse:
    return page("planner.html", jurisdiction=_home(who, jurisdiction, settings, conn))


@router.get("/communities", response_class=HTMLResponse, summary="The communities' 接诉即办 numbers of a month "
            "side by side (the street office's comparison)", responses=PAGE)
def communities_page(who: PageReader, settings: SettingsDep, conn: ConnDep, month: Month = None,
                     jurisdiction: Slug = None) -> HTMLResponse:
    return page("communities.html", jurisdiction=_home(who, jurisdiction, settings, conn),
                month=_month(month, settings))


@router.get("/patrol-today", response_class=HTMLResponse, summary="Today's patrol route of each worker, printable",
            responses=PAGE)
def patrol_page(who: PageReader, settings: SettingsDep, conn: ConnDep, jurisdiction: Slug = None,
                workers: Annotated[str | None, Query(description="names, comma-separated (default: the "
                                                     "jurisdiction's registered walkers, as on their phones)")] = None,
                ) -> HTMLResponse:
    slug = _home(who, jurisdiction, settings, conn)
    return page("patrol.html", jurisdiction=slug, workers=workers or ",".join(_walkers(conn, slug)))


@router.get("/patrol-day", response_class=HTMLResponse, summary="What each worker did on a day: walks, check-ins, "
            "cases (the leader's view)", responses=PAGE)
def patrol_day_page(who: PageReader, settings: SettingsDep, conn: ConnDep, jurisdiction: Slug = None,
                    day: Day = None
                    ) -> HTMLResponse:
    return page("patrol_day.html", jurisdiction=_home(who, jurisdiction, settings, conn),
                day=parse_day(day, "day").isoformat() if day else settings.today().isoformat())


Orientation = Annotated[Literal["auto", "portrait", "landscape"],
                        Query(description="auto: the way up that draws the grid largest (a wide grid landscape)")]


def _orientation(asked: str, bounds: tuple[float, float, float, float] | None) -> str:
    """The sheet's way up: as asked, or (auto) the one that draws the grid (its ``bounds``) largest;
    auto for a grid that is not there is portrait (its page says there is none)."""
    if asked != "auto":
        return asked
    return orientation_for(*bounds) if bounds else "portrait"


@router.get("/grids/{code}/print", response_class=HTMLResponse, summary="The printable grid responsibility map",
            responses=PAGE)
def grid_print_page(who: PageViewer, code: GridCode, settings: SettingsDep, conn: ConnDep, jurisdiction: Slug = None,
                    size: Literal["A4", "A3"] = "A4", orientation: Orientation = "auto",
                    cases: Annotated[Literal["none", "open"], Query(description="open: the grid's open cases on the "
                                                                                "map and listed")] = "none"
                    ) -> HTMLResponse:
    home = _home(who, jurisdiction, settings, conn)
    bounds = None
    if orientation == "auto":
        with transaction(conn) as cur:
            bounds = grid_bounds(cur, jurisdiction_id_of(cur, home), code)
    way = _orientation(orientation, bounds)
    return page("grid_print.html", jurisdiction=home, code=code, size=size, orientation=way, cases=cases)


@router.get("/grids/{code}/print.{fmt}", response_class=Response,
            summary="网格责任图 as PDF or PNG (headless Chromium)",
            responses={200: {"description": "The print (fmt: pdf or png)",
                             "headers": {"Content-Disposition": header("inline, with a file name")}, "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}}}}, **COMMON, **problems(429)})
def grid_print(request: Request, who: HeavyViewer, code: GridCode, fmt: Literal["pdf", "png"], settings: SettingsDep,
               jurisdiction: Slug = None, size: Literal["A4", "A3"] = "A4", orientation: Orientation = "auto",
               lang: Literal["zh", "en"] = "zh",
               cases: Annotated[Literal["none", "open"], Query(description="open: the grid's open cases on the map "
                                                                           "and listed")] = "none") -> Response:
    query: dict[str, str] = {"size": size, "orientation": orientation, "lang": lang, "cases": cases}

    def found(cur: Any, jurisdiction: str) -> None:
        bounds = grid_bounds(cur, jurisdiction_id_of(cur, jurisdiction), code)
        if bounds is None:
            raise NotFound(msg("{0} has no grid {1}", jurisdiction, code))
        query["orientation"] = _orientation(orientation, bounds)  # the paper's and the page's

    return _print(request, who, settings, jurisdiction, found, f"/grids/{quote(code, safe='')}/print", query, fmt,
                  f"{code}-{size}", all_pages=False)


def _print(request: Request, who: Any, settings: Settings, jurisdiction: str | None, check: Any, path: str,
           query: dict[str, str], fmt: str, name: str, *, all_pages: bool) -> Response:
    """A page of this service printed by the print browser, signed in with a print token of
    ``who`` (one print, read-only, revoked after), as PDF or PNG; ``check(cur, jurisdiction)``
    refuses what does not exist before a browser starts."""
    if not settings.print_base_url:
        raise PrinterUnavailable(msg("printing is not configured: set GRIDMAP_PRINT_BASE_URL to this service's own "
                                     "address"))
    with pooled(request) as conn:
        jurisdiction = _home(who, jurisdiction, settings, conn)
    # A heavy job: bounded, and no database connection held while the browser draws (the page it
    # prints calls back into this service for its data).
    with heavy_job(request, who, "print"):
        with pooled(request) as conn, transaction(conn) as cur:  # 404 before starting a browser
            check(cur, jurisdiction)
            token = issue_token(cur, who.username, kind="print", hours=PRINT_TOKEN_S / 3600,
                                label=f"print {jurisdiction} {name}")
        size, orientation = query.get("size", "A4"), query.get("orientation", "portrait")
        try:
            data = render(settings.print_base_url, f"{path}?{urlencode({'jurisdiction': jurisdiction, **query})}",
                          settings.chromium_path, size, orientation, fmt, token=token, cookie=COOKIE,
                          all_pages=all_pages)
        finally:
            with pooled(request) as conn, transaction(conn) as cur:
                revoke_token(cur, token)
    media = "application/pdf" if fmt == "pdf" else "image/png"
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'inline; filename="{jurisdiction}-{name}.{fmt}"'})




@router.get("/cases-report", response_class=HTMLResponse, summary="The monthly 接诉即办 report: a page per grid "
            "with its numbers and its cases on the map", responses=PAGE)
def cases_report_page(who: PageReader, settings: SettingsDep, conn: ConnDep, month: Month = None,
                      jurisdiction: Slug = None, grid: OnlyGrid = None,
                      ) -> HTMLResponse:
    return page("cases_report.html", jurisdiction=_home(who, jurisdiction, settings, conn),
                month=_month(month, settings), grid=grid or "")


@router.get("/cases-report/print.{fmt}", response_class=Response,
            summary="The monthly 接诉即办 report as PDF (a page per grid) or PNG (the first page)",
            responses={200: {"description": "The report (fmt: pdf or png)",
                             "headers": {"Content-Disposition": header("inline, with a file name")}, "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}}}}, **COMMON, **problems(429)})
def cases_report(request: Request, who: HeavyReader, fmt: Literal["pdf", "png"], settings: SettingsDep,
                 month: Month = None, jurisdiction: Slug = None, grid: OnlyGrid = None,
                 lang: Literal["zh", "en"] = "zh") -> Response:
    def found(cur: Any, jurisdiction: str) -> None:
        jid = jurisdiction_id_of(cur, jurisdiction)
        if grid is not None and grid_id_of(cur, jid, grid) is None:
            raise NotFound(msg("{0} has no grid {1}", jurisdiction, grid))

    month = _month(month, settings)
    query = {"month": month, "lang": lang, **({"grid": grid} if grid else {})}
    return _print(request, who, settings, jurisdiction, found, "/cases-report", query, fmt,
                  f"cases-{month}{'-' + grid if grid else ''}", all_pages=True)


@router.get("/cases", response_class=HTMLResponse, summary="Cases: a list filtered by state, grid, category, "
            "overdue, on a map; report one", responses=PAGE)
def cases_page(who: PageViewer, settings: SettingsDep, conn: ConnDep, jurisdiction: Slug = None) -> HTMLResponse:
    return page("cases.html", jurisdiction=_home(who, jurisdiction, settings, conn))


@router.get("/case/{case_id}", response_class=HTMLResponse, summary="A case: its map, timeline and the steps "
            "the user may take", responses=PAGE)
def case_page(who: PageViewer, case_id: Annotated[int, Path(ge=1, le=MAX_ID)], conn: ConnDep) -> HTMLResponse:
    with transaction(conn) as cur:
        case = get_case(cur, case_id, events=False)
    if not access.sees_case(who, case):
        raise PageForbidden(msg("{0} may not see case {1}: it is not of their grid or department", who.username,
                                case_id), who.jurisdiction_slug, who.grid_code)
    return page("case.html", jurisdiction=case["jurisdiction"], case_id=str(case_id))


@router.get("/config", summary="What the pages need to know: basemaps on offer, time zone, walking speed",
            response_model=PageConfig, responses=problems(401, 503))
def config(who: SignedIn, settings: SettingsDep) -> dict:
    return {"basemaps": ["none", "osm", "gaode"] + (["tianditu"] if settings.tianditu_key else []),
            "tianditu_key": settings.tianditu_key, "tiles_above": settings.page_tiles_above,
            "time_zone": settings.time_zone.key, "walking_speed_kmh": settings.walking_speed_kmh}


@router.get("/jurisdictions/{slug}/grids/{code}/summary", summary="A grid's numbers", tags=["grids"],
            response_model=GridNumbers, responses=COMMON)
def grid_numbers(who: Viewer, slug: str, code: str, conn: ConnDep, settings: SettingsDep,
                 days: Annotated[int, Query(ge=1, le=3650)] = 7) -> dict:
    with transaction(conn) as cur:
        return grid_summary(cur, slug, code, days, settings.today())
