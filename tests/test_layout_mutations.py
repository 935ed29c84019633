"""Layout mutations: every sample workbook, rewritten with each layout variation a department may use (and random
combinations of them, with hypothesis), must yield exactly the manifest's facts — at the cells they moved to.

The mutation library works on a :class:`Mutant`: the sample loaded with openpyxl (the legacy .xls sample rebuilt as
.xlsx from python-calamine values first), held as per-sheet cell maps, plus ``moves`` — for every original sheet, the
sheet it now lives on and where each of its original rows and columns went. Each mutation ``m(mutant, rnd)`` edits
the workbook in place, records the cells it moved and returns whether it changed anything; ``Mutant.to_openpyxl``
gives the mutated openpyxl workbook. The expected facts are the manifest's with sheet names, cells and rows moved
through ``moves``; amounts, keys, scopes, phases, names, texts and scores must be identical (amounts exact to the
分 after a unit conversion).

Mutations (see MUTATIONS): rename sheets; title/note rows above and notes below; blank rows inside tables; amount
columns reordered; header synonyms (SYNONYMS below); unit 元 → 万元 / 千元 (or back) stated in the unit line or in
the amount headers ("金额（万元）"); numbers as text ("1,234.56", full-width "１２３４．５６", "(1,234.56)" for negatives);
execution rates as "85.4%", 85.4 or 0.854; merged indicator cells unmerged and forward-filled or left blank; hidden
rows and columns (flagged); the 合计 row moved to the top; two tables on one sheet; another landing path.
"""
from __future__ import annotations

import copy
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from python_calamine import CalamineWorkbook

from ingest.extract import extract_workbook
from ingest.numbers import unit_in_text
from ingest.readers import cell_ref, read_workbook
from tests.extraction_report import extract_sample
from tests.manifest_facts import MANIFEST, SAMPLES, actual, expected

WORKBOOKS = MANIFEST["workbooks"]
IDS = [f"wb{i}" for i in range(len(WORKBOOKS))]   # order of manifest.json
FACTORS = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000)}

# Header synonyms a department may write instead of the sample's label (exact cell text -> alternatives).
SYNONYMS: dict[str, list[str]] = {
    "全年执行数": ["执行数", "实际支出", "决算数", "实际执行数"],
    "全年预算数": ["调整后预算数", "预算数"],
    "年初预算数": ["年初预算", "年初预算安排数"],
    "执行数：": ["实际支出：", "全年执行数：", "决算数："],
    "预算数：": ["全年预算数：", "调整后预算数："],
    "年度指标值": ["预期指标值", "目标值", "年度目标值"],
    "预期指标值（包含数字及文字描述）": ["年度指标值", "预期目标值"],
    "实际完成值": ["实际完成指标值", "实际值", "完成值"],
    "实际完成指标值（包含数字及文字描述）": ["实际完成值", "全年实际值"],
    "指标分值": ["分值", "权重", "标准分值"],
    "分值": ["权重", "指标分值"],
    "得分": ["自评得分", "评价得分"],
    "执行率": ["预算执行率", "资金执行率"],
    "偏差原因分析及改进措施": ["偏差原因", "偏差原因分析"],
    "扣分说明": ["扣分原因", "扣分理由"],
    "累计下达": ["下达资金", "已下达"],
    "下达资金": ["累计下达", "下达金额"],
    "累计支付": ["支付资金", "实际支付"],
    "支付资金": ["累计支付", "支付金额"],
    "结转": ["结转结余", "结转资金"],
    "年初预算": ["年初预算数"],
    "实施单位": ["项目实施单位", "项目单位"],
    "项目类别": ["资金类别", "类别"],
    "决算数": ["执行数", "实际支出", "全年执行数"],
    "金额": ["决算数", "本年数"],
    "科目编码": ["功能分类科目编码", "科目代码"],
    "行次": ["栏次"],
}

# ---------------------------------------------------------------------------------------------------------------
# The mutable workbook
# ---------------------------------------------------------------------------------------------------------------

Merge = tuple[int, int, int, int]          # r0, c0, r1, c1 (0-based, inclusive)


@dataclass
class SheetData:
    name: str
    cells: dict[tuple[int, int], object]
    merges: list[Merge]
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)

    @property
    def height(self) -> int:
        return max((r for r, _ in self.cells), default=-1) + 1

    @property
    def width(self) -> int:
        return max((c for _, c in self.cells), default=-1) + 1

    def get(self, r: int, c: int) -> object:
        return self.cells.get((r, c))

    def set(self, r: int, c: int, v: object) -> None:
        if v is None or v == "":
            self.cells.pop((r, c), None)
        else:
            self.cells[(r, c)] = v

    def origin(self, r: int, c: int) -> tuple[int, int]:
        for r0, c0, r1, c1 in self.merges:
            if r0 <= r <= r1 and c0 <= c <= c1:
                return r0, c0
        return r, c

    def row_texts(self, r: int) -> list[tuple[int, str]]:
        return sorted((c, v) for (rr, c), v in self.cells.items() if rr == r and isinstance(v, str) and v.strip())


@dataclass
class Spot:
    """A manifest cell: its original sheet and position, what it is, and (amounts) its value in 元."""
    sheet: str
    r: int
    c: int
    role: str                 # amount | rate | level | indicator
    yuan: Decimal | None = None
    rate: Decimal | None = None


