"""Versions of stored things as HTTP entity tags: ``"TABLE-ID-VERSION"``, made and read in one
place, so that every route answers the same for the same tag. Pure: no database, no web."""

from __future__ import annotations

from gis.errors import MalformedRequest, PreconditionRequired
from gis.i18n import msg


def etag(table: str, fid: int, version: int) -> str:
    """The ETag of version ``version`` of row ``fid`` of ``table`` (a layer or a draft table)."""
    return f'"{table}-{fid}-{version}"'


def versions(if_match: str | None, table: str) -> dict[int, int]:
    """The versions an ``If-Match`` header names for rows of ``table``, by id (a header may name
    several: a merge edits two grids). None or empty: :class:`PreconditionRequired` (428); a tag
    that is no ETag of ``table``: :class:`MalformedRequest` (400)."""
    if not if_match or not if_match.strip():
        raise PreconditionRequired(msg("send If-Match with the ETag of the {0} you edit (GET it first) so that no "
                                       "other edit is overwritten", table))
    out = {}
    prefix = f"{table}-"
    for raw in if_match.split(","):
        tag = raw.strip().removeprefix("W/").strip('"')
        rest = tag[len(prefix):].split("-") if tag.startswith(prefix) else []
        if len(rest) != 2 or not all(x.isdigit() for x in rest):
            raise MalformedRequest(msg("If-Match {0!r} is not an ETag of a {1}", raw.strip()[:100], table))
        out[int(rest[0])] = int(rest[1])
    return out


def version(if_match: str | None, table: str, fid: int) -> int:
    """The version an ``If-Match`` header names for row ``fid`` of ``table``."""
    found = versions(if_match, table)
    if fid not in found:
        raise MalformedRequest(msg("If-Match does not name {0} {1}", table, fid))
    return found[fid]
