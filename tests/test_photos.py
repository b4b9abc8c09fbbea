"""Photos of cases: real images only, upright, no metadata (no GPS leaves in a file), capped in
size and number, stored once however often a phone retries."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image

from gis import db
from gis.errors import FileTooLarge, InvalidInput, NotFound
from gis.photos import MAX_SIDE, MAX_UPLOAD_BYTES, normalise
from gis.photos_store import add_photo, photo_bytes, photos_of
from tests.conftest import scalar


def _jpeg(width=4000, height=3000, gps=True, orientation=None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 40, 40))
    image.paste((20, 20, 220), (0, 0, width // 4, height // 4))  # a mark in the top left corner
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X (serial 123456)"
    if gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 33.0), 3: "E", 4: (116.0, 28.0, 44.0)}  # GPSInfo
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def test_a_phone_photo_is_stored_upright_small_and_without_its_metadata():
    raw = _jpeg(orientation=6)  # the camera held turned: EXIF says "rotate 90° clockwise"
    assert b"PhoneMaker" in raw and Image.open(io.BytesIO(raw)).getexif().get(0x8825)
    photo = normalise(raw)
    stored = Image.open(io.BytesIO(photo.data))
    assert photo.media_type == "image/jpeg" and stored.format == "JPEG"
    assert max(stored.size) == MAX_SIDE and stored.size == (photo.width, photo.height)
    assert stored.size[1] > stored.size[0]  # upright: portrait now
    assert not stored.getexif() and b"PhoneMaker" not in photo.data and b"Exif" not in photo.data
    assert stored.getpixel((stored.width - 10, 10))[2] > 150  # the mark turned to the top right


def test_a_png_with_transparency_stays_png_and_small_images_keep_their_size():
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    photo = normalise(out.getvalue())
    assert (photo.media_type, photo.width, photo.height) == ("image/png", 300, 200)


@pytest.mark.parametrize("data, message", [
    (b"<script>alert(1)</script>", "this is not an image"),
    (b"GIF89a" + b"\x00" * 100, "not an image"),
    (_jpeg(100, 100)[:400], "damaged"),
])
def test_what_is_no_photo_is_refused(data, message):
    with pytest.raises(InvalidInput, match=message):
        normalise(data)


def test_a_gif_and_a_decompression_bomb_are_refused():
    gif = io.BytesIO()
    Image.new("P", (10, 10)).save(gif, format="GIF")
    with pytest.raises(InvalidInput, match="JPEG, PNG or WebP image, not GIF"):
        normalise(gif.getvalue())
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, format="PNG")  # 144 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(InvalidInput, match="at most 50 million pixels"):
        normalise(bomb.getvalue())


def test_an_upload_over_the_limit_is_too_large():
    with pytest.raises(FileTooLarge, match="at most 8 MB"):
        normalise(b"\xff\xd8" + b"\x00" * MAX_UPLOAD_BYTES)


def _a_case(conn, slug: str) -> int:
    return scalar(conn, "SELECT min(c.id) FROM case_record c JOIN jurisdiction j ON j.id = c.jurisdiction_id "
                        "WHERE j.slug = %s", slug)


def test_photos_of_a_case_are_kept_once_per_client_id_and_four_at_most(conn, copy_of):
    slug = copy_of()
    case = _a_case(conn, slug)
    sent = str(uuid.uuid4())
    with db.transaction(conn, "wangfang") as cur:
        first = add_photo(cur, case, _jpeg(800, 600), "before", sent)
        again = add_photo(cur, case, _jpeg(800, 600), "before", sent)  # a retried upload
    assert first["created"] and not again["created"] and again["id"] == first["id"]
    with db.transaction(conn) as cur:
        for _ in range(3):
            add_photo(cur, case, _jpeg(50, 50), "before", str(uuid.uuid4()))
    with pytest.raises(InvalidInput, match="4 photos of the problem already"), db.transaction(conn) as cur:
        add_photo(cur, case, _jpeg(50, 50), "before", str(uuid.uuid4()))
    with db.transaction(conn) as cur:
        add_photo(cur, case, _jpeg(50, 50), "after")
        listed = photos_of(cur, case)
        owner, media_type, data = photo_bytes(cur, first["id"])
    assert [p["stage"] for p in listed] == ["before"] * 4 + ["after"]
    assert listed[0]["taken_by"] == "wangfang" and owner == case and media_type == "image/jpeg"
    assert Image.open(io.BytesIO(data)).size == (800, 600)
    with pytest.raises(NotFound), db.transaction(conn) as cur:
        add_photo(cur, 2_000_000_000, _jpeg(50, 50))
    with pytest.raises(InvalidInput, match="client_id must be a UUID"), db.transaction(conn) as cur:
        add_photo(cur, case, _jpeg(50, 50), client_id="not-a-uuid")
    assert scalar(conn, "SELECT count(*) FROM case_photo WHERE case_id = %s", case) == 5