def _rc(cell: str) -> tuple[int, int]:
    col, row = coordinate_from_string(cell)
    return row - 1, column_index_from_string(col) - 1


AMOUNT_FIELDS = {"budget_initial", "budget_full_year", "executed", "allocated", "paid", "carryover"}


@lru_cache(maxsize=None)
def spots(i: int) -> tuple[Spot, ...]:
    """Every manifest cell of workbook ``i`` that a mutation needs to find (deduplicated by position)."""
    e = WORKBOOKS[i]["expected"]
    out: dict[tuple, Spot] = {}

    def add(sheet, cell, role, **kw):
        r, c = _rc(cell)
        out.setdefault((sheet, r, c, role), Spot(sheet, r, c, role, **kw))

    for x in e["line_items"] + e["func_lines"] + e["econ_lines"]:
        add(x["sheet"], x["cell"], "amount", yuan=Decimal(x["amount_yuan"]))
    for x in e["facts"]:
        if x.get("amount_yuan") is not None:
            add(x["sheet"], x["cell"], "amount", yuan=Decimal(x["amount_yuan"]))
    for x in e["project_funds"] + e["fund_projects"]:
        cells = x.get("cells") or {}
        values = dict(x, **(x.get("parts") or {}))
        for f, cell in cells.items():
            if (f in AMOUNT_FIELDS or f in (x.get("parts") or {})) and values.get(f) is not None:
                add(x["sheet"], cell, "amount", yuan=Decimal(values[f]))
            elif f == "execution_rate" and x.get("execution_rate") is not None:
                add(x["sheet"], cell, "rate", rate=Decimal(x["execution_rate"]))
    for x in e["indicators"]:
        add(x["sheet"], f"A{x['row']}", "indicator")
        for k in ("level1_cell", "level2_cell", "level3_cell"):
            if x.get(k):
                add(x["sheet"], x[k], "level")
    for x in e["synthetic"]:
        if x.get("value_yuan") is not None and x.get("cell"):
            add(x["sheet"], x["cell"], "amount", yuan=Decimal(x["value_yuan"]))
    return tuple(out.values())


def _openpyxl_sheets(wb: openpyxl.Workbook) -> list[SheetData]:
    out = []
    for ws in wb.worksheets:
        cells = {(c.row - 1, c.column - 1): c.value for row in ws.iter_rows() for c in row
                 if c.value is not None and c.value != ""}
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        out.append(SheetData(ws.title, cells, merges))
    return out


def _calamine_book(path: Path) -> openpyxl.Workbook:
    """The legacy .xls sample rebuilt as an openpyxl workbook from python-calamine values and merged ranges."""
    cw = CalamineWorkbook.from_path(str(path))
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in cw.sheet_names:
        sh = cw.get_sheet_by_name(name)
        ws = wb.create_sheet(name)
        for r, row in enumerate(sh.to_python(skip_empty_area=False)):
            for c, v in enumerate(row):
                if v not in ("", None):
                    ws.cell(row=r + 1, column=c + 1, value=v)
        for (r0, c0), (r1, c1) in sh.merged_cell_ranges or []:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    cw.close()
    return wb


@lru_cache(maxsize=None)
def base_sheets(i: int) -> tuple[SheetData, ...]:
    path = SAMPLES / WORKBOOKS[i]["path"]
    wb = _calamine_book(path) if path.suffix.lower() == ".xls" else openpyxl.load_workbook(path)
    return tuple(_openpyxl_sheets(wb))


