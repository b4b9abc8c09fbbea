"""Versions of stored things as HTTP entity tags: ``"TABLE-ID-VERSION"``, made and read in one
place, so that every route answers the same for the same tag. Pure: no database, no web."""

from __future__ import annotations

import hashlib

from gis.errors import MalformedRequest, PreconditionRequired
from gis.i18n import msg
from gis.parsing import is_number


def _required(if_match: str | None, what: object) -> str:
    """The ``If-Match`` header, which a write needs: None or empty is :class:`PreconditionRequired`
    (428), naming ``what`` is written."""
    if not if_match or not if_match.strip():
        raise PreconditionRequired(msg("send If-Match with the ETag of the {0} you edit (GET it first) so that no "
                                       "other edit is overwritten", what))
    return if_match


def etag(table: str, fid: int, version: int) -> str:
    """The ETag of version ``version`` of row ``fid`` of ``table`` (a layer or a draft table)."""
    return f'"{table}-{fid}-{version}"'


def versions(if_match: str | None, table: str) -> dict[int, int]:
    """The versions an ``If-Match`` header names for rows of ``table``, by id (a header may name
    several: a merge edits two grids). None or empty: :class:`PreconditionRequired` (428); a tag
    that is no ETag of ``table``: :class:`MalformedRequest` (400). A weak tag (``W/"…"``) is read
    for its version too: a proxy that compresses an answer weakens its ETag (nginx's gzip does), and
    the version, not the bytes, is what a write is checked against."""
    out = {}
    prefix = f"{table}-"
    for raw in _required(if_match, table).split(","):
        tag = raw.strip().removeprefix("W/").strip('"')
        rest = tag[len(prefix):].split("-") if tag.startswith(prefix) else []
        if len(rest) != 2 or not all(is_number(x) for x in rest):
            raise MalformedRequest(msg("If-Match {0!r} is not an ETag of a {1}", raw.strip()[:100], table))
        out[int(rest[0])] = int(rest[1])
    return out


def version(if_match: str | None, table: str, fid: int) -> int:
    """The version an ``If-Match`` header names for row ``fid`` of ``table``."""
    found = versions(if_match, table)
    if fid not in found:
        raise MalformedRequest(msg("If-Match does not name {0} {1}", table, fid))
    return found[fid]


def state_etag(table: str, fid: int, digest: str) -> str:
    """The ETag of row ``fid`` of ``table`` in a state named by ``digest`` (of everything it holds:
    a draft's grids, zones and stations), for a write to the whole of it."""
    return f'"{table}-{fid}-{digest}"'


def matches(if_match: str | None, tag: str, what: str) -> bool:
    """Whether an ``If-Match`` header names ``tag`` (compared strongly, as RFC 9110 says); None or
    empty: :class:`PreconditionRequired` (428)."""
    return any(t.strip() == tag for t in _required(if_match, what).split(","))


def view_etag(*parts: object) -> str:
    """A weak ETag of what one caller sees of a resource: made from every input of the answer
    (the layer's version, the jurisdiction and grid the caller is held to …), hashed, so that it
    names no id. Weak: the bytes may differ (compressed or not) where the content does not."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def none_match(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag`` (or ``*``), compared weakly, as RFC 9110
    says for GET: the client's copy is current and the answer is 304 Not Modified."""
    if not if_none_match:
        return False
    bare = tag.removeprefix("W/")
    return any(t.strip() == "*" or t.strip().removeprefix("W/") == bare for t in if_none_match.split(","))
