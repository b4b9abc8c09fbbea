"""Household ledgers (台账): the counted households and residents of each building, kept by the
community in a spreadsheet keyed by building name or number, matched to the mapped buildings.

Pure: reading the table and matching its rows; ``gis.ledger_store`` writes the counts.

A ledger names buildings the way people say them, not as the map spells them: "3号楼", "3#楼",
"３栋" and "3 号楼" are one building; "华贸公寓3号楼" on the map is "3号楼" in the ledger of
华贸公寓. Keys are compared after :func:`normalise` (full-width to half-width, spaces and case
dropped, the building-number suffixes unified); a key that is only a number matches the one
building whose name (or address) ends in that number, and is reported when several do.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis.errors import InvalidInput, UnreadableFile
from gis.i18n import Message, msg
from gis.limits import MAX_WORKBOOK_BYTES

TABLE_SUFFIXES = (".xlsx", ".ods", ".csv")
# How people write "building number N": 3号楼, 3#楼, 3#, 3栋, 3幢, 3座, 3号, 3楼 (in a ledger's
# key column "3楼" is building 3, not the third floor).
_BUILDING_SUFFIX = re.compile(r"(号楼|#楼|号|#|栋|幢|座|楼)$")
_TRAILING_NUMBER = re.compile(r"(\d+)$")
_INTEGER = re.compile(r"^\s*(\d+)(?:\.0+)?\s*(户|人|口)?\s*$")


def normalise(key: str) -> str:
    """A building key as compared: NFKC (全角 → half-width), no spaces, lower case, one spelling
    of the building-number suffix (``3号楼``, ``3#``, ``3栋`` → ``3``)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", key)).lower()
    return _BUILDING_SUFFIX.sub("", text) if _TRAILING_NUMBER.search(_BUILDING_SUFFIX.sub("", text)) else text


@dataclass(frozen=True)
class LedgerRow:
    """One line of a ledger: its row number in the file (1 = the header), key and counts."""

    row: int
    key: str
    households: int | None
    residents: int | None


@dataclass(frozen=True)
class Building:
    """What a ledger can name a building by."""

    id: int
    name: str | None
    address: str | None


@dataclass
class Match:
    """Rows matched to buildings, and what did not match."""

    counts: dict[int, LedgerRow] = field(default_factory=dict)  # building id → its row
    unmatched: list[LedgerRow] = field(default_factory=list)  # rows naming no building
    ambiguous: list[tuple[LedgerRow, list[int]]] = field(default_factory=list)  # rows naming several
    duplicates: list[tuple[LedgerRow, LedgerRow]] = field(default_factory=list)  # two rows, one building
    missing: list[int] = field(default_factory=list)  # buildings with a name that no row names


def _count(value: Any, column: str, row: int) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0 or value != int(value):
            raise InvalidInput(msg("row {0}: {1} must be a whole number of at least 0, not {2}", row, column, value))
        return int(value)
    m = _INTEGER.match(unicodedata.normalize("NFKC", str(value)))
    if not m:
        raise InvalidInput(msg("row {0}: {1} must be a whole number of at least 0, not {2}", row, column, value))
    return int(m.group(1))


def rows_of(records: Sequence[Mapping[str, Any]], key: str, households: str | None,
            residents: str | None, problems: list[Message] | None = None) -> list[LedgerRow]:
    """The ledger's rows from a table's records (header → value), by the named columns. A count
    that is no whole number is a problem of its row: every one is listed, into ``problems`` when
    given (the caller adds what matching the rows finds, and lists them all at once: they came one
    kind a run), else raised together; such a count is taken as none."""
    if not households and not residents:
        raise InvalidInput(msg("name the households column (--households) or the residents column (--residents)"))
    columns = set(records[0]) if records else set()
    wanted = [c for c in (key, households, residents) if c]
    absent = [c for c in wanted if c not in columns]
    if absent:
        raise InvalidInput(msg("the ledger has no column {0}; its columns: {1}",
                               ", ".join(absent), ", ".join(str(c) for c in records[0]) if records else "none"))
    out = []
    found: list[Message] = []

    def count(record: Mapping[str, Any], column: str | None, number: int) -> int | None:
        if not column:
            return None
        try:
            return _count(record.get(column), column, number)
        except InvalidInput as bad:
            found.append(bad.message)
            return None

    for number, record in enumerate(records, start=2):
        name = record.get(key)
        if name is None or (isinstance(name, float) and math.isnan(name)) or not str(name).strip():
            continue  # a blank line or a subtotal without a building
        out.append(LedgerRow(number, str(name).strip(), count(record, households, number),
                             count(record, residents, number)))
    if not out:
        raise InvalidInput(msg("the ledger has no rows with a value in column {0}", key))
    if found and problems is None:
        raise InvalidInput(msg("the ledger has {0} problems: nothing was written", len(found)), found)
    if problems is not None:
        problems.extend(found)
    return out


# What a workbook holds, by which GDAL knows it: an .xlsx its content types, an .ods its media type.
_WORKBOOK_MARKS = {".xlsx": ("[Content_Types].xml", None),
                   ".ods": ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")}


def check_workbook(path: Path) -> None:
    """Refuse an .xlsx or .ods that is not a workbook of its kind, or that unzips to more than
    MAX_WORKBOOK_BYTES. GDAL opens a file by what it holds, not by its name: unchecked, an
    ".ods" holding an OGR VRT would read any file or URL the service can (a VRT's sources)."""
    suffix = path.suffix.lower()
    member, content = _WORKBOOK_MARKS[suffix]
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            ok = member in names and (content is None or (z.getinfo(member).file_size < 100
                                                          and z.read(member).strip() == content))
            unzipped = sum(i.file_size for i in z.infolist())
    except (OSError, zipfile.BadZipFile, KeyError):
        ok, unzipped = False, 0
    if not ok and suffix == ".xlsx":
        raise UnreadableFile(msg("{0} is not an Excel workbook (.xlsx): save it from Excel as .xlsx or .csv",
                                 path.name))
    if not ok:
        raise UnreadableFile(msg("{0} is not an OpenDocument spreadsheet (.ods): save it as .ods, .xlsx or .csv",
                                 path.name))
    if unzipped > MAX_WORKBOOK_BYTES:
        raise UnreadableFile(msg("{0} holds {1} MB unzipped, more than {2} MB: split it, or save it as .csv",
                                 path.name, unzipped // 2**20, MAX_WORKBOOK_BYTES // 2**20))


def read_table(path: Path, sheet: str | None = None) -> list[dict[str, Any]]:
    """The rows of a spreadsheet (.xlsx, .ods) or CSV as header → value, read by GDAL. CSV in
    GBK/GB18030 (as Excel in Chinese saves it) is recognised."""
    import pyogrio

    from gis.filesio import sniff_encoding

    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise UnreadableFile(msg("{0}: a ledger is a .xlsx, .ods or .csv file", path.name))
    if not path.is_file():
        raise UnreadableFile(msg("no such file: {0}", path))
    options: dict[str, Any] = {"read_geometry": False}
    if path.suffix.lower() == ".csv":
        options |= {"encoding": sniff_encoding(path.read_bytes()) or "UTF-8", "AUTODETECT_TYPE": "YES"}
        source = f"CSV:{path}"  # read as CSV whatever it holds
    else:  # a workbook of its kind, and opened by its own driver whatever it holds
        check_workbook(path)
        options["HEADERS"] = "FORCE"
        source = f"{path.suffix.lower().lstrip('.').upper()}:{path}"
    try:
        frame = pyogrio.read_dataframe(source, layer=sheet, **options)
    except Exception as exc:
        reason = str(exc).splitlines()[0][:200]
        raise UnreadableFile(msg("cannot read {0} sheet {1}: {2}", path.name, sheet, reason) if sheet
                             else msg("cannot read {0}: {1}", path.name, reason)) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return [dict(r) for r in frame.to_dict("records")]


def _index(buildings: Iterable[Building]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Buildings by their normalised name and address, and by the number their name ends in."""
    exact: dict[str, list[int]] = {}
    by_number: dict[str, list[int]] = {}
    for b in buildings:
        for text in {t for t in (b.name, b.address) if t}:
            key = normalise(text)
            exact.setdefault(key, []).append(b.id)
            number = _TRAILING_NUMBER.search(key)
            if number:
                by_number.setdefault(number.group(1), []).append(b.id)
    return ({k: sorted(set(v)) for k, v in exact.items()}, {k: sorted(set(v)) for k, v in by_number.items()})


def match(rows: Sequence[LedgerRow], buildings: Sequence[Building]) -> Match:
    """Each row's building: by its whole name or address, else (a key that is only a number,
    ``3号楼``) by the one building whose name ends in that number."""
    exact, by_number = _index(buildings)
    out = Match()
    seen: dict[int, LedgerRow] = {}
    for row in rows:
        key = normalise(row.key)
        found = exact.get(key) or (by_number.get(key, []) if key.isdigit() else [])
        if not found:
            out.unmatched.append(row)
        elif len(found) > 1:
            out.ambiguous.append((row, found))
        elif found[0] in seen:
            out.duplicates.append((seen[found[0]], row))
        else:
            seen[found[0]] = row
    out.counts = seen
    out.missing = [b.id for b in buildings if b.name and b.id not in seen]
    return out