@dataclass
class Mutant:
    index: int
    sheets: list[SheetData]
    rel: str
    moves: dict[str, list] = field(default_factory=dict)    # original sheet -> [name, {row: row}, {col: col}]
    applied: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, i: int) -> "Mutant":
        sheets = copy.deepcopy(list(base_sheets(i)))
        rel = WORKBOOKS[i]["path"].split("submissions/", 1)[1]
        rel = rel.rsplit(".", 1)[0] + ".xlsx"
        moves = {s.name: [s.name, {r: r for r in range(s.height + 1)}, {c: c for c in range(s.width + 1)}]
                 for s in sheets}
        return cls(i, sheets, rel, moves)

    @property
    def entry(self) -> dict:
        return WORKBOOKS[self.index]

    def sheet(self, name: str) -> SheetData:
        return next(s for s in self.sheets if s.name == name)

    def where(self, sheet: str, r: int, c: int) -> tuple[str, int, int]:
        name, rows, cols = self.moves[sheet]
        return name, rows[r], cols[c]

    def spots(self, role: str) -> list[tuple[SheetData, int, int, Spot]]:
        out = []
        for s in spots(self.index):
            if s.role == role:
                name, r, c = self.where(s.sheet, s.r, s.c)
                out.append((self.sheet(name), r, c, s))
        return out

    def remap(self, sd: SheetData, rf: Callable[[int], int], cf: Callable[[int], int]) -> None:
        """Move every cell of ``sd`` from (r, c) to (rf(r), cf(c)); merged ranges follow (a range that would be
        split is dropped, its text kept in its new first cell)."""
        heads = [(m, sd.get(m[0], m[1])) for m in sd.merges]
        sd.cells = {(rf(r), cf(c)): v for (r, c), v in sd.cells.items()}
        merges = []
        for (r0, c0, r1, c1), head in heads:
            rows = sorted(rf(r) for r in range(r0, r1 + 1))
            cols = sorted(cf(c) for c in range(c0, c1 + 1))
            n0, m0 = rf(r0), cf(c0)
            if rows == list(range(rows[0], rows[-1] + 1)) and cols == list(range(cols[0], cols[-1] + 1)):
                merges.append((rows[0], cols[0], rows[-1], cols[-1]))
                if head is not None and (n0, m0) != (rows[0], cols[0]):
                    sd.cells.pop((n0, m0), None)
                    sd.cells[(rows[0], cols[0])] = head
        sd.merges = merges
        sd.hidden_rows = {rf(r) for r in sd.hidden_rows}
        sd.hidden_cols = {cf(c) for c in sd.hidden_cols}
        for mv in self.moves.values():
            if mv[0] == sd.name:
                mv[1] = {k: rf(v) for k, v in mv[1].items()}
                mv[2] = {k: cf(v) for k, v in mv[2].items()}

    def insert_rows(self, sd: SheetData, at: int, rows: list[list[object]]) -> None:
        """New rows before row ``at``; a vertical merge crossing ``at`` grows over them."""
        n = len(rows)
        crossing = [m for m in sd.merges if m[0] < at <= m[2]]
        sd.merges = [m for m in sd.merges if m not in crossing]
        self.remap(sd, lambda r: r + n if r >= at else r, lambda c: c)
        sd.merges += [(r0, c0, r1 + n, c1) for r0, c0, r1, c1 in crossing]
        for i, row in enumerate(rows):
            for c, v in enumerate(row):
                sd.set(at + i, c, v)

    def rename(self, sd: SheetData, new: str) -> None:
        for mv in self.moves.values():
            if mv[0] == sd.name:
                mv[0] = new
        sd.name = new

    def to_openpyxl(self) -> openpyxl.Workbook:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for sd in self.sheets:
            ws = wb.create_sheet(sd.name)
            for (r, c), v in sorted(sd.cells.items()):
                ws.cell(row=r + 1, column=c + 1, value=v)
            for r0, c0, r1, c1 in sd.merges:
                if (r0, c0) != (r1, c1):
                    ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
            for r in sd.hidden_rows:
                ws.row_dimensions[r + 1].hidden = True
            for c in sd.hidden_cols:
                ws.column_dimensions[get_column_letter(c + 1)].hidden = True
        return wb


# ---------------------------------------------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------------------------------------------


def m_rename_sheets(m: Mutant, rnd: random.Random) -> bool:
    names = rnd.choice([["Sheet{}"], ["表{}"], ["附表{}（公开）"], ["{}"]])[0]
    order = list(range(len(m.sheets)))
    rnd.shuffle(order)
    for k, sd in zip(order, list(m.sheets)):
        m.rename(sd, f"__{k}")
    for sd in m.sheets:
        m.rename(sd, names.format(int(sd.name[2:]) + 1))
    return True


def m_title_notes(m: Mutant, rnd: random.Random) -> bool:
    above = rnd.choice([[["附件{}".format(rnd.randint(1, 9))], [], ["说明：本表据实填报，数据来源于部门决算系统"]],
                        [["公开附表"], ["填报说明：本表由填报单位填写", "", "（盖章）"]],
                        [["表{}".format(rnd.randint(1, 9))]]])
    below = [[], ["注：1. 本表数据已经审核；2. 空白单元格表示无数据。"], ["填表人：张三", "", "联系电话：0000-1234567"]]
    for sd in m.sheets:
        h = sd.height
        m.insert_rows(sd, 0, above)
        for i, row in enumerate(below):
            for c, v in enumerate(row):
                sd.set(h + len(above) + i, c, v)
    return True


def _data_rows(m: Mutant) -> dict[str, list[int]]:
    out: dict[str, set[int]] = {}
    for role in ("amount", "indicator", "rate"):
        for sd, r, _, _ in m.spots(role):
            out.setdefault(sd.name, set()).add(r)
    return {k: sorted(v) for k, v in out.items()}


def m_blank_rows(m: Mutant, rnd: random.Random) -> bool:
    changed = False
    for name, rows in _data_rows(m).items():
        sd = m.sheet(name)
        inside = [r for r in rows if r - 1 in rows]          # a data row right below another: inside a table
        for r in sorted(rnd.sample(inside, min(len(inside), rnd.randint(1, 2))), reverse=True):
            m.insert_rows(sd, r, [[]])
            changed = True
    return changed


