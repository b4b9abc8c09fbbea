"""The numbers grid leaders are judged on (接诉即办 三率, with 办结率), computed exactly as said here.

The same text is in README.md ("Cases: the numbers"). Districts define the rates differently;
what can differ is a setting (the category's hours are data, the weight of 基本满意 an option).

**Cohort.** The cases of the jurisdiction *received* (reported; a ticket's 受理时间) in the period:
from ``--from`` 00:00 to the end of ``--to``, in ``GRIDMAP_TIME_ZONE`` (Asia/Shanghai). The
workflow is seen **as of** the end of the period (or now, if earlier; ``--as-of`` to choose):
steps recorded after it are not counted, so a month's numbers do not change when computed later.
Residents' feedback counts as recorded.

- **received**: cases in the cohort.
- **response rate** (响应率) = responded ÷ cases whose answer is due, where a case is *responded*
  when its first answer — accepted (立案) or rejected (不予立案) — came within its category's
  ``response_hours`` of being received, and *due* when it has been answered or its
  ``response_hours`` have passed by the as-of time (a case received minutes ago and not answered
  yet is neither: it counted as a failure before).
- **resolution rate** (解决率) = cases the resident said were solved ÷ cases with a solved / not
  solved answer.
- **satisfaction rate** (满意率) = (satisfied + w × basically satisfied) ÷ cases with a
  satisfaction answer; w (``--basic-weight``) is 1 by default (基本满意 counts as satisfied).
- **on-time closure rate** (按期办结率) = cases closed (结案) by their due time ÷ cases that are
  closed or whose due time has passed by the as-of time; rejected cases are left out of both.
  The due time is received + the category's hours for the case's urgency (red, yellow, blue);
  time parked (挂账) is not taken off.
- **open**: cases of the cohort neither closed nor rejected at the as-of time (parked ones
  included); **parked**: those parked; **overdue**: open, not parked, and past their due time.
- **mean hours per state**: for each state, the mean time the cohort's cases stayed in it, from
  entering it to the next step, over the stays that had ended by the as-of time.

A rate whose denominator is 0 is ``null``. Groups: per grid (the case's grid now: re-derived when
grids are republished), per worker (whom the case was dispatched to as of the as-of time: a
worker, or a department; neither when not yet dispatched), per category, and overall.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from gis.errors import InvalidInput
from gis.i18n import msg
from gis.limits import check_day

GROUPS = {15: "overall", 7: "by_grid", 9: "by_worker", 14: "by_category"}
KEYS = {"overall": (), "by_grid": ("grid",), "by_worker": ("worker", "department"), "by_category": ("category",)}


# The longest period the numbers are counted over at once (a leap year): every case of it is read.
LONGEST_PERIOD_DAYS = 366


def period(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The moments a period of days begins and ends (``last`` included) in ``tz``."""
    check_day(first, "the first day")
    check_day(last, "the last day")
    if last < first:
        raise InvalidInput(msg("the period ends ({0}) before it begins ({1})", last, first))
    if (last - first).days >= LONGEST_PERIOD_DAYS:  # a year at most: the numbers are read for months and years
        raise InvalidInput(msg("a period is at most {0} days (a year), not {1}", LONGEST_PERIOD_DAYS,
                               (last - first).days + 1))
    return (datetime.combine(first, time(), tz), datetime.combine(last + timedelta(days=1), time(), tz))


def rate(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator`` to 4 places; None when there is nothing to divide by."""
    return None if not denominator else round(float(numerator) / float(denominator), 4)


def figures(row: Mapping[str, Any]) -> dict[str, Any]:
    """One group's counts and rates from the counts of ``case_kpi.sql``."""
    return {
        "received": int(row["received"]),
        "responded": int(row["responded"]),
        "response_rate": rate(row["responded"], row["response_due"]),
        "solved": int(row["solved"]),
        "solved_answered": int(row["solved_answered"]),
        "resolution_rate": rate(row["solved"], row["solved_answered"]),
        "satisfaction_answered": int(row["satisfaction_answered"]),
        "satisfaction_rate": rate(row["satisfaction_score"], row["satisfaction_answered"]),
        "closed_on_time": int(row["closed_on_time"]),
        "closure_due": int(row["closure_due"]),
        "on_time_closure_rate": rate(row["closed_on_time"], row["closure_due"]),
        "open": int(row["open"]),
        "parked": int(row["parked"]),
        "overdue": int(row["overdue"]),
    }


# The counts a group's figures are made of (``case_kpi.sql``): what adds up across groups.
COUNTS = ("received", "responded", "response_due", "solved", "solved_answered", "satisfaction_answered",
          "satisfaction_score", "closed_on_time", "closure_due", "open", "parked", "overdue")


def total(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The figures of several groups together (the street's, of its communities): their counts
    added, the rates made of those sums (never an average of rates: a community with two cases
    would weigh as much as one with two hundred)."""
    return figures({k: sum(r[k] for r in rows) for k in COUNTS})


def assemble(counts: Sequence[Mapping[str, Any]], stays: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The report from the rows of ``case_kpi.sql`` and ``case_kpi_stays.sql``."""
    out: dict[str, Any] = {"overall": None, "by_grid": [], "by_worker": [], "by_category": []}
    index: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = {}
    for row in counts:
        group = GROUPS[int(row["grouping"])]
        key = tuple(row[k] for k in KEYS[group])
        entry = {**dict(zip(KEYS[group], key, strict=True)), **figures(row), "mean_hours": {}}
        index[(group, key)] = entry
        if group == "overall":
            out["overall"] = entry
        else:
            out[group].append(entry)
    for row in stays:
        group = GROUPS[int(row["grouping"])]
        key = tuple(row[k] for k in KEYS[group])
        if (group, key) in index:
            index[(group, key)]["mean_hours"][row["state"]] = round(float(row["mean_hours"]), 2)
    if out["overall"] is None:
        out["overall"] = {**figures({k: 0 for k in ("received", "responded", "response_due", "solved",
                                                    "solved_answered", "satisfaction_answered", "satisfaction_score",
                                                    "closed_on_time", "closure_due", "open", "parked",
                                                    "overdue")}), "mean_hours": {}}
    return out
