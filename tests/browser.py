"""The real browser the page tests drive: Debian's Chromium (/usr/bin/chromium) through
Playwright, and pages that fail a test on any request to an outside host or any error they log
(a refused inline script — a content security policy violation — is one). Screenshots are kept
in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run make setup (it installs Debian's chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                    "--disable-background-networking", "--no-first-run"])
        yield b
        b.close()


def signed_in(ctx, server: str, token: str | None) -> None:
    """Give a browser context the login cookie of ``token`` (what signing in on /login sets)."""
    if token:
        ctx.add_cookies([{"name": "gridmap_token", "value": token, "url": server, "httpOnly": True,
                          "sameSite": "Strict"}])


def log_in(pg, user: str, password: str) -> None:
    """Sign in on the open /login page as a person does: name, password, the button."""
    pg.fill("#username", user)
    pg.fill("#password", password)
    pg.click("#submit")


def session_cookie(ctx) -> str:
    """A browser context's cookies as a Cookie header (to ask the service about its session)."""
    return "; ".join(f"{c['name']}={c['value']}" for c in ctx.cookies())


def browsing(browser, server: str, token: str | None):
    """A page in a fresh browser context (signed in with ``token`` when given) that fails the
    test on any request to an outside host or any error the page logs."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 820}, base_url=server)
    signed_in(ctx, server, token)
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith("data:") or urlparse(url).hostname in LOCAL:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    ctx.route("**/*", guard)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.expected_errors = []  # a test may expect the browser to log a refusal (e.g. "status of 422")
    yield pg
    ctx.close()
    assert not outside, f"requests to outside hosts: {outside}"
    unexpected = [e for e in errors if not any(x in e for x in pg.expected_errors)]
    assert not unexpected, f"errors in the page: {unexpected}"


@pytest.fixture
def page(browser, server, admin_token):
    """A page signed in as an admin."""
    yield from browsing(browser, server, admin_token)


@pytest.fixture
def anon_page(browser, server):
    """A page not signed in."""
    yield from browsing(browser, server, None)


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def table_rows(pg, selector: str) -> dict[str, str]:
    """A two-column table of a page (label, value), by its cells: laid out in columns, its rows'
    text no longer reads as a tab between the two."""
    return dict(tr.locator("td").all_inner_texts() for tr in pg.locator(f"{selector} tr").all())
