"""The monthly 接诉即办 report as an Excel workbook (openpyxl), in the shape a street office asks
for: a title naming the community and the period, one sheet overall and one each per grid, per
worker (or department) and per category, with the rates as percentages, and a sheet of the
period's cases. The numbers are :func:`gis.cases.kpi_store.case_kpi`'s, nothing recomputed.

openpyxl, not GDAL's XLSX driver (which the ticket reader uses): a report needs a merged title,
number formats and column widths, which a GDAL layer cannot carry."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from psycopg2.extensions import cursor as Cursor

from gis.cases.kpi import period
from gis.store import find_jurisdiction

# (key, heading) of a figures row; rates are shown as percentages.
COLUMNS = (("received", "受理量"), ("responded", "及时响应"), ("response_rate", "响应率"),
           ("solved_answered", "解决情况回访数"), ("resolution_rate", "解决率"),
           ("satisfaction_answered", "满意度回访数"), ("satisfaction_rate", "满意率"),
           ("closure_due", "应办结"), ("closed_on_time", "按期办结"), ("on_time_closure_rate", "按期办结率"),
           ("open", "未办结"), ("parked", "挂账"), ("overdue", "超期"))
RATES = {"response_rate", "resolution_rate", "satisfaction_rate", "on_time_closure_rate"}
STATE_ZH = {"reported": "上报", "accepted": "立案", "rejected": "不予立案", "dispatched": "派遣", "handled": "处置",
            "verified": "核查", "closed": "结案", "parked": "挂账"}
URGENCY_ZH = {"red": "紧急", "yellow": "重要", "blue": "一般"}
SATISFACTION_ZH = {"satisfied": "满意", "basically": "基本满意", "dissatisfied": "不满意"}
CASES = ("编号", "工单编号", "受理时间", "类别", "紧急程度", "网格", "状态", "处置人/部门", "办结期限", "结案时间",
         "满意度", "是否解决", "诉求内容")


def names(cur: Cursor, slug: str) -> dict[str, dict[str, str]]:
    """The community's name, and names of its grids, categories and departments by code."""
    j = find_jurisdiction(cur, slug)
    out: dict[str, dict[str, str]] = {"jurisdiction": {slug: j.name}}
    for kind, table in (("grid", "grid"), ("category", "case_category"), ("department", "department")):
        column = "coalesce(name, code)" if table == "grid" else "name_zh"
        cur.execute(f"SELECT code, {column} FROM {table} WHERE jurisdiction_id = %s", (j.id,))  # noqa: S608
        out[kind] = {code: name for code, name in cur.fetchall()}
    return out


def period_cases(cur: Cursor, slug: str, report: Mapping[str, Any], tz: Any) -> list[tuple[Any, ...]]:
    """The cases of the report's period, as the last sheet lists them (times in ``tz``)."""
    from datetime import date

    j = find_jurisdiction(cur, slug)
    start, end = period(date.fromisoformat(report["from"]), date.fromisoformat(report["to"]), tz)
    cur.execute("""SELECT c.id, c.ticket_no, c.reported_at, k.name_zh, c.urgency, g.code, c.state,
                          coalesce(c.assignee, d.name_zh), c.due_at, c.closed_at, c.satisfaction, c.solved,
                          c.description
                     FROM case_record c JOIN case_category k ON k.id = c.category_id
                     LEFT JOIN grid g ON g.id = c.grid_id LEFT JOIN department d ON d.id = c.department_id
                    WHERE c.jurisdiction_id = %s AND c.reported_at >= %s AND c.reported_at < %s
                    ORDER BY c.reported_at, c.id""", (j.id, start, end))
    out = []
    for (cid, ticket, reported, category, urgency, grid, state, who, due, closed, satisfaction, solved,
         text) in cur.fetchall():
        out.append((cid, ticket, _local(reported, tz), category, URGENCY_ZH[urgency], grid, STATE_ZH[state], who,
                    _local(due, tz), _local(closed, tz), SATISFACTION_ZH.get(satisfaction or ""),
                    None if solved is None else ("是" if solved else "否"), text))
    return out


def _local(moment: Any, tz: Any) -> Any:
    """A time as Excel takes it: in the community's zone, without an offset."""
    return None if moment is None else moment.astimezone(tz).replace(tzinfo=None)


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write ``value`` into a cell as what it is: text starting with = (a case's description, a
    category's or grid's name, typed by anyone who reports) stays text, never a formula that Excel
    or WPS would run when the leader opens the report (openpyxl takes such text for a formula)."""
    cell = ws.cell(row, col, value)
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def workbook(report: Mapping[str, Any], labels: Mapping[str, Mapping[str, str]],
             cases: Sequence[Sequence[Any]] = ()) -> bytes:
    """The report (:func:`~gis.cases.kpi_store.case_kpi`'s) as the bytes of an .xlsx workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    community = next(iter(labels["jurisdiction"].values()))
    title = f"{community} 接诉即办工作统计（{report['from']} 至 {report['to']}）"
    head_fill = PatternFill("solid", fgColor="DCE6F1")
    book = Workbook()

    def sheet(name: str, keys: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]) -> None:
        ws = book.create_sheet(name)
        width = len(keys) + len(COLUMNS)
        ws.cell(1, 1, title).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.cell(2, 1, f"统计口径：受理时间在期内的事件；工作流状态截至 {report['as_of'][:16].replace('T', ' ')}；"
                      f"基本满意计为 {report['basic_weight']:g} 个满意").font = Font(italic=True, size=9)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        for col, (_, heading) in enumerate([*keys, *COLUMNS], start=1):
            cell = ws.cell(3, col, heading)
            cell.font, cell.fill = Font(bold=True), head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.column_dimensions[get_column_letter(col)].width = 16 if col <= len(keys) else 11
        for r, row in enumerate(rows, start=4):
            for col, (key, _) in enumerate(keys, start=1):
                _put(ws, r, col, row.get(key))
            for col, (key, _) in enumerate(COLUMNS, start=len(keys) + 1):
                cell = _put(ws, r, col, row[key])
                if key in RATES:
                    cell.number_format = "0.0%"
        ws.freeze_panes = ws.cell(4, len(keys) + 1)

    def named(rows: Sequence[Mapping[str, Any]], key: str, kind: str) -> list[dict[str, Any]]:
        return [{**r, f"{key}_name": labels[kind].get(r[key] or "", "（无）" if r[key] is None else r[key])}
                for r in rows]

    sheet("总体", (("scope", "范围"),), [{**report["overall"], "scope": community}])
    sheet("按网格", (("grid", "网格编码"), ("grid_name", "网格名称")), named(report["by_grid"], "grid", "grid"))
    workers = [{**r, "who": r["worker"] or labels["department"].get(r["department"] or "", "（未派遣）")}
               for r in report["by_worker"]]
    sheet("按处置人", (("who", "处置人/部门"),), workers)
    sheet("按类别", (("category_name", "类别"),), named(report["by_category"], "category", "category"))
    ws = book.create_sheet("事件明细")
    ws.append(list(CASES))
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), head_fill
    for r, row in enumerate(cases, start=2):
        for col, value in enumerate(row, start=1):
            _put(ws, r, col, value)
    for col, width in enumerate((8, 16, 17, 14, 8, 17, 9, 14, 17, 17, 9, 8, 40), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for col in (3, 9, 10):
        for cell in ws[get_column_letter(col)][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
    ws.freeze_panes = "A2"
    del book["Sheet"]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
