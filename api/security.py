"""Headers every answer carries, and which other sites' pages may call the API (CORS)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from gis.settings import Settings

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    # Pages load scripts, styles and fonts from this service only; tiles of a chosen basemap
    # (images) may come from its host; data URLs for icons.
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
                                "script-src 'self' 'unsafe-inline'; font-src 'self' data:; connect-src 'self'; "
                                "frame-ancestors 'self'"),
}


def install(app: FastAPI, settings: Settings) -> None:
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Content-Type", "If-Match", "Content-Crs", "Authorization"],
                           expose_headers=["ETag", "Content-Crs"])

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
