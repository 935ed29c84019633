"""T1 / T2 / T5 / T6 (and survey) extraction: every manifest fact of the sample workbooks, and the same facts from
rewritten layouts (rows inserted above, columns swapped, synonyms, blank rows, merges removed, sheets renamed,
several projects on one sheet)."""
from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from ingest.extract import extract_workbook
from ingest.readers import read_workbook
from tests.extraction_report import extract_sample
from tests.manifest_facts import MANIFEST, SAMPLES, compare, expected

PERF_CATEGORIES = ("project_funds", "indicators", "evaluations")


def wb_entry(fragment: str) -> dict:
    hits = [w for w in MANIFEST["workbooks"] if fragment in w["path"]]
    assert len(hits) == 1, fragment
    return hits[0]


KAIYUAN_T2 = "开远市人民政府大数据研究中心/2020年大数据研究中心部门整体支出绩效评价自评表"
KAIYUAN_T1 = "开远市人民政府大数据研究中心/2020年大数据研究中心部门项目绩效评价自评表"
YIYANG_T1 = "益阳市智慧城市和大数据中心/2020年度项目支出绩效自评表"
YAAN_T5 = "雅安市政务服务和大数据局/2020年度项目绩效目标完成情况表"
YAAN_T2 = "雅安市政务服务和大数据局/2020年部门整体支出绩效评价自评表"
CHANGDE_2022 = "2022年智慧常德建设资金绩效评价附表"
CHANGDE_2016 = "2016年度整体评价附表.xls"


# ---------------------------------------------------------------------------------------------------------------
# exact manifest facts

@pytest.mark.parametrize("fragment,cats", [
    (KAIYUAN_T2, PERF_CATEGORIES),
    (KAIYUAN_T1, PERF_CATEGORIES),
    (YIYANG_T1, PERF_CATEGORIES),
    (YAAN_T5, PERF_CATEGORIES),
    (YAAN_T2, PERF_CATEGORIES),
    (CHANGDE_2022, PERF_CATEGORIES),
    (CHANGDE_2016, ("indicators", "evaluations")),    # its 附表4 绩效评价评分表; the rest is 决算 (final_accounts)
])
def test_manifest_facts_exact(fragment, cats):
    wb = wb_entry(fragment)
    ex = extract_sample(wb)
    missing, counts = compare(ex.rows, wb)
    assert sum(counts[c] for c in cats) > 0
    for cat in cats:
        assert not missing[cat], f"{cat}: {sorted(missing[cat], key=str)[:5]}"


@pytest.mark.parametrize("fragment", [KAIYUAN_T2, KAIYUAN_T1, YIYANG_T1, YAAN_T5, YAAN_T2, CHANGDE_2016])
def test_no_extra_rows(fragment):
    """Exactly one row per expected indicator/evaluation/project: no group, total or note rows as indicators."""
    wb = wb_entry(fragment)
    ex = extract_sample(wb)
    e = wb["expected"]
    assert len(ex.rows.get("indicators", [])) == len(e["indicators"])
    assert len(ex.rows.get("evaluations", [])) == len(e["evaluations"])
    assert len(ex.rows.get("project_funds", [])) == len(e["project_funds"])


def test_t2_level_weights_and_grade():
    ex = extract_sample(wb_entry(YAAN_T2))
    first = min(ex.rows["indicators"], key=lambda x: x["row_number"])
    assert (first["level1"], str(first["level1_weight"]), first["level2"], str(first["level2_weight"])) == \
        ("部门预算管理", "80.00", "预算编制", "30.00")
    ev = ex.rows["evaluations"][0]
    assert (ev["subject_kind"], ev["source_cell"], str(ev["total_score"])) == ("department", "E18", "90.00")


