"""What every answer carries and every request must pass: security headers, the host names this
service answers to, which other sites' pages may call the API (CORS), and no write from another
site's page riding on the login cookie (CSRF)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from api.errors import problem
from gis.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def content_security_policy(nonce: str | None = None) -> str:
    """Scripts from this service only (and, for a folium page, its own inline scripts carrying
    this answer's nonce): never inline script otherwise, so markup planted in data cannot run.
    Styles may be inline (Leaflet and folium position everything with style attributes); tiles
    of a chosen basemap (images) may come from its host; data URLs for icons."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (f"default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
            f"script-src {scripts}; object-src 'none'; base-uri 'none'; form-action 'self'; "
            f"font-src 'self' data:; connect-src 'self'; frame-ancestors 'self'")


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": content_security_policy(),
}


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
        # A write that names its token in Authorization cannot be forged by another site's page
        # (it cannot set that header without CORS allowing it); one that relies on the cookie, or
        # on nothing (signing in), must come from our own pages.
        if (request.method not in SAFE_METHODS and "authorization" not in request.headers
                and cross_site(request)):
            return problem(request, 403, "a write from another site's page is refused; use this service's own pages")
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # Outermost: a request for any other host name is refused before anything else sees it.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
