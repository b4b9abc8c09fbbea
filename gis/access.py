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
- ``report``: report a case (事件) anywhere in the jurisdiction.
- ``handle``: move a case along its workflow; which steps, on which cases, is
  :func:`case_steps` (a worker handles the cases of their grid, a department those dispatched to
  it, a leader accepts, dispatches, verifies, closes and parks).
- ``triage``: the leader's steps of a case, and importing 12345 tickets.

Cases are seen by role too (:func:`case_scope`): a worker sees the cases of their grid and those
they reported or handle, a department those dispatched to it, the others every case they reach.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gis.errors import GridmapError, InvalidInput, RetryLater
from gis.i18n import Message, msg

LOGIN_ROLES = ("worker", "leader", "planner", "scheduler", "department", "admin")
ACTIONS = ("view", "read", "plan", "schedule", "report", "handle", "triage", "admin")
READ_ACTIONS = frozenset({"view", "read"})
# The actions that move cases: a route needing one writes, though no planner or scheduler may.
CASE_ACTIONS = frozenset({"report", "handle", "triage"})
GRANTS: dict[str, frozenset[str]] = {
    "worker": frozenset({"view", "report", "handle"}),
    "leader": frozenset({"view", "read", "report", "handle", "triage"}),
    "planner": frozenset({"view", "read", "plan"}),
    "scheduler": frozenset({"view", "read", "schedule"}),
    # a department (街乡吹哨、部门报到): the map, and the cases dispatched to it
    "department": frozenset({"view", "handle"}),
    "admin": frozenset(ACTIONS),
}
ACTION_TEXT = {"view": "view the map", "read": "read the whole jurisdiction", "plan": "edit grids and features",
               "schedule": "record patrols and workers", "report": "report cases", "handle": "handle cases",
               "triage": "accept, dispatch, verify and close cases", "admin": "administer"}
# The steps a leader (triage) takes; "handled" is the handler's. From verified, back to handled or
# dispatched is the verifier's (a leader's) step too, as is taking a case out of parked.
TRIAGE_STEPS = frozenset({"accepted", "rejected", "dispatched", "verified", "closed", "parked"})


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
    # A department user's department (its code): the cases dispatched to it are theirs.
    department: str | None = None
    # A print token's holder: the user's reach, but only to read (view or read, GET requests).
    read_only: bool = False
    # The worker record the account is linked to (gridmap users link): a case dispatched to that
    # name is the account's as much as one dispatched to its username.
    worker_name: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The names a case may be given to this principal by: the username, and the linked worker's."""
        return (self.username,) if self.worker_name is None else (self.username, self.worker_name)

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


@dataclass(frozen=True)
class CaseScope:
    """Which cases of a jurisdiction a principal sees: all (every field None), or those of
    ``grid`` (a code), reported by or dispatched to ``username``, or dispatched to ``department``."""

    grid: str | None = None
    username: str | None = None
    department: str | None = None
    worker_name: str | None = None  # the linked worker's name: a case given to it is seen too

    @property
    def everything(self) -> bool:
        """Whether every case of the jurisdiction is seen."""
        return self.grid is None and self.username is None and self.department is None

    @property
    def names(self) -> list[str]:
        """The names a case seen is given to or reported by."""
        return [n for n in (self.username, self.worker_name) if n is not None]


def case_scope(who: Principal) -> CaseScope:
    """The cases ``who`` sees (within the jurisdictions they reach)."""
    if who.role == "worker":
        return CaseScope(grid=who.grid_code or "-", username=who.username, worker_name=who.worker_name)
    if who.role == "department":
        return CaseScope(department=who.department or "-")
    return CaseScope()


# How far back one who does not triage may date a report: a phone kept offline for a week.
REPORT_BACKDATE = timedelta(days=7)


def check_report_source(who: Principal, *, source: str, ticket_no: str | None) -> None:
    """Refuse a 12345 hotline case or a ticket number from one who does not triage: tickets come
    in with the leader's import of the platform's tickets, and a worker's made-up one would shadow
    the real ticket, which the import then finds "already there"."""
    if who.may("triage"):
        return
    if source == "hotline" or ticket_no is not None:
        raise Forbidden(msg("{0} is a {1}, who may not enter a 12345 hotline case: its ticket comes in with the "
                            "leader's import of the tickets", who.username, who.role))


