"""Per-rule tests of the reconciliation checks (expectations/checks/R*.sql, ingest.reconcile).

Tiny mart tables are built in a temp DuckDB; every case is its own department ("R01 pass", "R01 fail", …) so all
cases live in one warehouse and one reconciliation run (one GX context, one checkpoint run) serves every test.
Per rule: a passing case, a failing case with its exact difference, a case just inside and one just outside the
tolerance, and a not-applicable case (a side missing: passed NULL, status not_applicable).
"""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from ingest.reconcile import run_reconciliation

# The mart columns the checks read (names from the data contract; other columns are irrelevant here).
LINEAGE = "unit VARCHAR, table_kind VARCHAR, source_file VARCHAR, source_sheet VARCHAR, source_cell VARCHAR, " \
          "file_sha256 VARCHAR"
MARTS = {
    "fct_line_items": "department_name VARCHAR, fiscal_year INTEGER, statement VARCHAR, line_item_key VARCHAR, "
                      "scope VARCHAR, phase VARCHAR, amount_yuan DECIMAL(18,2), column_key VARCHAR, code VARCHAR, "
                      "item_name VARCHAR, " + LINEAGE,
    "fct_project_funds": "department_name VARCHAR, fiscal_year INTEGER, subject_kind VARCHAR, project_name VARCHAR, "
                         "category VARCHAR, budget_initial_yuan DECIMAL(18,2), budget_adjusted_yuan DECIMAL(18,2), "
                         "executed_yuan DECIMAL(18,2), carryover_yuan DECIMAL(18,2), execution_rate DECIMAL(9,4), "
                         "execution_rate_stated DECIMAL(9,4), execution_rate_basis VARCHAR, "
                         "score_weight DECIMAL(9,2), score DECIMAL(9,2), "
                         "current_year_budget_yuan DECIMAL(18,2), prior_year_carryover_budget_yuan DECIMAL(18,2), "
                         "other_funds_budget_yuan DECIMAL(18,2), current_year_executed_yuan DECIMAL(18,2), "
                         "prior_year_carryover_executed_yuan DECIMAL(18,2), other_funds_executed_yuan DECIMAL(18,2), "
                         + LINEAGE,
    "fct_fund_rows": "department_name VARCHAR, fiscal_year INTEGER, fund_name VARCHAR, row_kind VARCHAR, "
                     "project_name VARCHAR, budget_initial_yuan DECIMAL(18,2), allocated_yuan DECIMAL(18,2), "
                     "paid_yuan DECIMAL(18,2), carryover_yuan DECIMAL(18,2), " + LINEAGE,
    "fct_indicator_results": "department_name VARCHAR, fiscal_year INTEGER, subject_kind VARCHAR, "
                             "project_name VARCHAR, level1 VARCHAR, level2 VARCHAR, level3 VARCHAR, "
                             "target_text VARCHAR, actual_text VARCHAR, target_op VARCHAR, "
                             "target_value DECIMAL(18,4), target_unit VARCHAR, actual_value DECIMAL(18,4), "
                             "weight DECIMAL(9,2), score DECIMAL(9,2), recomputed_score DECIMAL(9,2), "
                             "achieved BOOLEAN, " + LINEAGE,
    "fct_evaluation_scores": "department_name VARCHAR, fiscal_year INTEGER, subject_kind VARCHAR, "
                             "subject_name VARCHAR, weight_total DECIMAL(9,2), total_score DECIMAL(9,2), "
                             "grade VARCHAR, recomputed_total DECIMAL(9,2), " + LINEAGE,
    "fct_facts": "department_name VARCHAR, fiscal_year INTEGER, kind VARCHAR, name VARCHAR, "
                 "amount_yuan DECIMAL(18,2), value_text VARCHAR, " + LINEAGE,
}


def create_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    for name, cols in MARTS.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS marts.{name} ({cols})")


def add(con: duckdb.DuckDBPyConnection, table: str, **row) -> None:
    row.setdefault("fiscal_year", 2020)
    row.setdefault("source_file", f"{row.get('fiscal_year')}/{row.get('department_name')}/t.xlsx")
    row.setdefault("source_sheet", "表")
    cols = ", ".join(row)
    con.execute(f"INSERT INTO marts.{table} ({cols}) VALUES ({', '.join('?' for _ in row)})",
                [str(v) if isinstance(v, D) else v for v in row.values()])


_cell = iter(range(1, 10**6))


def li(con, dept, key, amount, scope="all_funds", phase="actual", unit="元", year=2020, sheet="表", **kw):
    """A named line item."""
    add(con, "fct_line_items", department_name=dept, fiscal_year=year, line_item_key=key, scope=scope, phase=phase,
        amount_yuan=amount, unit=unit, source_sheet=sheet, source_cell=kw.pop("cell", f"C{next(_cell)}"),
        statement=kw.pop("statement", "expenditure" if key.startswith("expenditure") else "income"), **kw)


def cls(con, dept, kind, code, column, amount, sheet="支出决算表", unit="元", statement="expenditure",
        scope="all_funds", year=2020):
    """A func:/econ: classification row."""
    add(con, "fct_line_items", department_name=dept, fiscal_year=year, line_item_key=f"{kind}:{code}", code=code,
        column_key=column, scope=scope, phase="actual", amount_yuan=amount, unit=unit, source_sheet=sheet,
        source_cell=f"D{next(_cell)}", statement=statement)


def pf(con, dept, name, unit="元", **kw):
    kw.setdefault("subject_kind", "project")
    kw.setdefault("table_kind", "t1_project_self_evaluation")
    add(con, "fct_project_funds", department_name=dept, project_name=name, unit=unit, source_sheet=kw.pop("sheet", name),
        source_cell=f"C{next(_cell)}", **kw)


# --------------------------------------------------------------------------------------------------------------
# The cases. Each builder adds rows for its departments; department names start with the rule id.
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


