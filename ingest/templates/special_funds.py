"""T4 专项资金 tables: 收支汇总表 (categories × 年初预算 / 累计下达 / 累计支付 / 结转) and 项目实施情况表 (one row per
project: 项目名称 / 实施单位 / 项目类型 / 下达 / 支付 / 结转 / 完成情况).

Found by column labels (``labels/special_funds_columns.csv``) in any order, never by sheet name or address:

* a header row holding at least two of 下达 / 支付 / 结转 (or 年初预算 with one of them) starts a table; the header may
  spread over two rows; the money unit is stated above it or in the header ("（万元）");
* with a 项目类别 / 项目个数 column and no 项目名称 column it is a *summary*: its rows are categories (``fund_rows``
  row_kind ``category``) and a 合计 row (row_kind ``total`` plus ``line_items`` special_fund_* for the fund);
* with a 项目名称 column it is a *project table*: rows are projects (``project_funds``), except 合计 (``fund_rows``
  total), 小计 and category rows ("一、软件平台开发", or a name that is a summary category), which are never projects.
  A project's category is, in order: a category column; the category row above it; the summary's 项目个数 (projects are
  listed category by category), also when the summary comes on a later sheet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ..numbers import compact, is_null, to_decimal, try_amount
from ..readers import Sheet, cell_ref
from .base import SheetContext, TableHit, find_unit, is_claimed, label_key, load_csv
from .performance import Roles, cell, hkey, row_is_empty, sheet_keys, subject_from_title, text, workbook_state

MONEY_ROLES = ("budget_initial", "allocated", "paid", "carryover")
FUND_ROW_COL = {"budget_initial": "budget_initial_yuan", "allocated": "allocated_yuan", "paid": "paid_yuan",
                "carryover": "carryover_yuan"}
PROJECT_COL = {"budget_initial": "budget_initial_yuan", "allocated": "budget_adjusted_yuan", "paid": "executed_yuan",
               "carryover": "carryover_yuan"}
_CATEGORY_SEQ = re.compile(r"^[(（]?[一二三四五六七八九十]+[)）]?[、.．]?$")
_CATEGORY_PREFIX = re.compile(r"^[(（]?[一二三四五六七八九十]+[)）、.．]\s*")


@lru_cache(maxsize=None)
def _roles() -> Roles:
    return Roles(load_csv("special_funds_columns.csv"))


@lru_cache(maxsize=None)
def _labels(role: str) -> tuple[str, ...]:
    return tuple(hkey(r["label"]) for r in load_csv("special_funds_labels.csv") if r["role"] == role)


@lru_cache(maxsize=None)
def _line_items() -> dict[str, tuple[str, str, str]]:
    return {r["role"]: (r["line_item_key"], r["phase"], r["scope"]) for r in load_csv("special_funds_line_items.csv")}


@dataclass
class Header:
    row: int
    data_start: int
    cols: dict[str, int] = field(default_factory=dict)
    unit: str = "元"


def _role_map(sheet: Sheet, r: int) -> dict[str, int]:
    """role -> first column holding it in row ``r`` (memoised per sheet: do not modify the result)."""
    key = ("sf_roles", r)
    out = sheet.cache.get(key)
    if out is None:
        out = {}
        for c, role in _roles().row_map(sheet, r).items():
            out.setdefault(role, c)
        sheet.cache[key] = out
    return out


def _find_header(sheet: Sheet, top: int, claimed: list[TableHit]) -> Header | None:
    for r in range(top, sheet.height):
        if is_claimed(claimed, r):
            continue
        m = _role_map(sheet, r)
        money = [k for k in ("allocated", "paid", "carryover") if k in m]
        if len(money) < 2 and not (len(money) == 1 and "budget_initial" in m):
            continue
        if not ({"project_name", "category", "count"} & set(m)):
            continue
        h = Header(row=r, data_start=r + 1, cols=dict(m))
        if r + 1 < sheet.height:
            m2 = _role_map(sheet, r + 1)
            nums = [v for v in sheet.rows[r + 1] if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if m2 and not nums:
                for k, c in m2.items():
                    h.cols.setdefault(k, c)
                h.data_start = r + 2
        header_unit = find_unit(sheet, r, h.data_start - 1, default=None)
        h.unit = header_unit or find_unit(sheet, max(0, r - 4), r, default="元") or "元"
        return h
    return None


def _title(sheet: Sheet, hdr_row: int, claimed: list[TableHit]) -> tuple[str | None, int]:
    floor = max([h.bottom + 1 for h in claimed if h.bottom < hdr_row] + [0, hdr_row - 4])
    for r in range(floor, hdr_row):
        for v in sheet.rows[r]:
            if isinstance(v, str) and v.strip() and not re.match(r"^\s*(主管部门|单位|金额单位|填报单位|编制单位)", v):
                return v.strip(), floor
    return None, floor


def _row_label(sheet: Sheet, r: int, hdr: Header) -> tuple[str | None, int | None]:
    """The row's name: the 项目名称/项目类别 cell, else the first text cell left of the money columns."""
    for role in ("project_name", "category"):
        if role in hdr.cols:
            t = text(sheet.value(r, hdr.cols[role]))
            if t:
                return t, hdr.cols[role]
    first_money = min(hdr.cols[k] for k in MONEY_ROLES if k in hdr.cols)
    for c in range(first_money):
        v = sheet.value(r, c)
        if isinstance(v, str) and v.strip():
            return v.strip(), c
    return None, None