def test_t6_grade_evaluator_and_fund_subject():
    ex = extract_sample(wb_entry(CHANGDE_2022))
    t6 = [e for e in ex.rows["evaluations"] if e["source_sheet"] == "附件4 绩效评价评分表"]
    assert len(t6) == 1
    e = t6[0]
    assert (e["subject_kind"], e["subject_name"], e["grade"], e["evaluator"], e["source_cell"]) == \
        ("fund", "智慧常德建设资金", "优", "恒信弘正会计师事务所", "C8")
    assert json.loads(e["cells"])["grade"] == "B9"


def test_t5_rates_computed():
    ex = extract_sample(wb_entry(YAAN_T5))
    rates = {r["project_name"]: (str(r["execution_rate"]), r["execution_rate_computed"], r["score"])
             for r in ex.rows["project_funds"]}
    assert rates["雅安市政务云平台服务经费项目"] == ("0.5926", True, None)


def test_t1_cells_json_uses_raw_column_names():
    ex = extract_sample(wb_entry(KAIYUAN_T1))
    row = next(r for r in ex.rows["project_funds"] if r["project_name"] == "网络维护项目")
    cells = json.loads(row["cells"])
    assert cells["budget_adjusted_yuan"] == "D7" and cells["executed_yuan"] == "E7"
    assert cells["prior_year_carryover_executed_yuan"] == "E9" and cells["execution_rate"] == "G7"
    assert row["implementing_unit"] == "开远市人民政府大数据研究中心"
    assert row["execution_rate_computed"] is False


# ---------------------------------------------------------------------------------------------------------------
# layout variation: rewrite a sample with openpyxl and expect the same facts (positions aside)

def position_free(rows: dict, wb: dict | None = None) -> dict[str, Counter]:
    """Facts without sheet names and cell positions: what must survive any layout change."""
    out: dict[str, Counter] = {k: Counter() for k in ("project_funds", "indicators", "evaluations", "fund_rows",
                                                      "line_items")}
    src = expected(wb) if wb is not None else None
    if src is not None:
        for t in src["project_funds"]:
            out["project_funds"][t[1:]] += 1
        for t in src["indicators"]:
            out["indicators"][t[:2] + t[4:11]] += 1
        for t in src["evaluations"]:
            out["evaluations"][t[:2] + t[4:]] += 1
        for t in src["fund_rows"]:
            out["fund_rows"][t[1:5]] += 1
        for t in src["line_items"]:
            out["line_items"][t[2:]] += 1
        return out
    from tests.manifest_facts import _s, actual, grade_band  # noqa: F401
    act = actual(rows, {k: set() for k in out} | {"facts": set()})
    # actual() gives sets (positions make them unique); rebuild counters from the rows to keep duplicates
    for x in rows.get("indicators", []):
        out["indicators"][(x["subject_kind"], x["subject_name"], x.get("level1"), x.get("level2"), x.get("level3"),
                           x.get("target_text"), x.get("actual_text"), _s(x.get("weight")), _s(x.get("score")))] += 1
    for t in act["project_funds"]:
        out["project_funds"][t[1:]] += 1
    for t in act["evaluations"]:
        out["evaluations"][t[:2] + t[4:]] += 1
    for t in act["fund_rows"]:
        out["fund_rows"][t[1:5]] += 1
    for t in act["line_items"]:
        out["line_items"][t[2:]] += 1
    return out


def assert_same_facts(rows: dict, wb: dict, cats=("project_funds", "indicators", "evaluations")):
    exp, got = position_free({}, wb), position_free(rows)
    for cat in cats:
        missing = exp[cat] - got[cat]
        assert not missing, f"{cat} missing: {list(missing)[:4]}"
        if cat in ("indicators", "evaluations"):
            extra = got[cat] - exp[cat]
            assert not extra, f"{cat} extra: {list(extra)[:4]}"


def extract_file(path: Path, rel: str):
    return extract_workbook(read_workbook(path, rel), rel, hashlib.sha256(path.read_bytes()).hexdigest())


