"""Scoped reconciliation (ingest.reconcile.scope): after a change, recomputing only the touched department-years and
carrying the other rows over gives exactly the rows of a full recomputation — R16's year-to-year comparison
included, which is why the year after a touched one is recomputed too."""
from __future__ import annotations


import duckdb
import pytest

from ingest.reconcile import Scope, run_reconciliation
from tests.test_reconciliation_rules import MARTS
from tests.test_reconciliation_samples import build_manifest_marts

YIYANG = "益阳市智慧城市和大数据中心"
COLS = ("rule_id, severity, department_name, fiscal_year, subject, left_label, left_yuan, right_label, right_yuan, "
        "diff_yuan, tolerance_yuan, passed, source_cells, status, comparison")


def _rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    return con.execute(f"SELECT {COLS} FROM audit.reconciliation_results WHERE run_id = ? ORDER BY ALL",
                       [run_id]).fetchall()


@pytest.fixture()
def two_year_marts(tmp_path):
    """The manifest's marts, plus 益阳 2021 as a copy of 益阳 2020 whose 年初结转和结余 is 2020's 年末 (R16
    compares the two)."""
    con = duckdb.connect(str(tmp_path / "scope.duckdb"))
    build_manifest_marts(con)
    for table in MARTS:
        con.execute(f"INSERT INTO marts.{table} SELECT * REPLACE (fiscal_year + 1 AS fiscal_year) "
                    f"FROM marts.{table} WHERE department_name = ? AND fiscal_year = 2020", [YIYANG])
    con.execute("""UPDATE marts.fct_line_items b SET amount_yuan = e.amount_yuan FROM marts.fct_line_items e
                   WHERE b.department_name = $d AND b.fiscal_year = 2021 AND b.line_item_key = 'carryover_begin'
                   AND e.department_name = $d AND e.fiscal_year = 2020 AND e.line_item_key = 'carryover_end'
                   AND e.scope = b.scope""", {"d": YIYANG})
    yield con, tmp_path / "reports"
    con.close()


def test_scoped_run_equals_a_full_run_after_a_change(two_year_marts):
    con, reports = two_year_marts
    run_reconciliation(con, "full-before", reports)
    r16 = "SELECT status FROM audit.reconciliation_results WHERE run_id = ? AND rule_id = 'R16' AND fiscal_year = 2021"
    assert con.execute(r16, ["full-before"]).fetchall() == [("passed",)]

    # 益阳 2020 resubmitted with 年末结转和结余 10,000 元 higher: its own balance and R16 of 2021 now disagree
    con.execute("UPDATE marts.fct_line_items SET amount_yuan = amount_yuan + 10000 WHERE department_name = ? "
                "AND fiscal_year = 2020 AND line_item_key = 'carryover_end'", [YIYANG])
    scope = Scope(base_run_id="full-before", department_years=frozenset({(YIYANG, 2020), (YIYANG, 2021)}))
    scoped = run_reconciliation(con, "scoped", reports, scope=scope)
    full = run_reconciliation(con, "full-after", reports)

    assert _rows(con, "scoped") == _rows(con, "full-after")
    assert _rows(con, "scoped") != _rows(con, "full-before")
    assert con.execute(r16, ["scoped"]).fetchall() == [("failed",)]
    # only the two department-years were computed; the rest came from the earlier run
    sc = scoped.scope
    assert sc["mode"] == "scoped" and sc["department_years"] == 2
    total = con.execute("SELECT count(*) FROM audit.reconciliation_results WHERE run_id = 'full-after'").fetchone()[0]
    outside = con.execute("SELECT count(*) FROM audit.reconciliation_results WHERE run_id = 'full-after' AND NOT "
                          "(department_name = ? AND fiscal_year IN (2020, 2021))", [YIYANG]).fetchone()[0]
    assert sc["rows_carried"] == outside > 0 and sc["rows_computed"] + sc["rows_carried"] == total
    assert (scoped.checked, scoped.failed_error, scoped.failed_warn) == (full.checked, full.failed_error,
                                                                       full.failed_warn)


def test_the_year_after_a_touched_one_must_be_recomputed(two_year_marts):
    """The control: leaving 2021 out of the scope carries R16's stale 'passed' — what plan() avoids by adding y+1."""
    con, reports = two_year_marts
    run_reconciliation(con, "full-before", reports)
    con.execute("UPDATE marts.fct_line_items SET amount_yuan = amount_yuan + 10000 WHERE department_name = ? "
                "AND fiscal_year = 2020 AND line_item_key = 'carryover_end'", [YIYANG])
    run_reconciliation(con, "too-narrow", reports,
                       scope=Scope(base_run_id="full-before", department_years=frozenset({(YIYANG, 2020)})))
    run_reconciliation(con, "full-after", reports)
    assert _rows(con, "too-narrow") != _rows(con, "full-after")
    diff = set(_rows(con, "full-after")) - set(_rows(con, "too-narrow"))
    assert {(r[0], r[3]) for r in diff} == {("R16", 2021)}


def test_an_empty_scope_carries_everything(two_year_marts):
    con, reports = two_year_marts
    run_reconciliation(con, "full", reports)
    s = run_reconciliation(con, "nothing", reports, scope=Scope(base_run_id="full", department_years=frozenset()))
    assert _rows(con, "nothing") == _rows(con, "full")
    assert s.scope["rows_computed"] == 0 and s.scope["rows_carried"] == len(_rows(con, "full"))
    assert s.failed_error == con.execute("SELECT count(*) FROM audit.reconciliation_results WHERE run_id = 'full' "
                                         "AND status = 'failed' AND severity = 'error'").fetchone()[0] > 0
