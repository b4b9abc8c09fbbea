"""Edit a jurisdiction's case catalogue: its departments and categories (who handles a category
by default, its time limits). Each row is versioned (its ETag, ``"department-ID-VERSION"`` /
``"case_category-ID-VERSION"``) and every change is written to the history by the database's
triggers (011_cases.sql), so an edit names the version it replaces and can be traced.

A code not there yet is created (no version to name); one there is replaced only with its current
version. Nothing is deleted: cases keep their category and department.
"""

from __future__ import annotations

from typing import Any

from psycopg2.extensions import cursor as Cursor

from gis import limits
from gis.cases.store import department_id_of
from gis.errors import InvalidInput, NotFound, PreconditionRequired, StaleVersion
from gis.etags import etag
from gis.i18n import msg
from gis.store import find_jurisdiction

DEPARTMENT, CATEGORY = "department", "case_category"
HOURS = ("response_hours", "red_hours", "yellow_hours", "blue_hours")


def _row(cur: Cursor, table: str, jid: int, code: str) -> tuple[int, int] | None:
    cur.execute(f"SELECT id, version FROM {table} WHERE jurisdiction_id = %s AND code = %s FOR UPDATE",  # noqa: S608
                (jid, code))
    row = cur.fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


def _check_version(table: str, what: str, code: str, row: tuple[int, int] | None,
                   version: int | None) -> None:
    """A row there needs its current version; one not there is created only without a version."""
    if row is None:
        if version is not None:
            raise NotFound(msg("there is no {0} {1} to change: send no If-Match to create it", what, code))
        return
    if version is None:
        raise PreconditionRequired(msg("{0} {1} exists: send If-Match with its ETag (GET the categories first) so "
                                       "that no other edit is overwritten", what, code))
    if version != row[1]:
        raise StaleVersion(msg("{0} {1} is at version {2}, not {3}", what, code, row[1], version), row[1])


def check_hours(hours: dict[str, int]) -> None:
    """Time limits as the database keeps them, every problem named at once (pure)."""
    problems = [msg("{0} must be a whole number of hours from 1 to 8760, got {1}", k, v)
                for k, v in hours.items() if not 1 <= v <= 8760]
    if not problems and not hours["red_hours"] <= hours["yellow_hours"] <= hours["blue_hours"]:
        problems.append(msg("the time limits must be red ≤ yellow ≤ blue hours, got {0} ≤ {1} ≤ {2}",
                            hours["red_hours"], hours["yellow_hours"], hours["blue_hours"]))
    if problems:
        raise InvalidInput(msg("the category's time limits cannot be kept"), problems)


def save_department(cur: Cursor, slug: str, code: str, *, name_zh: str, name_en: str,
                    version: int | None) -> tuple[dict[str, Any], bool]:
    """Create department ``code`` of ``slug``, or rename it at ``version``; it and whether it was created."""
    j = find_jurisdiction(cur, slug)
    for value, what in ((name_zh, "the Chinese name"), (name_en, "the English name")):
        limits.check_text(value, what, "name")
    row = _row(cur, DEPARTMENT, j.id, code)
    _check_version(DEPARTMENT, "department", code, row, version)
    if row is None:
        cur.execute("INSERT INTO department (jurisdiction_id, code, name_zh, name_en) VALUES (%s, %s, %s, %s)"
                    " RETURNING id", (j.id, code, name_zh, name_en))
    else:
        cur.execute("UPDATE department SET name_zh = %s, name_en = %s, updated_at = now() WHERE id = %s"
                    " RETURNING id", (name_zh, name_en, row[0]))
    return department(cur, int(cur.fetchone()[0])), row is None


def save_category(cur: Cursor, slug: str, code: str, *, name_zh: str, name_en: str, department: str | None,
                  hours: dict[str, int], version: int | None) -> tuple[dict[str, Any], bool]:
    """Create category ``code`` of ``slug``, or replace it at ``version``: its names, default
    department (a code or name, or none) and time limits. A change of limits applies to cases
    reported afterwards (a stored case keeps its due time)."""
    j = find_jurisdiction(cur, slug)
    for value, what in ((name_zh, "the Chinese name"), (name_en, "the English name")):
        limits.check_text(value, what, "name")
    check_hours(hours)
    row = _row(cur, CATEGORY, j.id, code)
    _check_version(CATEGORY, "case category", code, row, version)
    dept = department_id_of(cur, j.id, department) if department else None
    values = (name_zh, name_en, dept, *(hours[k] for k in HOURS))
    if row is None:
        cur.execute("INSERT INTO case_category (jurisdiction_id, code, name_zh, name_en, department_id,"
                    " response_hours, red_hours, yellow_hours, blue_hours) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " RETURNING id", (j.id, code, *values))
    else:
        cur.execute("UPDATE case_category SET name_zh = %s, name_en = %s, department_id = %s, response_hours = %s,"
                    " red_hours = %s, yellow_hours = %s, blue_hours = %s, updated_at = now() WHERE id = %s"
                    " RETURNING id", (*values, row[0]))
    return category(cur, int(cur.fetchone()[0])), row is None


DEPARTMENT_SQL = "SELECT d.id, d.version, d.code, d.name_zh, d.name_en FROM department d"
CATEGORY_SQL = ("SELECT k.id, k.version, k.code, k.name_zh, k.name_en, d.code, d.name_zh, k.response_hours,"
                " k.red_hours, k.yellow_hours, k.blue_hours FROM case_category k"
                " LEFT JOIN department d ON d.id = k.department_id")
CATEGORY_KEYS = ("id", "version", "code", "name_zh", "name_en", "department", "department_zh", *HOURS)


def department_dict(row: tuple) -> dict[str, Any]:
    out = dict(zip(("id", "version", "code", "name_zh", "name_en"), row, strict=True))
    return {**out, "etag": etag(DEPARTMENT, out["id"], out["version"])}


def category_dict(row: tuple) -> dict[str, Any]:
    out = dict(zip(CATEGORY_KEYS, row, strict=True))
    return {**out, "etag": etag(CATEGORY, out["id"], out["version"])}


def department(cur: Cursor, department_id: int) -> dict[str, Any]:
    cur.execute(DEPARTMENT_SQL + " WHERE d.id = %s", (department_id,))
    return department_dict(cur.fetchone())


def category(cur: Cursor, category_id: int) -> dict[str, Any]:
    cur.execute(CATEGORY_SQL + " WHERE k.id = %s", (category_id,))
    return category_dict(cur.fetchone())


def catalogue(cur: Cursor, slug: str) -> dict[str, Any]:
    """The case categories of ``slug`` (with their department and hours) and its departments,
    each with its version and ETag (send it as If-Match to change it)."""
    j = find_jurisdiction(cur, slug)
    cur.execute(CATEGORY_SQL + " WHERE k.jurisdiction_id = %s ORDER BY k.code = 'other', k.id", (j.id,))  # 其他 last
    cats = [category_dict(r) for r in cur.fetchall()]
    cur.execute(DEPARTMENT_SQL + " WHERE d.jurisdiction_id = %s ORDER BY d.id", (j.id,))
    return {"categories": cats, "departments": [department_dict(r) for r in cur.fetchall()]}


def row_id(cur: Cursor, table: str, slug: str, code: str) -> int | None:
    """The id of the row of ``table`` (department or case_category) with ``code`` in ``slug``."""
    j = find_jurisdiction(cur, slug)
    row = _row(cur, table, j.id, code)
    return None if row is None else row[0]
