"""T4 special-fund tables (收支汇总表, 项目实施情况表): manifest facts exactly, and under layout variation."""
from __future__ import annotations

import json

import openpyxl

from tests.extraction_report import extract_sample
from tests.manifest_facts import compare
from tests.test_performance import (CHANGDE_2022, assert_same_facts, extract_file, insert_rows, load, position_free,
                                    rel_of, replace_text, save, swap_columns, wb_entry)

SF_CATS = ("project_funds", "fund_rows", "line_items")


def test_manifest_facts_exact():
    wb = wb_entry(CHANGDE_2022)
    ex = extract_sample(wb)
    missing, counts = compare(ex.rows, wb)
    assert counts["fund_rows"] == 23 and counts["line_items"] == 4
    for cat in ("project_funds", "fund_rows", "line_items", "indicators", "evaluations"):
        assert not missing[cat], f"{cat}: {sorted(missing[cat], key=str)[:5]}"


def test_projects_only_real_projects():
    ex = extract_sample(wb_entry(CHANGDE_2022))
    pf = [r for r in ex.rows["project_funds"] if r["table_kind"] == "t4_special_fund_projects"]
    assert len(pf) == 35
    assert not any(r["project_name"] in ("合计", "小计") for r in pf)
    kinds = sorted((r["source_sheet"], r["row_kind"]) for r in ex.rows["fund_rows"])
    assert kinds.count(("附件1 收支汇总表", "category")) == 4
    assert ("附件2 项目实施情况表", "total") in kinds
    cats = [r["category"] for r in pf]
    assert cats.count("软件平台开发") == 14 and cats.count("涉密项目") == 5
    total = next(r for r in ex.rows["fund_rows"] if r["source_sheet"] == "附件1 收支汇总表" and r["row_kind"] == "total")
    assert total["fund_name"] == "智慧常德建设资金" and total["project_count"] == 35
    assert json.loads(total["cells"]) == {"budget_initial_yuan": "D8", "allocated_yuan": "E8", "paid_yuan": "F8",
                                          "carryover_yuan": "G8"}
    li = {r["line_item_key"]: (r["statement"], r["scope"], r["phase"], r["source_cell"]) for r in ex.rows["line_items"]}
    assert li["special_fund_budget_initial"] == ("special_fund", "all_funds", "budget_initial", "D8")
    assert li["special_fund_carryover"] == ("special_fund", "all_funds", "actual", "G8")


def test_columns_swapped_rows_inserted_synonyms_renamed(tmp_path):
    wb = wb_entry(CHANGDE_2022)
    book = load(wb)
    s, p = book["附件1 收支汇总表"], book["附件2 项目实施情况表"]
    for ws in (s, p):
        insert_rows(ws, 1, 2, ["附件", "说明见正文"])
        swap_columns(ws, 5, 6)        # 支付 before 下达
    replace_text(s, "累计下达", "资金下达")
    replace_text(s, "累计支付", "实际支付")
    replace_text(p, "下达资金", "累计下达")
    replace_text(p, "结转", "结转结余")
    swap_columns(p, 2, 3)             # 实施单位 before 项目名称
    s.title, p.title = "表一", "表二"
    ex = extract_file(save(book, tmp_path, "sf.xlsx"), rel_of(wb, "sf.xlsx"))
    assert_same_facts(ex.rows, wb, cats=SF_CATS)
    li = {r["line_item_key"]: r["source_cell"] for r in ex.rows["line_items"]}
    assert li["special_fund_allocated"] == "F10" and li["special_fund_paid"] == "E10"


def test_summary_after_projects_still_assigns_categories(tmp_path):
    wb = wb_entry(CHANGDE_2022)
    book = load(wb)
    book.move_sheet("附件1 收支汇总表", offset=3)
    assert book.sheetnames[-1] == "附件1 收支汇总表"
    ex = extract_file(save(book, tmp_path, "sf2.xlsx"), rel_of(wb, "sf2.xlsx"))
    assert_same_facts(ex.rows, wb, cats=SF_CATS)


def test_category_and_subtotal_rows_inside_project_table(tmp_path):
    """Category header rows ("一、…") and 小计 rows in the project table are never projects; they set the category."""
    wb = wb_entry(CHANGDE_2022)
    book = load(wb)
    del book["附件1 收支汇总表"]                      # no summary: categories come from the table itself
    p = book["附件2 项目实施情况表"]
    # bottom-up so earlier row numbers stay valid: 35 projects = 14 + 5 + 11 + 5 starting at row 4
    for start, name in ((4 + 30, "涉密项目"), (4 + 19, "运维及监测服务"), (4 + 14, "信息化硬件建设"), (4, "软件平台开发")):
        insert_rows(p, start, 1)
        p.cell(row=start, column=1, value={"软件平台开发": "一", "信息化硬件建设": "二", "运维及监测服务": "三",
                                           "涉密项目": "四"}[name])
        p.cell(row=start, column=2, value=name)
    p.cell(row=p.max_row, column=1).value  # noqa: B018
    last = p.max_row
    insert_rows(p, last, 1)
    p.cell(row=last, column=2, value="小计")
    p.cell(row=last, column=5, value=41.56)
    ex = extract_file(save(book, tmp_path, "sf3.xlsx"), rel_of(wb, "sf3.xlsx"))
    exp = position_free({}, wb)["project_funds"]
    got = position_free(ex.rows)["project_funds"]
    assert not (exp - got), list(exp - got)[:4]
    pf = [r for r in ex.rows["project_funds"] if r["table_kind"] == "t4_special_fund_projects"]
    assert len(pf) == 35
    cats = [r for r in ex.rows["fund_rows"] if r["row_kind"] == "category"]
    assert [c["project_name"] for c in cats] == ["软件平台开发", "信息化硬件建设", "运维及监测服务", "涉密项目", "小计"]


def test_summary_without_count_column_and_yuan_unit(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["2021年某某专项资金收支汇总表"])
    ws.append(["主管部门：某某局", None, None, None, "金额单位：元"])
    ws.append(["项目类别", "年初预算数", "已下达", "已支付", "结转结余", "备注"])
    ws.append(["一、建设类", 1000, 800, 700, 100])
    ws.append([None] * 6)
    ws.append(["二、运维类", 500, 500, 450, 50])
    ws.append(["总计", 1500, 1300, 1150, 150])
    ex = extract_file(save(book, tmp_path, "sf4.xlsx"), "2021/某某局/sf4.xlsx")
    rows = [(r["row_kind"], r["project_name"], str(r["allocated_yuan"]), r["fund_name"]) for r in ex.rows["fund_rows"]]
    assert rows == [("category", "建设类", "800.00", "某某专项资金"), ("category", "运维类", "500.00", "某某专项资金"),
                    ("total", "总计", "1300.00", "某某专项资金")]
    assert {r["line_item_key"]: str(r["amount_yuan"]) for r in ex.rows["line_items"]}["special_fund_paid"] == "1150.00"