def _runs(cols: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for c in sorted(set(cols)):
        if runs and c == runs[-1][-1] + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return [r for r in runs if len(r) > 1]


def m_reorder_columns(m: Mutant, rnd: random.Random) -> bool:
    """Amount columns (each contiguous run of columns holding amounts of the same rows) in another order: reversed,
    or shuffled when no merged range is split by the shuffle. A run is left alone when it also holds the row labels
    of a table beside it (the other half of a 收入 | 支出 table)."""
    changed = False
    by_sheet: dict[str, dict[int, set[int]]] = {}
    for sd, r, c, _ in m.spots("amount"):
        by_sheet.setdefault(sd.name, {}).setdefault(r, set()).add(c)
    for name, rows in by_sheet.items():
        sd = m.sheet(name)
        runs = {tuple(run) for cols in rows.values() for run in _runs(sorted(cols))}
        runs = {a for a in runs if not any(set(a) < set(b) for b in runs)}
        runs = {a for a in runs if not any(a != b and set(a) & set(b) for b in runs)}
        for run in sorted(runs):
            if any(any(isinstance(sd.get(r, c), str) for c in run) and not cols & set(run)
                   for r, cols in rows.items()):
                continue
            run = list(run)
            perm = run[::-1]
            alt = run[:]
            rnd.shuffle(alt)
            if rnd.random() < 0.5 and alt != run and _keeps_merges(sd, dict(zip(run, alt))):
                perm = alt
            f = dict(zip(run, perm))
            m.remap(sd, lambda r: r, lambda c, f=f: f.get(c, c))
            changed = True
    return changed


def _keeps_merges(sd: SheetData, f: dict[int, int]) -> bool:
    for _, c0, _, c1 in sd.merges:
        cols = sorted(f.get(c, c) for c in range(c0, c1 + 1))
        if cols != list(range(cols[0], cols[-1] + 1)):
            return False
    return True


def m_synonyms(m: Mutant, rnd: random.Random) -> bool:
    changed = False
    for sd in m.sheets:
        for k, v in list(sd.cells.items()):
            if isinstance(v, str) and v.strip() in SYNONYMS:
                sd.cells[k] = rnd.choice(SYNONYMS[v.strip()])
                changed = True
    return changed


_UNIT_LINE = re.compile(r"((?:金额)?单位\s*[:：]\s*)(万元|千元|元)")
_UNIT_PAREN = re.compile(r"([（(]\s*)(万元|千元|元)(\s*[)）])")


def _as_cell_value(d: Decimal) -> object:
    """A float when it round-trips exactly, else the exact decimal as text."""
    f = float(d)
    return f if Decimal(repr(f)) == d else format(d.normalize(), "f")


def m_unit(m: Mutant, rnd: random.Random, target: str | None = None, placement: str | None = None) -> bool:
    """Amounts converted to another unit (exact: every amount cell is rewritten from its 元 value) and the unit
    stated in the unit line ("金额单位：万元") or in the amount column headers ("全年执行数（万元）")."""
    amounts: dict[str, list] = {}
    for sd, r, c, s in m.spots("amount"):
        v = sd.get(r, c)
        if isinstance(v, str) and "元" in v:
            continue                     # "90.79万元": the cell states its own unit
        amounts.setdefault(sd.name, []).append((r, c, s.yuan))
    changed = False
    for name, cells in amounts.items():
        sd = m.sheet(name)
        current = next((unit_in_text(v) for v in sd.cells.values() if isinstance(v, str) and unit_in_text(v)), "元")
        unit = target or rnd.choice([u for u in FACTORS if u != current])
        if unit == current:
            unit = "万元" if current != "万元" else "元"
        where = placement or rnd.choice(["line", "header"])
        headers = _amount_headers(sd, cells) if where == "header" else None
        for r, c, yuan in cells:
            sd.set(r, c, _as_cell_value(yuan / FACTORS[unit]))
        unit_cells = [(k, v) for k, v in sd.cells.items() if isinstance(v, str) and unit_in_text(v)]
        for k, v in unit_cells:
            if headers is not None and _UNIT_LINE.fullmatch(v.strip()):
                sd.cells.pop(k)          # the unit moves into the headers
                continue
            sd.cells[k] = _UNIT_PAREN.sub(lambda x: x.group(1) + unit + x.group(3),
                                          _UNIT_LINE.sub(lambda x: x.group(1) + unit, v))
        if headers is not None:
            for k in headers:
                v = sd.cells[k]
                sd.cells[k] = _UNIT_PAREN.sub("", v).rstrip() + f"（{unit}）"
        elif not unit_cells:
            m.insert_rows(sd, 0, [[f"单位：{unit}"]])
        changed = True
    return changed


def _amount_headers(sd: SheetData, cells: list) -> set[tuple[int, int]] | None:
    """The header cell over each amount (the nearest text above it in its column, past the amounts of the same
    table), or None when some amount has no column header (label：value pairs)."""
    out = set()
    for r, c, _ in cells:
        left = sd.get(r, c - 1)
        if isinstance(left, str) and left.strip().endswith(("：", ":")):
            return None
        for rr in range(r - 1, -1, -1):
            o = sd.origin(rr, c)
            v = sd.get(*o)
            if isinstance(v, str) and v.strip():
                if "：" in v or ":" in v or len(v.strip()) > 16:
                    return None
                out.add(o)
                break
        else:
            return None
    return out


def m_two_line_header(m: Mutant, rnd: random.Random) -> bool:
    """Header rows merged over two lines: a row inserted above each amount header row; a super-header merged across
    the amount headers, every other header cell moved up and merged over both lines."""
    changed = False
    amounts: dict[str, list] = {}
    for sd, r, c, s in m.spots("amount"):
        amounts.setdefault(sd.name, []).append((r, c, s.yuan))
    for name, cells in amounts.items():
        sd = m.sheet(name)
        headers = _amount_headers(sd, cells)
        if not headers:
            continue
        for hr in sorted({r for r, _ in headers}, reverse=True):
            if any(r0 < hr <= r1 for r0, _, r1, _ in sd.merges):
                continue
            cols = sorted(c for r, c in headers if r == hr)
            origins = {(r0, c0) for r0, c0, _, _ in sd.merges}
            m.insert_rows(sd, hr, [[]])
            for run in _runs(cols) + [[c] for c in cols if not any(c in x for x in _runs(cols))]:
                sd.set(hr, run[0], rnd.choice(["数额", "资金情况"]))
                if len(run) > 1:
                    sd.merges.append((hr, run[0], hr, run[-1]))
            for c, v in sd.row_texts(hr + 1):
                if c in cols or (hr, c) in origins or any(c0 <= c <= c1 and r0 == hr + 1 for r0, c0, _, c1 in
                                                           sd.merges):
                    continue
                sd.set(hr, c, v)
                sd.set(hr + 1, c, None)
                sd.merges.append((hr, c, hr + 1, c))
            changed = True
    return changed


_FULL = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")


def m_numbers_as_text(m: Mutant, rnd: random.Random, style: str | None = None) -> bool:
    """Amounts written as text: "1,234.56", full-width "１，２３４．５６", and "(1,234.56)" where negative."""
    changed = False
    for sd, r, c, _ in m.spots("amount"):
        v = sd.get(r, c)
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
        s = style or rnd.choice(["thousands", "fullwidth", "plain"])
        t = format(abs(d), ",f") if s != "plain" else format(abs(d), "f")
        if s == "fullwidth":
            t = t.translate(_FULL)
        if d < 0:
            t = f"({t})" if s != "fullwidth" else f"（{t}）"
        sd.set(r, c, t)
        changed = True
    return changed


def m_percentages(m: Mutant, rnd: random.Random, style: str | None = None) -> bool:
    """Execution rates as "85.4%", 85.4 (a percentage) or 0.854 (a fraction)."""
    changed = False
    for sd, r, c, s in m.spots("rate"):
        pct = (s.rate * 100).normalize()
        form = style or rnd.choice(["text", "percent", "fraction"])
        value = {"text": f"{format(pct, 'f')}%", "percent": float(pct), "fraction": float(s.rate)}[form]
        if form == "percent" and pct <= Decimal("1.5"):
            value = f"{format(pct, 'f')}%"      # a percentage that small would read as a fraction (documented)
        sd.set(r, c, value)
        changed = True
    return changed


def m_unmerge_levels(m: Mutant, rnd: random.Random, fill: bool | None = None) -> bool:
    """Merged indicator-level cells unmerged, then forward-filled (every row repeats the label) or left blank."""
    rows = {(sd.name, r) for sd, r, _, _ in m.spots("indicator")}
    level_col: dict[str, int] = {}
    for sd, _, c, _ in m.spots("level"):
        level_col[sd.name] = max(c, level_col.get(sd.name, 0))
    changed = False
    for sd in m.sheets:
        keep = []
        for mg in sd.merges:
            r0, c0, r1, c1 = mg
            if (sd.name, r0) not in rows or c0 > level_col.get(sd.name, -1) or r1 == r0:
                keep.append(mg)
                continue
            changed = True
            if fill if fill is not None else rnd.random() < 0.5:
                for r in range(r0 + 1, r1 + 1):
                    sd.set(r, c0, sd.get(r0, c0))
        sd.merges = keep
    return changed


def m_hide(m: Mutant, rnd: random.Random) -> bool:
    changed = False
    for name, rows in _data_rows(m).items():
        sd = m.sheet(name)
        sd.hidden_rows.add(rnd.choice(rows))
        cols = sorted({c for s, _, c, _ in m.spots("amount") + m.spots("level") if s.name == name})
        if cols:
            sd.hidden_cols.add(rnd.choice(cols))
        changed = True
    return changed


_TOTAL = {"合计", "总计"}


def m_total_to_top(m: Mutant, rnd: random.Random) -> bool:
    """A 合计 row with amounts moved from the bottom of its table to the top, just under the header."""
    changed = False
    amount_rows: dict[str, set[int]] = {}
    for sd, r, _, _ in m.spots("amount"):
        amount_rows.setdefault(sd.name, set()).add(r)
    for name, rows in amount_rows.items():
        sd = m.sheet(name)
        for t in sorted(rows):
            texts = sd.row_texts(t)
            if not texts or re.sub(r"\s+", "", texts[0][1]) not in _TOTAL:
                continue
            first = t
            while first - 1 in rows or (first - 1 >= 0 and not sd.row_texts(first - 1) and
                                        any(x in rows for x in range(first - 3, first - 1))):
                first -= 1
            first = min(x for x in rows if first <= x <= t)
            if first == t or any(mg[0] < first <= mg[2] or mg[0] <= t - 1 < mg[2] <= t or mg[0] < t <= mg[2]
                                 for mg in sd.merges if mg[1] != mg[3] or mg[0] != mg[2]):
                continue

            def f(r, first=first, t=t):
                return first if r == t else r + 1 if first <= r < t else r
            m.remap(sd, f, lambda c: c)
            rows = {f(r) for r in rows}
            changed = True
    return changed


def m_stack_sheets(m: Mutant, rnd: random.Random, pair: tuple[int, int] | None = None) -> bool:
    """Two tables on one sheet: a sheet's cells put under another's, after a gap and a note."""
    if len(m.sheets) < 2:
        return False
    a, b = pair or tuple(rnd.sample(range(len(m.sheets)), 2))
    upper, lower = m.sheets[a], m.sheets[b]
    offset = upper.height + 2
    upper.set(upper.height + 1, 0, "（续表）")
    m.remap(lower, lambda r: r + offset, lambda c: c)
    upper.cells.update(lower.cells)
    upper.merges += lower.merges
    upper.hidden_rows |= lower.hidden_rows
    upper.hidden_cols |= lower.hidden_cols
    m.rename(lower, upper.name)
    m.sheets.remove(lower)
    return True


def m_landing_path(m: Mutant, rnd: random.Random) -> bool:
    year = WORKBOOKS[m.index]["fiscal_year"] - rnd.randint(1, 3)
    m.rel = f"{year}/某某市测试局/{Path(m.rel).name}"
    return True


MUTATIONS: dict[str, Callable[[Mutant, random.Random], bool]] = {   # canonical order for combinations
    "landing_path": m_landing_path,
    "synonyms": m_synonyms,
    "unit": m_unit,
    "two_line_header": m_two_line_header,
    "numbers_as_text": m_numbers_as_text,
    "percentages": m_percentages,
    "unmerge_levels": m_unmerge_levels,
    "total_to_top": m_total_to_top,
    "reorder_columns": m_reorder_columns,
    "blank_rows": m_blank_rows,
    "title_notes": m_title_notes,
    "stack_sheets": m_stack_sheets,
    "hide": m_hide,
    "rename_sheets": m_rename_sheets,
}


def mutate(i: int, names: list[str], seed: int) -> Mutant:
    m = Mutant.of(i)
    rnd = random.Random(seed)
    for name in MUTATIONS:
        if name in names and MUTATIONS[name](m, rnd):
            m.applied.append(name)
    return m


# ---------------------------------------------------------------------------------------------------------------
# Extraction and comparison
# ---------------------------------------------------------------------------------------------------------------


def extract_mutant(m: Mutant, tmp_path: Path):
    path = tmp_path / f"m{m.index}_{abs(hash(tuple(m.applied))) % 10**8}.xlsx"
    m.to_openpyxl().save(path)
    return extract_workbook(read_workbook(path, m.rel), m.rel, hashlib.sha256(path.read_bytes()).hexdigest())


@lru_cache(maxsize=None)
def baseline(i: int) -> dict[str, frozenset]:
    """What the extractor gets from the unchanged sample: the manifest facts plus the few extra (benign) tuples."""
    wb = WORKBOOKS[i]
    act = actual(extract_sample(wb).rows, expected(wb))
    return {k: frozenset(v) for k, v in act.items()}


def _move_cell(m: Mutant, sheet: str, cell: str) -> tuple[str, str]:
    name, r, c = m.where(sheet, *_rc(cell))
    return name, cell_ref(r, c)


def moved(m: Mutant, facts: dict) -> dict[str, set[tuple]]:
    """Fact tuples (manifest_facts shapes) with sheet, cell and row moved as the mutations moved them."""
    out: dict[str, set[tuple]] = {}
    out["line_items"] = {_move_cell(m, t[0], t[1]) + t[2:] for t in facts["line_items"]}
    out["project_funds"] = {(m.moves[t[0]][0],) + t[1:] for t in facts["project_funds"]}
    out["fund_rows"] = {(_move_cell(m, t[0], t[5])[0],) + t[1:5] + (_move_cell(m, t[0], t[5])[1],)
                        for t in facts["fund_rows"]}
    out["indicators"] = {t[:2] + (m.moves[t[2]][0], m.moves[t[2]][1][t[3] - 1] + 1) + t[4:]
                         for t in facts["indicators"]}
    out["evaluations"] = {t[:2] + _move_cell(m, t[2], t[3]) + t[4:] for t in facts["evaluations"]}
    out["facts"] = {t[:3] + _move_cell(m, t[3], t[4]) for t in facts["facts"]}
    return out


def assert_same_facts(m: Mutant, ex) -> None:
    exp = moved(m, expected(m.entry))
    want = moved(m, baseline(m.index))
    got = actual(ex.rows, exp)
    # deviation reasons are compared where the manifest has them (actual() adds them per sheet, and after stacking
    # a sheet may hold indicators with and without)
    reasons = {t for t in exp["indicators"] if len(t) == 12}
    assert reasons <= got["indicators"], f"{m.applied}: reasons {sorted(reasons - got['indicators'], key=str)[:3]}"
    for facts in (exp, want, got):
        facts["indicators"] = {t[:11] for t in facts["indicators"]}
    for k in exp:
        missing = exp[k] - got[k]
        assert not missing, f"{m.applied}: {k} missing {len(missing)}: {sorted(missing, key=str)[:4]}"
        extra = got[k] - want[k]
        assert not extra, f"{m.applied}: {k} extra {len(extra)}: {sorted(extra, key=str)[:4]}"


def findings(ex, kind: str) -> list[dict]:
    return [f for f in ex.rows.get("sheet_findings", []) if f["finding"] == kind]


# ---------------------------------------------------------------------------------------------------------------
# Tests: each mutation on every sample
# ---------------------------------------------------------------------------------------------------------------

SINGLE = [n for n in MUTATIONS if n not in ("hide", "landing_path")]
APPLIED: dict[str, set[int]] = {}


@pytest.mark.parametrize("i", range(len(WORKBOOKS)), ids=IDS)
def test_round_trip_unchanged(i: int, tmp_path: Path) -> None:
    m = Mutant.of(i)
    assert_same_facts(m, extract_mutant(m, tmp_path))


@pytest.mark.parametrize("name", SINGLE)
@pytest.mark.parametrize("i", range(len(WORKBOOKS)), ids=IDS)
def test_single_mutation(i: int, name: str, tmp_path: Path) -> None:
    m = mutate(i, [name], seed=i)
    if not m.applied:
        pytest.skip(f"{name} does not apply to this workbook")
    assert_same_facts(m, extract_mutant(m, tmp_path))


@pytest.mark.parametrize("target,placement", [("万元", "line"), ("万元", "header"), ("千元", "line"),
                                              ("千元", "header"), ("元", "line")])
@pytest.mark.parametrize("i", range(len(WORKBOOKS)), ids=IDS)
def test_unit_conversions(i: int, target: str, placement: str, tmp_path: Path) -> None:
    m = Mutant.of(i)
    if not m_unit(m, random.Random(0), target=target, placement=placement):
        pytest.skip("no amounts")
    m.applied.append(f"unit:{target}:{placement}")
    ex = extract_mutant(m, tmp_path)
    assert_same_facts(m, ex)


@pytest.mark.parametrize("style", ["thousands", "fullwidth"])
def test_numbers_as_text_every_sample(style: str, tmp_path: Path) -> None:
    for i in range(len(WORKBOOKS)):
        m = Mutant.of(i)
        if m_numbers_as_text(m, random.Random(0), style=style):
            m.applied.append(f"text:{style}")
            assert_same_facts(m, extract_mutant(m, tmp_path))


@pytest.mark.parametrize("style", ["text", "percent", "fraction"])
def test_percentages_every_sample(style: str, tmp_path: Path) -> None:
    n = 0
    for i in range(len(WORKBOOKS)):
        m = Mutant.of(i)
        if m_percentages(m, random.Random(0), style=style):
            m.applied.append(f"rate:{style}")
            assert_same_facts(m, extract_mutant(m, tmp_path))
            n += 1
    assert n >= 2


@pytest.mark.parametrize("fill", [True, False])
def test_unmerged_levels_every_sample(fill: bool, tmp_path: Path) -> None:
    n = 0
    for i in range(len(WORKBOOKS)):
        m = Mutant.of(i)
        if m_unmerge_levels(m, random.Random(0), fill=fill):
            m.applied.append(f"unmerge:{fill}")
            assert_same_facts(m, extract_mutant(m, tmp_path))
            n += 1
    assert n >= 5


@pytest.mark.parametrize("i", range(len(WORKBOOKS)), ids=IDS)
def test_hidden_rows_and_columns_flagged(i: int, tmp_path: Path) -> None:
    m = mutate(i, ["hide"], seed=i)
    ex = extract_mutant(m, tmp_path)
    assert_same_facts(m, ex)
    hidden = {sd.name for sd in m.sheets if sd.hidden_rows}
    assert hidden and {f["source_sheet"] for f in findings(ex, "hidden_rows")} == hidden
    assert {f["source_sheet"] for f in findings(ex, "hidden_cols")} == {sd.name for sd in m.sheets if sd.hidden_cols}


@pytest.mark.parametrize("i", range(len(WORKBOOKS)), ids=IDS)
def test_landing_path_differs_content_wins(i: int, tmp_path: Path) -> None:
    m = mutate(i, ["landing_path"], seed=i)
    ex = extract_mutant(m, tmp_path)
    assert_same_facts(m, ex)
    wb = m.entry
    assert findings(ex, "department_mismatch")
    assert ex.department_name == wb["department"]
    rows = [x for k, v in ex.rows.items() if k != "sheet_findings" for x in v]
    assert {x["department_name"] for x in rows} == {wb["department"]}
    states_year = any(str(wb["fiscal_year"]) + "年" in str(v) for sd in m.sheets for (r, _), v in sd.cells.items()
                      if r < 8)
    if states_year:
        assert findings(ex, "year_mismatch")
        assert ex.fiscal_year == wb["fiscal_year"]
        assert {x["fiscal_year"] for x in rows} == {wb["fiscal_year"]}


def test_every_mutation_applies_somewhere() -> None:
    for name in MUTATIONS:
        assert any(mutate(i, [name], seed=i).applied for i in range(len(WORKBOOKS))), name


# ---------------------------------------------------------------------------------------------------------------
# Random combinations (hypothesis)
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("i", range(len(WORKBOOKS)), ids=IDS)
@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(list(MUTATIONS)), min_size=2, max_size=7, unique=True),
       seed=st.integers(0, 2 ** 16))