def rel_of(wb: dict, name: str | None = None) -> str:
    rel = wb["path"].split("submissions/", 1)[1]
    return rel if name is None else str(Path(rel).parent / name)


def load(wb: dict):
    return openpyxl.load_workbook(SAMPLES / wb["path"])


def insert_rows(ws, idx: int, n: int, texts: list[str] | None = None) -> None:
    """Insert n rows before 1-based row idx, keeping merged ranges in place relative to the data."""
    ranges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
    for r in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(r))
    ws.insert_rows(idx, n)
    for r0, c0, r1, c1 in ranges:
        if r0 >= idx:
            r0, r1 = r0 + n, r1 + n
        elif r1 >= idx:
            r1 += n
        ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    for i, t in enumerate(texts or []):
        ws.cell(row=idx + i, column=1, value=t)


def unmerge_all(ws) -> None:
    for r in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(r))


def swap_columns(ws, a: int, b: int) -> None:
    unmerge_all(ws)
    for row in range(1, ws.max_row + 1):
        va, vb = ws.cell(row, a).value, ws.cell(row, b).value
        ws.cell(row, a).value, ws.cell(row, b).value = vb, va


def replace_text(ws, old: str, new: str) -> int:
    n = 0
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.strip() == old:
                c.value = new
                n += 1
    return n


def save(book, tmp_path: Path, name: str) -> Path:
    p = tmp_path / name
    book.save(p)
    return p


def test_t1_rows_inserted_above_and_sheet_renamed(tmp_path):
    wb = wb_entry(KAIYUAN_T1)
    book = load(wb)
    for i, ws in enumerate(book.worksheets):
        insert_rows(ws, 1, 3, ["附件2", "填报说明：本表由项目单位填写", ""])
        ws.title = f"Sheet{i + 1}"
    ex = extract_file(save(book, tmp_path, "t1.xlsx"), rel_of(wb, "t1.xlsx"))
    assert_same_facts(ex.rows, wb)
    # positions moved with the data: indicators 3 rows down, totals in G24
    rows = sorted(x["row_number"] for x in ex.rows["indicators"] if x["source_sheet"] == "Sheet1")
    assert rows == list(range(17, 24))
    assert {e["source_cell"] for e in ex.rows["evaluations"]} == {"G24"}


def test_t1_columns_swapped_synonyms_and_no_merges(tmp_path):
    wb = wb_entry(YIYANG_T1)
    book = load(wb)
    for ws in book.worksheets:
        swap_columns(ws, 4, 5)        # 全年预算数 <-> 全年执行数, 年度指标值 <-> 实际完成值 (all merges gone)
        swap_columns(ws, 6, 7)        # 分值 <-> 执行率 / 分值 <-> 得分
        replace_text(ws, "全年执行数", "实际支出")
        replace_text(ws, "年度指标值", "预期指标值（包含数字及文字描述）")
        replace_text(ws, "实际完成值", "实际完成指标值")
        replace_text(ws, "得分", "自评得分")
        replace_text(ws, "其中：当年财政拨款", "当年财政拨款")
    ex = extract_file(save(book, tmp_path, "t1b.xlsx"), rel_of(wb, "t1b.xlsx"))
    assert_same_facts(ex.rows, wb)


def test_t1_blank_row_inside_indicators(tmp_path):
    wb = wb_entry(KAIYUAN_T1)
    book = load(wb)
    for ws in book.worksheets:
        insert_rows(ws, 17, 1)        # a blank row between 时效指标 and 成本指标, inside the merged 产出指标
    ex = extract_file(save(book, tmp_path, "t1c.xlsx"), rel_of(wb, "t1c.xlsx"))
    assert_same_facts(ex.rows, wb)


