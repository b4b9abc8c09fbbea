"""12345 hotline tickets (工单) as a street office exports them: reading the table, checking every
row, and placing each ticket on a building by its address. Pure: ``gis.cases.tickets_store``
writes the cases.

Columns (a file may name them in Chinese or English; ``--map SRC=DST`` renames others): ticket
number 工单编号 (``ticket_no``), received time 受理时间 (``received``), the request 诉求内容
(``text``), address 地址 (``address``); optional: longitude 经度 (``lon``), latitude 纬度
(``lat``), category 类别 (``category``), urgency 紧急程度 (``urgency``). Feedback files: ticket
number, satisfaction 满意度 (满意 / 基本满意 / 不满意), solved 是否解决 (是 / 否, 已解决 / 未解决),
optionally the time of the call-back 回访时间 (``feedback_at``).

Addresses are matched as the household ledger's keys are (:mod:`gis.ledger`), but inside a longer
text: "朝阳区八里庄街道电厂小区3#楼2单元" names 电厂小区3号楼. Building numbers are compared in one
spelling (3号楼, 3#楼, 3#, 3栋, 3幢, 3座, 3号 → 3#). Confidence: ``exact`` when the address holds a
building's whole name or address (the longest such, when one building has it); ``by_number``
when it names a compound and a building number, and one building of that compound has that
number; otherwise ``none``.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from gis.errors import InvalidInput, UnreadableFile
from gis.i18n import Message, msg

FIELDS = ("ticket_no", "received", "text", "address", "lon", "lat", "category", "urgency")
REQUIRED = ("ticket_no", "received", "text", "address")
FEEDBACK_FIELDS = ("ticket_no", "satisfaction", "solved", "feedback_at")
# What street offices call the columns, by field.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "ticket_no": ("工单编号", "工单号", "编号"),
    "received": ("受理时间", "派单时间", "来电时间"),
    "text": ("诉求内容", "反映内容", "内容"),
    "address": ("地址", "诉求地址", "事发地址"),
    "lon": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
    "category": ("类别", "诉求类别", "问题类别"),
    "urgency": ("紧急程度",),
    "satisfaction": ("满意度", "是否满意"),
    "solved": ("是否解决", "解决情况"),
    "feedback_at": ("回访时间",),
}
SUFFIXES = (".csv", ".xlsx", ".ods")
_NUMBER = re.compile(r"(\d+)(?:号楼|#楼|号|#|栋|幢|座)")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
_URGENCY = {"red": "red", "红": "red", "红色": "red", "紧急": "red", "yellow": "yellow", "黄": "yellow",
            "黄色": "yellow", "较急": "yellow", "重要": "yellow", "blue": "blue", "蓝": "blue", "蓝色": "blue",
            "一般": "blue"}
_SATISFACTION = {"满意": "satisfied", "satisfied": "satisfied", "基本满意": "basically", "basically": "basically",
                 "不满意": "dissatisfied", "dissatisfied": "dissatisfied"}
_SOLVED = {"是": True, "已解决": True, "解决": True, "yes": True, "true": True, "1": True,
           "否": False, "未解决": False, "no": False, "false": False, "0": False}


@dataclass(frozen=True)
class Ticket:
    """One checked row of a ticket file; ``row`` is its line in the file (1 = the header)."""

    row: int
    ticket_no: str
    received: datetime
    text: str
    address: str
    lon: float | None
    lat: float | None
    category: str | None
    urgency: str


@dataclass(frozen=True)
class Feedback:
    """A resident's answer to a ticket (回访)."""

    row: int
    ticket_no: str
    satisfaction: str | None
    solved: bool | None
    at: datetime | None


@dataclass(frozen=True)
class Place:
    """What an address can be matched to: a building, its name, address and compound."""

    id: int
    name: str | None
    address: str | None
    compound: str | None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() in ("", "NaT")


def read_records(path: Path, encoding: str | None = None) -> list[dict[str, Any]]:
    """The rows of a ticket file as header → value: CSV read as text in ``encoding`` (else UTF-8,
    or GBK/GB18030 when its bytes say so), a workbook (.xlsx, .ods) by GDAL."""
    from gis.filesio import file_encoding, sniff_encoding
    from gis.ledger import read_table

    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFile(msg("{0}: a ticket file is a .csv, .xlsx or .ods file", path.name))
    if not path.is_file():
        raise UnreadableFile(msg("no such file: {0}", path))
    if suffix != ".csv":
        return read_table(path)
    data = path.read_bytes()
    chosen = file_encoding(path, encoding) or sniff_encoding(data) or "UTF-8"
    try:
        text = data.decode(chosen).lstrip("\ufeff")
    except UnicodeError:  # punycode and idna raise UnicodeError itself
        raise UnreadableFile(msg("{0} is not text in {1}: give its encoding (--encoding GBK)",
                                 path.name, chosen)) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InvalidInput(msg("{0} is empty", path.name))
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(c.strip() for c in r)]