# Expected rows: (rule_id, department, subject substring, status, diff, tolerance); diff/tolerance None = not
# compared (not applicable rows have no diff).
EXPECT: list[tuple] = []
_RECORD = {"on": False}


def expect(rule, dept, subject, status, diff=None, tol=None):
    if _RECORD["on"]:
        EXPECT.append((rule, dept, subject, status, diff, tol))


# R01–R07: "total = Σ terms" over named line items ---------------------------------------------------------------
@case
def r01(con):
    li(con, "R01 pass", "income_total", "1000.00")
    li(con, "R01 pass", "income_fiscal_appropriation", "600.00")
    li(con, "R01 pass", "income_business", "400.00")
    expect("R01", "R01 pass", "all_funds/actual", "passed", "0", "0.015")
    li(con, "R01 fail", "income_total", "1000.00")
    li(con, "R01 fail", "income_fiscal_appropriation", "600.00")
    li(con, "R01 fail", "income_business", "300.00")
    expect("R01", "R01 fail", "all_funds/actual", "failed", "100", "0.015")
    # 万元, parts of 财政拨款 instead of the total: 1941.49 + 0.67 vs 1942.17 (雅安), 2 terms → ±150
    for dept, total in (("R01 inside", "19421700"), ("R01 outside", "19421800")):
        li(con, dept, "income_total", total, unit="万元")
        li(con, dept, "income_general_budget_appropriation", "19414900", unit="万元")
        li(con, dept, "income_other", "6700", unit="万元")
    expect("R01", "R01 inside", "all_funds/actual", "passed", "100", "150")
    expect("R01", "R01 outside", "all_funds/actual", "failed", "200", "150")
    li(con, "R01 na", "income_total", "1000.00")
    expect("R01", "R01 na", "all_funds/actual", "not_applicable")
    # 财政拨款收入 = its parts, where both are stated
    li(con, "R01 parts", "income_total", "1000.00")
    li(con, "R01 parts", "income_fiscal_appropriation", "1000.00")
    li(con, "R01 parts", "income_general_budget_appropriation", "900.00")
    li(con, "R01 parts", "income_gov_fund_appropriation", "50.00")
    expect("R01", "R01 parts", "all_funds/actual/fiscal_appropriation", "failed", "50", "0.015")
    expect("R01", "R01 parts", "all_funds/actual", "passed", "0", "0.01")


def _sum_rule(con, rule, total, terms, required_missing):
    """pass / fail / inside / outside / not-applicable departments for a "total = Σ terms" rule."""
    a, b = terms[0], terms[1]
    li(con, f"{rule} pass", total, "1500.00")
    li(con, f"{rule} pass", a, "1000.00")
    li(con, f"{rule} pass", b, "500.00")
    expect(rule, f"{rule} pass", "all_funds/actual", "passed", "0", "0.015")
    li(con, f"{rule} fail", total, "1600.00")
    li(con, f"{rule} fail", a, "1000.00")
    li(con, f"{rule} fail", b, "500.00")
    expect(rule, f"{rule} fail", "all_funds/actual", "failed", "100", "0.015")
    for dept, t in ((f"{rule} inside", "15000100"), (f"{rule} outside", "15000200")):
        li(con, dept, total, t, unit="万元")
        li(con, dept, a, "10000000", unit="万元")
        li(con, dept, b, "5000000", unit="万元")
    expect(rule, f"{rule} inside", "all_funds/actual", "passed", "100", "150")
    expect(rule, f"{rule} outside", "all_funds/actual", "failed", "200", "150")
    li(con, f"{rule} na", total, "1500.00")
    li(con, f"{rule} na", required_missing, "500.00")
    expect(rule, f"{rule} na", "all_funds/actual", "not_applicable")


@case
def r02(con):
    _sum_rule(con, "R02", "income_grand_total", ["income_total", "carryover_begin"], "carryover_begin")


@case
def r03(con):
    _sum_rule(con, "R03", "expenditure_total", ["expenditure_basic", "expenditure_project"], "expenditure_project")
    # 千元: tolerance (2 + 1) × 5 = 15, inclusive
    li(con, "R03 thousand", "expenditure_total", "1015", unit="千元")
    li(con, "R03 thousand", "expenditure_basic", "500", unit="千元")
    li(con, "R03 thousand", "expenditure_project", "500", unit="千元")
    expect("R03", "R03 thousand", "all_funds/actual", "passed", "15", "15")


@case
def r04(con):
    _sum_rule(con, "R04", "expenditure_basic", ["expenditure_personnel", "expenditure_public"], "expenditure_public")
    # scope mismatch is not a check: all-funds 基本支出 vs 一般公共预算 人员/公用经费
    li(con, "R04 scope", "expenditure_basic", "1500.00", scope="all_funds")
    li(con, "R04 scope", "expenditure_personnel", "1000.00", scope="general_budget_fiscal")
    li(con, "R04 scope", "expenditure_public", "400.00", scope="general_budget_fiscal")
    expect("R04", "R04 scope", "all_funds/actual", "not_applicable")
    expect("R04", "R04 scope", "general_budget_fiscal/actual", "not_applicable")


@case
def r05(con):
    _sum_rule(con, "R05", "expenditure_grand_total", ["expenditure_total", "carryover_end"], "carryover_end")


@case
def r06(con):
    li(con, "R06 pass", "income_grand_total", "1500.00")
    li(con, "R06 pass", "expenditure_grand_total", "1500.00")
    expect("R06", "R06 pass", "all_funds/actual", "passed", "0", "0.01")
    li(con, "R06 fail", "income_grand_total", "1500.00")
    li(con, "R06 fail", "expenditure_grand_total", "1400.00")
    expect("R06", "R06 fail", "all_funds/actual", "failed", "100", "0.01")
    for dept, e in (("R06 inside", "14999900"), ("R06 outside", "14999800")):
        li(con, dept, "income_grand_total", "15000000", unit="万元")
        li(con, dept, "expenditure_grand_total", e, unit="万元")
    expect("R06", "R06 inside", "all_funds/actual", "passed", "100", "100")
    expect("R06", "R06 outside", "all_funds/actual", "failed", "200", "100")
    li(con, "R06 na", "income_grand_total", "1500.00")
    expect("R06", "R06 na", "all_funds/actual", "not_applicable")


