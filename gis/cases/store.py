"""Cases in PostGIS: report one, move it along the workflow, read one or a list, record the
resident's feedback. The database side of :mod:`gis.cases.workflow`.

Every function takes the caller's cursor (the edge owns the transaction). A step names the
version it moves (the case's ETag, ``"case_record-ID-VERSION"``): a stale one is refused as a
stale edit of a feature is (:class:`~gis.errors.StaleVersion`, 412 at the API). The rules are
checked here first, for a clear message, and again by the database's trigger.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from psycopg2.extensions import cursor as Cursor
from shapely.geometry import Point

from gis import limits
from gis.access import CaseScope
from gis.cases.workflow import NOTE_NEEDED, SATISFACTION, SOURCES, STATES, URGENCIES, check_step, next_states
from gis.db import execute_prepared, read_sql
from gis.errors import InvalidInput, NotFound, StaleVersion
from gis.etags import etag
from gis.i18n import msg
from gis.parsing import is_number
from gis.photos_store import photos_of
from gis.store import Jurisdiction, find_jurisdiction

TABLE = "case_record"


@dataclass(frozen=True)
class Category:
    """A case category of a jurisdiction."""

    id: int
    code: str
    name_zh: str
    name_en: str
    department_id: int | None
    response_hours: int
    red_hours: int
    yellow_hours: int
    blue_hours: int


def categories(cur: Cursor, jurisdiction_id: int) -> dict[str, Category]:
    """A jurisdiction's case categories by code."""
    cur.execute("SELECT id, code, name_zh, name_en, department_id, response_hours, red_hours, yellow_hours, "
                "blue_hours FROM case_category WHERE jurisdiction_id = %s ORDER BY code = 'other', id",  # 其他 last
                (jurisdiction_id,))
    return {r[1]: Category(*r) for r in cur.fetchall()}


def category_of(cats: dict[str, Category], code: str) -> Category:
    """The category ``code`` (or its Chinese or English name); refused naming the known ones."""
    for c in cats.values():
        if code in (c.code, c.name_zh, c.name_en):
            return c
    raise InvalidInput(msg("unknown case category {0!r}; categories are: {1}", code,
                           ", ".join(f"{c.code} ({c.name_zh})" for c in cats.values())))


def department_id_of(cur: Cursor, jurisdiction_id: int, code: str) -> int:
    """The id of department ``code`` (or its name); refused naming the known ones."""
    cur.execute("SELECT id, code, name_zh, name_en FROM department WHERE jurisdiction_id = %s ORDER BY id",
                (jurisdiction_id,))
    rows = cur.fetchall()
    for i, c, zh, en in rows:
        if code in (c, zh, en):
            return int(i)
    raise InvalidInput(msg("unknown department {0!r}; departments are: {1}", code,
                           ", ".join(f"{c} ({zh})" for _, c, zh, _ in rows)))


def _check_texts(**texts: str | None) -> None:
    for name, value in texts.items():
        field = "note" if name in ("description", "note") else "name"
        limits.check_text(value, f"the {name}", field)


def _spelt_otherwise(cur: Cursor, j: Jurisdiction, building: str, grid_id: int | None) -> list[tuple[int]]:
    """The buildings whose name or address is ``building`` written another way, as a ledger's rows
    are matched (3#楼 = 3号楼 = 3栋, full-width digits, spaces): 银桂苑3#楼 found no 银桂苑3号楼."""
    from gis.ledger import normalise

    key = normalise(building)
    cur.execute(read_sql("buildings_named.sql"), {"jurisdiction_id": j.id, "grid_id": grid_id})
    return [(i,) for i, name, address in cur.fetchall()
            if any(text and normalise(text) == key for text in (name, address))]


def _building_id(cur: Cursor, j: Jurisdiction, building: int | str, grid_id: int | None = None) -> int:
    """The id of the building of ``j`` named by id, name or address (written as it is stored, or
    another way: 3#楼 for 3号楼); of grid ``grid_id`` only, when given (any other is answered as no
    building at all: its existence is not told either)."""
    if isinstance(building, int) or is_number(str(building)):
        cur.execute("SELECT id FROM building WHERE jurisdiction_id = %s AND id = %s"
                    " AND (%s::int IS NULL OR grid_id = %s)", (j.id, int(building), grid_id, grid_id))
    else:
        cur.execute("SELECT id FROM building WHERE jurisdiction_id = %s AND (name = %s OR address = %s)"
                    " AND (%s::int IS NULL OR grid_id = %s) ORDER BY id", (j.id, building, building, grid_id, grid_id))
    rows = cur.fetchall()
    if not rows and not (isinstance(building, int) or is_number(str(building))):
        rows = _spelt_otherwise(cur, j, str(building), grid_id)
    if not rows and grid_id is not None:  # the same words for a building of another grid and for none
        raise InvalidInput(msg("building {0!r} is not one of your grid's: report the case at the point where you "
                               "stand", building))
    if not rows:
        raise InvalidInput(msg("{0} has no building {1!r}", j.name, building))
    if len(rows) > 1:
        raise InvalidInput(msg("{0} has several buildings {1!r}: name it by its id", j.name, building))
    return int(rows[0][0])


