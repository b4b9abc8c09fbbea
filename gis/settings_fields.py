"""The settings, defined once: each one's name, type, default and meaning (environment variables
``GRIDMAP_<NAME>``, in any case).

:class:`gis.settings.Settings` reads them all from the environment, through pydantic-settings.
This module needs pydantic alone, which the command line imports anyway (typer checks arguments
with it): :func:`setting` reads one text setting exactly as ``Settings`` does, so that a simple
command (``gridmap stats``, ``jurisdiction list``) does not spend a tenth of its time importing
pydantic-settings to learn the database URL.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "GRIDMAP_"
# Where `make setup` installs the front-end packages (npm): the repository's node_modules.
DEFAULT_WEB_ASSETS = str(Path(__file__).resolve().parent.parent / "node_modules")
# The local server over its Unix socket, as the current OS user (see scripts/setup-postgres.sh).
DEFAULT_DATABASE_URL = "postgresql:///gridmap?host=/var/run/postgresql"


class SettingFields(BaseModel):
    """Every setting with its type and default; :class:`gis.settings.Settings` reads them."""

    # Never validated as itself (setting() reads its fields, Settings validates): its validator is
    # not built, which would cost a command ~15 ms (pydantic looking for plugins among them).
    model_config = ConfigDict(defer_build=True)

    database_url: str = DEFAULT_DATABASE_URL
    pool_min: int = 1
    pool_max: int = 8
    # How long a request waits for a free database connection before a 503 (seconds).
    pool_wait_s: float = 10.0
    # Longest one statement of the API may run (seconds; 0: no limit): past it the statement is
    # stopped and the request refused (422, "ask for less at once"), its connection free again.
    # The command line has none (an import of a city runs for minutes).
    statement_timeout_s: Annotated[float, Field(ge=0, le=86_400)] = 30.0
    # Longest a statement of the API waits for records another change holds (seconds; 0: no
    # limit): past it the request is refused for now (503 with Retry-After: a phone sends it again).
    lock_timeout_s: Annotated[float, Field(ge=0, le=86_400)] = 10.0
    # Largest request body the API accepts, in bytes (413 above it).
    max_body_bytes: int = 5 * 1024 * 1024
    # Vector tiles kept in memory by each server process (bytes; 0: none), see gis.tile_cache.
    tile_cache_bytes: int = 64 * 1024 * 1024
    # Pages of items kept in memory by each server process, the same way (bytes; 0: none).
    items_cache_bytes: int = 32 * 1024 * 1024
    # Most features one items page returns, and the default page size.
    items_limit_max: int = 10_000
    items_limit_default: int = 100
    # Household estimate for imported buildings with no count: gross floor area per household.
    household_floor_area_m2: float = 90.0
    # Levels assumed when an imported building has no building:levels tag.
    default_levels: int = 1
    # Residents per household, for estimated buildings.
    residents_per_household: float = 2.2
    # How far beyond the boundary imported streets are kept (metres): streets around the edge.
    street_margin_m: float = 150.0
    # An imported street's end this near another street (metres) is joined to it: a lane drawn to
    # end on a street ends a few centimetres off it, and was a piece no route could reach.
    street_join_m: float = 1.0
    # How far a point (a patrol start, a building entrance, a facility) may lie from the nearest
    # street and still be joined to it (metres); farther is refused with the point named.
    snap_max_m: float = 100.0
    # Walking speed of patrols, for minutes (km/h).
    walking_speed_kmh: float = 4.5
    # Building kinds that get a small visit every year and a big one every two years (搜索式工作法).
    commercial_kinds: tuple[str, ...] = ("office", "mall", "hotel")
    # Most building visits planned on one working day, for all workers together.
    visits_per_day: int = 4
    # Walking distances (metres) coverage is reported at: the "last 100 metres" and beyond.
    coverage_thresholds_m: tuple[float, ...] = (100.0, 200.0, 300.0)
    # Households one parking bay of a courier zone serves, for its load.
    households_per_bay: float = 40.0
    # Service areas: reached stretches of street widened by this much (metres, street to door).
    service_area_buffer_m: float = 25.0
    # The folder of the npm packages the pages use (Leaflet and plugins), served under /static/vendor.
    web_assets_dir: str = DEFAULT_WEB_ASSETS
    # A Tianditu (天地图) key of the user's, for its basemap; none: that basemap is not offered.
    tianditu_key: str | None = None
    # The browser that prints maps to PDF and PNG (Debian's chromium, installed by make setup).
    chromium_path: str = "/usr/bin/chromium"
    # The one-map page draws buildings and streets as vector tiles above this many buildings.
    page_tiles_above: int = 2000
    # Other sites whose pages may call the API from a browser (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
    # The language of the command line's messages: en or zh (the API answers in the language a
    # request asks for: ?lang= or Accept-Language).
    lang: str = "en"
    # Refuse (raise) a message that reaches a user without gis.i18n.msg instead of logging it:
    # the tests set it, so that text no catalogue can translate fails them.
    strict_messages: bool = False
    # Hours a login's session token is valid (a working day by default).
    token_hours: float = 12.0
    # Failed logins allowed within the window, per client address and per user name (429 past
    # them): password guessing is throttled, and every attempt is logged in login_attempt.
    login_window_s: int = 300
    login_max_failures_client: int = 20
    login_max_failures_user: int = 10
    # The host names this service answers to (the Host header; 400 for any other), so that a
    # forged Host cannot steer links or printing elsewhere. Add the public name in production.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
    # The login cookie's Secure flag: None sets it when the request came over HTTPS (behind a
    # proxy, run uvicorn with --proxy-headers --forwarded-allow-ips so it sees the scheme); true
    # forces it (production over HTTPS), false never sets it.
    cookie_secure: bool | None = None
    # Where the print browser opens this service's pages: a fixed internal address of the service
    # itself, never the request's Host (`gridmap serve` sets it from its --host and --port).
    print_base_url: str | None = None
    # The jurisdiction pages show when the link names none and the user is bound to none (an admin,
    # a city-wide role); unset: the first jurisdiction made.
    default_jurisdiction: str | None = None
    # Heavy jobs (prints, siting, grid generation, visit tours) running at once: in the whole
    # service, and per user. Past either, a request is refused at once (503, 429) with
    # Retry-After, so that heavy work never starves light reads. Each job keeps about one core
    # busy: 2 suits the 2-core machine the service is sized for (see api/heavy.py).
    heavy_jobs_max: int = 2
    heavy_jobs_per_user: int = 1
    # The Retry-After of those refusals (seconds): about how long a heavy job runs.
    heavy_retry_after_s: int = 10
    # How long an optimiser may search (seconds): HiGHS for siting, LKH for visit tours. At the
    # limit it answers with the best solution found, marked "optimal": false, and its bound.
    solver_time_limit_s: float = 20.0
    # The most (building, site) pairs a siting model may weigh: the reachable pairs for the
    # p-median (one variable each: ~4 KB of solver memory), those within the distance for maximal
    # covering. 200,000 is e.g. 1,000 buildings × 200 candidate sites; more is refused (422).
    siting_pairs_max: int = 200_000
    # The jurisdiction's time zone (IANA name): what "today" is on the patrol page and the date
    # printed on maps, wherever the browser or the server happens to run.
    time_zone: ZoneInfo = ZoneInfo("Asia/Shanghai")

    def today(self) -> date:
        """The day it is where the jurisdiction is (``time_zone``), not where the server runs: at
        07:00 in Beijing a server on UTC is still on yesterday."""
        return datetime.now(self.time_zone).date()


def setting(name: str) -> str:
    """The text setting ``name`` (``database_url``, ``lang``) as :class:`gis.settings.Settings`
    reads it: ``GRIDMAP_<NAME>`` in the environment, in any case, else its default. Settings of
    other types (numbers, flags, lists) are read through ``Settings``."""
    field = SettingFields.model_fields[name]
    if field.annotation is not str:
        raise TypeError(f"{name} is not a text setting: read it through gis.settings.Settings")
    # As pydantic-settings reads the environment when not case-sensitive: every name lower-cased,
    # the value as it is (a text field takes it unchanged).
    environment = {key.lower(): value for key, value in os.environ.items()}
    return environment.get(f"{ENV_PREFIX}{name}".lower(), field.default)
