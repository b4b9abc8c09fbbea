"""The one answer of sign-in that is no problem+json: a page asked for without signing in."""

from __future__ import annotations

from urllib.parse import quote

from gis.i18n import Message


class LoginRequired(Exception):
    """A page asked for without signing in: the browser is sent to the login page, then back."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.location = "/login?next=" + quote(next_url, safe="/")


class PageForbidden(Exception):
    """A page the signed-in user may not open: shown as a page in their language that says why
    and where they may go instead (their jurisdiction's map, a worker's own grid), not as JSON."""

    def __init__(self, message: Message, home: str | None, grid: str | None) -> None:
        super().__init__(message)
        self.message, self.home, self.grid = message, home, grid
