"""The one answer of sign-in that is no problem+json: a page asked for without signing in."""

from __future__ import annotations

from urllib.parse import quote


class LoginRequired(Exception):
    """A page asked for without signing in: the browser is sent to the login page, then back."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.location = "/login?next=" + quote(next_url, safe="/")