def test_t1_several_projects_on_one_sheet(tmp_path):
    wb = wb_entry(KAIYUAN_T1)
    book = load(wb)
    first = book.worksheets[0]
    offset = first.max_row + 2
    for ws in book.worksheets[1:]:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and not isinstance(c, openpyxl.cell.cell.MergedCell):
                    first.cell(row=c.row + offset, column=c.column, value=c.value)
        for r in ws.merged_cells.ranges:
            first.merge_cells(start_row=r.min_row + offset, start_column=r.min_col, end_row=r.max_row + offset,
                              end_column=r.max_col)
        offset += ws.max_row + 2
        book.remove(ws)
    ex = extract_file(save(book, tmp_path, "t1d.xlsx"), rel_of(wb, "t1d.xlsx"))
    assert len({x["project_name"] for x in ex.rows["project_funds"]}) == 6
    assert_same_facts(ex.rows, wb)


def test_t5_rows_inserted_synonyms_and_renamed(tmp_path):
    wb = wb_entry(YAAN_T5)
    book = load(wb)
    for ws in book.worksheets:
        insert_rows(ws, 1, 2, ["表5", "填报日期：2021年3月"])
        replace_text(ws, "预算数：", "全年预算数：")
        replace_text(ws, "执行数：", "实际支出：")
        replace_text(ws, "其它资金：", "其他资金：")
        ws.title = "项目" + ws.title[:2]
    ex = extract_file(save(book, tmp_path, "t5.xlsx"), rel_of(wb, "t5.xlsx"))
    assert_same_facts(ex.rows, wb)


@pytest.mark.parametrize("fragment", [YAAN_T2, KAIYUAN_T2])
def test_t2_columns_swapped_rows_inserted(tmp_path, fragment):
    wb = wb_entry(fragment)
    book = load(wb)
    ws = book.worksheets[0]
    insert_rows(ws, 2, 2, ["填报说明：按评价指标体系自评", ""])
    swap_columns(ws, 4, 5)            # 得分 before 指标分值; no merges left: level cells must be carried forward
    replace_text(ws, "指标分值", "分值")
    ws.title = "自评表"
    ex = extract_file(save(book, tmp_path, "t2.xlsx"), rel_of(wb, "t2.xlsx"))
    assert_same_facts(ex.rows, wb)


def test_t2_from_legacy_xls_sheet_as_xlsx_with_a_fourth_level(tmp_path):
    """A 4-level tree: level3 holds the path below level2; weights still per leaf."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["某单位2021年度部门整体支出绩效评价指标表"])
    ws.append(["单位名称：某某局", None, None, None, "单位：分"])
    ws.append(["一级指标", "二级指标", "三级指标", "四级指标", "分值", "得分"])
    ws.append(["投入（20分）", "目标设定（8分）", "目标", "合理性", 4, 4])
    ws.append([None, None, None, "明确性", 4, 3])
    ws.append([None, "预算配置（12分）", "配置", "控制率", 12, 10])
    ws.append(["产出（80分）", "职责履行（80分）", "完成", "完成率", 80, 75])
    ws.append(["总分", None, None, None, 100, 92])
    ws.append(["评价等级：优"])
    ex = extract_file(save(book, tmp_path, "t2d.xlsx"), "2021/某某局/t2d.xlsx")
    ind = ex.rows["indicators"]
    assert [(x["level1"], x["level2"], x["level3"], str(x["weight"])) for x in ind] == [
        ("投入", "目标设定", "目标/合理性", "4.00"), ("投入", "目标设定", "目标/明确性", "4.00"),
        ("投入", "预算配置", "配置/控制率", "12.00"), ("产出", "职责履行", "完成/完成率", "80.00")]
    assert {x["subject_name"] for x in ind} == {"某某局"}
    ev = ex.rows["evaluations"][0]
    assert (str(ev["weight_total"]), str(ev["total_score"]), ev["grade"], ev["source_cell"]) == \
        ("100.00", "92.00", "优", "F8")


def test_t2_group_rows_give_level_weights(tmp_path):
    """Level rows with their own weight (no leaf) are level weights, not indicators."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["2021年度部门整体支出绩效自评表"])
    ws.append(["一级指标", "二级指标", "三级指标", "指标分值", "自评得分", "扣分原因"])
    ws.append(["决策", None, None, 30, 28])
    ws.append([None, "目标设定", None, 30, 28])
    ws.append([None, None, "目标明确", 30, 28, "目标不够细化"])
    ws.append(["产出", None, None, 70, 70])
    ws.append([None, "完成", "完成率", 70, 70])
    ws.append(["合计", None, None, 100, 98])
    ex = extract_file(save(book, tmp_path, "t2g.xlsx"), "2021/某某局/t2g.xlsx")
    ind = ex.rows["indicators"]
    assert [(x["level1"], str(x["level1_weight"]), x["level3"], x["deviation_reason"]) for x in ind] == [
        ("决策", "30.00", "目标明确", "目标不够细化"), ("产出", "70.00", "完成率", None)]
    assert str(ex.rows["evaluations"][0]["total_score"]) == "98.00"


