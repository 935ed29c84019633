"""部门决算 (T3) recognisers: every manifest fact of the four 决算 sample workbooks, and the same facts after the
sample sheets are rewritten with other layouts (rows inserted, columns reordered, blank rows, another unit, moved
titles, renamed sheets, several tables on one sheet, a 合计 row at the top, label spelling variants)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from ingest.errors import BadValue
from ingest.extract import extract_workbook
from ingest.readers import Sheet, cell_ref, read_workbook
from ingest.templates.base import SheetContext
from ingest.templates.final_accounts import RECOGNISERS, sheet_index
from tests.extraction_report import extract_sample
from tests.manifest_facts import MANIFEST, SAMPLES, actual, compare, expected

CATEGORIES = ("line_items", "facts")
CHANGDE = "2016年度整体评价附表.xls"
KAIYUAN = "2020年度部门决算公开表.xlsx"
YIYANG = "2020年度部门决算报表.xlsx"
YAAN = "2020年度部门决算公开附表.xlsx"


def manifest_entry(file_name: str) -> dict:
    return next(wb for wb in MANIFEST["workbooks"] if wb["path"].endswith(file_name))


def t3_rows(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Only the rows this module's recognisers produced."""
    return {k: [x for x in rows.get(k, []) if str(x.get("table_kind", "")).startswith("t3_")] for k in CATEGORIES}


def expected_t3(wb: dict) -> dict[str, set[tuple]]:
    exp = expected(wb)
    return {k: exp[k] for k in CATEGORIES}


# ---------------------------------------------------------------------------------------------------------------
# (a) the samples, exactly
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_name", [CHANGDE, KAIYUAN, YIYANG, YAAN])
def test_sample_facts_extracted_exactly(file_name: str) -> None:
    wb = manifest_entry(file_name)
    ex = extract_sample(wb)
    missing, counts = compare(ex.rows, wb)
    assert sum(counts[k] for k in CATEGORIES) > 0
    for k in CATEGORIES:
        assert not missing[k], f"{k} not extracted: {sorted(missing[k], key=str)[:10]}"
    exp = expected_t3(wb)
    act = actual(t3_rows(ex.rows), expected(wb))
    for k in CATEGORIES:
        assert act[k] == exp[k], f"{k} extracted but not in the manifest: {sorted(act[k] - exp[k], key=str)[:10]}"


@pytest.mark.parametrize("file_name", [CHANGDE, KAIYUAN, YIYANG, YAAN])
def test_rows_carry_unit_and_lineage(file_name: str) -> None:
    ex = extract_sample(manifest_entry(file_name))
    rows = t3_rows(ex.rows)["line_items"]
    assert rows
    for x in rows:
        assert x["unit"] in ("元", "万元")
        assert x["source_cell"] and x["source_sheet"] and x["table_kind"].startswith("t3_")
        assert isinstance(x["amount_yuan"], Decimal)


def test_sample_units_differ_but_amounts_are_yuan() -> None:
    ex = extract_sample(manifest_entry(YIYANG))
    summary = [x for x in t3_rows(ex.rows)["line_items"] if x["source_cell"] == "C5"
               and x["source_sheet"] == "收入支出决算总表"]
    assert [(x["unit"], x["amount_yuan"]) for x in summary] == [("万元", Decimal("22174200.00"))]


# ---------------------------------------------------------------------------------------------------------------
# Rewriting sample sheets: a grid that remembers where each original cell went
# ---------------------------------------------------------------------------------------------------------------