def columns_of(records: Sequence[Mapping[str, Any]], mapping: Mapping[str, str], wanted: Sequence[str],
               required: Sequence[str]) -> dict[str, str]:
    """Field → the file's column holding it: ``mapping`` (SRC=DST) first, then the field's own name,
    then what street offices call it. A required field without a column is refused, naming the
    columns there are."""
    present = list(records[0]) if records else []
    unknown = sorted(set(mapping.values()) - set(wanted))
    if unknown:
        raise InvalidInput(msg("--map names fields a ticket file does not have: {0}; fields are: {1}",
                               ", ".join(unknown), ", ".join(wanted)))
    absent = sorted(set(mapping) - set(present))
    if absent and present:
        raise InvalidInput(msg("--map names columns the file does not have: {0}", ', '.join(absent)))
    out: dict[str, str] = {dst: src for src, dst in mapping.items()}
    for f in wanted:
        if f in out:
            continue
        for name in (f, *ALIASES.get(f, ())):
            if name in present:
                out[f] = name
                break
    missing = [f for f in required if f not in out]
    if missing:
        raise InvalidInput(msg("the file has no column for {0} ({1}); its columns: {2} (rename with --map SRC=DST)",
                               ", ".join(missing), ", ".join("/".join(ALIASES.get(m, ())[:1] + (m,)) for m in missing),
                               ", ".join(present) or "none"))
    return out


def parse_time(value: Any, tz: tzinfo) -> datetime:
    """A received time: a datetime (from a workbook) or text such as ``2025-03-01 09:05``,
    ``2025/3/1 9:05`` or ``2025年3月1日 9时5分``, in ``tz`` unless it says its own offset."""
    moment: datetime | None
    if isinstance(value, datetime):
        moment = value
    else:
        if hasattr(value, "to_pydatetime"):  # pandas' Timestamp
            return parse_time(value.to_pydatetime(), tz)
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = re.sub(r"[年/.]", "-", text).replace("月", "-").replace("日", " ").replace("时", ":")
        text = re.sub(r"分|秒", "", text)
        text = re.sub(r"\s+", " ", text).strip().rstrip(":")
        text = re.sub(r"(?<!\d)(\d)(?!\d)", r"0\1", text)  # 3-1 9:05 → 03-01 09:05
        moment = None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    moment = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
    if moment is None:
        raise ValueError(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a ticket number a workbook stored as a number
    return str(value).strip()


def _coordinate(value: Any, what: str, row: int, low: float, high: float, problems: list[Message]) -> float | None:
    if _blank(value):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        problems.append(msg("row {0}: {1} {2!r} is not a number", row, what, str(value)[:40]))
        return None
    if not low <= number <= high:
        problems.append(msg("row {0}: {1} {2} is out of range", row, what, number))
        return None
    return number


def parse_tickets(records: Sequence[Mapping[str, Any]], mapping: Mapping[str, str], tz: tzinfo,
                  now: datetime) -> list[Ticket]:
    """Every row of a ticket file checked: all problems listed at once (a missing column, an empty
    ticket number, a bad or future received time, a ticket number twice), or the tickets."""
    if not records:
        raise InvalidInput(msg("the ticket file has no rows"))
    cols = columns_of(records, mapping, FIELDS, REQUIRED)
    problems: list[Message] = []
    out: list[Ticket] = []
    first_row: dict[str, int] = {}
    for number, record in enumerate(records, start=2):
        values = {f: record.get(c) for f, c in cols.items()}
        if all(_blank(v) for v in values.values()):
            continue
        ticket_no = "" if _blank(values["ticket_no"]) else _text(values["ticket_no"])
        if not ticket_no:
            problems.append(msg("row {0}: no ticket number", number))
            continue
        if ticket_no in first_row:
            problems.append(msg("rows {0} and {1} have the same ticket number {2}",
                                first_row[ticket_no], number, ticket_no))
            continue
        first_row[ticket_no] = number
        try:
            received = parse_time(values["received"], tz)
        except (ValueError, TypeError):
            problems.append(msg("row {0}: received time {1!r} is not a date and time (YYYY-MM-DD HH:MM)",
                                number, str(values["received"])[:40]))
            continue
        if received > now:
            problems.append(msg("row {0}: received time {1} is in the future", number, received.isoformat()))
        text = "" if _blank(values["text"]) else _text(values["text"])
        if not text:
            problems.append(msg("row {0}: ticket {1} has no text", number, ticket_no))
        if len(text) > 2000 or len(ticket_no) > 200:
            problems.append(msg("row {0}: ticket {1} has a text over 2000 or a number over 200 characters",
                                number, ticket_no))
        lon = _coordinate(values.get("lon"), "longitude", number, -180, 180, problems)
        lat = _coordinate(values.get("lat"), "latitude", number, -90, 90, problems)
        urgency_text = "" if _blank(values.get("urgency")) else _text(values.get("urgency")).lower()
        urgency = _URGENCY.get(urgency_text, "blue" if not urgency_text else "")
        if not urgency:
            problems.append(msg("row {0}: urgency {1!r} is not red, yellow or blue (红/黄/蓝, 紧急/重要/一般, 较急)",
                                number, urgency_text))
        out.append(Ticket(number, ticket_no, received, text,
                          "" if _blank(values["address"]) else _text(values["address"])[:200],
                          lon if lat is not None else None, lat if lon is not None else None,
                          None if _blank(values.get("category")) else _text(values.get("category")),
                          urgency or "blue"))
    if problems:
        raise InvalidInput(msg("the ticket file has {0} problem(s); nothing was written", len(problems)), problems)
    if not out:
        raise InvalidInput(msg("the ticket file has no rows"))
    return out


def parse_feedback(records: Sequence[Mapping[str, Any]], mapping: Mapping[str, str], tz: tzinfo) -> list[Feedback]:
    """Every row of a feedback file checked, all problems listed at once."""
    if not records:
        raise InvalidInput(msg("the feedback file has no rows"))
    cols = columns_of(records, mapping, FEEDBACK_FIELDS, ("ticket_no",))
    if "satisfaction" not in cols and "solved" not in cols:
        raise InvalidInput(msg("the feedback file has no column for satisfaction (满意度) or solved (是否解决)"))
    problems: list[Message] = []
    out: list[Feedback] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=2):
        values = {f: record.get(c) for f, c in cols.items()}
        if _blank(values["ticket_no"]):
            continue
        ticket_no = _text(values["ticket_no"])
        if ticket_no in seen:
            problems.append(msg("rows {0} and {1} have the same ticket number {2}", seen[ticket_no], number, ticket_no))
            continue
        seen[ticket_no] = number
        sat_text = "" if _blank(values.get("satisfaction")) else _text(values.get("satisfaction")).lower()
        solved_text = "" if _blank(values.get("solved")) else _text(values.get("solved")).lower()
        if sat_text and sat_text not in _SATISFACTION:
            problems.append(msg("row {0}: satisfaction {1!r} is not 满意, 基本满意 or 不满意", number, sat_text))
        if solved_text and solved_text not in _SOLVED:
            problems.append(msg("row {0}: solved {1!r} is not 是 or 否 (已解决 / 未解决)", number, solved_text))
        at = None
        if not _blank(values.get("feedback_at")):
            try:
                at = parse_time(values.get("feedback_at"), tz)
            except (ValueError, TypeError):
                problems.append(msg("row {0}: call-back time {1!r} is not a date and time",
                                    number, str(values.get("feedback_at"))[:40]))
        out.append(Feedback(number, ticket_no, _SATISFACTION.get(sat_text), _SOLVED.get(solved_text), at))
    if problems:
        raise InvalidInput(msg("the feedback file has {0} problem(s); nothing was written", len(problems)), problems)
    return out


