"""What a grid worker's phone sends when it has a connection: a batch of what it recorded (walks,
check-ins, cases, cases handled), each item with the phone's own id for it (``client_id``, a UUID).

Each item is kept or refused on its own, in a savepoint of the caller's transaction: a refused
item leaves nothing behind and does not stop the others. An item kept before (the same
``client_id``: a retried sync, a second tab, an answer lost on a bad connection) is answered
``exists`` and writes nothing. The worker is always the signed-in user's worker record, never a
field of the item.

Photos are not items of the batch: they are sent one by one, as the image itself, to
``POST /cases/{slug}/{case_id}/photos`` (see :func:`check_photo`), each with its own client_id,
after the case they belong to; a case marked handled names the "after" photos it was sent with,
which must have arrived first.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from psycopg2.extensions import cursor as Cursor

from gis import access
from gis.access import Forbidden, Principal
from gis.cases import store as cases
from gis.cases.workflow import check_step
from gis.db import translate_errors
from gis.errors import GridmapError, InvalidInput, NotFound, RetryLater, StaleVersion
from gis.field import TrackPoint, check_time, checked_track, walk_day
from gis.field_store import FieldWorker
from gis.i18n import msg
from gis.network_store import LoadedNetwork, load_network
from gis.patrol.records import MatchedTrack, check_worker, keep_track, match_segments, record_visits, stored_track
from gis.settings import Settings
from gis.store import Jurisdiction, find_jurisdiction

Item = dict[str, Any]


def sync(cur: Cursor, slug: str, who: Principal, worker: FieldWorker, items: list[Item], settings: Settings,
         now: datetime) -> list[dict[str, Any]]:
    """Keep each item (in order, each in a savepoint); a result per item: ``created``,
    ``exists`` (sent before: nothing written) or ``refused`` with the reason (a Message) and its
    problems. What refuses an item only for now (:class:`RetryLater`: a lock waited on too long,
    streets changed while its walk was matched) refuses the whole batch for now: it is raised, the
    transaction writes nothing, and the phone sends the batch again."""
    results = []
    for item in items:
        kind = item["type"]
        cur.execute("SAVEPOINT field_item")
        try:
            with translate_errors():
                result = HANDLERS[kind](cur, slug, who, worker, item, settings, now)
            cur.execute("RELEASE SAVEPOINT field_item")
        except RetryLater:  # refused for now, not for good (a lock waited on, streets changed): all again later
            raise
        except GridmapError as exc:
            cur.execute("ROLLBACK TO SAVEPOINT field_item")
            result = {"status": "refused", "reason": exc.message, "problems": list(exc.problems or [])}
        results.append({"type": kind, "client_id": str(item["client_id"]), **result})
    return results


def _status(created: bool) -> str:
    return "created" if created else "exists"


@dataclass(frozen=True)
class Walk:
    """A walk of the batch matched to the streets (before the transaction that keeps it)."""

    day: date
    jur: Jurisdiction
    loaded: LoadedNetwork
    track: MatchedTrack
    span: tuple[datetime, datetime]  # its first and last fix kept (a vague one dropped lowers no pace)


def _sent_again() -> InvalidInput:
    """A walk with no match when it is kept: it was kept by another request meanwhile."""
    return InvalidInput(msg("the walk was sent again while it was being kept; send it once more"))


def walk_inputs(cur: Cursor, slug: str, items: list[Item]
                ) -> tuple[Jurisdiction, LoadedNetwork | GridmapError | None, set[str]]:
    """What matching the batch's walks needs, read in one short transaction: the jurisdiction, its
    streets (or why there are none to match on; None when every walk was kept before) and the
    client_ids of walks kept before."""
    jur = find_jurisdiction(cur, slug)
    ids = [str(i["client_id"]) for i in items if i["type"] == "track"]
    cur.execute("SELECT client_id::text FROM patrol_track WHERE client_id = ANY (%s::uuid[])", (ids,))
    kept = {r[0] for r in cur.fetchall()}
    if set(ids) <= kept:
        return jur, None, kept
    try:
        return jur, load_network(cur, jur), kept
    except GridmapError as exc:
        return jur, exc, kept


def match_walks(jur: Jurisdiction, loaded: LoadedNetwork | GridmapError | None, items: list[Item],
                settings: Settings, now: datetime, skip: AbstractSet[str] = frozenset()) -> None:
    """Match each walk of the batch (but those in ``skip``, kept before) to the streets, with no
    database: each track item gets its ``walk``, a :class:`Walk` or the error that refuses it."""
    for item in items:
        if item["type"] != "track" or str(item["client_id"]) in skip:
            continue
        try:
            if loaded is None:
                raise _sent_again()
            if isinstance(loaded, GridmapError):
                raise loaded
            points = [TrackPoint(p["lon"], p["lat"], p["t"], p.get("accuracy")) for p in item["points"]]
            kept = checked_track(points, jur.envelope, jur.name, now)
            segment = np.array([(p.lon, p.lat) for p in kept], dtype=float)
            item["walk"] = Walk(walk_day(kept, settings.time_zone), jur, loaded, match_segments(loaded, [segment]),
                                (min(p.t for p in kept), max(p.t for p in kept)))
        except GridmapError as exc:
            item["walk"] = exc


def _track(cur: Cursor, slug: str, who: Principal, worker: FieldWorker, item: Item, settings: Settings,
           now: datetime) -> dict[str, Any]:
    client_id = str(item["client_id"])
    out = stored_track(cur, slug, client_id)
    if out is None:
        walk = item.get("walk")  # matched before the transaction (never in it: see match_walks)
        if walk is None:
            raise _sent_again()
        if isinstance(walk, GridmapError):
            raise walk
        check_worker(worker.name)
        access.check_record_age(who, item["points"][0]["t"], msg("a walk"), now)
        out = keep_track(cur, walk.jur, walk.loaded, worker.name, walk.day, walk.track, client_id, walk.span)
    return {"status": _status(out["created"]), "id": out["track_id"], "edges": out["edges"]}


def _visit(cur: Cursor, slug: str, who: Principal, worker: FieldWorker, item: Item, settings: Settings,
           now: datetime) -> dict[str, Any]:
    client_id = str(item["client_id"])
    cur.execute("SELECT v.id, j.slug FROM visit v JOIN jurisdiction j ON j.id = v.jurisdiction_id"
                " WHERE v.client_id = %s", (client_id,))
    row = cur.fetchone()
    if row is not None and row[1] == slug:
        return {"status": "exists", "id": row[0]}
    check_time(item["at"], msg("the check-in's time"), now)
    access.check_record_age(who, item["at"], msg("a check-in"), now)
    jur = find_jurisdiction(cur, slug)
    cur.execute("SELECT 1 FROM building WHERE id = %s AND jurisdiction_id = %s", (item["building_id"], jur.id))
    if cur.fetchone() is None:
        raise InvalidInput(msg("building {0} is not one of {1}: check in at a building of the jurisdiction",
                               item["building_id"], jur.name))
    day = item["at"].astimezone(settings.time_zone).date()
    (vid,) = record_visits(cur, slug, [{"building_id": item["building_id"], "worker": worker.name, "day": day,
                                        "kind": item["kind"], "note": item.get("note"), "client_id": client_id,
                                        "at": item["at"]}])
    return {"status": "created", "id": vid}


def _case(cur: Cursor, slug: str, who: Principal, worker: FieldWorker, item: Item, settings: Settings,
          now: datetime) -> dict[str, Any]:
    check_time(item["at"], msg("the report's time"), now)
    case = cases.add_case(cur, slug, category=item["category"], description=item["description"], source="patrol",
                          urgency=item["urgency"], at=item.get("where"), building=item.get("building_id"),
                          address=item.get("address"), reporter=who.username, reported_at=item["at"],
                          client_id=str(item["client_id"]),
                          before_creating=lambda: access.check_report_time(who, item["at"], now),
                          buildings_of=access.building_reach(who))
    if not case["created"] and not access.sees_case(who, case):
        raise Forbidden(msg("client_id {0} names a case {1} may not see", item["client_id"], who.username))
    return {"status": _status(case["created"]), "id": case["id"], "version": case["version"],
            "state": case["state"]}


def _handled(cur: Cursor, slug: str, who: Principal, worker: FieldWorker, item: Item, settings: Settings,
             now: datetime) -> dict[str, Any]:
    client_id, case_id = str(item["client_id"]), item["case_id"]
    cur.execute("SELECT case_id FROM case_step_receipt WHERE client_id = %s", (client_id,))
    row = cur.fetchone()
    if row is not None:
        if row[0] != case_id:
            raise InvalidInput(msg("client_id {0} is a step of another case", client_id))
        case = cases.get_case(cur, case_id, events=False)
        return {"status": "exists", "id": case_id, "version": case["version"], "state": case["state"]}
    case = visible_case(cur, who, slug, case_id)
    if item["version"] != case["version"]:
        raise StaleVersion(msg("case {0} was changed in the office since the phone last saw it (version {1}, "
                               "not {2}): look at it again", case_id, case["version"], item["version"]),
                           case["version"])
    check_step(case_id, case["state"], "handled", case["parked_from"])
    access.check_case_step(who, case, "handled", tuple(case["next"]))
    if item.get("at") is not None:
        check_time(item["at"], msg("the handling's time"), now)
    for photo in item.get("photos") or []:
        cur.execute("SELECT 1 FROM case_photo WHERE client_id = %s AND case_id = %s AND stage = 'after'",
                    (str(photo), case_id))
        if cur.fetchone() is None:
            raise InvalidInput(msg("the after photo {0} of case {1} has not arrived: send it first", photo, case_id))
    moved = cases.transition(cur, case_id, "handled", case["version"], note=item["note"], at=item.get("at"))
    cur.execute("INSERT INTO case_step_receipt (client_id, case_id, to_state) VALUES (%s, %s, 'handled')",
                (client_id, case_id))
    return {"status": "created", "id": case_id, "version": moved["version"], "state": moved["state"]}


HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {"track": _track, "visit": _visit, "case": _case,
                                                      "handled": _handled}


def visible_case(cur: Cursor, who: Principal, slug: str, case_id: int) -> dict[str, Any]:
    """Case ``case_id`` of ``slug`` if ``who`` sees it (NotFound when it is another
    jurisdiction's, Forbidden when not theirs to see)."""
    case = cases.get_case(cur, case_id, events=False)
    if case["jurisdiction"] != slug:
        raise NotFound(msg("{0} has no case {1}", slug, case_id))
    if not access.sees_case(who, case):
        raise Forbidden(msg("{0} may not see case {1}: it is not of their grid or department", who.username, case_id))
    return case


def check_photo(who: Principal, case: dict[str, Any], stage: str) -> None:
    """Refuse a photo ``who`` may not add to ``case``: "before" photos are the reporter's (or a
    leader's), "after" photos the handler's (the one the case is dispatched to, or who handled it);
    none but a leader's once the handling has been checked (verified, closed): the photos are what
    it was judged by."""
    if who.may("triage"):
        return
    if case["state"] in ("verified", "closed"):
        raise Forbidden(msg("case {0} has been verified or closed: its photos stay as they were when it was checked",
                            case.get("id")))
    if stage == "before" and case.get("reporter") == who.username:
        return
    if stage == "after" and ("handled" in access.case_steps(who, case, tuple(case["next"]))
                             or case.get("handled_by") == who.username):
        return
    if stage == "before":
        raise Forbidden(msg("{0} may not add a photo of the problem to case {1}: it is the reporter's", who.username,
                            case.get("id")))
    raise Forbidden(msg("{0} may not add a photo of the handling to case {1}: it is the handler's", who.username,
                        case.get("id")))


def parse_client_id(text: str | None) -> str | None:
    """A client_id as the database keeps it, or None."""
    if text is None:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidInput(msg("client_id must be a UUID, not {0!r}", text[:60])) from None