Merge = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class Grid:
    """A sheet as values + merged ranges, with ``pos``: original (row, col) -> current (row, col)."""
    name: str
    rows: list[list[object]]
    merged: list[Merge]
    pos: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    original: str = ""

    @classmethod
    def of(cls, sheet: Sheet) -> "Grid":
        width = max(sheet.width, 1)
        rows = [list(r) + [""] * (width - len(r)) for r in sheet.rows]
        pos = {(r, c): (r, c) for r in range(len(rows)) for c in range(width)}
        return cls(sheet.name, rows, list(sheet.merged), pos, sheet.name)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def find(self, text: str) -> tuple[int, int]:
        return next((r, c) for r, row in enumerate(self.rows) for c, v in enumerate(row) if v == text)

    def insert_rows(self, at: int, rows: list[list[object]]) -> None:
        n = len(rows)
        self.rows[at:at] = [list(r) + [""] * (self.width - len(r)) for r in rows]
        self.merged = [((r0 + n if r0 >= at else r0, c0), (r1 + n if r1 >= at else r1, c1))
                       for (r0, c0), (r1, c1) in self.merged]
        self.pos = {k: (r + n if r >= at else r, c) for k, (r, c) in self.pos.items()}

    def move_row(self, src: int, dst: int) -> None:
        order = list(range(len(self.rows)))
        order.insert(dst, order.pop(src))
        new_of = {old: new for new, old in enumerate(order)}
        self.rows = [self.rows[old] for old in order]
        self.merged = [self._remap(m, lambda r: new_of[r], axis=0) for m in self.merged]
        self.pos = {k: (new_of[r], c) for k, (r, c) in self.pos.items()}

    def permute_cols(self, order: list[int]) -> None:
        """Column j of the result is column order[j] of the current grid (columns not listed stay in place)."""
        full = order + [c for c in range(self.width) if c not in order]
        new_of = {old: new for new, old in enumerate(full)}
        heads = [(m, self.rows[m[0][0]][m[0][1]]) for m in self.merged]
        self.rows = [[row[old] for old in full] for row in self.rows]
        self.merged = []
        for m, value in heads:                 # a merged range keeps its text in its (new) first cell
            new = self._remap(m, lambda c: new_of[c], axis=1)
            for c in range(new[0][1], new[1][1] + 1):
                if self.rows[new[0][0]][c] == value:
                    self.rows[new[0][0]][c] = ""
            self.rows[new[0][0]][new[0][1]] = value
            self.merged.append(new)
        self.pos = {k: (r, new_of[c]) for k, (r, c) in self.pos.items()}

    @staticmethod
    def _remap(m: Merge, f: Callable[[int], int], axis: int) -> Merge:
        (r0, c0), (r1, c1) = m
        lo, hi = (r0, r1) if axis == 0 else (c0, c1)
        mapped = sorted(f(x) for x in range(lo, hi + 1))
        assert mapped == list(range(mapped[0], mapped[-1] + 1)), "a merged range would be split"
        if axis == 0:
            return (mapped[0], c0), (mapped[-1], c1)
        return (r0, mapped[0]), (r1, mapped[-1])

    def insert_col(self, at: int, values: dict[int, object]) -> None:
        """A new column at ``at`` holding ``values`` (row -> value); ranges merged across it widen."""
        for r, row in enumerate(self.rows):
            row.insert(at, values.get(r, ""))
        self.merged = [((r0, c0 + (c0 >= at)), (r1, c1 + (c1 >= at))) for (r0, c0), (r1, c1) in self.merged]
        self.pos = {k: (r, c + (c >= at)) for k, (r, c) in self.pos.items()}

    def append_below(self, other: "Grid", gap: list[list[object]]) -> None:
        """Put ``other``'s rows under this grid's (after ``gap``); ``other`` now lives on this sheet."""
        offset = len(self.rows) + len(gap)
        width = max(self.width, other.width)
        self.rows = [r + [""] * (width - len(r)) for r in self.rows + gap + [list(x) for x in other.rows]]
        self.merged += [((r0 + offset, c0), (r1 + offset, c1)) for (r0, c0), (r1, c1) in other.merged]
        other.pos = {k: (r + offset, c) for k, (r, c) in other.pos.items()}
        other.name = self.name

    def unmerge_at(self, r: int, c: int) -> None:
        self.merged = [m for m in self.merged if m[0] != (r, c)]


