"""Reconciliation checks R01–R18 (reconciliation_rules.md) over the marts, validated by Great Expectations and
written to ``audit.reconciliation_results``.

    summary = run_reconciliation(con, run_id, reports_dir)

* the rules are data: one SQL file per rule under ``expectations/checks/`` (shared helpers in ``_prelude.sql``),
  each returning one row per subject checked with both sides, the difference, the tolerance and the cells;
* :mod:`.checks` runs them in DuckDB into one TEMP table (the rows never all come to Python); :mod:`.gx`
  validates its narrow excess frame with the file context under ``expectations/gx`` (one suite per severity, one
  expectation per rule, a checkpoint with UpdateDataDocsAction, data docs in ``<reports>/gx_data_docs``); GX's
  unexpected rows are the failures — pass/fail is decided there only;
* every row is written with ``status`` ``passed`` / ``failed`` / ``not_applicable`` (a side missing: ``passed``
  NULL), in one transaction; a rerun with the same run_id replaces that run's rows. A rule file that cannot run
  (e.g. a mart column missing) is written as one ``not_run`` row and listed in ``summary.rule_errors``.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from ..warehouse import transaction
from .checks import CHECKS_DIR, NUM, ComputedChecks, Rule, compute, dept_year_table, load_rules, same_dept_year
from .scope import Scope

AUDIT_COLUMNS = ["run_id", "rule_id", "severity", "department_name", "fiscal_year", "subject", "left_label",
                 "left_yuan", "right_label", "right_yuan", "diff_yuan", "tolerance_yuan", "passed", "source_cells",
                 "status"]

DDL = f"""
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.reconciliation_results (
    run_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,          -- error | warn
    department_name VARCHAR,
    fiscal_year INTEGER,
    subject VARCHAR,
    left_label VARCHAR,
    left_yuan {NUM},                    -- 元 (R11 rates are fractions, R11/R14/R15 scores points: see the rule file)
    right_label VARCHAR,
    right_yuan {NUM},
    diff_yuan {NUM},                    -- left − right
    tolerance_yuan {NUM},
    passed BOOLEAN,                     -- NULL when not applicable (a side is missing) or the rule could not run
    source_cells VARCHAR,
    status VARCHAR NOT NULL,            -- passed | failed | not_applicable | not_run
    comparison VARCHAR,                 -- eq: |diff| ≤ tol; le: diff ≤ tol; ge: diff ≥ −tol
    checked_at TIMESTAMP DEFAULT current_timestamp
);
"""

# runs whose every row stays in audit.reconciliation_results; older runs keep their failed / not_run rows only
# (every finding stays on record; at 10,000 workbooks a night writes ≈ 700,000 rows, mostly passes). 0: keep all.
KEEP_RUNS = int(os.environ.get("JIXIAO_RESULTS_KEEP_RUNS", "30"))

__all__ = ["run_reconciliation", "ReconciliationSummary", "compute_checks", "ensure_table", "Scope"]


@dataclass
class ReconciliationSummary:
    run_id: str
    checked: int = 0                 # applicable rows (passed + failed)
    passed: int = 0
    failed: int = 0
    passed_error: int = 0
    failed_error: int = 0
    passed_warn: int = 0
    failed_warn: int = 0
    not_applicable: int = 0
    rules_run: list[str] = field(default_factory=list)
    rule_errors: dict[str, str] = field(default_factory=dict)
    failed_rows: list[dict] = field(default_factory=list)
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    data_docs: str | None = None
    # full, or scoped: {"base_run_id", "department_years" recomputed, "rows_computed", "rows_carried"}
    scope: dict = field(default_factory=lambda: {"mode": "full"})
    history_pruned: int = 0          # passed / not-applicable rows of runs older than KEEP_RUNS deleted (prune_history)

    def as_dict(self) -> dict:
        return json.loads(json.dumps(asdict(self), default=str))


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(DDL.split("CREATE SCHEMA IF NOT EXISTS audit;", 1)[1])


def compute_checks(con: duckdb.DuckDBPyConnection, only: set[str] | None = None,
                   checks_dir: Path = CHECKS_DIR, scope: Scope | None = None) -> tuple[list[Rule], ComputedChecks]:
    rules = load_rules(checks_dir, only)
    return rules, compute(con, rules, checks_dir, scope)


def _write(con: duckdb.DuckDBPyConnection, run_id: str, computed: ComputedChecks, failed_ids: set[int],
           rules: list[Rule], scope: Scope | None = None) -> int:
    """Write this run's rows from the checks table, status from GX's failed row ids; rule files that could not
    run as one ``not_run`` row each. With a ``scope``, the base run's rows of every other department-year are
    carried over (their checked_at kept). One transaction; the same run_id again replaces that run's rows.
    Returns the number of rows carried over."""
    ensure_table(con)
    sev = {r.name: r.severity for r in rules}
    con.execute("CREATE OR REPLACE TEMP TABLE _rc_failed (row_id BIGINT)")
    if failed_ids:
        con.executemany("INSERT INTO _rc_failed VALUES (?)", [[i] for i in sorted(failed_ids)])
    cols = ", ".join(AUDIT_COLUMNS + ["comparison"])
    status = ("CASE WHEN c.excess IS NULL THEN 'not_applicable' WHEN f.row_id IS NULL THEN 'passed' "
              "ELSE 'failed' END")
    select = ", ".join(
        "CAST(? AS VARCHAR)" if k == "run_id" else
        "CASE WHEN c.excess IS NULL THEN NULL ELSE f.row_id IS NULL END" if k == "passed" else
        status if k == "status" else f"c.{k}"
        for k in AUDIT_COLUMNS + ["comparison"])
    with transaction(con):
        con.execute("DELETE FROM audit.reconciliation_results WHERE run_id = ?", [run_id])
        con.execute(f"INSERT INTO audit.reconciliation_results ({cols}) SELECT {select} FROM {computed.table} c "
                    "LEFT JOIN _rc_failed f USING (row_id) ORDER BY c.row_id", [run_id])
        carried = 0
        if scope is not None:
            dept_year_table(con, "_rc_recomputed", scope.department_years)
            names = [r.name for r in rules]
            carry = ", ".join(AUDIT_COLUMNS[1:] + ["comparison", "checked_at"])
            carried = con.execute(
                f"INSERT INTO audit.reconciliation_results (run_id, {carry}) SELECT ?, {carry} "
                "FROM audit.reconciliation_results r WHERE r.run_id = ? "
                "AND list_contains(?, regexp_extract(r.rule_id, '^R[0-9]+')) "   # rule R07b comes from file R07
                f"AND NOT EXISTS (SELECT 1 FROM _rc_recomputed k WHERE {same_dept_year('r', 'k')})",
                [run_id, scope.base_run_id, names]).fetchone()[0]
            con.execute("DROP TABLE _rc_recomputed")
        for name, msg in computed.errors.items():
            con.execute("INSERT INTO audit.reconciliation_results (run_id, rule_id, severity, subject, left_label, "
                        "status) VALUES (?, ?, ?, '(rule could not run)', ?, 'not_run')",
                        [run_id, name, sev.get(name, "error"), msg[:2000]])
    con.execute("DROP TABLE IF EXISTS _rc_failed")
    return carried


def prune_history(con: duckdb.DuckDBPyConnection, keep_runs: int | None = None) -> int:
    """Delete the passed and not-applicable rows of every run but the latest ``keep_runs`` (default
    :data:`KEEP_RUNS`; "latest" as int_dq_status orders runs: last checked_at, then run_id). Failed and not_run rows
    are kept for ever; the runs a scoped night carries from are always among the latest. Returns rows deleted."""
    keep = KEEP_RUNS if keep_runs is None else keep_runs
    if keep <= 0:
        return 0
    return int(con.execute(
        "DELETE FROM audit.reconciliation_results WHERE status IN ('passed', 'not_applicable') "
        "AND run_id NOT IN (SELECT run_id FROM (SELECT run_id, max(checked_at) AS last "
        "FROM audit.reconciliation_results GROUP BY run_id) ORDER BY last DESC, run_id DESC LIMIT ?)",
        [max(keep, 2)]).fetchone()[0])


def run_reconciliation(con: duckdb.DuckDBPyConnection, run_id: str, reports_dir: Path,
                       only: set[str] | None = None, gx_context=None,
                       scope: Scope | None = None) -> ReconciliationSummary:
    """Compute every rule (or the rule files named in ``only``), let GX decide, write the audit rows. The rows
    stay in DuckDB throughout; Python holds the narrow GX frame and the failed rows only. ``scope``
    (:func:`.scope.plan`): compute and validate only its department-years, carry the others' rows over."""
    from .gx import validate

    reports_dir = Path(reports_dir)
    rules, computed = compute_checks(con, only, scope=scope)
    computed_rows = con.execute(f"SELECT count(*) FROM {computed.table}").fetchone()[0]
    outcome = validate(computed, rules, run_id, reports_dir, ctx=gx_context)
    carried = _write(con, run_id, computed, outcome.failed_row_ids, rules, scope)
    con.execute(f"DROP TABLE IF EXISTS {computed.table}")
    pruned = prune_history(con)

    s = ReconciliationSummary(run_id=run_id, rules_run=[r.name for r in rules if r.name not in computed.errors],
                              rule_errors=dict(computed.errors),
                              data_docs=str(outcome.docs_index) if outcome.docs_index else None,
                              history_pruned=pruned)
    if scope is not None:
        s.scope = {"mode": "scoped", "base_run_id": scope.base_run_id,
                   "department_years": len(scope.department_years), "rows_computed": computed_rows,
                   "rows_carried": carried}
    counts = con.execute("SELECT rule_id, severity, status, count(*) FROM audit.reconciliation_results "
                         "WHERE run_id = ? GROUP BY ALL ORDER BY ALL", [run_id]).fetchall()
    for rule_id, severity, status, n in counts:
        b = s.by_rule.setdefault(rule_id, {"passed": 0, "failed": 0, "not_applicable": 0, "not_run": 0})
        b[status] = b.get(status, 0) + n
        if status == "not_applicable":
            s.not_applicable += n
        elif status in ("passed", "failed"):
            s.checked += n
            ok = status == "passed"
            s.passed += n if ok else 0
            s.failed += 0 if ok else n
            key = ("passed_" if ok else "failed_") + ("warn" if severity == "warn" else "error")
            setattr(s, key, getattr(s, key) + n)
    failed = con.execute(f"SELECT {', '.join(c for c in AUDIT_COLUMNS + ['comparison'] if c != 'run_id')} "
                         "FROM audit.reconciliation_results WHERE run_id = ? AND status = 'failed' "
                         "ORDER BY department_name, fiscal_year, rule_id, subject", [run_id]).df()
    s.failed_rows = json.loads(failed.to_json(orient="records", force_ascii=False))
    return s
