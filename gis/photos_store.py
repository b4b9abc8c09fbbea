"""Keeping the photos of cases (see ``gis.photos``): add one (idempotent by the phone's
client_id), list a case's, read one's bytes. Who may see a photo is who may see its case: the
edge checks the case before calling here."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg2.extensions import cursor as Cursor

from gis.errors import InvalidInput, NotFound
from gis.i18n import msg
from gis.photos import normalise

STAGES = ("before", "after")


def add_photo(cur: Cursor, case_id: int, data: bytes, stage: str = "before",
              client_id: str | None = None) -> dict[str, Any]:
    """Store a photo of case ``case_id`` (normalised: see :func:`gis.photos.normalise`). The same
    ``client_id`` sent again answers the photo stored the first time (``created`` false)."""
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
    cur.execute("SELECT 1 FROM case_record WHERE id = %s", (case_id,))
    if cur.fetchone() is None:
        raise NotFound(msg("there is no case {0}", case_id))
    photo = normalise(data)
    cur.execute("""INSERT INTO case_photo (case_id, client_id, stage, media_type, width, height, data, sha256)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
                (case_id, client_id, stage, photo.media_type, photo.width, photo.height, photo.data, photo.sha256))
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
