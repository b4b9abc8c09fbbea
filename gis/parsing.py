"""Parsers of the values people type, on the command line or in a query string: days and points.

Each refuses what it cannot read with an :class:`~gis.errors.InvalidInput` that says what it
expected.
"""

from __future__ import annotations

from datetime import date

from gis import limits
from gis.errors import InvalidInput
from gis.i18n import msg


def is_number(text: str) -> bool:
    """Whether ``text`` is a whole number in ASCII digits: ``str.isdigit()`` holds for '³' too,
    which ``int()`` then refuses (a 500 wherever the one guarded the other)."""
    return text.isascii() and text.isdigit()


def parse_day(text: object, what: str = "day") -> date:
    """A day given as YYYY-MM-DD, within the days gridmap accepts (see :mod:`gis.limits`)."""
    if isinstance(text, date):
        return limits.check_day(text, what)
    try:
        if not isinstance(text, str):
            raise TypeError(text)
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(msg("{0} must be a date as YYYY-MM-DD, got {1!r}", what, str(text)[:40])) from None
    return limits.check_day(day, what)


def parse_days(text: str | None, what: str) -> set[date]:
    """Days given as ``YYYY-MM-DD,YYYY-MM-DD,…`` (holidays, make-up working days); none for none."""
    return {parse_day(x.strip(), what) for x in (text or "").split(",") if x.strip()}


def parse_lonlat(text: str) -> tuple[float, float]:
    """``"LON,LAT"`` → floats, refused clearly when it is not that."""
    try:
        lon, lat = (float(x) for x in text.split(","))
    except ValueError:
        raise InvalidInput(msg("a point is LON,LAT in degrees, got {0!r}", text)) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(msg("{0!r} is not a longitude,latitude in degrees", text))
    return lon, lat


def parse_uuid(text: object, what: str = "id") -> str:
    """A UUID as a phone makes one for what it records (``crypto.randomUUID()``), in its canonical
    form; refused clearly when it is not one."""
    import uuid

    try:
        return str(uuid.UUID(str(text)))
    except ValueError:
        raise InvalidInput(msg("{0} must be a UUID, not {1!r}", what, str(text)[:60])) from None