def test_t6_rows_inserted_columns_swapped(tmp_path):
    wb = wb_entry(CHANGDE_2022)
    book = load(wb)
    ws = book["附件4 绩效评价评分表"]
    insert_rows(ws, 1, 2, ["附件4", ""])
    swap_columns(ws, 2, 3)            # 得分 before 分值
    ws.title = "评分"
    ex = extract_file(save(book, tmp_path, "t6.xlsx"), rel_of(wb, "t6.xlsx"))
    got = [e for e in ex.rows["evaluations"] if e["source_sheet"] == "评分"]
    assert [(e["subject_kind"], e["subject_name"], str(e["weight_total"]), str(e["total_score"]), e["grade"],
             e["evaluator"], e["source_cell"]) for e in got] == \
        [("fund", "智慧常德建设资金", "100.00", "90.42", "优", "恒信弘正会计师事务所", "B10")]
    assert_same_facts(ex.rows, wb, cats=("indicators",))


def test_t6_title_without_subject_uses_workbook_fund(tmp_path):
    wb = wb_entry(CHANGDE_2022)
    book = load(wb)
    ws = book["附件4 绩效评价评分表"]
    ws["A1"] = "绩效评价评分表"
    ex = extract_file(save(book, tmp_path, "t6b.xlsx"), rel_of(wb, "t6b.xlsx"))
    got = [e for e in ex.rows["evaluations"] if e["source_sheet"] == "附件4 绩效评价评分表"]
    assert [(e["subject_kind"], e["subject_name"]) for e in got] == [("fund", "智慧常德建设资金")]


def test_unrelated_sheet_is_rejected_cheaply(tmp_path):
    from ingest.readers import Sheet
    from ingest.templates.base import SheetContext
    from ingest.templates.performance import RECOGNISERS
    sheet = Sheet(name="x", rows=[["收入支出决算总表"], ["项目", "金额"], ["一般公共预算财政拨款收入", 12.0]])
    ctx = SheetContext("f.xlsx", "0", sheet, "某局", 2020)
    assert all(rec.find(sheet, ctx, []) == [] for rec in RECOGNISERS)
    assert ctx.rows == {}


def test_satisfaction_survey(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["2022年智慧常德建设资金社会公众满意度调查问卷汇总表"])
    ws.append(["调查对象", "发放问卷数", "有效问卷数", "满意人数", "满意度"])
    ws.append(["社会公众", 200, 187, 163, "86.95%"])
    ws.append(["合计", 200, 187, 163, "86.95%"])
    ex = extract_file(save(book, tmp_path, "s.xlsx"), "2022/常德市行政审批服务局/s.xlsx")
    facts = {f["kind"]: (f["value_text"], f["source_cell"]) for f in ex.rows["facts"]}
    assert facts == {"satisfaction_survey_respondents": ("187", "C4"), "satisfaction_survey_rate": ("0.8695", "E4")}
