"""What every answer carries and every request must pass: security headers, the host names this
service answers to, which other sites' pages may call the API (CORS), and no write from another
site's page riding on the login cookie (CSRF)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from api.errors import problem
from api.headers import HEADERS
from gis.i18n import msg
from gis.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token(request: Request) -> bool:
    """Whether the request carries a bearer token of its own (not only the login cookie)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(value.strip())


def cross_site(request: Request) -> bool:
    """Whether a browser sent this request from another site's (or another port's) page.

    ``Sec-Fetch-Site`` says so directly where the browser sends it: only ``same-origin`` (our own
    pages) and ``none`` (typed in, a bookmark) are ours; ``same-site`` is another port or sub-domain.
    Otherwise an ``Origin`` naming another host and port than the request's ``Host``. A request
    with neither comes from no browser page (a script, curl), which no site can forge.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()


def install(app: FastAPI, settings: Settings) -> None:
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Content-Type", "If-Match", "Content-Crs", "Authorization"],
                           expose_headers=["ETag", "Content-Crs"])

    @app.middleware("http")
    async def no_cross_site_writes(request: Request, call_next):
        # A write that names its token as Authorization: Bearer cannot be forged by another site's
        # page (it cannot set that header without CORS allowing it); one that relies on the cookie,
        # or on nothing (signing in) — or on another Authorization scheme, which a browser behind
        # a Basic or Negotiate proxy adds to every request by itself — must come from our pages.
        if request.method not in SAFE_METHODS and not bearer_token(request) and cross_site(request):
            return problem(request, 403, msg("a write from another site's page is refused; use this service's own "
                                             "pages"))
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # Outermost: a request for any other host name is refused before anything else sees it.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
