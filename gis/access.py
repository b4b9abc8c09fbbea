"""Who may do what, where: the roles, what each may do, and the check. Pure: no database here.

A principal's reach is a jurisdiction (or every one, when it has none) and, for a grid worker,
one grid. Actions:

- ``view``: the map of a jurisdiction: boundary, grids, streets, zones, stations; buildings (with
  their households) only of the grid a worker works in.
- ``read``: all of a jurisdiction: buildings and households, coverage, patrol plans and records,
  drafts, history.
- ``plan``: edit features and drafts, generate, publish, revert.
- ``schedule``: register workers, record GPS tracks and building check-ins.
- ``admin``: all of it, everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.errors import GridmapError, RetryLater
from gis.i18n import msg

LOGIN_ROLES = ("worker", "leader", "planner", "scheduler", "admin")
ACTIONS = ("view", "read", "plan", "schedule", "admin")
READ_ACTIONS = frozenset({"view", "read"})
GRANTS: dict[str, frozenset[str]] = {
    "worker": frozenset({"view"}),
    "leader": frozenset({"view", "read"}),
    "planner": frozenset({"view", "read", "plan"}),
    "scheduler": frozenset({"view", "read", "schedule"}),
    "admin": frozenset(ACTIONS),
}
ACTION_TEXT = {"view": "view the map", "read": "read the whole jurisdiction", "plan": "edit grids and features",
               "schedule": "record patrols and workers", "admin": "administer"}


class Unauthorized(GridmapError):
    """No credentials, or credentials that are not (or no longer) valid: 401."""


class Forbidden(GridmapError):
    """Valid credentials whose role or reach does not allow the request: 403."""


class TooManyAttempts(RetryLater):
    """Too many failed logins from a client or for a user: 429."""


@dataclass(frozen=True)
class Principal:
    """Someone signed in: a person or a machine key.

    ``jurisdiction_id`` None: every jurisdiction. ``grid_id``: the grid a worker works in (None
    for other roles; for a worker whose grid code is not in the published layout, -1, which no
    grid has, so the worker reads no buildings)."""

    user_id: int
    username: str
    role: str
    jurisdiction_id: int | None = None
    jurisdiction_slug: str | None = None
    grid_code: str | None = None
    grid_id: int | None = None
    # A print token's holder: the user's reach, but only to read (view or read, GET requests).
    read_only: bool = False

    @property
    def grid_bound(self) -> bool:
        """Whether this principal sees buildings of one grid only."""
        return self.role == "worker"

    def may(self, action: str) -> bool:
        """Whether the role allows ``action`` somewhere."""
        return action in GRANTS[self.role] and (not self.read_only or action in READ_ACTIONS)


def check(who: Principal, action: str, jurisdiction_id: int | None, grid_id: int | None = None) -> None:
    """Raise :class:`Forbidden` unless ``who`` may do ``action`` in the jurisdiction (and grid).

    ``jurisdiction_id`` None means across every jurisdiction, which only an unbound principal may
    reach; ``grid_id`` names a grid the request is about, which a worker may only when it is theirs.
    """
    if action not in ACTIONS:
        raise ValueError(msg("unknown action {0!r}", action))
    if not who.may(action):
        raise Forbidden(msg("{0} is a {1}, who may not {2}", who.username, who.role, ACTION_TEXT[action]))
    if who.jurisdiction_id is not None and jurisdiction_id != who.jurisdiction_id:
        where = "every jurisdiction" if jurisdiction_id is None else "another jurisdiction"
        raise Forbidden(msg("{0} works in {1}, not in {2}", who.username, who.jurisdiction_slug, where))
    if who.grid_bound and grid_id is not None and grid_id != who.grid_id:
        raise Forbidden(msg("{0} works in grid {1} and may not see another grid", who.username, who.grid_code))