@dataclass
class Book:
    """The sheets to write (``grids``) and, by original sheet name, where every original sheet went."""
    grids: list[Grid]
    source: dict
    by_original: dict[str, Grid] = field(default_factory=dict)

    def sheet(self, original_name: str) -> Grid:
        return self.by_original[original_name]

    def stack(self, upper: str, lower: str, gap: list[list[object]]) -> None:
        self.sheet(upper).append_below(self.sheet(lower), gap)
        self.grids.remove(self.sheet(lower))


def load_book(file_name: str) -> Book:
    wb = manifest_entry(file_name)
    grids = [Grid.of(sheet) for sheet in read_workbook(SAMPLES / wb["path"]).sheets]
    return Book(grids, wb, {g.original: g for g in grids})


def save_and_extract(book: Book, tmp_path: Path):
    out = openpyxl.Workbook()
    out.remove(out.active)
    for g in book.grids:
        ws = out.create_sheet(g.name)
        for r, row in enumerate(g.rows):
            for c, v in enumerate(row):
                if v not in ("", None):
                    ws.cell(row=r + 1, column=c + 1, value=v)
        for (r0, c0), (r1, c1) in g.merged:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    rel = book.source["path"].split("submissions/", 1)[1].rsplit(".", 1)[0] + ".xlsx"
    path = tmp_path / Path(rel).name
    out.save(path)
    return extract_workbook(read_workbook(path, rel), rel, hashlib.sha256(path.read_bytes()).hexdigest())


def moved_expectation(book: Book, only_sheets: set[str] | None = None) -> dict[str, set[tuple]]:
    """The manifest facts at the cells and sheet names they have after the rewrite."""
    def move(sheet: str, cell: str) -> tuple[str, str]:
        g = book.sheet(sheet)
        col, row = coordinate_from_string(cell)
        r, c = g.pos[(row - 1, column_index_from_string(col) - 1)]
        return g.name, cell_ref(r, c)

    exp = expected_t3(book.source)
    out: dict[str, set[tuple]] = {k: set() for k in CATEGORIES}
    for t in exp["line_items"]:
        if only_sheets is None or t[0] in only_sheets:
            out["line_items"].add(move(t[0], t[1]) + t[2:])
    for t in exp["facts"]:
        if only_sheets is None or t[3] in only_sheets:
            out["facts"].add(t[:3] + move(t[3], t[4]))
    return out


def assert_same_facts(book: Book, tmp_path: Path, only_sheets: set[str] | None = None) -> None:
    ex = save_and_extract(book, tmp_path)
    want = moved_expectation(book, only_sheets)
    got = actual(t3_rows(ex.rows), expected(book.source))
    if only_sheets is not None:
        names = {book.sheet(s).name for s in only_sheets}
        got = {"line_items": {t for t in got["line_items"] if t[0] in names},
               "facts": {t for t in got["facts"] if t[3] in names}}
    assert sum(len(v) for v in want.values()) > 0
    for k in CATEGORIES:
        assert got[k] == want[k], (f"{k}: missing {sorted(want[k] - got[k], key=str)[:8]} "
                                   f"extra {sorted(got[k] - want[k], key=str)[:8]}")


def value_cells(book: Book, original_sheet: str) -> set[tuple[int, int]]:
    """Original (row, col) of every manifest amount on a sheet."""
    cells = {t[1] for t in expected_t3(book.source)["line_items"] if t[0] == original_sheet}
    out = set()
    for cell in cells:
        col, row = coordinate_from_string(cell)
        out.add((row - 1, column_index_from_string(col) - 1))
    return out


# ---------------------------------------------------------------------------------------------------------------
# (b) layout variations
# ---------------------------------------------------------------------------------------------------------------


def test_round_trip_without_changes(tmp_path: Path) -> None:
    assert_same_facts(load_book(YAAN), tmp_path)


@pytest.mark.parametrize("file_name", [CHANGDE, KAIYUAN, YIYANG, YAAN])
def test_rows_inserted_above(file_name: str, tmp_path: Path) -> None:
    book = load_book(file_name)
    for g in book.grids:
        g.insert_rows(0, [["附件"], [], ["说明：本表为公开表"], []])
    assert_same_facts(book, tmp_path)


