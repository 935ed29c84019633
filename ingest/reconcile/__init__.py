"""Reconciliation checks R01–R18 (reconciliation_rules.md) over the marts, validated by Great Expectations and
written to ``audit.reconciliation_results``.

    summary = run_reconciliation(con, run_id, reports_dir)

* the rules are data: one SQL file per rule under ``expectations/checks/`` (shared helpers in ``_prelude.sql``),
  each returning one row per subject checked with both sides, the difference, the tolerance and the cells;
* :mod:`.checks` runs them in DuckDB into one frame; :mod:`.gx` validates it with the file context under
  ``expectations/gx`` (one suite per rule, a checkpoint with UpdateDataDocsAction, data docs in
  ``<reports>/gx_data_docs``); GX's unexpected rows are the failures — pass/fail is decided there only;
* every row is written with ``status`` ``passed`` / ``failed`` / ``not_applicable`` (a side missing: ``passed``
  NULL), in one transaction; a rerun with the same run_id replaces that run's rows. A rule file that cannot run
  (e.g. a mart column missing) is written as one ``not_run`` row and listed in ``summary.rule_errors``.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .checks import CHECKS_DIR, NUM, ComputedChecks, Rule, compute, load_rules

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

__all__ = ["run_reconciliation", "ReconciliationSummary", "compute_checks", "ensure_table"]


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

    def as_dict(self) -> dict:
        return json.loads(json.dumps(asdict(self), default=str))


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(DDL.split("CREATE SCHEMA IF NOT EXISTS audit;", 1)[1])


def compute_checks(con: duckdb.DuckDBPyConnection, only: set[str] | None = None,
                   checks_dir: Path = CHECKS_DIR) -> tuple[list[Rule], ComputedChecks]:
    rules = load_rules(checks_dir, only)
    return rules, compute(con, rules, checks_dir)


def _results_frame(run_id: str, computed: ComputedChecks, failed_ids: set[int], rules: list[Rule]) -> pd.DataFrame:
    f = computed.frame.copy()
    applicable = f["excess"].notna()
    failed = f["row_id"].isin(failed_ids)
    f["passed"] = pd.Series([None] * len(f), dtype="object")
    f.loc[applicable, "passed"] = ~failed[applicable]
    f["status"] = "not_applicable"
    f.loc[applicable & ~failed, "status"] = "passed"
    f.loc[applicable & failed, "status"] = "failed"
    sev = {r.name: r.severity for r in rules}
    extra = [{"rule_id": name, "severity": sev.get(name, "error"), "subject": "(rule could not run)",
              "left_label": msg[:2000], "status": "not_run", "comparison": None}
             for name, msg in computed.errors.items()]
    if extra:
        f = pd.concat([f, pd.DataFrame(extra)], ignore_index=True)
    f["run_id"] = run_id
    for c in AUDIT_COLUMNS + ["comparison"]:
        if c not in f:
            f[c] = None
    return f[AUDIT_COLUMNS + ["comparison"]]


def _write(con: duckdb.DuckDBPyConnection, run_id: str, rows: pd.DataFrame) -> None:
    ensure_table(con)
    cols = ", ".join(AUDIT_COLUMNS + ["comparison"])
    casts = ", ".join(
        f"CAST({c} AS {NUM})" if c.endswith("_yuan") else
        "CAST(fiscal_year AS INTEGER)" if c == "fiscal_year" else
        "CAST(passed AS BOOLEAN)" if c == "passed" else f"CAST({c} AS VARCHAR)"
        for c in AUDIT_COLUMNS + ["comparison"])
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM audit.reconciliation_results WHERE run_id = ?", [run_id])
        con.register("_rc_rows", rows)
        con.execute(f"INSERT INTO audit.reconciliation_results ({cols}) SELECT {casts} FROM _rc_rows")
        con.unregister("_rc_rows")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def run_reconciliation(con: duckdb.DuckDBPyConnection, run_id: str, reports_dir: Path,
                       only: set[str] | None = None, gx_context=None) -> ReconciliationSummary:
    """Compute every rule (or the rule files named in ``only``), let GX decide, write the audit rows."""
    from .gx import validate

    reports_dir = Path(reports_dir)
    rules, computed = compute_checks(con, only)
    outcome = validate(computed.frame, rules, run_id, reports_dir, ctx=gx_context)
    rows = _results_frame(run_id, computed, outcome.failed_row_ids, rules)
    _write(con, run_id, rows)

    s = ReconciliationSummary(run_id=run_id, rules_run=[r.name for r in rules if r.name not in computed.errors],
                              rule_errors=dict(computed.errors),
                              data_docs=str(outcome.docs_index) if outcome.docs_index else None)
    for r in rows.itertuples(index=False):
        b = s.by_rule.setdefault(r.rule_id, {"passed": 0, "failed": 0, "not_applicable": 0, "not_run": 0})
        b[r.status] = b.get(r.status, 0) + 1
        if r.status == "not_applicable":
            s.not_applicable += 1
        elif r.status in ("passed", "failed"):
            s.checked += 1
            ok = r.status == "passed"
            s.passed += ok
            s.failed += not ok
            key = ("passed_" if ok else "failed_") + ("warn" if r.severity == "warn" else "error")
            setattr(s, key, getattr(s, key) + 1)
    failed = rows[rows["status"] == "failed"]
    s.failed_rows = json.loads(failed.drop(columns=["run_id"]).to_json(orient="records", force_ascii=False))
    return s
