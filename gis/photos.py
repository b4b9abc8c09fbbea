"""Photos of cases (事件照片), as a grid worker's phone sends them: checked to be real images,
turned upright, stripped of their metadata and capped in size before they are stored.

Pure: bytes in, a normalised photo out (Pillow); ``gis.photos_store`` keeps them.

Why the metadata goes: a phone's JPEG carries EXIF, and EXIF carries the GPS position, the phone's
make and serial numbers and the time to the second. The case keeps its place on purpose; the
photo must not leak where the worker's phone has been. Re-encoding the pixels alone drops all of
it (EXIF, XMP, ICC comments, thumbnails).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from gis.errors import FileTooLarge, InvalidInput
from gis.i18n import msg

# What a phone may send: before the phone's own resizing, a 12-megapixel JPEG is 3–6 MB.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# Pixels we are willing to decode (a decompression bomb is a small file of huge dimensions).
MAX_PIXELS = 50_000_000
# The longest side stored: enough to read a sign or a meter on a phone or a printed report.
MAX_SIDE = 2048
JPEG_QUALITY = 85
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class Photo:
    """An image ready to store: its bytes (no metadata), type, size and digest."""

    data: bytes
    media_type: str
    width: int
    height: int
    sha256: str


def normalise(data: bytes) -> Photo:
    """``data`` as a stored photo: a JPEG, PNG or WebP image (refused otherwise, naming why), turned
    as its EXIF orientation says, at most ``MAX_SIDE`` pixels on its longest side, re-encoded with
    no metadata (PNG with transparency stays PNG; everything else becomes a JPEG)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileTooLarge(msg("a photo may be at most {0} MB; this one is {1:.1f} MB",
                                  MAX_UPLOAD_BYTES // (1024 * 1024), len(data) / 1024 / 1024))
    image = _opened(data)
    image = ImageOps.exif_transpose(image) or image  # upright, as the camera was held
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    keeps_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if keeps_alpha:
        clean = image.convert("RGBA")
        clean.info = {}
        clean.save(out, format="PNG", optimize=True)
        media_type = "image/png"
    else:
        clean = image.convert("RGB")
        clean.info = {}
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        media_type = "image/jpeg"
    stored = out.getvalue()
    return Photo(stored, media_type, clean.width, clean.height, hashlib.sha256(stored).hexdigest())


def _opened(data: bytes) -> Image.Image:
    """The decoded image, or a clear refusal: not an image, not one of ours, too many pixels, or
    damaged."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            kind = probe.format or ""
            if kind not in ACCEPTED:
                raise InvalidInput(msg("a photo must be a JPEG, PNG or WebP image, not {0}", kind or "unknown"))
            if probe.width * probe.height > MAX_PIXELS:
                raise InvalidInput(msg("a photo may have at most {0} million pixels", MAX_PIXELS // 1_000_000))
            probe.verify()  # the whole file, not only its header
            image = Image.open(io.BytesIO(data))
            image.load()
        except UnidentifiedImageError:
            raise InvalidInput(msg("a photo must be a JPEG, PNG or WebP image; this is not an image")) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInput(msg("a photo may have at most {0} million pixels", MAX_PIXELS // 1_000_000)) from None
        except (OSError, SyntaxError, ValueError):
            raise InvalidInput(msg("the photo is damaged: it could not be read to its end")) from None
    return image
