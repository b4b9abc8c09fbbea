"""Cases in a package (``case_record.geojson`` beside the layers, or a ``case_record`` layer of a
GeoPackage, its steps there as JSON text): read with their steps and
replayed through the database's workflow, so that a loaded dataset holds what the workflow would
have let happen, and written back the same way.

A feature is a case's place (a Point, or none for an unplaced ticket) with ``source``,
``category`` (code), ``urgency``, ``description``, optional ``ticket_no``, ``address``,
``reporter``, ``building`` (by name), ``client_id``, ``satisfaction``, ``solved``, and
``steps``: ``[{"at", "to", "actor", "note"?, "assignee"?, "department"?, "review_on"?,
"recorded"?}, …]``, the first being ``reported``. ``review_on`` is needed by the last step only,
if it parks the case (a past parking's review date is not kept once the case goes on).
``recorded`` is when the step was written, where that was later than when it happened (a step
dated back: 补录); a step without it is taken as written when it happened. Steps are replayed in
bulk: one UPDATE per step number and actor (the actor is the transaction's ``gridmap.actor``, as
for any edit), each checked by the trigger; then the steps written late get their time of
writing back (``023_package_recorded.sql``). A worker a case was given to comes with the package
(``worker.geojson``, :mod:`gis.patrol.workers_package`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime
from typing import Any

import shapely
from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values
from shapely.geometry import shape

from gis.errors import InvalidInput
from gis.i18n import Message, msg
from gis.store import Jurisdiction

LAYER = "case_record"


def _steps(props: dict[str, Any], n: int, where: str) -> list[dict[str, Any]]:
    steps = props.get("steps")
    if isinstance(steps, str):  # a GeoPackage's column: JSON text
        try:
            steps = json.loads(steps)
        except ValueError:
            steps = None
    if not isinstance(steps, list) or not steps or not isinstance(steps[0], dict) or steps[0].get("to") != "reported":
        raise InvalidInput(msg("case {0} of {1}: its steps must begin with reported", n, where))
    return steps


def _review_on(steps: list[dict[str, Any]], k: int) -> Any:
    """The review date of step ``k``: its own, or for a parking the case has since left, which
    keeps none (the next step clears it), the step's own day, which the rule for parking asks for."""
    s = steps[k]
    if s.get("review_on") or s["to"] != "parked" or k == len(steps) - 1:
        return s.get("review_on")
    return str(s["at"])[:10]


# A time as the package writes it (ISO 8601 with its zone), and as the database reads it too.
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)")


def _step_problems(steps: list[Any], n: int, now: datetime, where: str) -> list[Message]:
    """What is wrong with the steps of case ``n`` besides what the workflow judges: each a mapping,
    none to the state the case is already in (it would record nothing, and the steps after it
    would be taken for others), and each ``recorded`` a time with its zone, not before the step's
    own time, not in the future."""
    out = []
    for k, s in enumerate(steps, start=1):
        if (not isinstance(s, dict) or not isinstance(s.get("at"), str) or not isinstance(s.get("to"), str)
                or not isinstance(s.get("actor", ""), str)):
            out.append(msg("case {0} of {1}, step {2}: a step is an object with at, to and actor", n, where, k))
            continue
        if k > 1 and isinstance(steps[k - 2], dict) and s.get("to") == steps[k - 2].get("to"):
            out.append(msg("case {0} of {1}, step {2}: the case is {3} already", n, where, k, s.get("to")))
        if "recorded" not in s:
            continue
        recorded = s["recorded"]
        if not isinstance(recorded, str) or not ISO_TIME.fullmatch(recorded):
            out.append(msg("case {0} of {1}, step {2}: {3!r} is not a time with its zone (e.g. "
                           "2025-06-01T09:30:00+08:00)", n, where, k, recorded))
            continue
        try:
            at = datetime.fromisoformat(str(s.get("at")))
        except ValueError:
            continue  # the step's own time is the workflow's to judge, and it says so
        written = datetime.fromisoformat(recorded)
        if at.tzinfo is not None and written < at:
            out.append(msg("case {0} of {1}, step {2}: recorded before it happened", n, where, k))
        elif written > now:
            out.append(msg("case {0} of {1}, step {2}: recorded in the future", n, where, k))
    return out