@case
def r07(con):
    def three(dept, total, overseas, vehicle, reception, unit="元", purchase=None, operation=None, phase="actual"):
        for k, v in (("three_public_total", total), ("three_public_overseas", overseas),
                     ("three_public_vehicle", vehicle), ("three_public_reception", reception),
                     ("three_public_vehicle_purchase", purchase), ("three_public_vehicle_operation", operation)):
            if v is not None:
                li(con, dept, k, v, unit=unit, phase=phase, statement="three_public")
    three("R07 pass", "207536.60", "0.00", "96242.00", "111294.60", purchase="0.00", operation="96242.00")
    expect("R07", "R07 pass", "all_funds/actual", "passed", "0", "0.02")
    expect("R07b", "R07 pass", "all_funds/actual/vehicle", "passed", "0", "0.015")
    three("R07 fail", "207536.60", "0.00", "96242.00", "111000.00", purchase="10.00", operation="96242.00")
    expect("R07", "R07 fail", "all_funds/actual", "failed", "294.60", "0.02")
    expect("R07b", "R07 fail", "all_funds/actual/vehicle", "failed", "-10", "0.015")
    three("R07 inside", "57800", "0", "48500", "9200", unit="万元", phase="budget_adjusted")
    expect("R07", "R07 inside", "all_funds/budget_adjusted", "passed", "100", "200")
    three("R07 outside", "57800", "0", "48400", "9100", unit="万元", phase="budget_adjusted")
    expect("R07", "R07 outside", "all_funds/budget_adjusted", "failed", "300", "200")
    # no 公务用车 subtotal: its parts are the terms
    three("R07 parts", "1000.00", "0.00", None, "400.00", purchase="100.00", operation="500.00")
    expect("R07", "R07 parts", "all_funds/actual", "passed", "0", "0.025")
    three("R07 na", "1000.00", None, None, None)
    expect("R07", "R07 na", "all_funds/actual", "not_applicable")
    three("R07 na", None, None, "600.00", None, phase="budget_adjusted")
    expect("R07b", "R07 na", "all_funds/budget_adjusted/vehicle", "not_applicable")


# R08: functional classification --------------------------------------------------------------------------------
def _func_table(con, dept, rows, unit="元", sheet="支出决算表", statement="expenditure"):
    for code, cols in rows.items():
        for column, amount in cols.items():
            cls(con, dept, "func", code, column, amount, sheet=sheet, unit=unit, statement=statement)


@case
def r08(con):
    good = {
        "201": {"total": "300.00", "basic": "100.00", "project": "200.00"},
        "20103": {"total": "300.00", "basic": "100.00", "project": "200.00"},
        "2010301": {"total": "100.00", "basic": "100.00"},
        "2010302": {"total": "200.00", "project": "200.00"},
        "TOTAL": {"total": "300.00", "basic": "100.00", "project": "200.00"},
    }
    _func_table(con, "R08 pass", good)
    expect("R08", "R08 pass", "支出决算表/20103/project", "passed", "0", "0.01")
    expect("R08", "R08 pass", "支出决算表/合计/total", "passed", "0", "0.01")
    expect("R08", "R08 pass", "支出决算表/2010301/row", "passed", "0", "0.01")
    expect("R08", "R08 pass", "支出决算表/TOTAL/row", "passed", "0", "0.015")
    bad = {k: dict(v) for k, v in good.items()}
    bad["2010302"] = {"total": "150.00", "project": "150.00"}
    _func_table(con, "R08 fail", bad)
    expect("R08", "R08 fail", "支出决算表/20103/project", "failed", "50", "0.01")
    expect("R08", "R08 fail", "支出决算表/20103/total", "failed", "50", "0.015")
    expect("R08", "R08 fail", "支出决算表/2010302/row", "passed", "0", "0.01")
    # 益阳 2020: 186.29 + 2510.63 = 2696.92 vs 2696.91 万元
    yiyang = {
        "201": {"total": "26634600", "basic": "1528300", "project": "25106300"},
        "208": {"total": "164800", "basic": "164800"},
        "210": {"total": "61200", "basic": "61200"},
        "221": {"total": "108600", "basic": "108600"},
        "TOTAL": {"total": "26969100", "basic": "1862900", "project": "25106300"},
    }
    _func_table(con, "R08 inside", yiyang, unit="万元")
    expect("R08", "R08 inside", "支出决算表/合计/total", "passed", "-100", "250")
    expect("R08", "R08 inside", "支出决算表/TOTAL/row", "passed", "-100", "150")
    expect("R08", "R08 inside", "支出决算表/合计/basic", "passed", "0", "250")
    _func_table(con, "R08 outside", {
        "201": {"total": "26634600"}, "208": {"total": "164800"},
        "TOTAL": {"total": "26799600"}}, unit="万元", sheet="收入支出决算总表")
    expect("R08", "R08 outside", "收入支出决算总表/合计/total", "failed", "200", "150")
    expect("R08", "R08 outside", "收入支出决算总表/201/row", "not_applicable")
    _func_table(con, "R08 na", {"201": {"total": "100.00"}, "20103": {"total": "100.00", "basic": "100.00"}})
    expect("R08", "R08 na", "支出决算表/201/basic", "not_applicable")
    expect("R08", "R08 na", "支出决算表/201/total", "passed", "0", "0.01")
    # income statement: total = fiscal_appropriation + … per row
    _func_table(con, "R08 income", {"201": {"total": "100.00", "fiscal_appropriation": "90.00", "other": "5.00"}},
                sheet="收入决算表", statement="income")
    expect("R08", "R08 income", "收入决算表/201/row", "failed", "5", "0.015")


