"""What every answer carries and every request must pass: security headers, the host names this
service answers to, which other sites' pages may call the API (CORS), and no write from another
site's page riding on the login cookie (CSRF)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.headers import HEADERS, PRIVATE
from gis.i18n import msg
from gis.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The headers as ASGI sends them (lower-case names, bytes), encoded once.
RAW_HEADERS = tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items())
# An answer that says nothing of caching is kept by no shared cache and asked again before reuse
# (cases, reports, people's names: what one signed-in user may see is theirs); the scripts and
# styles under /static are the same for everyone.
PRIVATE_RAW = tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in PRIVATE.items())
STATIC_PREFIX = "/static/"
# Those are asked again before reuse too (a 304 when unchanged): their names carry no version, and
# a browser guessing them fresh kept a script of the release before beside one of the new (the
# field app's service worker stored the pair, and the app stayed broken on the phone).
STATIC_RAW = ((b"cache-control", b"no-cache"),)


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


class Guard:
    """Every answer with the security headers (those a route set itself kept), and a write from
    another site's page refused.

    A write that names its token as Authorization: Bearer cannot be forged by another site's page
    (it cannot set that header without CORS allowing it); one that relies on the cookie, or on
    nothing (signing in) — or on another Authorization scheme, which a browser behind a Basic or
    Negotiate proxy adds to every request by itself — must come from our pages.

    Plain ASGI, not ``@app.middleware("http")``: starlette's BaseHTTPMiddleware runs the rest of
    the app in a task of its own and streams the answer through a queue, which cost a tile from
    the cache half its throughput (two of them: 444 → 2 ×; see bench/RESULTS.md).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        static = scope["path"].startswith(STATIC_PREFIX)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))  # a copy: the response may keep its own list
                present = {name.lower() for name, _ in raw}
                message["headers"] = raw + [pair for pair in RAW_HEADERS if pair[0] not in present]
                if b"cache-control" in present:
                    pass
                elif static:  # the same for everyone, asked again before reuse
                    message["headers"] += STATIC_RAW
                else:  # a signed-in user's answer: theirs alone
                    message["headers"] += [pair for pair in PRIVATE_RAW if pair[0] not in present]
            await send(message)

        if scope["method"] not in SAFE_METHODS:
            request = Request(scope)
            if not bearer_token(request) and cross_site(request):
                refused = problem(request, 403, msg("a write from another site's page is refused; use this "
                                                    "service's own pages"))
                await refused(scope, receive, with_headers)
                return
        await self.app(scope, receive, with_headers)


def install(app: FastAPI, settings: Settings) -> None:
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Content-Type", "If-Match", "Content-Crs", "Authorization"],
                           expose_headers=["ETag", "Content-Crs"])

    # A request for any other host name is refused before anything but the guard sees it; the
    # guard, outermost, puts the security headers on that refusal too.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
    app.add_middleware(Guard)
