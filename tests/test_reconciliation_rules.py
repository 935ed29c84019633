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