def add_case(cur: Cursor, slug: str, *, category: str, description: str, source: str = "patrol",
             urgency: str = "blue", at: tuple[float, float] | None = None, building: int | str | None = None,
             ticket_no: str | None = None, address: str | None = None, reporter: str | None = None,
             reported_at: datetime | None = None, client_id: str | uuid.UUID | None = None,
             before_creating: Callable[[], None] | None = None, buildings_of: int | None = None) -> dict[str, Any]:
    """Report a case in jurisdiction ``slug``: at a point (lon, lat), or at a building (its id or
    name), or, for a 12345 ticket only, nowhere yet. ``reported_at``: when it was reported (a
    ticket's received time; default now). A ``client_id`` already recorded returns the case it
    made (``"created": false``) and writes nothing: a phone's replayed sync. ``buildings_of``: the
    grid whose buildings the reporter may name (a worker reads only theirs; elsewhere they report
    at a point), None for any."""
    j = find_jurisdiction(cur, slug)
    problems = []
    if source not in SOURCES:
        problems.append(msg("source must be one of {0}, got {1!r}", ', '.join(SOURCES), source))
    if urgency not in URGENCIES:
        problems.append(msg("urgency must be one of {0}, got {1!r}", ', '.join(URGENCIES), urgency))
    if source == "hotline" and not ticket_no:
        problems.append(msg("a hotline case needs its ticket number (工单编号)"))
    if source != "hotline" and ticket_no:
        problems.append(msg("only a hotline case has a ticket number"))
    if not description or not description.strip():
        problems.append(msg("a case needs a description of the problem"))
    if at is None and building is None and source != "hotline":
        problems.append(msg("give where the case is: a point (LON,LAT) or a building"))
    if at is not None and not j.envelope.covers(Point(at)):
        problems.append(msg("the case's place {0:.6f},{1:.6f} lies outside {2}", at[0], at[1], j.name))
    if problems:
        raise InvalidInput(msg("the case cannot be reported"), problems)
    _check_texts(description=description, address=address, reporter=reporter, ticket_no=ticket_no)
    if client_id is not None:
        try:
            client_id = uuid.UUID(str(client_id))
        except ValueError:
            raise InvalidInput(msg("client_id must be a UUID, got {0!r}", str(client_id)[:60])) from None
        cur.execute("SELECT id, jurisdiction_id FROM case_record WHERE client_id = %s", (str(client_id),))
        row = cur.fetchone()
        if row is not None:
            if row[1] != j.id:
                raise InvalidInput(msg("client_id {0} names a case of another jurisdiction", client_id))
            return {**get_case(cur, row[0]), "created": False}
    if before_creating is not None:  # a check of a new case only: a replayed one was checked when made
        before_creating()
    cat = category_of(categories(cur, j.id), category)
    building_id = _building_id(cur, j, building, buildings_of) if building is not None else None
    cur.execute(
        "INSERT INTO case_record (jurisdiction_id, client_id, source, ticket_no, category_id, urgency, description,"
        " address, reporter, building_id, reported_at, geom) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " coalesce(%s, now()), CASE WHEN %s::float8 IS NULL THEN NULL"
        " ELSE ST_SetSRID(ST_MakePoint(%s, %s), 4326) END) RETURNING id",
        (j.id, None if client_id is None else str(client_id), source, ticket_no, cat.id, urgency,
         description.strip(), address, reporter, building_id, reported_at,
         at[0] if at else None, at[0] if at else None, at[1] if at else None))
    return {**get_case(cur, cur.fetchone()[0]), "created": True}