def _is_total(label: str | None, sheet: Sheet, r: int, hdr: Header) -> bool:
    tot = _labels("total")
    if label and hkey(label) in tot:
        return True
    first_money = min(hdr.cols[k] for k in MONEY_ROLES if k in hdr.cols)
    return any(isinstance(sheet.value(r, c), str) and hkey(sheet.value(r, c)) in tot for c in range(first_money))


def _is_stop(sheet: Sheet, r: int) -> bool:
    for v in sheet.rows[r]:
        if isinstance(v, str) and v.strip():
            k = label_key(v)
            return any(k == s or k.startswith(s + ":") for s in _labels("stop"))
    return False


def _is_title(sheet: Sheet, r: int) -> bool:
    """A row that starts another table: a single text cell naming a 表 and no numbers (the end of a table whose 合计
    row is at the top)."""
    texts = [v for v in sheet.rows[r] if isinstance(v, str) and v.strip()]
    return len(texts) == 1 and "表" in texts[0] and not any(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in sheet.rows[r])


def _amounts(sheet: Sheet, r: int, hdr: Header, colmap: dict[str, str]) -> tuple[dict, dict]:
    vals, cells = {}, {}
    for role in MONEY_ROLES:
        if role in hdr.cols:
            c = hdr.cols[role]
            d = try_amount(sheet.value(r, c), hdr.unit)
            if d is not None:
                vals[colmap[role]] = d
                cells[colmap[role]] = cell_ref(r, c)
    return vals, cells


def _seq(sheet: Sheet, r: int, hdr: Header) -> str | None:
    return text(sheet.value(r, hdr.cols["seq"])) if "seq" in hdr.cols else None


def _count(v: object) -> int | None:
    try:
        d = to_decimal(re.sub(r"[个项]$", "", compact(v)) if isinstance(v, str) else v)
    except Exception:
        return None
    return int(d) if d is not None and d == d.to_integral_value() else None


def _assign_categories(state: dict) -> None:
    cats = state.get("categories")
    projects = state.get("project_rows")
    if not cats or not projects:
        return
    if any(p.get("category") for p in projects):
        return
    counts = [n for _, n in cats]
    if None in counts or sum(counts) != len(projects):
        return
    i = 0
    for name, n in cats:
        for p in projects[i:i + n]:
            p["category"] = name
        i += n


