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


@pytest.mark.parametrize("batch", [1, 2])
def test_batches_of_department_years_give_the_rows_of_one_pass(two_year_marts, monkeypatch, batch):
    """A big warehouse runs the rules batch by batch (bounded memory); the rows must be those of a single pass —
    R16 of 益阳 2021 included, whose year before may sit in another batch."""
    from ingest.reconcile import checks
    con, reports = two_year_marts
    con.execute("UPDATE marts.fct_line_items SET amount_yuan = amount_yuan + 10000 WHERE department_name = ? "
                "AND fiscal_year = 2020 AND line_item_key = 'carryover_end'", [YIYANG])
    one = run_reconciliation(con, "one-pass", reports)
    keys = checks.all_department_years(con, [r.sql for r in checks.load_rules()])
    assert len(keys) == 6 > batch
    monkeypatch.setattr(checks, "BATCH_DEPT_YEARS", batch)
    batched = run_reconciliation(con, "batched", reports)
    assert _rows(con, "batched") == _rows(con, "one-pass")
    assert ("R16", "failed") in {(r[0], r[13]) for r in _rows(con, "batched") if r[3] == 2021}
    assert (batched.failed_error, batched.rule_errors) == (one.failed_error, {})


# ---- plan(): which department-years a run recomputes, from the audit tables ------------------------------------

def _audit(tmp_path) -> duckdb.DuckDBPyConnection:
    """Run r1 (finished, code 'c1') checked 4 department-years; run r2 (running) loaded a new version of A 2020
    that superseded r1's, and a first file of D 2021; a rejected file has no department-year."""
    from ingest.warehouse import ensure_schema

    con = duckdb.connect(str(tmp_path / "plan.duckdb"))
    ensure_schema(con)
    con.execute("INSERT INTO audit.runs (run_id, started_at, finished_at, status, results_run_id, code_fingerprint) "
                "VALUES ('r1', TIMESTAMP '2026-01-01 01:00', TIMESTAMP '2026-01-01 01:10', 'finished', 'r1', 'c1'), "
                "('r2', TIMESTAMP '2026-01-02 01:00', NULL, 'running', NULL, NULL)")
    files = [("a20.xlsx", "s1", "superseded", "A", 2020, "s5", "r1"), ("b20.xlsx", "s2", "loaded", "B", 2020, None, "r1"),
             ("c19.xlsx", "s3", "loaded", "C", 2019, None, "r1"), ("c20.xlsx", "s4", "loaded", "C", 2020, None, "r1"),
             ("a20.xlsx", "s5", "loaded", "A", 2020, None, "r2"), ("d21.xlsx", "s6", "loaded", "D", 2021, None, "r2"),
             ("bad.xlsx", "s7", "rejected", None, None, None, "r2")]
    con.executemany("INSERT INTO audit.ingested_files (path, file_sha256, status, superseded_by, department_name, "
                    "fiscal_year, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [[p, s, st, by, d, y, r] for p, s, st, d, y, by, r in files])
    for d, y in [("A", 2020), ("B", 2020), ("C", 2019), ("C", 2020)] * 2 + [("E", 2018)] * 2:
        con.execute("INSERT INTO audit.reconciliation_results (run_id, rule_id, severity, department_name, "
                    "fiscal_year, status) VALUES ('r1', 'R01', 'error', ?, ?, 'passed')", [d, y])
    return con


def test_plan_recomputes_touched_department_years_and_the_year_after(tmp_path):
    from ingest.reconcile.checks import with_year_before
    from ingest.reconcile.scope import plan
    con = _audit(tmp_path)
    sc = plan(con, "r2", "c1", max_share=0.5)
    assert sc is not None and sc.base_run_id == "r1"
    assert sc.department_years == {("A", 2020), ("A", 2021), ("D", 2021), ("D", 2022)}
    assert with_year_before(sc.department_years) == sc.department_years | {("A", 2019), ("D", 2020)}


@pytest.mark.parametrize("change, why", [
    ("UPDATE audit.runs SET code_fingerprint = 'c0' WHERE run_id = 'r1'", "dbt project or rules changed"),
    ("INSERT INTO audit.runs (run_id, started_at, status) VALUES ('r1b', TIMESTAMP '2026-01-01 12:00', 'running')",
     "a run since did not finish"),
    ("UPDATE audit.reconciliation_results SET status = 'not_run' WHERE department_name = 'E'",
     "a rule could not run"),
    ("DELETE FROM audit.reconciliation_results", "no results to carry"),
    ("DELETE FROM audit.reconciliation_results WHERE department_name IN ('B', 'C', 'E')",
     "most department-years touched"),
])
def test_plan_recomputes_everything_when_carrying_is_unsafe(tmp_path, change, why):
    from ingest.reconcile.scope import plan
    con = _audit(tmp_path)
    assert plan(con, "r2", "c1", max_share=0.5) is not None
    con.execute(change)
    assert plan(con, "r2", "c1", max_share=0.5) is None, why


def test_history_keeps_every_row_of_the_latest_runs_and_the_findings_of_older_ones(two_year_marts, monkeypatch):
    import ingest.reconcile as rc
    con, reports = two_year_marts
    monkeypatch.setattr(rc, "KEEP_RUNS", 2)
    for run in ("20260101T000000-a", "20260102T000000-b"):
        assert run_reconciliation(con, run, reports).history_pruned == 0
    first = _rows(con, "20260101T000000-a")
    failed = [r for r in first if r[13] in ("failed", "not_run")]
    assert failed and len(failed) < len(first)
    third = run_reconciliation(con, "20260103T000000-c", reports)
    # the oldest run keeps its findings only; the two latest keep everything
    assert _rows(con, "20260101T000000-a") == failed
    assert third.history_pruned == len(first) - len(failed)
    assert _rows(con, "20260102T000000-b") == _rows(con, "20260103T000000-c") == first
    monkeypatch.setattr(rc, "KEEP_RUNS", 0)   # 0: keep everything
    assert run_reconciliation(con, "20260104T000000-d", reports).history_pruned == 0
    assert len(_rows(con, "20260102T000000-b")) == len(first)