_CASE = """SELECT c.id, j.slug, c.version, c.state, c.parked_from, c.source, c.ticket_no, k.code, k.name_zh,
                  k.name_en, c.urgency, c.description, c.address, c.reporter, c.building_id, b.name, g.code, g.name,
                  c.assignee, d.code, d.name_zh, c.handled_by, c.handling, c.reason, c.review_on,
                  c.reported_at, c.due_at, c.state_since, c.accepted_at, c.rejected_at, c.dispatched_at,
                  c.handled_at, c.verified_at, c.closed_at, c.parked_at, c.satisfaction, c.solved,
                  c.feedback_at, c.client_id, ST_X(c.geom), ST_Y(c.geom), c.jurisdiction_id,
                  c.state NOT IN ('closed', 'rejected', 'parked') AND c.due_at < now(),
                  coalesce(rw.name, ru.display_name), coalesce(hw.name, hu.display_name)
             FROM case_record c JOIN jurisdiction j ON j.id = c.jurisdiction_id
             JOIN case_category k ON k.id = c.category_id
             LEFT JOIN building b ON b.id = c.building_id LEFT JOIN grid g ON g.id = c.grid_id
             LEFT JOIN department d ON d.id = c.department_id
             LEFT JOIN app_user ru ON ru.username = c.reporter LEFT JOIN worker rw ON rw.id = ru.worker_id
             LEFT JOIN app_user hu ON hu.username = c.handled_by LEFT JOIN worker hw ON hw.id = hu.worker_id"""
_CASE_BY_ID = _CASE + " WHERE c.id = %s"
_CASE_KEYS = ("id", "jurisdiction", "version", "state", "parked_from", "source", "ticket_no", "category",
              "category_zh", "category_en", "urgency", "description", "address", "reporter", "building_id", "building",
              "grid", "grid_name", "assignee", "department", "department_zh", "handled_by", "handling",
              "reason", "review_on", "reported_at", "due_at", "state_since", "accepted_at", "rejected_at",
              "dispatched_at", "handled_at", "verified_at", "closed_at", "parked_at", "satisfaction",
              "solved", "feedback_at", "client_id", "lon", "lat", "jurisdiction_id", "overdue",
              "reporter_name", "handled_by_name")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _case_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    out = {k: _plain(v) for k, v in zip(_CASE_KEYS, row, strict=True)}
    out["etag"] = etag(TABLE, out["id"], out["version"])
    out["next"] = list(next_states(out["state"], out["parked_from"]))
    return out


# A step written later than this after the time it gives is shown as written late (补录). A report's
# own time is not: a 12345 ticket reaches the community after the hotline took it.
WRITTEN_LATE = timedelta(minutes=10)


def get_case(cur: Cursor, case_id: int, *, events: bool = True) -> dict[str, Any]:
    """A case with its ETag, the steps allowed next and (``events``) every step it took."""
    execute_prepared(cur, _CASE_BY_ID, (case_id,))  # a dozen joins: planned once per connection, not per case
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no case with id {0}", case_id))
    out = _case_dict(row)
    if events:
        cur.execute(read_sql("case_events.sql"), (case_id,))
        out["events"] = [{"at": _plain(a), "recorded_at": _plain(r), "late": t != "reported" and r - a > WRITTEN_LATE,
                          "actor": who, "actor_name": name, "from": f, "to": t, "note": n, "assignee": s,
                          "department": d, "department_zh": dz, "department_en": de}
                         for a, r, who, name, f, t, n, s, d, dz, de in cur.fetchall()]
        out["photos"] = [{**p, "url": f"/cases/{out['jurisdiction']}/{case_id}/photos/{p['id']}"}
                         for p in photos_of(cur, case_id)]
    return out


def list_cases(cur: Cursor, slug: str, *, state: str | None = None, grid: str | None = None,
               category: str | None = None, overdue: bool = False, source: str | None = None,
               open_only: bool = False, scope: CaseScope | None = None, limit: int = 1000,
               offset: int = 0, received: tuple[datetime | None, datetime | None] | None = None
               ) -> list[dict[str, Any]]:
    """The cases of ``slug``, newest first, filtered by state, grid (code), category (code or
    name), source, whether they are open (neither closed nor rejected) or overdue (open past their
    due time, not parked), when they were received (from, until: either may be None), and what
    ``scope`` lets the caller see."""
    where, params = _where(cur, slug, state=state, grid=grid, category=category, overdue=overdue, source=source,
                           open_only=open_only, scope=scope, received=received)
    cur.execute(_CASE + " WHERE " + where + " ORDER BY c.reported_at DESC, c.id DESC LIMIT %s OFFSET %s",
                (*params, limit, offset))
    return [_case_dict(r) for r in cur.fetchall()]


