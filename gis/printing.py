"""Print a page of this service to PDF or PNG with headless Chromium (Debian's, driven by
Playwright).

The browser opens the page at the service's own configured address (``GRIDMAP_PRINT_BASE_URL``),
never at one derived from a request, and every request it makes to any other origin is aborted,
so a forged ``Host`` header or a link planted in data cannot point it elsewhere. It signs in
with a print token (one print, read-only, short-lived), never with the caller's own session.
Chromium's sandbox is on wherever it can be: everywhere but when running as root, where
Chromium refuses to start sandboxed.

One browser serves the prints, kept running between them (``_Printer``), each print in a fresh
browser context of its own with its own guard and cookie, closed after it.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from urllib.parse import urlsplit

from gis.errors import GridmapError, InvalidInput
from gis.i18n import msg

# Paper in CSS pixels at 96 dpi (portrait).
PAPER = {"A4": (794, 1123), "A3": (1123, 1587)}
# The map's room on a sheet, width × height in mm (A4; A3 is the same shape): the sheet within its
# margins, less the title above and the legend, numbers and lists below.
MAP_ROOM_MM = {"portrait": (190, 200), "landscape": (277, 125)}


def orientation_for(west: float, south: float, east: float, north: float) -> str:
    """The way up a sheet draws an area (lon/lat bounds) the largest: a grid twice as wide as it is
    tall filled a third of a portrait sheet, the rest other grids' streets."""
    import math

    wide = (east - west) * math.cos(math.radians((south + north) / 2))
    tall = north - south

    def scale(way: str) -> float:
        w, h = MAP_ROOM_MM[way]
        return min(w / wide if wide > 0 else math.inf, h / tall if tall > 0 else math.inf)

    return "landscape" if scale("landscape") > scale("portrait") else "portrait"


# How long a print may take to draw before it is given up (milliseconds).
DRAW_TIMEOUT_MS = 30_000
# How long the print browser stays up after its last print (seconds): started again at the next.
IDLE_S = 120.0


class PrinterUnavailable(GridmapError):
    """No browser to print with, or printing is not configured (503, like any missing backing
    service; the database connection is fine)."""


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class _Printer:
    """One headless Chromium kept running for the service's prints, driven by a thread of its own
    (Playwright's sync API belongs to the thread that started it), so that a print does not pay
    for starting Playwright and Chromium and stopping them again (about 0.7 s of a 2.5 s print).

    Prints run one after another in that browser, each in a fresh context of its own (its own
    cookies, cache and request guard) that is closed when it is done; heavy-job limits keep the
    queue short. The browser is started at the first print, started again when it died, and stopped
    with its thread after ``IDLE_S`` without a print.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.Queue | None = None

    def run(self, chromium: str, job: Callable, timeout_s: float) -> bytes:
        """``job(browser)`` in the print browser; its result or its exception."""
        done: Future = Future()
        with self._lock:
            if self._jobs is None:
                self._jobs = queue.Queue()
                threading.Thread(target=self._serve, args=(self._jobs,), name="gridmap-printer", daemon=True).start()
            self._jobs.put((chromium, job, done))
        return done.result(timeout=timeout_s)

    def _serve(self, jobs: queue.Queue) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser, path = None, None
            try:
                while True:
                    try:
                        chromium, job, done = jobs.get(timeout=IDLE_S)
                    except queue.Empty:
                        with self._lock:  # idle: stop, unless a print came in meanwhile
                            if jobs.empty():
                                self._jobs = None
                                return
                        continue
                    if not done.set_running_or_notify_cancel():
                        continue
                    try:
                        if browser is None or not browser.is_connected() or path != chromium:
                            if browser is not None:
                                browser.close()
                            browser, path = _launch(p, chromium), chromium
                        done.set_result(job(browser))
                    except Exception as exc:  # the caller gets it; the printer goes on
                        done.set_exception(exc)
            finally:
                if browser is not None:
                    browser.close()


def _launch(p, chromium: str):
    return p.chromium.launch(executable_path=chromium, headless=True, chromium_sandbox=os.geteuid() != 0,
                             args=["--disable-gpu", "--disable-dev-shm-usage"])


PRINTER = _Printer()


def render(base_url: str, path: str, chromium: str, size: str = "A4", orientation: str = "portrait",
           fmt: str = "pdf", token: str | None = None, cookie: str = "gridmap_token", all_pages: bool = False) -> bytes:
    """The page at ``base_url`` + ``path`` (it sets ``body[data-ready]`` when drawn) as one PDF
    page (every page it prints to, with ``all_pages``: a report of a sheet per grid) or a PNG.

    ``token``: a print token, sent as the login cookie of that origin only, so that the page
    reads what the user who asked may. Requests to any other origin are aborted; a page that
    tried any is refused rather than printed.
    """
    if size not in PAPER:
        raise InvalidInput(msg("paper size is A4 or A3, not {0!r}", size))
    if orientation not in ("portrait", "landscape"):
        raise InvalidInput(msg("orientation is portrait or landscape, not {0!r}", orientation))
    if fmt not in ("pdf", "png"):
        raise InvalidInput(msg("print format is pdf or png, not {0!r}", fmt))
    if not path.startswith("/") or path.startswith("//"):
        raise InvalidInput(msg("a print is of a page of this service, not {0!r}", path))
    if not Path(chromium).exists():
        raise PrinterUnavailable(msg("printing needs Chromium at {0} (make setup installs it)", chromium))
    site = origin_of(base_url)
    w, h = PAPER[size]
    if orientation == "landscape":
        w, h = h, w
    blocked: list[str] = []

    def only_this_service(route) -> None:
        url = route.request.url
        if url.startswith("data:") or origin_of(url) == site:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    def job(browser) -> bytes:
        context = browser.new_context(viewport={"width": w, "height": h},
                                      device_scale_factor=2 if fmt == "png" else 1)
        try:
            context.route("**/*", only_this_service)
            # a route handler sees the first URL of a redirect chain only: every request, each hop
            # of a redirect included, is checked here too, and a print that went elsewhere is refused
            context.on("request", lambda r: None if r.url.startswith("data:") or origin_of(r.url) == site
                       else blocked.append(r.url))
            if token:
                context.add_cookies([{"name": cookie, "value": token, "url": site,
                                      "httpOnly": True, "sameSite": "Strict"}])
            page = context.new_page()
            page.goto(site + path)
            # The page sets data-ready once drawn, its fonts loaded and painted.
            page.wait_for_selector("body[data-ready=true]", timeout=DRAW_TIMEOUT_MS)
            if blocked:
                raise InvalidInput(msg("the page to print asked for other sites; nothing was printed"),
                                   [msg("a request to {0} was refused",
                                        u[:200]) for u in list(dict.fromkeys(blocked))[:5]])
            if fmt == "png":
                return page.screenshot(full_page=False)
            return page.pdf(width=f"{w}px", height=f"{h}px", print_background=True,
                            page_ranges="" if all_pages else "1")
        finally:
            context.close()

    return PRINTER.run(chromium, job, timeout_s=2 * DRAW_TIMEOUT_MS / 1000 + 30)
