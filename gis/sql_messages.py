"""The messages of the database's own rules: each ``RAISE EXCEPTION '…'`` of ``gis/sql/*.sql``.

Such a message is written in SQL and reaches Python as plain text. Its template is the literal
with ``{0}``, ``{1}``, … for the ``%`` where values go; :func:`extract_sql` gives the templates to
Babel (``babel.cfg``), and :func:`from_database` turns the text the database sent back into a
:class:`~gis.i18n.Message` of its template. This is the one place a message is recognised by
matching its text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator, Mapping
from importlib import resources
from typing import IO, Any

from gis.i18n import Message, verbatim

SQL_RAISE = re.compile(r"RAISE\s+EXCEPTION\s+'((?:[^']|'')*)'", re.IGNORECASE)


def _template(literal: str) -> str:
    """The template of a RAISE EXCEPTION literal (``''`` → ``'``, ``%`` → ``{0}``, ``{1}``, …)."""
    pieces = literal.replace("''", "'").replace("{", "{{").replace("}", "}}").split("%")
    return pieces[0] + "".join(f"{{{k}}}{piece}" for k, piece in enumerate(pieces[1:]))


def templates_of(text: str) -> Iterator[tuple[int, str]]:
    """Each RAISE EXCEPTION template of SQL ``text``, with its line number."""
    for m in SQL_RAISE.finditer(text):
        yield text.count("\n", 0, m.start()) + 1, _template(m.group(1))


def extract_sql(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
                options: Mapping[str, Any]) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extraction method for SQL files (``[gis.sql_messages.extract_sql: gis/sql/*.sql]`` in babel.cfg)."""
    for lineno, template in templates_of(fileobj.read().decode(options.get("encoding", "utf-8"))):
        yield lineno, None, template, []


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each template of gis/sql as a pattern of the text it makes, the most specific first."""
    found: dict[str, re.Pattern[str]] = {}
    for entry in sorted(resources.files("gis").joinpath("sql").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            for _, template in templates_of(entry.read_text(encoding="utf-8")):
                parts = re.split(r"\{\d+\}", template)
                pattern = "(.*?)".join(re.escape(p.replace("{{", "{").replace("}}", "}")) for p in parts)
                found[template] = re.compile(pattern, re.DOTALL)
    return sorted(((p, t) for t, p in found.items()), key=lambda e: -len(e[0].pattern))


def from_database(text: str) -> Message:
    """The message of a rule the database raised, as the Message of its template; text that no
    template of gis/sql makes is shown as it is."""
    for pattern, template in _patterns():
        m = pattern.fullmatch(text)
        if m:
            return Message(template, m.groups())
    return verbatim(text)
