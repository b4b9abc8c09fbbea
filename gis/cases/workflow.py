"""The workflow of a case (事件 / 工单), as grid platforms (数字城管) run it. Pure: no database.

上报 reported → 立案 accepted, or 不予立案 rejected (with a reason) → 派遣 dispatched (to a
worker of the grid, or a department) → 处置 handled (what was done) → 核查 verified (by someone
other than the handler), or sent back to handled or dispatched → 结案 closed. A case that cannot
be solved now is 挂账 parked (a reason and a review date) from accepted, dispatched or handled,
and goes back to where it was parked from.

The database keeps the same steps (table ``case_transition`` in ``gis/sql/011_cases.sql``, a
trigger refusing every other step); ``TRANSITIONS`` is its copy for the edges, and a test checks
that the two agree. Due times: a case must be closed within its category's hours for its
urgency, counted from when it was reported (the trigger computes ``due_at`` the same way).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gis.errors import InvalidInput
from gis.i18n import Message, msg

STATES = ("reported", "accepted", "rejected", "dispatched", "handled", "verified", "closed", "parked")
STATE_ZH = {"reported": "上报", "accepted": "立案", "rejected": "不予立案", "dispatched": "派遣",
            "handled": "处置", "verified": "核查", "closed": "结案", "parked": "挂账"}
# States a case no longer moves from.
FINAL = frozenset({"rejected", "closed"})
SOURCES = ("patrol", "hotline", "resident", "inspection")
URGENCIES = ("red", "yellow", "blue")
SATISFACTION = ("satisfied", "basically", "dissatisfied")
# from → the states it may go to (parked: only back to where it was parked from).
TRANSITIONS: Mapping[str, tuple[str, ...]] = {
    "reported": ("accepted", "rejected"),
    "accepted": ("dispatched", "parked"),
    "dispatched": ("handled", "parked"),
    "handled": ("verified", "parked"),
    "verified": ("closed", "handled", "dispatched"),
    "parked": ("accepted", "dispatched", "handled"),
    "rejected": (),
    "closed": (),
}
# The steps that need a note, and what it says.
NOTE_NEEDED = {"rejected": msg("why it is not accepted"), "handled": msg("what was done"),
               "parked": msg("why it is parked")}


def said_when_given(steps: Sequence[tuple[str, datetime, str | None]]) -> str | None:
    """What the office said when it last gave a case to its handler: the note of its latest
    dispatching step, or of the accepting step made with it (accepting dispatches in the same
    stroke, at the same time), never the service's own ``automatic: …``; None when it said
    nothing then (an older note was for an earlier handling). ``steps``: the case's accepting and
    dispatching steps, oldest first, as (to_state, at, note)."""
    given = [k for k, (to, _, _) in enumerate(steps) if to == "dispatched"]
    if not given:
        return None
    last = given[-1]
    stroke = [steps[last]] + ([steps[last - 1]] if last and steps[last - 1][0] == "accepted"
                              and steps[last - 1][1] == steps[last][1] else [])
    notes = [note for _, _, note in stroke if note and not note.startswith("automatic: ")]
    return notes[0] if notes else None


# The states a case is in when its resident may be called back (回访): handled, or after.
CALLED_BACK = ("handled", "verified", "closed")


def call_back_refusal(case_id: int, state: str, ticket_no: str | None) -> Message | None:
    """Why the community may not record a resident's answer (回访) to a case now, or None: a 12345
    ticket's answer is the platform's (in its call-back file, the one the rates count: never
    overwritten), and a case not yet handled has no handling to ask about."""
    if ticket_no:
        return msg("case {0} is 12345 ticket {1}: its resident's answer comes in the platform's call-back file",
                   case_id, ticket_no)
    if state not in CALLED_BACK:
        return msg("case {0} has no handling to call back about: only a handled, verified or closed case is",
                   case_id)
    return None


def next_states(state: str, parked_from: str | None = None) -> tuple[str, ...]:
    """The states a case in ``state`` may go to next; a parked case only back to ``parked_from``."""
    if state not in TRANSITIONS:
        raise InvalidInput(msg("unknown case state {0!r}; states are: {1}", state, ', '.join(STATES)))
    if state == "parked":
        return tuple(s for s in TRANSITIONS[state] if s == parked_from)
    return TRANSITIONS[state]


def check_step(case_id: int, state: str, to: str, parked_from: str | None = None) -> None:
    """Refuse a step the workflow does not allow, naming the states it does."""
    if to not in STATES:
        raise InvalidInput(msg("unknown case state {0!r}; states are: {1}", to, ', '.join(STATES)))
    allowed = next_states(state, parked_from)
    if to not in allowed:
        raise InvalidInput(msg("case {0} cannot go from {1} to {2}; next allowed: {3}",
                               case_id, state, to, ", ".join(sorted(allowed)) or "none"))


@dataclass(frozen=True)
class Limits:
    """A category's hours: to answer a case (accept or reject it), and to close it by urgency."""

    response_hours: int
    red_hours: int
    yellow_hours: int
    blue_hours: int

    def hours(self, urgency: str) -> int:
        """The hours a case of ``urgency`` has from being reported to being closed."""
        if urgency not in URGENCIES:
            raise InvalidInput(msg("urgency must be one of {0}, got {1!r}", ', '.join(URGENCIES), urgency))
        return {"red": self.red_hours, "yellow": self.yellow_hours, "blue": self.blue_hours}[urgency]


def due_time(reported_at: datetime, urgency: str, limits: Limits) -> datetime:
    """When a case reported at ``reported_at`` must be closed."""
    return reported_at + timedelta(hours=limits.hours(urgency))


def response_deadline(reported_at: datetime, limits: Limits) -> datetime:
    """By when a case must be answered (accepted or rejected) to count as responded in time."""
    return reported_at + timedelta(hours=limits.response_hours)


def is_overdue(state: str, due_at: datetime, at: datetime) -> bool:
    """Whether a case is still open (not closed, rejected or parked) past its due time at ``at``."""
    return state not in FINAL and state != "parked" and due_at < at