def count_cases(cur: Cursor, slug: str, **filters: Any) -> int:
    """How many cases :func:`list_cases` finds with ``filters`` (without its limit)."""
    where, params = _where(cur, slug, **filters)
    cur.execute("SELECT count(*) FROM case_record c JOIN case_category k ON k.id = c.category_id"
                " LEFT JOIN grid g ON g.id = c.grid_id LEFT JOIN department d ON d.id = c.department_id"
                " WHERE " + where, params)
    return int(cur.fetchone()[0])


def _where(cur: Cursor, slug: str, *, state: str | None = None, grid: str | None = None,
           category: str | None = None, overdue: bool = False, source: str | None = None,
           open_only: bool = False, scope: CaseScope | None = None,
           received: tuple[datetime | None, datetime | None] | None = None) -> tuple[str, list[Any]]:
    j = find_jurisdiction(cur, slug)
    where: list[str] = ["c.jurisdiction_id = %s"]
    params: list[Any] = [j.id]
    start, end = received or (None, None)
    if start is not None:
        where.append("c.reported_at >= %s")
        params.append(start)
    if end is not None:
        where.append("c.reported_at < %s")
        params.append(end)
    if state is not None:
        if state not in STATES:
            raise InvalidInput(msg("unknown case state {0!r}; states are: {1}", state, ', '.join(STATES)))
        where.append("c.state = %s")
        params.append(state)
    if source is not None:
        if source not in SOURCES:
            raise InvalidInput(msg("source must be one of {0}, got {1!r}", ', '.join(SOURCES), source))
        where.append("c.source = %s")
        params.append(source)
    if grid is not None:
        where.append("g.code = %s")
        params.append(grid)
    if category is not None:
        where.append("k.id = %s")
        params.append(category_of(categories(cur, j.id), category).id)
    if overdue:
        where.append("c.state NOT IN ('closed', 'rejected', 'parked') AND c.due_at < now()")
    if open_only:
        where.append("c.state NOT IN ('closed', 'rejected')")
    if scope is not None and not scope.everything:
        if scope.department is not None:
            where.append("d.code = %s")
            params.append(scope.department)
        else:
            where.append("(g.code = %s OR c.assignee = ANY(%s) OR c.reporter = %s)")
            params += [scope.grid, scope.names, scope.username]
    return " AND ".join(where), params


def auto_dispatch(cur: Cursor, case_id: int) -> tuple[str | None, int | None, str]:
    """Who a case goes to when nobody is named: the staff of its grid (a registered grid worker or
    social worker of the grid, else a worker account of the grid, else the grid's leader), else
    its category's department. Returns (assignee, department id, why)."""
    cur.execute("SELECT c.jurisdiction_id, c.grid_id, g.code, g.leader, k.department_id, k.code"
                " FROM case_record c JOIN case_category k ON k.id = c.category_id"
                " LEFT JOIN grid g ON g.id = c.grid_id WHERE c.id = %s", (case_id,))
    jid, grid_id, code, leader, department_id, category = cur.fetchone()
    if grid_id is not None:
        cur.execute("SELECT name FROM worker WHERE jurisdiction_id = %s AND grid_id = %s"
                    " AND role IN ('grid_worker', 'social_worker') ORDER BY role, id LIMIT 1", (jid, grid_id))
        row = cur.fetchone()
        if row:
            return row[0], None, f"the worker of grid {code}"
        cur.execute("SELECT username FROM app_user WHERE jurisdiction_id = %s AND grid_code = %s AND active"
                    " AND role = 'worker' ORDER BY id LIMIT 1", (jid, code))
        row = cur.fetchone()
        if row:
            return row[0], None, f"the worker account of grid {code}"
        if leader:
            return leader, None, f"the leader of grid {code}"
    if department_id is not None:
        return None, department_id, f"the department of category {category}"
    raise InvalidInput(msg("case {0} has nobody to go to (no grid staff, no department of its category): "
                           "name --assignee or --department", case_id))


