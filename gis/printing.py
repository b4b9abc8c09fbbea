"""Print a page of this service to PDF or PNG with headless Chromium (Debian's, driven by
Playwright).

The browser opens the page at the service's own configured address (``GRIDMAP_PRINT_BASE_URL``),
never at one derived from a request, and every request it makes to any other origin is aborted,
so a forged ``Host`` header or a link planted in data cannot point it elsewhere. It signs in
with a print token (one print, read-only, short-lived), never with the caller's own session.
Chromium's sandbox is on wherever it can be: everywhere but when running as root, where
Chromium refuses to start sandboxed.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from gis.errors import GridmapError, InvalidInput

# Paper in CSS pixels at 96 dpi (portrait).
PAPER = {"A4": (794, 1123), "A3": (1123, 1587)}
# How long a print may take to draw before it is given up (milliseconds).
DRAW_TIMEOUT_MS = 30_000


class PrinterUnavailable(GridmapError):
    """No browser to print with, or printing is not configured (503, like any missing backing
    service; the database connection is fine)."""


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def render(base_url: str, path: str, chromium: str, size: str = "A4", orientation: str = "portrait",
           fmt: str = "pdf", token: str | None = None, cookie: str = "gridmap_token") -> bytes:
    """The page at ``base_url`` + ``path`` (it sets ``body[data-ready]`` when drawn) as one PDF
    page or a PNG.

    ``token``: a print token, sent as the login cookie of that origin only, so that the page
    reads what the user who asked may. Requests to any other origin are aborted; a page that
    tried any is refused rather than printed.
    """
    if size not in PAPER:
        raise InvalidInput(f"paper size is A4 or A3, not {size!r}")
    if orientation not in ("portrait", "landscape"):
        raise InvalidInput(f"orientation is portrait or landscape, not {orientation!r}")
    if fmt not in ("pdf", "png"):
        raise InvalidInput(f"print format is pdf or png, not {fmt!r}")
    if not path.startswith("/") or path.startswith("//"):
        raise InvalidInput(f"a print is of a page of this service, not {path!r}")
    if not Path(chromium).exists():
        raise PrinterUnavailable(f"printing needs Chromium at {chromium} (make setup installs it)")
    from playwright.sync_api import sync_playwright

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

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, chromium_sandbox=os.geteuid() != 0,
                                    args=["--disable-gpu", "--disable-dev-shm-usage"])
        try:
            context = browser.new_context(viewport={"width": w, "height": h},
                                          device_scale_factor=2 if fmt == "png" else 1)
            context.route("**/*", only_this_service)
            if token:
                context.add_cookies([{"name": cookie, "value": token, "url": site,
                                      "httpOnly": True, "sameSite": "Strict"}])
            page = context.new_page()
            page.goto(site + path)
            page.wait_for_selector("body[data-ready=true]", timeout=DRAW_TIMEOUT_MS)
            page.wait_for_timeout(300)  # let the last tiles of vector drawing settle
            if blocked:
                raise InvalidInput("the page to print asked for other sites; nothing was printed",
                                   [f"a request to {u[:200]} was refused" for u in blocked[:5]])
            if fmt == "png":
                return page.screenshot(full_page=False)
            return page.pdf(width=f"{w}px", height=f"{h}px", print_background=True, page_ranges="1")
        finally:
            browser.close()
