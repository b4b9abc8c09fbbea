"""A request's parameter and body problems, as pydantic finds them, said once each in the
request's language and where they are in the request.

Pydantic tries each member of a union and reports what each one found: a point sent as
``[116.48, "abc"]`` came back as "coordinates[1]: should be a number" twice (once for a 2-D and
once for a 3-D position) and "coordinates[2]: missing" (the 3-D one's). As a validator of JSON
Schema's ``oneOf`` does, only the members that came closest are kept (those with the fewest
problems), and each problem is said once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from gis.i18n import Message, msg
from gis.messages import validation_message

_UNKNOWN = object()


def _walk(loc: Sequence[Any], body: object, kind: str) -> tuple[str, list[tuple[tuple, str]]]:
    """The path of a problem in the request (``query.limit``, ``body.features[2].geometry``) and
    the union members it passed through, each as (the location before it, its name). A member is
    a name in the location that is no key of the body there (the ``type`` a GeoJSON object says it
    is, ``Position2D``, ``constrained-int``), except the key a missing value should have had."""
    out, node = str(loc[0]), body if loc[0] == "body" else _UNKNOWN
    members = []
    for i, key in enumerate(loc[1:], start=1):
        if isinstance(key, int):
            out += f"[{key}]"
            node = node[key] if isinstance(node, list) and 0 <= key < len(node) else _UNKNOWN
        elif node is not _UNKNOWN and (not isinstance(node, dict) or (
                key not in node and not (i == len(loc) - 1 and kind == "missing"))):
            members.append((tuple(loc[:i]), str(key)))  # a union's member, not a key of the body
        else:
            out += f".{key}"
            node = node.get(key, _UNKNOWN) if isinstance(node, dict) else _UNKNOWN
    return out, members


# At most this many problems are read (a body of 400,000 unknown keys took 5 s of a core to say
# each, in 13 MB), and this many said; the rest counted.
READ, SAID = 1000, 50


def validation_problems(errors: Sequence[dict], body: object, lang: str) -> list[Message]:
    """Each problem once, of the closest members of each union, translated by its kind; past
    :data:`SAID` of them, how many there were."""
    said = _said(errors[:READ], body, lang)
    if len(errors) > READ or len(said) > SAID:
        listed = said[:SAID]  # (fewer than SAID when the first READ said less, a union's repeated)
        return [*listed, msg("{0} problems in all: the first {1} are listed", len(errors), len(listed))]
    return said


def _said(errors: Sequence[dict], body: object, lang: str) -> list[Message]:
    walked = [(e, *_walk(tuple(e["loc"]), body, e["type"])) for e in errors]
    found = Counter(m for _, _, members in walked for m in set(members))
    fewest: dict[tuple, int] = {}
    for (at, _), n in found.items():
        fewest[at] = min(n, fewest.get(at, n))
    said: dict[str, Message] = {}
    for e, where, members in walked:
        if any(found[m] > fewest[m[0]] for m in members):
            continue  # another member of the union came closer
        text = validation_message(e["type"], e.get("ctx") or {}, e["msg"], lang)
        said.setdefault(f"{where}\0{text}", msg("{0}: {1}", where, text))
    return list(said.values())