def test_random_combinations(i: int, names: list[str], seed: int, tmp_path: Path) -> None:
    m = mutate(i, names, seed)
    ex = extract_mutant(m, tmp_path)
    assert_same_facts(m, ex)
    if any(sd.hidden_rows for sd in m.sheets):
        assert findings(ex, "hidden_rows")
    if "landing_path" in m.applied:
        assert findings(ex, "department_mismatch")


# ---------------------------------------------------------------------------------------------------------------
# Negative amounts, unknown tables, table-driven synonyms
# ---------------------------------------------------------------------------------------------------------------


def _save(m: Mutant, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    m.to_openpyxl().save(path)
    return path


def test_negative_amounts_in_parentheses(tmp_path: Path) -> None:
    """Negative amounts written "(1,234.56)" or full-width "（１，２３４．５６）" are negative (in the sheet's unit)."""
    i = next(i for i, w in enumerate(WORKBOOKS) if w["path"].endswith("2020年度部门决算公开附表.xlsx"))
    m = Mutant.of(i)
    cells = [(sd, r, c) for sd, r, c, s in m.spots("amount") if sd.name == "支出决算表"][:3]
    for (sd, r, c), text in zip(cells, ["(1,234.56)", "（１，２３４．５６）", "-1,234.56"]):
        sd.set(r, c, text)
    ex = extract_mutant(m, tmp_path)
    got = {x["source_cell"]: x["amount_yuan"] for x in ex.rows["line_items"] if x["source_sheet"] == "支出决算表"}
    assert [got[cell_ref(r, c)] for _, r, c in cells] == [Decimal("-12345600.00")] * 3   # 万元 sheet


def test_unknown_table_is_reported_not_dropped(tmp_path: Path) -> None:
    """A table no recogniser knows, inside a known workbook: in Extraction.skipped (→ audit.ingested_files
    .skipped_tables) and a sheet_findings 'unknown_table' row at its first cell; the known tables still extract."""
    from ingest.ingestion import pack_file
    from ingest.landing import LandedFile
    i = next(i for i, w in enumerate(WORKBOOKS) if w["path"].endswith("2020年度部门决算报表.xlsx"))
    m = Mutant.of(i)
    sd = m.sheet("支出决算表")
    top = sd.height + 2
    for k, row in enumerate([["政府采购情况表"], ["采购品目", "采购方式", "合同金额"], ["服务器", "公开招标", 35.2],
                             ["网络设备", "询价", 12.5]]):
        for c, v in enumerate(row):
            sd.set(top + k, c, v)
    ex = extract_mutant(m, tmp_path)
    assert_same_facts(m, ex)
    unknown = findings(ex, "unknown_table")
    assert [(f["source_sheet"], f["source_cell"]) for f in unknown] == [("支出决算表", cell_ref(top + 1, 0))]
    assert ex.skipped == [f"支出决算表!{cell_ref(top + 1, 0)}: 采购品目"]
    path = _save(m, tmp_path, "unknown.xlsx")
    packed = pack_file(LandedFile(path, m.rel, path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()))
    assert packed.skipped == ex.skipped     # what ingestion records in audit.ingested_files.skipped_tables


def _clear_label_caches() -> None:
    import ingest.identity
    import ingest.targets
    import ingest.templates.base
    import ingest.templates.final_accounts
    import ingest.templates.performance
    import ingest.templates.special_funds
    for mod in (ingest.templates.base, ingest.templates.final_accounts, ingest.templates.performance,
                ingest.templates.special_funds, ingest.identity, ingest.targets):
        for obj in vars(mod).values():
            if callable(getattr(obj, "cache_clear", None)):
                obj.cache_clear()


@pytest.fixture()
def label_copy(tmp_path: Path, monkeypatch):
    """A private copy of ingest/templates/labels that a test may extend (the lru_caches cleared around it)."""
    import shutil

    import ingest.templates.base as base
    labels = tmp_path / "labels"
    shutil.copytree(base.LABELS_DIR, labels)
    monkeypatch.setattr(base, "LABELS_DIR", labels)
    _clear_label_caches()
    yield labels
    monkeypatch.undo()
    _clear_label_caches()


def _append(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def test_new_synonyms_and_columns_are_data(label_copy: Path, tmp_path: Path) -> None:
    """Unknown header labels extract once a row is added to a label CSV — no code change."""
    t1 = next(i for i, w in enumerate(WORKBOOKS) if w["path"].endswith("2020年度项目支出绩效自评表.xlsx"))
    t3 = next(i for i, w in enumerate(WORKBOOKS) if w["path"].endswith("2020年度部门决算公开附表.xlsx"))
    t4 = next(i for i, w in enumerate(WORKBOOKS) if w["path"].endswith("2022年智慧常德建设资金绩效评价附表.xlsx"))
    renames = {t1: {"全年执行数": "支出完成数", "年度指标值": "计划达成值"}, t3: {"基本支出": "日常运转支出"},
               t4: {"累计支付": "拨付到位数", "支付资金": "拨付到位数"}}
    mutants = {}
    for i, mapping in renames.items():
        m = Mutant.of(i)
        for sd in m.sheets:
            for k, v in list(sd.cells.items()):
                if isinstance(v, str) and v.strip() in mapping:
                    sd.cells[k] = mapping[v.strip()]
        mutants[i] = m
    before = {i: extract_mutant(m, tmp_path) for i, m in mutants.items()}
    for i, m in mutants.items():
        with pytest.raises(AssertionError):
            assert_same_facts(m, before[i])
    _append(label_copy / "performance_columns.csv", "funds_col,executed,支出完成数,exact")
    _append(label_copy / "performance_columns.csv", "indicator,target,计划达成值,exact")
    _append(label_copy / "final_accounts_columns.csv", "expenditure,日常运转支出,basic")   # a new column label
    _append(label_copy / "special_funds_columns.csv", "paid,拨付到位数,exact")
    _clear_label_caches()
    for i, m in mutants.items():
        assert_same_facts(m, extract_mutant(m, tmp_path))