# R09 / R10: economic classification ---------------------------------------------------------------------------
def _econ(con, dept, rows, unit="元", sheet="基本支出决算表", scope="general_budget_fiscal"):
    for code, column, amount in rows:
        cls(con, dept, "econ", code, column, amount, sheet=sheet, unit=unit, scope=scope)


@case
def r09(con):
    rows = [("301", "personnel", "1000.00"), ("30101", "personnel", "600.00"), ("30102", "personnel", "400.00"),
            ("302", "public", "500.00"), ("30201", "public", "500.00")]
    _econ(con, "R09 pass", rows)
    li(con, "R09 pass", "expenditure_personnel", "1000.00", scope="general_budget_fiscal")
    li(con, "R09 pass", "expenditure_public", "500.00", scope="general_budget_fiscal")
    expect("R09", "R09 pass", "基本支出决算表/personnel", "passed", "0", "0.01")
    expect("R09", "R09 pass", "基本支出决算表/public", "passed", "0", "0.01")
    expect("R09", "R09 pass", "基本支出决算表/econ:301/personnel", "passed", "0", "0.015")
    bad = [r if r[0] != "30102" else ("30102", "personnel", "300.00") for r in rows]
    _econ(con, "R09 fail", bad)
    li(con, "R09 fail", "expenditure_personnel", "1100.00", scope="general_budget_fiscal")
    expect("R09", "R09 fail", "基本支出决算表/econ:301/personnel", "failed", "100", "0.015")
    expect("R09", "R09 fail", "基本支出决算表/personnel", "failed", "100", "0.01")
    for dept, personnel in (("R09 inside", "1394200"), ("R09 outside", "1394300")):
        _econ(con, dept, [("301", "personnel", "1306700"), ("303", "personnel", "87400")], unit="万元")
        li(con, dept, "expenditure_personnel", personnel, scope="general_budget_fiscal", unit="万元")
    expect("R09", "R09 inside", "基本支出决算表/personnel", "passed", "100", "150")
    expect("R09", "R09 outside", "基本支出决算表/personnel", "failed", "200", "150")
    _econ(con, "R09 na", rows)
    expect("R09", "R09 na", "基本支出决算表/personnel", "not_applicable")
    # legacy 基本支出 breakdown: 301/303 personnel, the rest public, by code
    _econ(con, "R09 legacy", [("301", "basic", "700.00"), ("303", "basic", "300.00"), ("302", "basic", "500.00")],
          sheet="收支情况表", scope="all_funds")
    li(con, "R09 legacy", "expenditure_personnel", "1000.00")
    li(con, "R09 legacy", "expenditure_public", "500.00")
    expect("R09", "R09 legacy", "收支情况表/personnel", "passed", "0", "0.015")
    expect("R09", "R09 legacy", "收支情况表/public", "passed", "0", "0.01")


@case
def r10(con):
    def legacy(dept, rows, **items):
        _econ(con, dept, rows, sheet="附表1 收支情况表", scope="all_funds")
        for k, v in items.items():
            li(con, dept, k, v, sheet="附表1 收支情况表")
    legacy("R10 pass", [("301", "basic", "2351791.90"), ("302", "basic", "2279041.43"), ("303", "basic", "1558822.00")],
           expenditure_basic="6189655.33")
    expect("R10", "R10 pass", "附表1 收支情况表/basic", "passed", "0", "0.02")
    # 常德 2016: 31,841,657.75 + 14,450,884.41 ≠ 36,031,421.10
    legacy("R10 fail", [("302", "project", "31841657.75"), ("310", "project", "14450884.41")],
           expenditure_project="36031421.10")
    expect("R10", "R10 fail", "附表1 收支情况表/project", "failed", "-10261121.06", "0.015")
    legacy("R10 inside", [("302", "project", "100.00"), ("310", "project", "50.00")], expenditure_project="150.01")
    expect("R10", "R10 inside", "附表1 收支情况表/project", "passed", "0.01", "0.015")
    legacy("R10 outside", [("302", "project", "100.00"), ("310", "project", "50.00")], expenditure_project="150.02")
    expect("R10", "R10 outside", "附表1 收支情况表/project", "failed", "0.02", "0.015")
    legacy("R10 na", [("302", "project", "100.00")])
    expect("R10", "R10 na", "附表1 收支情况表/project", "not_applicable")


# R11: project funds ---------------------------------------------------------------------------------------------
@case
def r11(con):
    pf(con, "R11 pass", "P", budget_adjusted_yuan="1000.00", current_year_budget_yuan="800.00",
       prior_year_carryover_budget_yuan="200.00", executed_yuan="900.00", current_year_executed_yuan="900.00",
       execution_rate_stated="0.9000", execution_rate="0.9000", score_weight="10", score="9.00")
    for s in ("budget_adjusted", "executed"):
        expect("R11", "R11 pass", f"P/{s}", "passed", "0")
    expect("R11", "R11 pass", "P/execution_rate", "passed", "0", "0.001")
    expect("R11", "R11 pass", "P/execution_score", "passed", "0", "0.1")
    pf(con, "R11 fail", "P", budget_adjusted_yuan="1000.00", current_year_budget_yuan="800.00",
       prior_year_carryover_budget_yuan="100.00", executed_yuan="900.00", execution_rate_stated="0.9500",
       score_weight="10", score="10.00")
    expect("R11", "R11 fail", "P/budget_adjusted", "failed", "100", "0.015")
    expect("R11", "R11 fail", "P/execution_rate", "failed", "0.05", "0.001")
    expect("R11", "R11 fail", "P/execution_score", "failed", "1", "0.1")
    pf(con, "R11 inside", "P", budget_adjusted_yuan="1000.00", executed_yuan="900.00",
       execution_rate_stated="0.9010", score_weight="10", score="9.10")
    expect("R11", "R11 inside", "P/execution_rate", "passed", "0.001", "0.001")
    expect("R11", "R11 inside", "P/execution_score", "passed", "0.1", "0.1")
    pf(con, "R11 outside", "P", budget_adjusted_yuan="1000.00", executed_yuan="900.00",
       execution_rate_stated="0.9011", score_weight="10", score="9.11")
    expect("R11", "R11 outside", "P/execution_rate", "failed", "0.0011", "0.001")
    expect("R11", "R11 outside", "P/execution_score", "failed", "0.11", "0.1")
    pf(con, "R11 na", "P", budget_adjusted_yuan="1000.00", executed_yuan="900.00")
    expect("R11", "R11 na", "P/budget_adjusted", "not_applicable")
    # execution above budget: the score is capped at the weight
    pf(con, "R11 cap", "P", budget_adjusted_yuan="1000.00", executed_yuan="1200.00", score_weight="10", score="10")
    expect("R11", "R11 cap", "P/execution_score", "passed", "0", "0.1")
    # special-fund project rows are R13's, not R11's or R12's
    pf(con, "R11 fund", "Q", table_kind="t4_special_fund_projects", budget_adjusted_yuan="10.00",
       executed_yuan="5.00", current_year_budget_yuan="1.00")