def test_legacy_sheet_rows_inserted_between_tables(tmp_path: Path) -> None:
    book = load_book(CHANGDE)
    g = book.sheet("附表1 收支情况表")
    g.insert_rows(g.find("支出经济分类情况")[0], [[], ["以下为补充资料"], []])
    g.insert_rows(g.find("其中：主要项目支出")[0], [[], []])
    assert_same_facts(book, tmp_path)


def test_columns_reordered(tmp_path: Path) -> None:
    book = load_book(KAIYUAN)
    book.sheet("支出决算表").permute_cols([0, 1, 2, 4, 3, 5, 6, 7])          # amounts in another order
    book.sheet("收入决算表").permute_cols([0, 1, 2, 6, 5, 4, 3, 7, 8])
    assert_same_facts(book, tmp_path)


def test_summary_halves_swapped(tmp_path: Path) -> None:
    book = load_book(YIYANG)
    book.sheet("收入支出决算总表").permute_cols([3, 4, 5, 0, 1, 2])          # 支出 half on the left
    assert_same_facts(book, tmp_path)


def test_column_groups_and_blocks_swapped(tmp_path: Path) -> None:
    book = load_book(YAAN)
    book.sheet("基本支出决算表").permute_cols([3, 4, 5, 0, 1, 2])            # 公用经费 | 人员经费
    book.sheet("“三公”经费支出决算表").permute_cols(list(range(6, 12)) + list(range(6)))  # 决算数 | 预算数
    assert_same_facts(book, tmp_path)


def test_extra_columns(tmp_path: Path) -> None:
    book = load_book(KAIYUAN)
    g = book.sheet("支出决算表")
    g.insert_col(2, {2: "备注", 5: "文字说明"})                             # a text column inside the table
    g.insert_col(g.width, {2: "说明", 6: "见附件"})                         # and one after it
    g.insert_col(0, {})                                                     # and an empty column A
    assert_same_facts(book, tmp_path)


def test_blank_rows_inside_tables(tmp_path: Path) -> None:
    book = load_book(YIYANG)
    for name, after in (("收入支出决算总表", "三、卫生健康支出"), ("支出决算表", "20805"), ("基本支出决算表", "30107")):
        g = book.sheet(name)
        g.insert_rows(g.find(after)[0] + 1, [[]])
    assert_same_facts(book, tmp_path)


def test_total_row_at_top(tmp_path: Path) -> None:
    book = load_book(KAIYUAN)
    for name in ("收入决算表", "支出决算表"):
        g = book.sheet(name)
        g.move_row(g.find("合计")[0], g.find("科目编码")[0] + 1)
    assert_same_facts(book, tmp_path)


def test_unit_yuan_with_values_times_10000(tmp_path: Path) -> None:
    book = load_book(YAAN)
    for g in book.grids:
        for r, c in value_cells(book, g.original):
            g.rows[r][c] = float(Decimal(str(g.rows[r][c])) * 10000)
        r, c = g.find("金额单位：万元")
        g.rows[r][c] = "金额单位：元"
    ex = save_and_extract(book, tmp_path)
    assert {x["unit"] for x in t3_rows(ex.rows)["line_items"]} == {"元"}
    assert_same_facts(book, tmp_path)


def test_unit_in_amount_header(tmp_path: Path) -> None:
    book = load_book(YIYANG)
    g = book.sheet("收入支出决算总表")
    r, c = g.find("金额单位：万元")
    g.rows[r][c] = ""
    for row in g.rows:
        for c, v in enumerate(row):
            if v == "金额":
                row[c] = "金额（万元）"
    assert_same_facts(book, tmp_path, only_sheets={"收入支出决算总表"})


def test_titles_moved(tmp_path: Path) -> None:
    book = load_book(YAAN)
    for name in ("财政拨款收入支出决算总表", "一般公共预算财政拨款支出决算表", "“三公”经费支出决算表"):
        g = book.sheet(name)
        title = g.rows[0][0]
        g.unmerge_at(0, 0)
        g.rows[0][0] = ""
        g.insert_rows(2, [["", "", "附表：" + title]])                       # below the 编制单位 line, column C
    assert_same_facts(book, tmp_path)