class SpecialFundTables:
    kind = "t4_special_fund"

    def find(self, sheet: Sheet, ctx: SheetContext, claimed: list[TableHit]) -> list[TableHit]:
        marks = ("下达", "支付", "结转", "结余", "未支付")
        blob = sheet.blob
        if not any(m in blob for m in marks):
            return []   # cheap rejection before any label lookup
        keys = sheet_keys(sheet)
        if sum(1 for k in keys if _roles().role(k) in ("allocated", "paid", "carryover")) < 1:
            return []
        hits: list[TableHit] = []
        top = 0
        state = workbook_state(ctx, self.kind)
        while True:
            hdr = _find_header(sheet, top, claimed + hits)
            if hdr is None:
                break
            title, title_top = _title(sheet, hdr.row, claimed + hits)
            fund_name = subject_from_title(title, _labels("title_suffix")) if title else None
            fund_name = fund_name or state.get("fund_name")
            if fund_name:
                state.setdefault("fund_name", fund_name)
            if "project_name" in hdr.cols:
                kind, bottom, n = self._projects(sheet, ctx, hdr, fund_name, state)
            else:
                kind, bottom, n = self._summary(sheet, ctx, hdr, fund_name, state)
            hits.append(TableHit(kind=kind, top=title_top, bottom=bottom, rows_emitted=n, title=title))
            top = bottom + 1
        return hits

    def _rows(self, sheet: Sheet, hdr: Header):
        blank = 0
        for r in range(hdr.data_start, sheet.height):
            if row_is_empty(sheet, r):
                blank += 1
                if blank > 3:
                    return
                continue
            blank = 0
            if _is_stop(sheet, r) or (r > hdr.data_start and (len(_role_map(sheet, r)) >= 3 or _is_title(sheet, r))):
                return
            yield r

    def _summary(self, sheet, ctx, hdr, fund_name, state):
        kind = "t4_special_fund_summary"
        bottom, n = hdr.row, 0
        cats: list[tuple[str, int | None]] = []
        for r in self._rows(sheet, hdr):
            label, lc = _row_label(sheet, r, hdr)
            vals, cells = _amounts(sheet, r, hdr, FUND_ROW_COL)
            if not vals:
                continue
            total = _is_total(label, sheet, r, hdr)
            count = _count(sheet.value(r, hdr.cols["count"])) if "count" in hdr.cols else None
            name = label if not total else (label or "合计")
            name = _CATEGORY_PREFIX.sub("", name) if name and not total else name
            ctx.emit("fund_rows", r, lc if lc is not None else 0, kind, fund_name=fund_name,
                     row_kind="total" if total else "category", seq=_seq(sheet, r, hdr), project_name=name,
                     project_count=count, note=text(sheet.value(r, hdr.cols["note"])) if "note" in hdr.cols else None,
                     unit=hdr.unit, cells=cells, **vals)
            n += 1
            bottom = r
            if total:
                for role, (key, phase, scope) in _line_items().items():
                    col = FUND_ROW_COL[role]
                    if col in vals:
                        c = hdr.cols[role]
                        ctx.emit("line_items", r, c, kind, statement="special_fund", line_item_key=key,
                                 code=None, item_name=compact(label or "合计"), column_key=None, scope=scope,
                                 phase=phase, amount_yuan=vals[col], unit=hdr.unit)
                        n += 1
                if cats:
                    break          # a 合计 row at the bottom ends the table; one at the top heads it
                continue
            cats.append((name, count))
        if cats:
            state["categories"] = cats
            _assign_categories(state)
        return kind, bottom, n

    def _projects(self, sheet, ctx, hdr, fund_name, state):
        kind = "t4_special_fund_projects"
        bottom, n = hdr.row, 0
        known_cats = {compact(c) for c, _ in state.get("categories") or []}
        current_cat = None
        projects: list[dict] = []
        for r in self._rows(sheet, hdr):
            label, lc = _row_label(sheet, r, hdr)
            if not label:
                continue
            seq = _seq(sheet, r, hdr)
            total = _is_total(label, sheet, r, hdr)
            vals, cells = _amounts(sheet, r, hdr, FUND_ROW_COL if total else PROJECT_COL)
            bottom = r
            if total:
                seq = None if seq and hkey(seq) in _labels("total") else seq
                ctx.emit("fund_rows", r, lc, kind, fund_name=fund_name, row_kind="total", seq=seq,
                         project_name=compact(label), unit=hdr.unit, cells=cells, **vals)
                n += 1
                if n > 1:
                    break          # a 合计 row at the bottom ends the table; one at the top heads it
                continue
            k = hkey(label)
            is_sub = any(s in k for s in _labels("subtotal"))
            is_cat = (seq is not None and _CATEGORY_SEQ.match(compact(seq)) is not None) or \
                (_CATEGORY_PREFIX.match(label) is not None and "implementing_unit" in hdr.cols
                 and not text(sheet.value(r, hdr.cols["implementing_unit"]))) or \
                compact(_CATEGORY_PREFIX.sub("", label)) in known_cats
            if is_sub or is_cat:
                name = _CATEGORY_PREFIX.sub("", label).strip()
                if is_cat:
                    current_cat = name
                fvals, fcells = _amounts(sheet, r, hdr, FUND_ROW_COL)
                ctx.emit("fund_rows", r, lc, kind, fund_name=fund_name, row_kind="category", seq=seq,
                         project_name=name, unit=hdr.unit, cells=fcells, **fvals)
                n += 1
                continue
            if not vals and not any(text(sheet.value(r, hdr.cols[x])) for x in ("implementing_unit", "status")
                                    if x in hdr.cols):
                continue
            pcells = dict(cells, project_name=cell_ref(r, lc))
            extra = {}
            for role, col in (("implementing_unit", "implementing_unit"), ("project_type", "project_type"),
                              ("status", "status_text"), ("category", "category")):
                if role in hdr.cols:
                    extra[col] = text(sheet.value(r, hdr.cols[role]))
                    if extra[col] is not None:
                        pcells[col] = cell_ref(r, hdr.cols[role])
            if not extra.get("category") and current_cat:
                extra["category"] = current_cat
            row = ctx.emit("project_funds", r, lc, kind, subject_kind="project", project_name=label,
                           unit=hdr.unit, cells=pcells, **extra, **vals)
            projects.append(row)
            n += 1
        if projects:
            state["project_rows"] = projects
            _assign_categories(state)
        return kind, bottom, n


RECOGNISERS = [SpecialFundTables()]
