"""12345 tickets into cases, and residents' feedback onto them (the database side of
:mod:`gis.cases.tickets`).

An import is one transaction: checked whole first, then written. A ticket number already stored
for the jurisdiction is "already there" and left as it is, so importing a file again changes
nothing. A ticket is placed on the building its address names, else at its coordinates (GCJ-02
ones shifted to WGS84), else left unplaced (a case without a place, listed); tickets whose
coordinates lie outside the jurisdiction, and whose address names none of its buildings, are
listed as not ours and not written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg2.extensions import cursor as Cursor
from shapely.geometry import Point

from gis.cases.store import add_case, categories
from gis.cases.tickets import Feedback, Place, Ticket, category_for, match_address
from gis.crs import gcj02_to_wgs84
from gis.store import find_jurisdiction


def places(cur: Cursor, jurisdiction_id: int) -> list[Place]:
    """The buildings of a jurisdiction as an address can name them, with the compound each lies in."""
    cur.execute("SELECT b.id, b.name, b.address, (SELECT c.name FROM compound c"
                " WHERE c.jurisdiction_id = b.jurisdiction_id"
                " AND ST_Intersects(c.geom, ST_PointOnSurface(b.geom)) ORDER BY c.id LIMIT 1)"
                " FROM building b WHERE b.jurisdiction_id = %s ORDER BY b.id", (jurisdiction_id,))
    return [Place(*r) for r in cur.fetchall()]


def import_tickets(cur: Cursor, slug: str, tickets: Sequence[Ticket], *, crs: str | None = None) -> dict[str, Any]:
    """Write the tickets of ``slug`` not stored yet as hotline cases; what happened to each."""
    j = find_jurisdiction(cur, slug)
    cats = categories(cur, j.id)
    names = {c.code: (c.name_zh, c.name_en) for c in cats.values()}
    buildings = places(cur, j.id)
    cur.execute("SELECT ticket_no FROM case_record WHERE jurisdiction_id = %s AND ticket_no = ANY(%s)",
                (j.id, [t.ticket_no for t in tickets]))
    stored = {r[0] for r in cur.fetchall()}
    report: dict[str, Any] = {"jurisdiction": slug, "created": [], "already_there": [], "not_ours": [],
                              "unplaced": [], "categories_not_recognised": [],
                              "placed": {"exact": 0, "by_number": 0, "coordinates": 0}}
    for t in tickets:
        if t.ticket_no in stored:
            report["already_there"].append({"row": t.row, "ticket_no": t.ticket_no})
            continue
        building, confidence = match_address(t.address, buildings)
        at = None
        if building is None and t.lon is not None and t.lat is not None:
            lon, lat = (gcj02_to_wgs84(t.lon, t.lat) if crs == "gcj02" else (t.lon, t.lat))
            at = (float(lon), float(lat))
            if not j.envelope.covers(Point(at)):
                report["not_ours"].append({"row": t.row, "ticket_no": t.ticket_no, "address": t.address,
                                           "lon": t.lon, "lat": t.lat})
                continue
            confidence = "coordinates"
        code, recognised = category_for(t.category, names)
        if not recognised:
            report["categories_not_recognised"].append({"row": t.row, "ticket_no": t.ticket_no,
                                                        "category": t.category, "filed_as": code})
        case = add_case(cur, slug, category=code, description=t.text, source="hotline", urgency=t.urgency,
                        at=at, building=building, ticket_no=t.ticket_no, address=t.address or None,
                        reported_at=t.received)
        entry = {"row": t.row, "ticket_no": t.ticket_no, "case": case["id"], "placed": confidence,
                 "building": case["building"], "grid": case["grid"], "category": code}
        report["created"].append(entry)
        if confidence == "none":
            report["unplaced"].append({"row": t.row, "ticket_no": t.ticket_no, "case": case["id"],
                                       "address": t.address})
        else:
            report["placed"][confidence] += 1
    return report


def import_feedback(cur: Cursor, slug: str, answers: Sequence[Feedback]) -> dict[str, Any]:
    """Put residents' answers (satisfaction, solved) on the cases of their ticket numbers."""
    j = find_jurisdiction(cur, slug)
    updated, unknown = [], []
    for a in answers:
        cur.execute("UPDATE case_record SET satisfaction = coalesce(%s, satisfaction), solved = coalesce(%s, solved),"
                    " feedback_at = coalesce(%s, feedback_at, now()) WHERE jurisdiction_id = %s AND ticket_no = %s"
                    " RETURNING id", (a.satisfaction, a.solved, a.at, j.id, a.ticket_no))
        row = cur.fetchone()
        if row is None:
            unknown.append({"row": a.row, "ticket_no": a.ticket_no})
        else:
            updated.append({"row": a.row, "ticket_no": a.ticket_no, "case": row[0]})
    return {"jurisdiction": slug, "updated": updated, "unknown": unknown}
