"""Print a page to PDF or PNG with headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from gis.errors import DatabaseUnavailable, InvalidInput

# Paper in CSS pixels at 96 dpi (portrait).
PAPER = {"A4": (794, 1123), "A3": (1123, 1587)}


class PrinterUnavailable(DatabaseUnavailable):
    """No browser to print with (503, like any missing backing service)."""


def render(url: str, chromium: str, size: str = "A4", orientation: str = "portrait", fmt: str = "pdf",
           token: str | None = None) -> bytes:
    """The page at ``url`` (it sets ``body[data-ready]`` when drawn) as one PDF page or a PNG.

    ``token``: the caller's, sent as the login cookie, so the page reads what the caller may."""
    if size not in PAPER:
        raise InvalidInput(f"paper size is A4 or A3, not {size!r}")
    if orientation not in ("portrait", "landscape"):
        raise InvalidInput(f"orientation is portrait or landscape, not {orientation!r}")
    if fmt not in ("pdf", "png"):
        raise InvalidInput(f"print format is pdf or png, not {fmt!r}")
    if not Path(chromium).exists():
        raise PrinterUnavailable(f"printing needs Chromium at {chromium} (make setup installs it)")
    from playwright.sync_api import sync_playwright

    w, h = PAPER[size]
    if orientation == "landscape":
        w, h = h, w
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            context = browser.new_context(viewport={"width": w, "height": h},
                                          device_scale_factor=2 if fmt == "png" else 1)
            if token:
                site = "{0.scheme}://{0.netloc}".format(urlsplit(url))
                context.add_cookies([{"name": "gridmap_token", "value": token, "url": site,
                                      "httpOnly": True, "sameSite": "Strict"}])
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)
            page.wait_for_timeout(300)  # let the last tiles of vector drawing settle
            if fmt == "png":
                return page.screenshot(full_page=False)
            return page.pdf(width=f"{w}px", height=f"{h}px", print_background=True, page_ranges="1")
        finally:
            browser.close()