def test_sheets_renamed(tmp_path: Path) -> None:
    book = load_book(YAAN)
    for i, g in enumerate(reversed(book.grids)):
        g.name = f"Sheet{i + 1}"
    assert_same_facts(book, tmp_path)


def test_several_tables_on_one_sheet(tmp_path: Path) -> None:
    book = load_book(KAIYUAN)
    book.stack("收入决算表", "支出决算表", [[], ["注：本表反映本年度取得的各项收入。"]])
    assert len(book.grids) == 1
    assert_same_facts(book, tmp_path)


def test_legacy_tables_stacked_on_one_sheet(tmp_path: Path) -> None:
    book = load_book(CHANGDE)
    book.stack("附表2 三公经费", "附表3 固定资产", [[]])
    assert_same_facts(book, tmp_path)


def test_label_spelling_variants(tmp_path: Path) -> None:
    book = load_book(YAAN)
    summary = book.sheet("收入支出决算总表")
    renames = {"本年支出合计": "本 年 支 出 合 计", "一、一般公共服务支出": "1、一般公共服务支出",
               "年末结转和结余": "  年末结转和结余 ", "八、其他收入": "(八)其他收入",
               "一、一般公共预算财政拨款收入": "一、一般公共预算财政拨款收入"}
    three = book.sheet("“三公”经费支出决算表")
    for g, mapping in ((summary, renames), (three, {"因公出国（境）费": "因公出国(境)费", "公务接待费": "公务 接待费"})):
        for row in g.rows:
            for c, v in enumerate(row):
                if v in mapping:
                    row[c] = mapping[v]
    assert_same_facts(book, tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# Errors, findings and early rejection
# ---------------------------------------------------------------------------------------------------------------


def test_text_in_amount_cell_is_a_bad_value(tmp_path: Path) -> None:
    book = load_book(YAAN)
    g = book.sheet("支出决算表")
    g.rows[6][2] = "二百零六"
    with pytest.raises(BadValue) as err:
        save_and_extract(book, tmp_path)
    assert err.value.sheet == "支出决算表" and err.value.cell == "C7"


def test_unknown_row_label_with_value_is_a_finding(tmp_path: Path) -> None:
    book = load_book(YIYANG)
    g = book.sheet("收入支出决算总表")
    r, _ = g.find("八、其他收入")
    g.rows[r + 0][0] = "八、神秘收入"
    g.rows[r][2] = 1.5
    ex = save_and_extract(book, tmp_path)
    found = [f for f in ex.rows["sheet_findings"] if f["finding"] == "unmapped_label"]
    assert [f["source_cell"] for f in found] == [f"A{r + 1}"]


def _run_all(sheet: Sheet) -> list:
    ctx = SheetContext("x.xlsx", "0" * 64, sheet, None, None)
    claimed: list = []
    for rec in RECOGNISERS:
        claimed += rec.find(sheet, ctx, claimed)
    return claimed


def test_sheets_without_anchor_labels_are_rejected_without_cell_work() -> None:
    wb = read_workbook(SAMPLES / manifest_entry("2020年大数据研究中心部门项目绩效评价自评表.xlsx")["path"])
    big = Sheet("big", [[f"文字{r}-{c}" if c % 3 else r * 1.5 for c in range(30)] for r in range(3000)])
    for sheet in wb.sheets + [big]:
        assert _run_all(sheet) == []
        assert not sheet_index(sheet)._labels, f"{sheet.name}: labels computed on a sheet that cannot match"


def test_hits_cover_each_table_region() -> None:
    wb = read_workbook(SAMPLES / manifest_entry(CHANGDE)["path"])
    hits = _run_all(wb.sheets[0])
    assert [(h.kind, h.top, h.bottom) for h in hits] == [
        ("t3_income_expenditure_summary", 0, 13), ("t3_expenditure_by_econ", 16, 21), ("t3_project_list", 23, 30)]