# R12 (warn): Σ project executions vs 项目支出 ---------------------------------------------------------------------
@case
def r12(con):
    def dept_(name, executions, project, unit="元"):
        for i, ex in enumerate(executions):
            pf(con, name, f"项目{i}", executed_yuan=ex, unit=unit)
        if project is not None:
            li(con, name, "expenditure_project", project, unit=unit, sheet="支出决算表")
    dept_("R12 pass", ["600.00", "400.00"], "1000.00")
    expect("R12", "R12 pass", "Σ 项目执行数", "passed", "0", "0.015")
    dept_("R12 fail", ["600.00", "300.00"], "1000.00")
    expect("R12", "R12 fail", "Σ 项目执行数", "failed", "-100", "0.015")
    dept_("R12 inside", ["6000000", "4000000"], "9999900", unit="万元")
    expect("R12", "R12 inside", "Σ 项目执行数", "passed", "100", "150")
    dept_("R12 outside", ["6000000", "4000000"], "9999800", unit="万元")
    expect("R12", "R12 outside", "Σ 项目执行数", "failed", "200", "150")
    dept_("R12 na", [], "1000.00")
    expect("R12", "R12 na", "Σ 项目执行数", "not_applicable")
    li(con, "R12 major", "expenditure_project", "36031421.10")
    for i, v in enumerate(["45951992.00", "20359167.50"]):
        add(con, "fct_facts", department_name="R12 major", kind="major_project_expenditure", name=f"m{i}",
            amount_yuan=v, unit="元", source_cell=f"E{26 + i}")
    expect("R12", "R12 major", "主要项目支出", "failed", "30279738.40", "0.015")


# R13: special funds ---------------------------------------------------------------------------------------------
def _fund(con, dept, total, projects, unit="元", sheet="项目实施情况表"):
    a, p, c = total
    add(con, "fct_fund_rows", department_name=dept, fund_name="F", row_kind="total", project_name="合计",
        allocated_yuan=a, paid_yuan=p, carryover_yuan=c, unit=unit, source_sheet=sheet, source_cell="E39",
        table_kind="t4_special_fund_projects")
    for name, (a, p, c), cat in projects:
        pf(con, dept, name, sheet=sheet, table_kind="t4_special_fund_projects", category=cat, unit=unit,
           budget_adjusted_yuan=a, executed_yuan=p, carryover_yuan=c)


@case
def r13(con):
    _fund(con, "R13 pass", ("1000.00", "700.00", "300.00"),
          [("A", ("600.00", "400.00", "200.00"), "软件"), ("B", ("400.00", "300.00", "100.00"), "软件")])
    expect("R13", "R13 pass", "项目实施情况表/B/结转=下达−支付", "passed", "0", "0.015")
    expect("R13", "R13 pass", "项目实施情况表/合计/allocated", "passed", "0", "0.015")
    expect("R13", "R13 pass", "项目实施情况表/合计/carryover", "passed", "0", "0.015")
    _fund(con, "R13 fail", ("1000.00", "700.00", "300.00"),
          [("A", ("600.00", "400.00", "200.00"), None), ("B", ("400.00", "300.00", "150.00"), None)])
    expect("R13", "R13 fail", "项目实施情况表/B/结转=下达−支付", "failed", "50", "0.015")
    expect("R13", "R13 fail", "项目实施情况表/合计/carryover", "failed", "-50", "0.015")
    expect("R13", "R13 fail", "项目实施情况表/合计/paid", "passed", "0", "0.015")
    _fund(con, "R13 inside", ("10000000", "7000000", "3000000"),
          [("A", ("10000000", "7000000", "3000100"), None)], unit="万元")
    expect("R13", "R13 inside", "项目实施情况表/A/结转=下达−支付", "passed", "100", "150")
    _fund(con, "R13 outside", ("10000000", "7000000", "3000000"),
          [("A", ("10000000", "7000000", "3000200"), None)], unit="万元")
    expect("R13", "R13 outside", "项目实施情况表/A/结转=下达−支付", "failed", "200", "150")
    _fund(con, "R13 na", ("1000.00", "700.00", "300.00"), [("A", (None, None, "300.00"), None)])
    expect("R13", "R13 na", "项目实施情况表/A/结转=下达−支付", "not_applicable")
    # summary sheet: categories sum to its 合计, a category = Σ its projects (other sheet)
    add(con, "fct_fund_rows", department_name="R13 pass", fund_name="F", row_kind="category", project_name="软件",
        allocated_yuan="1000.00", paid_yuan="700.00", carryover_yuan="300.00", budget_initial_yuan="1200.00",
        unit="元", source_sheet="收支汇总表", source_cell="E4")
    add(con, "fct_fund_rows", department_name="R13 pass", fund_name="F", row_kind="total", project_name="合计",
        allocated_yuan="1000.00", paid_yuan="700.00", carryover_yuan="300.00", budget_initial_yuan="1300.00",
        unit="元", source_sheet="收支汇总表", source_cell="E8")
    expect("R13", "R13 pass", "收支汇总表/合计/allocated", "passed", "0", "0.01")
    expect("R13", "R13 pass", "收支汇总表/合计/budget_initial", "failed", "100", "0.01")
    expect("R13", "R13 pass", "收支汇总表/软件/paid", "passed", "0", "0.015")


