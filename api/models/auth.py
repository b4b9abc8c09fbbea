"""Signing in: the token and who it names."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.models.common import Answer


class Me(Answer):
    """Who is signed in, and what their role may do."""

    username: str
    name: str = Field(description="What the pages call them: the name they were given (users add --name), else "
                                  "the username")
    role: str
    role_zh: str = Field(description="The role in Chinese")
    jurisdiction: str | None = Field(description="The jurisdiction they are bound to; null: every one")
    grid: str | None = Field(description="A grid worker's grid")
    may: list[str] = Field(description="The actions the role may do: view, read, plan, schedule, admin …")


class Token(Answer):
    """A bearer token (also set as the HttpOnly login cookie)."""

    access_token: str
    token_type: Literal["bearer"]
    expires_in: int = Field(description="Seconds")
    user: Me