def import_cases(cur: Cursor, j: Jurisdiction, features: Any, where: str) -> int:
    """The cases of a package (its ``case_record`` features, :mod:`gis.package_features`, from
    ``where``) into jurisdiction ``j``, their steps replayed; how many."""
    if not isinstance(features, list):
        raise InvalidInput(msg("{0} cannot be loaded", where), [msg("{0} is not a FeatureCollection", where)])
    if not features:
        return 0
    cur.execute("SELECT code, id FROM case_category WHERE jurisdiction_id = %s", (j.id,))
    categories = dict(cur.fetchall())
    cur.execute("SELECT code, id FROM department WHERE jurisdiction_id = %s", (j.id,))
    departments = dict(cur.fetchall())
    cur.execute("SELECT name, min(id) FROM building WHERE jurisdiction_id = %s AND name IS NOT NULL GROUP BY name",
                (j.id,))
    buildings = dict(cur.fetchall())
    rows: list[tuple[Any, ...]] = []
    all_steps: list[list[dict[str, Any]]] = []
    reported_by: list[str] = []  # who took the first step (reported): the reporter, or who entered a ticket
    problems: list[Message] = []
    cur.execute("SELECT now()")
    now = cur.fetchone()[0]
    written: list[tuple[int, int, str]] = []  # (row, step number, recorded) of the steps written late
    for n, f in enumerate(features, start=1):
        p = f.get("properties") if isinstance(f, dict) else None
        if not isinstance(p, dict):
            problems.append(msg("case {0} of {1}: a feature with properties", n, where))
            continue
        if p.get("category") not in categories:
            problems.append(msg("case {0} of {1}: unknown category {2!r}", n, where, p.get('category')))
            continue
        steps = _steps(p, n, where)
        wrong = _step_problems(steps, n, now, where)
        problems += wrong
        if wrong:
            continue
        geom = f.get("geometry")
        answered = p.get("satisfaction") is not None or p.get("solved") is not None
        rows.append((j.id, p.get("client_id"), p.get("source"), p.get("ticket_no"), categories[p["category"]],
                     p.get("urgency") or "blue", p.get("description"), p.get("address"), p.get("reporter"),
                     buildings.get(p.get("building")), steps[0]["at"], p.get("satisfaction"), p.get("solved"),
                     steps[-1]["at"] if answered else None, shapely.to_wkb(shape(geom)) if geom else None))
        all_steps.append(steps[1:])
        reported_by.append(steps[0].get("actor") or p.get("reporter") or "")
        written += [(len(rows) - 1, k, s["recorded"]) for k, s in enumerate(steps)
                    if isinstance(s, dict) and "recorded" in s]
    if problems:
        raise InvalidInput(msg("{0} cannot be loaded", where), problems)
    cur.execute("SELECT coalesce(current_setting('gridmap.actor', true), '')")
    actor_before = cur.fetchone()[0]
    # the history as the package tells it: each step written when it happened (022_step_recorded.sql)
    cur.execute("SELECT set_config('gridmap.replaying', 'on', true)")
    for (reporter, chunk) in _by_actor(list(zip(reported_by, rows, strict=True))):
        cur.execute("SELECT set_config('gridmap.actor', %s, true)", (reporter,))
        ids = execute_values(cur, "INSERT INTO case_record (jurisdiction_id, client_id, source, ticket_no, category_id,"
                             " urgency, description, address, reporter, building_id, reported_at, satisfaction, solved,"
                             " feedback_at, geom) VALUES %s RETURNING id",
                             [r for _, r in chunk],
                             template="(%s, %s::uuid, %s, %s, %s, %s, %s, %s, %s, %s, %s::timestamptz, %s, %s,"
                                      " %s::timestamptz, ST_GeomFromWKB(%s, 4326))", fetch=True)
        for (k, _), (case_id,) in zip(chunk, ids, strict=True):
            rows[k] = (*rows[k], case_id)
    depth = max((len(s) for s in all_steps), default=0)
    for k in range(depth):
        groups: dict[tuple[str, bool], list[tuple[Any, ...]]] = defaultdict(list)
        for row, steps in zip(rows, all_steps, strict=True):
            if k < len(steps):
                s = steps[k]
                dispatch = s["to"] == "dispatched"
                groups[(s.get("actor") or "", dispatch)].append(
                    (row[-1], s["to"], s.get("note"), s["at"], s.get("assignee"),
                     departments.get(s.get("department")) if s.get("department") else None, _review_on(steps, k)))
        for (who, dispatch), values in sorted(groups.items()):
            cur.execute("SELECT set_config('gridmap.actor', %s, true)", (who,))
            sets = "state = v.state, note = v.note, event_at = v.at, review_on = v.review_on" + (
                ", assignee = v.assignee, department_id = v.department_id" if dispatch else "")
            execute_values(cur, f"UPDATE case_record c SET {sets} FROM (VALUES %s) AS v (id, state, note, at,"
                                " assignee, department_id, review_on) WHERE c.id = v.id", values,
                           template="(%s, %s, %s, %s::timestamptz, %s, %s::integer, %s::date)")
    if written:  # the k-th step of a case is its k-th event, in the order they were written
        execute_values(cur, "UPDATE case_event e SET recorded_at = v.recorded"
                            " FROM (VALUES %s) AS v (case_id, k, recorded) WHERE e.id = (SELECT x.id"
                            " FROM case_event x WHERE x.case_id = v.case_id ORDER BY x.id OFFSET v.k LIMIT 1)",
                       [(rows[r][-1], k, recorded) for r, k, recorded in written],
                       template="(%s, %s, %s::timestamptz)")
    cur.execute("SELECT set_config('gridmap.actor', %s, true), set_config('gridmap.replaying', 'off', true)",
                (actor_before,))
    return len(rows)