# R14: scores ------------------------------------------------------------------------------------------------------
def _scored(con, dept, total, grade, items, weight_total="100", sheet="评分表", kind="department"):
    add(con, "fct_evaluation_scores", department_name=dept, subject_kind=kind, subject_name=dept,
        weight_total=weight_total, total_score=total, grade=grade, source_sheet=sheet, source_cell="E33")
    for i, (w, s) in enumerate(items):
        add(con, "fct_indicator_results", department_name=dept, subject_kind=kind, project_name=dept,
            level1="L1", level3=f"指标{i}", weight=w, score=s, source_sheet=sheet, source_cell=f"E{5 + i}")


@case
def r14(con):
    _scored(con, "R14 pass", "90.00", "优", [("60", "55"), ("40", "35")])
    for s in ("weights", "total_score", "grade"):
        expect("R14", "R14 pass", f"/{s}", "passed", "0")
    expect("R14", "R14 pass", "指标0/score≤weight", "passed", "-5", "0.005")
    expect("R14", "R14 pass", "/total_score", "passed", "0", "0.015")
    _scored(con, "R14 fail", "85.00", "优", [("60", "45"), ("30", "31")])
    expect("R14", "R14 fail", "/weights", "failed", "10", "0.015")
    expect("R14", "R14 fail", "/total_score", "failed", "9", "0.015")
    expect("R14", "R14 fail", "/grade", "failed", "-5", "0")
    expect("R14", "R14 fail", "指标1/score≤weight", "failed", "1", "0.005")
    _scored(con, "R14 inside", "90.01", "优", [("60", "55"), ("40", "35")])
    expect("R14", "R14 inside", "/total_score", "passed", "0.01", "0.015")
    _scored(con, "R14 outside", "90.02", "良", [("60", "55"), ("40", "35")])
    expect("R14", "R14 outside", "/total_score", "failed", "0.02", "0.015")
    expect("R14", "R14 outside", "/grade", "failed", "0.03", "0")
    _scored(con, "R14 na", "90.00", "优", [])
    expect("R14", "R14 na", "/weights", "not_applicable")
    expect("R14", "R14 na", "/total_score", "not_applicable")
    # a project self-evaluation: the 预算执行率 score (fct_project_funds) is part of the total
    _scored(con, "R14 project", "98.44", "优", [("45", "44"), ("45", "44.72")], sheet="项目1", kind="project")
    pf(con, "R14 project", "R14 project", sheet="项目1", score_weight="10", score="9.72", budget_adjusted_yuan="10",
       executed_yuan="9.72")
    expect("R14", "R14 project", "项目1/R14 project/total_score", "passed", "0", "0.02")
    expect("R14", "R14 project", "项目1/R14 project/weights", "passed", "0", "0.02")


# R15 (warn): missed targets ---------------------------------------------------------------------------------------
def _ind(con, dept, op, target, actual, weight=None, score=None, recomputed=None, item="满意度", unit="%"):
    add(con, "fct_indicator_results", department_name=dept, subject_kind="fund", project_name="资金", level3=item,
        target_text=f"{op}{target}{unit}", actual_text=f"{actual}{unit}", target_op=op, target_value=target,
        target_unit=unit, actual_value=actual, weight=weight, score=score, recomputed_score=recomputed,
        source_sheet="绩效目标完成情况表", source_cell=f"F{next(_cell)}")


@case
def r15(con):
    _ind(con, "R15 pass", ">=", "90", "95")
    expect("R15", "R15 pass", "满意度/target", "passed", "5", "0")
    _ind(con, "R15 fail", ">=", "90", "86.95")
    expect("R15", "R15 fail", "满意度/target", "failed", "-3.05", "0")
    _ind(con, "R15 inside", ">=", "90", "90")
    expect("R15", "R15 inside", "满意度/target", "passed", "0", "0")
    _ind(con, "R15 outside", ">=", "90", "89.99")
    expect("R15", "R15 outside", "满意度/target", "failed", "-0.01", "0")
    _ind(con, "R15 le", "<=", "5", "4", item="投诉率")
    expect("R15", "R15 le", "投诉率/target", "passed", "-1", "0")
    # scored: self-reported score against what the rules give
    _ind(con, "R15 scored", ">=", "100", "97.2", weight="10", score="10", recomputed="9.72", item="支付率")
    expect("R15", "R15 scored", "支付率/score≤recomputed", "failed", "0.28", "0.01")
    _ind(con, "R15 scored", ">=", "100", "97.2", weight="10", score="9.72", recomputed="9.72", item="到位率")
    expect("R15", "R15 scored", "到位率/score≤recomputed", "passed", "0", "0.01")
    _ind(con, "R15 na", ">=", "100", "97.2", weight="10", score="10", recomputed=None)
    expect("R15", "R15 na", "满意度/score≤recomputed", "not_applicable")


