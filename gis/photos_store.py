"""Keeping the photos of cases (see ``gis.photos``): add one (idempotent by the phone's
client_id), list a case's, read one's bytes. Who may see a photo is who may see its case: the
edge checks the case before calling here."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg2.extensions import cursor as Cursor

from gis.errors import InvalidInput, NotFound
from gis.i18n import msg
from gis.photos import Photo, normalise

STAGES = ("before", "after")


def add_photo(cur: Cursor, case_id: int, data: bytes, stage: str = "before",
              client_id: str | None = None) -> dict[str, Any]:
    """Store a photo of case ``case_id`` (normalised: see :func:`gis.photos.normalise`). The same
    ``client_id`` sent again answers the photo stored the first time (``created`` false)."""
    known = photo_sent(cur, case_id, stage, client_id)
    return known if known is not None else store_photo(cur, case_id, normalise(data), stage, client_id)


def photo_sent(cur: Cursor, case_id: int, stage: str, client_id: str | None) -> dict[str, Any] | None:
    """Before a photo is decoded: the photo stored already under ``client_id`` (``created``
    false), or None when there is room for it; refused when the case has no room at ``stage``
    (decoding a photo costs up to seconds and hundreds of MB: nothing is decoded to be refused)."""
    if stage not in STAGES:
        raise InvalidInput(msg("a photo is taken before or after the handling, not {0!r}", stage))
    if client_id is not None:
        try:
            client_id = str(uuid.UUID(client_id))
        except ValueError:
            raise InvalidInput(msg("client_id must be a UUID, not {0!r}", client_id[:60])) from None
        cur.execute("SELECT id, case_id FROM case_photo WHERE client_id = %s", (client_id,))
        found = cur.fetchone()
        if found is not None:
            if found[1] != case_id:
                raise InvalidInput(msg("client_id {0} is a photo of another case", client_id))
            return {"id": found[0], "created": False}
    cur.execute("SELECT (SELECT count(*) FROM case_photo WHERE case_id = c.id AND stage = %s),"
                " gridmap_limit_photos_per_stage() FROM case_record c WHERE c.id = %s", (stage, case_id))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("there is no case {0}", case_id))
    if row[0] >= row[1]:  # the trigger keeps it too, against uploads racing one another
        if stage == "before":
            raise InvalidInput(msg("case {0} has {1} photos of the problem already, the most it may have",
                                   case_id, row[1]))
        raise InvalidInput(msg("case {0} has {1} photos of the handling already, the most it may have",
                               case_id, row[1]))
    return None


def store_photo(cur: Cursor, case_id: int, photo: Photo, stage: str, client_id: str | None) -> dict[str, Any]:
    """Insert a normalised photo (after :func:`photo_sent` found room for it)."""
    cur.execute("""INSERT INTO case_photo (case_id, client_id, stage, media_type, width, height, data, sha256)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
                (case_id, str(uuid.UUID(client_id)) if client_id else None, stage, photo.media_type, photo.width,
                 photo.height, photo.data, photo.sha256))
    return {"id": cur.fetchone()[0], "created": True}


def photos_of(cur: Cursor, case_id: int) -> list[dict[str, Any]]:
    """A case's photos (without their bytes), oldest first."""
    cur.execute("""SELECT id, stage, media_type, width, height, taken_by, created_at FROM case_photo
                   WHERE case_id = %s ORDER BY id""", (case_id,))
    keys = ("id", "stage", "media_type", "width", "height", "taken_by", "created_at")
    return [dict(zip(keys, row, strict=True)) for row in cur.fetchall()]


def photo_bytes(cur: Cursor, photo_id: int) -> tuple[int, str, bytes]:
    """A photo's case, media type and bytes."""
    cur.execute("SELECT case_id, media_type, data FROM case_photo WHERE id = %s", (photo_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("there is no photo {0}", photo_id))
    return row[0], row[1], bytes(row[2])
