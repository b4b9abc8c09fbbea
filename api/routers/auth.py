"""Signing in and out: the OAuth2 password flow (``POST /auth/token``), the login page, who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import COOKIE, SignedIn, token_of
from api.deps import ConnDep, SettingsDep
from api.models.auth import Me, Token
from api.models.common import problems
from api.rendering import page
from gis import access
from gis.db import transaction
from gis.links import local_path
from gis.messages import translate
from gis.settings import Settings
from gis.users import LoginLimits, display_name, login, revoke_token

router = APIRouter(tags=["auth"])


def cookie_flags(request: Request, settings: Settings) -> dict:
    """The login cookie's attributes, the same when it is set and when it is cleared: HttpOnly
    (no script reads it), SameSite=Strict (no other site's page sends it), Secure over HTTPS or
    when configured (``GRIDMAP_COOKIE_SECURE``)."""
    secure = settings.cookie_secure if settings.cookie_secure is not None else request.url.scheme == "https"
    return {"path": "/", "httponly": True, "samesite": "strict", "secure": secure}


def _me(who: access.Principal, name: str | None) -> dict:
    return {"username": who.username, "name": name or who.username, "role": who.role,
            "role_zh": translate(who.role, "zh"),
            "jurisdiction": who.jurisdiction_slug, "grid": who.grid_code,
            "may": sorted(access.GRANTS[who.role])}


@router.post("/auth/token", summary="Sign in (OAuth2 password flow): a bearer token, also set as a cookie",
             response_model=Token, responses=problems(400, 401, 403, 405, 422, 429, 503))
def token(request: Request, response: Response, conn: ConnDep, settings: SettingsDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    limits = LoginLimits(settings.login_window_s, settings.login_max_failures_client,
                         settings.login_max_failures_user)
    client = request.client.host if request.client else "unknown"
    with transaction(conn) as cur:
        attempt = login(cur, form.username, form.password, client, hours=settings.token_hours, limits=limits)
    value, who = attempt.session()  # a wrong password raises here, once its attempt is committed
    with transaction(conn) as cur:
        name = display_name(cur, who.user_id)
    seconds = int(settings.token_hours * 3600)
    response.set_cookie(COOKIE, value, max_age=seconds, **cookie_flags(request, settings))
    return {"access_token": value, "token_type": "bearer", "expires_in": seconds, "user": _me(who, name)}


@router.post("/auth/logout", status_code=204, summary="End this session's token and clear the cookie",
             response_class=Response, responses=problems(401, 403, 503))
def logout(request: Request, who: SignedIn, conn: ConnDep, settings: SettingsDep) -> Response:
    with transaction(conn) as cur:
        revoke_token(cur, token_of(request) or "")
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, **cookie_flags(request, settings))
    return response


@router.get("/auth/me", summary="Who is signed in: role, jurisdiction, grid, what the role may do",
            response_model=Me, responses=problems(401, 503))
def me(who: SignedIn, conn: ConnDep) -> dict:
    with transaction(conn) as cur:
        return _me(who, display_name(cur, who.user_id))


@router.get("/login", response_class=HTMLResponse, summary="The sign-in page", responses=problems(400))
def login_page(next: str | None = None) -> HTMLResponse:
    """``next``: where to go once signed in; none: the role's own page (a grid worker's phone app,
    everyone else's one map)."""
    return page("login.html", next=local_path(next) if next else "")