def canonical(text: str) -> str:
    """An address or a building name as compared: NFKC, no spaces, lower case, building numbers in
    one spelling (``3号楼``, ``3#楼``, ``3栋``, ``3座`` → ``3#``)."""
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    return _NUMBER.sub(r"\1#", flat)


def match_address(address: str, places: Sequence[Place]) -> tuple[int | None, str]:
    """The building an address names, and how sure: ``exact``, ``by_number`` or ``none``."""
    if not address.strip():
        return None, "none"
    text = canonical(address)
    best: dict[int, int] = {}
    for p in places:
        for key in {canonical(k) for k in (p.name, p.address) if k}:
            if key and key in text:
                best[p.id] = max(best.get(p.id, 0), len(key))
    if best:
        longest = max(best.values())
        top = [i for i, n in best.items() if n == longest]
        if len(top) == 1:
            return top[0], "exact"
    numbers = set(re.findall(r"(\d+)#", text))
    compounds = {p.compound for p in places if p.compound and canonical(p.compound) in text}
    if numbers and compounds:
        found = [p.id for p in places if p.compound in compounds and p.name
                 and any(re.search(rf"(?<!\d){n}#$", canonical(p.name)) for n in numbers)]
        if len(found) == 1:
            return found[0], "by_number"
    return None, "none"


def category_for(value: str | None, names: Mapping[str, tuple[str, ...]]) -> tuple[str, bool]:
    """The category code a ticket's category text names (by code or name, or a name it contains),
    and whether it was recognised; ``other`` when not."""
    if value:
        text = unicodedata.normalize("NFKC", value).strip().lower()
        for code, spelled in names.items():
            if text in (code, *(s.lower() for s in spelled)):
                return code, True
        for code, spelled in names.items():
            if code != "other" and any(s and s.lower() in text for s in spelled):
                return code, True
    return "other", not value
