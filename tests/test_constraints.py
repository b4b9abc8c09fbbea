"""Every constraint of the database has a message a user can act on, in both languages: a new
CHECK or UNIQUE constraint without one fails here, before its name can reach anyone."""

from __future__ import annotations

import re

from gis import constraints
from gis.messages import translate

CJK = re.compile(r"[\u3400-\u9fff]")
# The name of a constraint, or SQL, leaking into a message.
LEAKS = re.compile(r"_check\b|_key\b|_valid\b|\bCHECK\b|\bUNIQUE\b|\bviolates\b|\bSELECT\b|\bconstraint\b")


def _constraints(conn) -> list[tuple[str, str]]:
    """Every plain constraint of gridmap's tables, and every one its trigger rules name."""
    with conn.cursor() as cur:
        cur.execute("""SELECT c.conname, t.relname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                       WHERE c.contype IN ('c', 'u', 'x') AND c.connamespace = 'public'::regnamespace
                         AND t.relname <> 'spatial_ref_sys' ORDER BY 1""")
        names = [(r[0], r[1]) for r in cur.fetchall()]
    conn.rollback()
    return names


def test_every_constraint_has_a_message_in_both_languages(conn):
    names = _constraints(conn)
    assert len(names) > 100  # the limits alone name over a hundred
    unmapped = [n for n, table in names if constraints.message(n, table) is None]
    assert not unmapped, f"constraints without a message in gis/constraints.py: {unmapped}"
    for name, table in names:
        english = constraints.message(name, table)
        assert not LEAKS.search(english) and name not in english, (name, english)
        assert CJK.search(translate(english, "zh")), (name, english)


def test_no_message_is_kept_for_a_constraint_that_is_gone(conn):
    names = {name for name, _ in _constraints(conn)}
    assert not set(constraints.MESSAGES) - names


def test_a_jurisdiction_without_households_is_told_what_to_do(conn, copy_of):
    """The refusal the issue saw (``layout_target_households_check``), through gridmap."""
    from gis import db
    from gis.errors import InvalidInput

    slug = copy_of("huamao")
    try:
        with db.transaction(conn) as cur:
            cur.execute("INSERT INTO layout (jurisdiction_id, name, status, target_households) "
                        "SELECT id, 'x', 'draft', 0 FROM jurisdiction WHERE slug = %s", (slug,))
    except InvalidInput as exc:
        assert "ledger" in exc.message and "layout_" not in exc.message
        assert "台账" in translate(exc.message, "zh")
    else:
        raise AssertionError("a layout aiming at 0 households per grid was accepted")