# R16: cross-year carryover ------------------------------------------------------------------------------------
@case
def r16(con):
    li(con, "R16 pass", "carryover_end", "500.00", year=2019)
    li(con, "R16 pass", "carryover_begin", "500.00", year=2020)
    expect("R16", "R16 pass", "all_funds/2019→2020", "passed", "0", "0.01")
    li(con, "R16 fail", "carryover_end", "500.00", year=2019)
    li(con, "R16 fail", "carryover_begin", "600.00", year=2020)
    expect("R16", "R16 fail", "all_funds/2019→2020", "failed", "100", "0.01")
    li(con, "R16 inside", "carryover_end", "14091700", year=2019, unit="万元")
    li(con, "R16 inside", "carryover_begin", "14091800", year=2020, unit="元")
    expect("R16", "R16 inside", "all_funds/2019→2020", "passed", "100", "100")
    li(con, "R16 outside", "carryover_end", "14091700", year=2019, unit="万元")
    li(con, "R16 outside", "carryover_begin", "14091900", year=2020, unit="万元")
    expect("R16", "R16 outside", "all_funds/2019→2020", "failed", "200", "100")
    li(con, "R16 na", "carryover_begin", "600.00", year=2020)
    expect("R16", "R16 na", "all_funds/2019→2020", "not_applicable")


# R17: fixed assets ----------------------------------------------------------------------------------------------
@case
def r17(con):
    def fa(dept, begin, added, end, disposed=None, unit="元"):
        for k, v in (("fixed_assets_begin", begin), ("fixed_assets_added", added), ("fixed_assets_end", end),
                     ("fixed_assets_disposed", disposed)):
            if v is not None:
                li(con, dept, k, v, unit=unit, statement="assets", sheet="固定资产")
    fa("R17 pass", "18041267.77", "5166502.00", "23207769.77")
    expect("R17", "R17 pass", "all_funds/actual", "passed", "0", "0.015")
    fa("R17 fail", "1000.00", "200.00", "1300.00")
    expect("R17", "R17 fail", "all_funds/actual", "failed", "100", "0.015")
    fa("R17 disposed", "1000.00", "200.00", "1100.00", disposed="100.00")
    expect("R17", "R17 disposed", "all_funds/actual", "passed", "0", "0.02")
    fa("R17 inside", "10000000", "2000000", "12000100", unit="万元")
    expect("R17", "R17 inside", "all_funds/actual", "passed", "100", "150")
    fa("R17 outside", "10000000", "2000000", "12000200", unit="万元")
    expect("R17", "R17 outside", "all_funds/actual", "failed", "200", "150")
    fa("R17 na", None, None, "1200.00")
    expect("R17", "R17 na", "all_funds/actual", "not_applicable")


# R18: sanity ------------------------------------------------------------------------------------------------------
@case
def r18(con):
    li(con, "R18 pass", "expenditure_basic", "10.00", sheet="支出决算表")
    li(con, "R18 pass", "carryover_end", "-5.00", sheet="总表")        # allowed to be negative
    expect("R18", "R18 pass", "支出决算表/amounts≥0", "passed", "0", "0")
    li(con, "R18 fail", "expenditure_basic", "-5.00", sheet="支出决算表")
    expect("R18", "R18 fail", "支出决算表/amounts≥0", "failed", "-5", "0")
    pf(con, "R18 rate", "inside", execution_rate="1.5000", execution_rate_basis="stated")
    pf(con, "R18 rate", "outside", execution_rate="1.6000", execution_rate_basis="stated")
    expect("R18", "R18 rate", "inside/execution_rate∈[0,1.5]", "passed", "0", "0")
    expect("R18", "R18 rate", "outside/execution_rate∈[0,1.5]", "failed", "0.1", "0")
    _ind(con, "R18 pct", ">=", "90", "100", item="满意度")
    _ind(con, "R18 pct", ">=", "90", "120", item="完成率")
    expect("R18", "R18 pct", "满意度/actual%∈[0,100]", "passed", "0", "0")
    expect("R18", "R18 pct", "完成率/actual%∈[0,100]", "failed", "20", "0")
    li(con, "R18 copies", "expenditure_total", "1000.00", sheet="总表")
    li(con, "R18 copies", "expenditure_total", "1000.01", sheet="支出决算表")
    expect("R18", "R18 copies", "expenditure_total/copies agree", "passed", "-0.01", "0.01")
    li(con, "R18 copies2", "expenditure_total", "1000.00", sheet="总表")
    li(con, "R18 copies2", "expenditure_total", "1000.02", sheet="支出决算表")
    expect("R18", "R18 copies2", "expenditure_total/copies agree", "failed", "-0.02", "0.01")
    # R18 has no two-sided comparison: a value either lies in its range or not; a NULL value yields no row.
    li(con, "R18 null", "expenditure_basic", None, sheet="支出决算表")


# --------------------------------------------------------------------------------------------------------------
def _collect_expectations() -> None:
    """Run the case builders once at import (on a throw-away in-memory DuckDB) to learn the expected rows, so
    they can parametrize the test; the module fixture builds the cases again into the warehouse it checks."""
    con = duckdb.connect()
    create_marts(con)
    _RECORD["on"] = True
    try:
        for build in CASES:
            build(con)
    finally:
        _RECORD["on"] = False
        con.close()