def check_report_time(who: Principal, reported_at: datetime | None, now: datetime) -> None:
    """Refuse a new case dated further back than REPORT_BACKDATE by one who does not triage (the
    rates of 接诉即办 count from it), or dated with no offset (read in the server's zone, it could
    be any day). For a new case only: a phone's replay of one it made a week ago is that case."""
    if reported_at is not None and reported_at.tzinfo is None:
        raise InvalidInput(msg("{0} needs its UTC offset (2025-03-01T09:30:00+08:00)", msg("the report's time")))
    if who.may("triage"):
        return
    if reported_at is not None and reported_at < now - REPORT_BACKDATE:
        raise Forbidden(msg("{0} is a {1}, who may date a report at most {2} days back, not {3}", who.username,
                            who.role, REPORT_BACKDATE.days, reported_at.isoformat(timespec="minutes")))


def check_record_age(who: Principal, when: datetime, what: Message, now: datetime) -> None:
    """Refuse a new check-in or walk from a phone dated further back than REPORT_BACKDATE by one
    who does not triage: the patrol and visit figures are counted from them, and a walk sent a
    month on is not one the office can trust (a phone kept offline for a week is)."""
    if who.may("triage") or when >= now - REPORT_BACKDATE:
        return
    raise Forbidden(msg("{0} is a {1}, who may date {2} at most {3} days back, not {4}", who.username, who.role,
                        what, REPORT_BACKDATE.days, when.isoformat(timespec="minutes")))


def building_reach(who: Principal) -> int | None:
    """The grid whose buildings ``who`` may name (a worker reads only their grid's: the others are
    told apart from nothing), None for every building of their jurisdictions."""
    return who.grid_id if who.grid_bound else None


def sees_case(who: Principal, case: Mapping[str, Any]) -> bool:
    """Whether ``who`` sees ``case`` (a dict of :func:`gis.cases.store.get_case`)."""
    scope = case_scope(who)
    if scope.everything:
        return True
    if scope.department is not None:
        return case.get("department") == scope.department
    return (case.get("grid") == scope.grid or case.get("assignee") in scope.names
            or case.get("reporter") == scope.username)


def _handler(who: Principal, case: Mapping[str, Any]) -> bool:
    """Whether ``who`` is the one to handle ``case`` (record what was done): the worker it is
    dispatched to (by username or by the name of the worker the account is linked to), a worker of
    its grid when it went to a person, or its department."""
    if who.role == "department":
        return case.get("assignee") is None and case.get("department") == who.department
    if case.get("assignee") in who.names:
        return True
    return (who.role == "worker" and case.get("assignee") is not None and case.get("department") is None
            and case.get("grid") == who.grid_code)


def case_steps(who: Principal, case: Mapping[str, Any], allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Of the steps the workflow ``allowed`` next for ``case``, those ``who`` may take. A case
    they do not see has none."""
    if not who.may("handle") or not sees_case(who, case):
        return ()
    triage = who.may("triage")
    out = []
    for s in allowed:
        if s == "handled" and case.get("state") == "dispatched":  # recording what was done: the handler's
            ok = _handler(who, case) or who.role == "admin"
        else:  # sending back (verified → handled), out of parked, and the rest: the leader's
            ok = triage and (s in TRIAGE_STEPS or s == "handled")
        if ok:
            out.append(s)
    return tuple(out)


def check_case_step(who: Principal, case: Mapping[str, Any], to: str, allowed: tuple[str, ...]) -> None:
    """Raise :class:`Forbidden` unless ``who`` may move ``case`` to ``to`` (a step the workflow
    allows: see :func:`gis.cases.workflow.check_step` first)."""
    if to in case_steps(who, case, allowed):
        return
    if to == "handled":
        raise Forbidden(msg("{0} may not record the handling of case {1}: it is dispatched to {2}", who.username,
                            case.get("id"), case.get("assignee") or case.get("department") or "nobody"))
    raise Forbidden(msg("{0} is a {1}, who may not move case {2} to {3}", who.username, who.role,
                        case.get("id"), to))
