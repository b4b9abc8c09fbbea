"""One table from domain errors to HTTP status, and problem+json (RFC 9457) responses in the
language the request asks for (``?lang=``, Accept-Language; English by default).

Every detail and problem is a :class:`~gis.i18n.Message`: text that is not is logged, and refused
when ``GRIDMAP_STRICT_MESSAGES`` is set (the tests set it). 5xx bodies never carry SQL or tracebacks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth_errors import LoginRequired, PageForbidden
from api.headers import HEADERS
from api.rendering import page
from api.validation_problems import validation_problems
from gis.access import Forbidden, TooManyAttempts, Unauthorized
from gis.errors import (
    Conflict,
    DatabaseUnavailable,
    FileTooLarge,
    GridmapError,
    InvalidInput,
    MalformedRequest,
    NotFound,
    PreconditionRequired,
    RetryLater,
    ServiceBusyError,
    StaleVersion,
    TooManyJobsError,
    UnreadableFile,
)
from gis.i18n import Message, check_marked, msg, verbatim
from gis.messages import negotiate, title, translate
from gis.printing import PrinterUnavailable

log = logging.getLogger("gridmap.api")

STATUS: dict[type[GridmapError], int] = {
    UnreadableFile: 422,
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    StaleVersion: 412,
    PreconditionRequired: 428,
    DatabaseUnavailable: 503,
    PrinterUnavailable: 503,
    Unauthorized: 401,
    Forbidden: 403,
    TooManyAttempts: 429,
    TooManyJobsError: 429,
    ServiceBusyError: 503,
}
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 412: "Precondition failed", 413: "Payload too large", 415: "Unsupported media type",
          422: "Invalid input", 428: "Precondition required", 429: "Too many requests", 500: "Internal error",
          503: "Service unavailable"}


class BadRequest(MalformedRequest):
    """A malformed request (query parameters, JSON syntax): 400."""


class PayloadTooLarge(GridmapError):
    """A body over the configured size limit: 413."""


class UnsupportedMediaTypeError(GridmapError):
    """A body whose Content-Type the route does not take (JSON sent as a form, say): 415."""


STATUS[MalformedRequest] = 400
STATUS[PayloadTooLarge] = 413
STATUS[FileTooLarge] = 413
STATUS[UnsupportedMediaTypeError] = 415


def status_of(exc: GridmapError) -> int:
    """The HTTP status of a domain error (most specific class first)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def language(request: Request) -> str:
    """The language of the answer: ``?lang=``, else Accept-Language (the pages send theirs),
    else English."""
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


def problem(request: Request, status: int, detail: Message, *, problems: Sequence[Message] | None = None,
            headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    """An ``application/problem+json`` response, in the language the request asks for."""
    strict = request.app.state.settings.strict_messages
    for text in (detail, *(problems or ())):
        check_marked(text, strict=strict)
    lang = language(request)
    body = {"type": "about:blank", "title": title(TITLES.get(status, "Error"), lang), "status": status,
            "detail": translate(detail, lang)}
    if problems:
        body["problems"] = [translate(p, lang) for p in problems]
    body.update(extra)
    headers = {**(headers or {}), "Content-Language": lang, "Vary": "Accept-Language"}
    return JSONResponse(body, status_code=status, headers=headers,
                        media_type="application/problem+json")


def _page_asked(request: Request) -> bool:
    """Whether a browser asked for a page (an HTML route, opened as a page): a problem with it is
    a page too, not its problem+json (a stale link to a case showed that raw)."""
    route = request.scope.get("route")
    return getattr(route, "response_class", None) is HTMLResponse and "text/html" in request.headers.get("accept", "")


def _page_language(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"  # as the pages: Chinese unless asked


def problem_page(request: Request, status: int, message: Message, *, problems: Sequence[Message] = (),
                 home: str = "", grid: str = "") -> HTMLResponse:
    """A page saying why the page asked for cannot be shown (it may not be opened, it is not there,
    its link is wrong), in the page's language, with where to go instead."""
    strict = request.app.state.settings.strict_messages
    for text in (message, *problems):
        check_marked(text, strict=strict)
    lang = _page_language(request)
    said = ("；" if lang == "zh" else "; ").join([translate(message, lang), *(translate(p, lang) for p in problems)])
    title_key = {403: "forbidden_page", 404: "missing_page"}.get(status, "bad_link_page")
    return page("problem_page.html", status_code=status, message=said, title_key=title_key, home=home, grid=grid)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(GridmapError)
    def _domain(request: Request, exc: GridmapError) -> Response:
        status = status_of(exc)
        if status in (400, 404, 422) and _page_asked(request):
            return problem_page(request, status, exc.message, problems=exc.problems or ())
        extra = {}
        headers = None
        if isinstance(exc, StaleVersion):
            extra["current_version"] = exc.current_version
        if status == 503:
            headers = {"Retry-After": "5"}
        if isinstance(exc, Unauthorized):
            headers = {"WWW-Authenticate": "Bearer"}
        if isinstance(exc, RetryLater):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return problem(request, status, exc.message, problems=exc.problems, headers=headers, **extra)

    @app.exception_handler(PageForbidden)
    def _page_forbidden(request: Request, exc: PageForbidden) -> HTMLResponse:
        return problem_page(request, 403, exc.message, home=exc.home or "", grid=exc.grid or "")

    @app.exception_handler(LoginRequired)
    def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> Response:
        # A malformed parameter is a bad request (400); a body the route's model refuses is
        # invalid input (422), as the domain's own refusals of a body are.
        errors = exc.errors()
        if _page_asked(request):
            return problem_page(request, 400, msg("this link's parameters are wrong"),
                                problems=validation_problems(errors, exc.body, _page_language(request)))
        lang = language(request)
        found = validation_problems(errors, exc.body, lang)
        if all(e["loc"][:1] == ("body",) for e in errors):
            return problem(request, 422, msg("invalid request body"), problems=found)
        return problem(request, 400, msg("invalid request parameters"), problems=found)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own (Not Found, Method Not Allowed): known phrases
        return problem(request, exc.status_code, verbatim(str(exc.detail)), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        # sent from outside every middleware: the security headers are added here
        return problem(request, 500, msg("internal error; it has been logged"), headers=HEADERS)