_collect_expectations()


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rc_rules")
    con = duckdb.connect(str(tmp / "rules.duckdb"))
    create_marts(con)
    for build in CASES:
        build(con)
    summary = run_reconciliation(con, "rules-run", tmp / "reports")
    cur = con.execute("SELECT * FROM audit.reconciliation_results WHERE run_id = 'rules-run'")
    names = [c[0] for c in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    yield con, summary, rows, tmp
    con.close()


def _find(rows, rule, dept, subject):
    hits = [r for r in rows if r["rule_id"] == rule and r["department_name"] == dept
            and ((r["subject"] or "") == subject or (r["subject"] or "").endswith(subject))]
    return hits


@pytest.mark.parametrize("rule,dept,subject,status,diff,tol", EXPECT,
                         ids=[f"{e[0]}-{e[1]}-{e[2]}" for e in EXPECT])
def test_rule_case(reconciled, rule, dept, subject, status, diff, tol):
    _, _, rows, _ = reconciled
    hits = _find(rows, rule, dept, subject)
    assert len(hits) == 1, f"{len(hits)} rows for {rule} {dept} {subject!r}: " + \
        repr([(r["rule_id"], r["subject"], r["status"]) for r in rows if r["department_name"] == dept])
    r = hits[0]
    assert r["status"] == status, r
    assert r["passed"] is {"passed": True, "failed": False, "not_applicable": None}[status], r
    if status == "not_applicable":
        assert r["left_yuan"] is None or r["right_yuan"] is None
    if diff is not None:
        assert D(str(r["diff_yuan"])) == D(diff), r
        assert D(str(r["diff_yuan"])) == D(str(r["left_yuan"])) - D(str(r["right_yuan"])), r
    if tol is not None:
        assert D(str(r["tolerance_yuan"])) == D(tol), r
    assert r["severity"] == ("warn" if rule in ("R12", "R15") else "error")


def test_every_rule_has_all_kinds_of_case():
    kinds = {}
    for rule, dept, *_ in EXPECT:
        kinds.setdefault(rule[:3], set()).add(dept.split(" ", 1)[1].split()[0] if " " in dept else "")
    for n in range(1, 19):
        rule = f"R{n:02d}"
        need = {"pass", "fail", "inside", "outside", "na"} if rule != "R18" else {"pass", "fail"}
        assert need <= kinds.get(rule, set()), (rule, kinds.get(rule))


def test_no_rule_errors_and_no_unexpected_failures(reconciled):
    _, summary, rows, _ = reconciled
    assert not summary.rule_errors, summary.rule_errors
    expected_failed = {(e[0], e[1]) for e in EXPECT if e[3] == "failed"}
    # cases are isolated by department: a failure in a department whose case expects none is a false alarm
    clean = {e[1] for e in EXPECT} - {e[1] for e in EXPECT if e[3] == "failed"}
    stray = [(r["rule_id"], r["department_name"], r["subject"], r["diff_yuan"]) for r in rows
             if r["status"] == "failed" and r["department_name"] in clean]
    assert not stray, stray
    assert expected_failed


def test_special_fund_projects_are_not_project_sheets(reconciled):
    _, _, rows, _ = reconciled
    assert not [r for r in rows if r["department_name"] == "R11 fund" and r["rule_id"] in ("R11", "R12")]
    assert not [r for r in rows if r["department_name"] == "R18 null" and r["rule_id"] == "R18"]


def test_summary_counts(reconciled):
    _, s, rows, _ = reconciled
    by = lambda st, sev=None: sum(1 for r in rows if r["status"] == st and (sev is None or r["severity"] == sev))
    assert s.checked == by("passed") + by("failed")
    assert (s.passed, s.failed, s.not_applicable) == (by("passed"), by("failed"), by("not_applicable"))
    assert (s.failed_error, s.failed_warn) == (by("failed", "error"), by("failed", "warn"))
    assert (s.passed_error, s.passed_warn) == (by("passed", "error"), by("passed", "warn"))
    assert len(s.failed_rows) == s.failed
    d = s.as_dict()
    assert d["failed_error"] == s.failed_error and isinstance(d["failed_rows"], list)


def test_audit_table_append_per_run_and_rerun(reconciled):
    con, s, rows, tmp = reconciled
    cols = [c[0] for c in con.execute("DESCRIBE audit.reconciliation_results").fetchall()]
    for c in ["run_id", "rule_id", "severity", "department_name", "fiscal_year", "subject", "left_label",
              "left_yuan", "right_label", "right_yuan", "diff_yuan", "tolerance_yuan", "passed", "source_cells",
              "status"]:
        assert c in cols
    n = len(rows)
    s2 = run_reconciliation(con, "rules-run-2", tmp / "reports", only={"R01", "R06"})
    assert con.execute("SELECT count(*) FROM audit.reconciliation_results WHERE run_id = 'rules-run'").fetchone()[0] == n
    n2 = con.execute("SELECT count(*) FROM audit.reconciliation_results WHERE run_id = 'rules-run-2'").fetchone()[0]
    assert n2 == s2.checked + s2.not_applicable > 0
    assert set(s2.by_rule) == {"R01", "R06"}
    # the same run_id again replaces that run's rows
    run_reconciliation(con, "rules-run-2", tmp / "reports", only={"R01", "R06"})
    assert con.execute("SELECT count(*) FROM audit.reconciliation_results WHERE run_id = 'rules-run-2'").fetchone()[0] == n2
    assert (tmp / "reports" / "gx_data_docs" / "index.html").exists()


def test_na_rows_have_passed_null(reconciled):
    _, _, rows, _ = reconciled
    na = [r for r in rows if r["status"] == "not_applicable"]
    assert na and all(r["passed"] is None for r in na)
    assert all(r["passed"] is not None for r in rows if r["status"] in ("passed", "failed"))


def test_gx_decides(reconciled, tmp_path):
    """Pass/fail comes from the GX checkpoint: a failing row is one GX listed as unexpected."""
    from ingest.reconcile import compute_checks
    from ingest.reconcile.gx import validate

    con, *_ = reconciled
    rules, computed = compute_checks(con, only={"R06"})
    out = validate(computed, rules, "gx-direct", tmp_path)
    f = computed.frame.set_index("row_id")
    failing = {f.loc[i, "department_name"] for i in out.failed_row_ids}
    assert failing == {"R06 fail", "R06 outside"}
    assert out.suite_success["R06"] is False


def test_missing_mart_column_is_reported_not_raised(tmp_path):
    con = duckdb.connect()
    create_marts(con)
    con.execute("ALTER TABLE marts.fct_facts DROP COLUMN kind")
    li(con, "X", "expenditure_project", "10.00")
    s = run_reconciliation(con, "broken", tmp_path)
    assert "R12" in s.rule_errors and "kind" in s.rule_errors["R12"]
    assert con.execute("SELECT status FROM audit.reconciliation_results WHERE run_id = 'broken' AND rule_id = 'R12'"
                       ).fetchall() == [("not_run",)]