def _current(cur: Cursor, case_id: int) -> tuple[int, str, str | None, int]:
    cur.execute("SELECT version, state, parked_from, jurisdiction_id FROM case_record WHERE id = %s FOR UPDATE",
                (case_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no case with id {0}", case_id))
    return row[0], row[1], row[2], row[3]


def _step(cur: Cursor, case_id: int, version: int, to: str, *, note: str | None, at: datetime | None,
          assignee: str | None = None, department_id: int | None = None, review_on: date | None = None,
          set_handler: bool = False) -> int:
    sets = ["state = %s", "note = %s", "event_at = %s"]
    params: list[Any] = [to, note, at]
    if set_handler:
        sets += ["assignee = %s", "department_id = %s"]
        params += [assignee, department_id]
    if to == "parked":
        sets.append("review_on = %s")
        params.append(review_on)
    cur.execute(f"UPDATE case_record SET {', '.join(sets)} WHERE id = %s AND version = %s RETURNING version",
                (*params, case_id, version))
    return int(cur.fetchone()[0])


def transition(cur: Cursor, case_id: int, to: str, version: int, *, note: str | None = None,
               assignee: str | None = None, department: str | None = None, review_on: date | None = None,
               at: datetime | None = None, dispatch: bool = True) -> dict[str, Any]:
    """Move case ``case_id`` at ``version`` to state ``to``; the case afterwards.

    A step needs what the workflow asks: a note to reject (why), to handle (what was done) and to
    park (why, with ``review_on``); a worker (``assignee``) or a ``department`` to dispatch to,
    else the automatic choice (:func:`auto_dispatch`). Accepting dispatches at once (``dispatch``,
    the default) to those named or the automatic choice, in the same transaction: two steps.
    ``at``: when the step happened, for one recorded afterwards (not before the case's last step,
    not in the future)."""
    current, state, parked_from, jid = _current(cur, case_id)
    if version != current:
        raise StaleVersion(msg("case {0} is at version {1}, not {2}", case_id, current, version), current)
    check_step(case_id, state, to, parked_from)
    if to in NOTE_NEEDED and not (note or "").strip():
        raise InvalidInput(msg("case {0}: to go to {1} give a note ({2})", case_id, to, NOTE_NEEDED[to]))
    if to == "parked" and review_on is None:
        raise InvalidInput(msg("case {0}: a parked case needs a review date (--review-on)", case_id))
    if (assignee or department) and to not in ("dispatched", "accepted"):
        raise InvalidInput(msg("case {0}: a worker or department is named only to dispatch or accept it", case_id))
    _check_texts(note=note, assignee=assignee)
    department_id = department_id_of(cur, jid, department) if department else None
    if to == "accepted":
        version = _step(cur, case_id, version, "accepted", note=note, at=at)
        if not dispatch:
            return get_case(cur, case_id)
        to, note = "dispatched", None
    if to == "dispatched":
        why = None
        if assignee is None and department_id is None:
            assignee, department_id, why = auto_dispatch(cur, case_id)
        _step(cur, case_id, version, "dispatched", note=note or (f"automatic: {why}" if why else None),
              at=at, assignee=assignee, department_id=department_id, set_handler=True)
        return get_case(cur, case_id)
    _step(cur, case_id, version, to, note=note, at=at, review_on=review_on)
    return get_case(cur, case_id)


def set_feedback(cur: Cursor, case_id: int, *, satisfaction: str | None, solved: bool | None,
                 at: datetime | None = None) -> None:
    """Record the resident's answer to a case: satisfied, basically satisfied or dissatisfied, and
    whether the problem was solved (回访). What is left out (None) stays as it was; neither given
    is refused. Whether the answer may be taken now is :func:`gis.cases.workflow.call_back_refusal`'s."""
    if satisfaction is None and solved is None:
        raise InvalidInput(msg("give the resident's answer: satisfaction, solved or both"))
    if satisfaction is not None and satisfaction not in SATISFACTION:
        raise InvalidInput(msg("satisfaction must be one of {0}, got {1!r}", ', '.join(SATISFACTION), satisfaction))
    cur.execute("UPDATE case_record SET satisfaction = coalesce(%s, satisfaction), solved = coalesce(%s, solved),"
                " feedback_at = coalesce(%s, now()) WHERE id = %s RETURNING id", (satisfaction, solved, at, case_id))
    if cur.fetchone() is None:
        raise NotFound(msg("no case with id {0}", case_id))


def case_jurisdiction(cur: Cursor, case_id: int) -> tuple[int, str]:
    """The jurisdiction (id and slug) of case ``case_id``; :class:`NotFound` when there is none."""
    cur.execute("SELECT j.id, j.slug FROM case_record c JOIN jurisdiction j ON j.id = c.jurisdiction_id"
                " WHERE c.id = %s", (case_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no case with id {0}", case_id))
    return int(row[0]), str(row[1])


def assignees(cur: Cursor, slug: str) -> list[dict[str, Any]]:
    """Whom a case of ``slug`` may be dispatched to by name (case_assignees.sql): each name with its
    grid (or None) and kind (a worker's role, ``grid_leader``, ``account_worker`` …)."""
    j = find_jurisdiction(cur, slug)
    cur.execute(read_sql("case_assignees.sql"), {"jurisdiction_id": j.id})
    return [{"name": n, "grid": g, "kind": k} for n, g, k in cur.fetchall()]