def _by_actor(items: list[tuple[str, tuple[Any, ...]]]) -> list[tuple[str, list[tuple[int, tuple[Any, ...]]]]]:
    groups: dict[str, list[tuple[int, tuple[Any, ...]]]] = defaultdict(list)
    for k, (who, row) in enumerate(items):
        groups[who].append((k, row))
    return sorted(groups.items())


def case_features(cur: Cursor, j: Jurisdiction) -> list[dict[str, Any]]:
    """The cases of ``j`` as a package's features, their steps with them."""
    cur.execute("""SELECT c.id, ST_AsGeoJSON(c.geom, 7), c.source, c.ticket_no, k.code, c.urgency, c.description,
                          c.address, c.reporter, b.name, c.client_id, c.satisfaction, c.solved,
                          (SELECT json_agg(json_build_object('at', e.at, 'to', e.to_state, 'actor', e.actor,
                                  'note', e.note, 'assignee', e.assignee, 'department', d.code,
                                  'review_on', CASE WHEN e.to_state = 'parked' AND c.state = 'parked'
                                                    AND e.at = c.parked_at THEN c.review_on END,
                                  'recorded', CASE WHEN e.recorded_at > e.at THEN e.recorded_at END)
                                  ORDER BY e.at, e.id)
                             FROM case_event e LEFT JOIN department d ON d.id = e.department_id
                            WHERE e.case_id = c.id)
                     FROM case_record c JOIN case_category k ON k.id = c.category_id
                     LEFT JOIN building b ON b.id = c.building_id
                    WHERE c.jurisdiction_id = %s ORDER BY c.id""", (j.id,))
    features = []
    for (cid, geom, source, ticket, category, urgency, text, address, reporter, building, client, sat, solved,
         steps) in cur.fetchall():
        props = {"source": source, "ticket_no": ticket, "category": category, "urgency": urgency,
                 "description": text, "address": address, "reporter": reporter, "building": building,
                 "client_id": None if client is None else str(client), "satisfaction": sat, "solved": solved,
                 "steps": [{k: v for k, v in s.items() if v is not None} for s in steps]}
        features.append({"type": "Feature", "id": cid, "geometry": json.loads(geom) if geom else None,
                         "properties": {k: v for k, v in props.items() if v is not None}})
    return features
