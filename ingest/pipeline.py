"""The nightly job as plain steps, shared by `jixiao run` and the Airflow DAG `jixiao_nightly`:
ingest → dbt build → reconcile → report."""
from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .config import DBT_PROJECT_DIR, GX_ROOT, PROJECT_ROOT, Paths, resolve
from .dbt_runner import run_dbt
from .faults import arm, crash_point
from .ingestion import IngestSummary, ingest_landing
from .joblock import JobLocked, job_lock
from .warehouse import WarehouseLocked, connect, ensure_schema, now

MART_TABLES = ["dim_department", "fct_line_items", "fct_project_funds", "fct_indicator_results",
               "fct_evaluation_scores"]


class JobFailed(RuntimeError):
    """The job itself could not run (as opposed to data findings, which never fail the job)."""


@dataclass
class JobSummary:
    run_id: str
    paths: Paths
    ingest: IngestSummary
    dbt_models: int = 0
    dbt_tests: int = 0
    dbt_warnings: list[str] = field(default_factory=list)
    mart_rows: dict[str, int] = field(default_factory=dict)
    rules: dict = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    report: str | None = None
    reused_from: str | None = None   # no-op night: marts and findings of this earlier run are still current

    def render(self) -> str:
        i = self.ingest
        lines = [
            f"jixiao run {self.run_id}",
            f"  files: {i.files} landed — {i.loaded} loaded, {i.skipped_known + i.unchanged} unchanged, "
            f"{i.superseded} superseded, {i.rejected} rejected ({i.rows} rows extracted)",
        ]
        for r in i.rejections[:20]:
            lines.append(f"    rejected: {r}")
        if self.reused_from:
            lines.append(f"  nothing changed since run {self.reused_from}: dbt build and reconciliation skipped")
        lines.append(f"  dbt build: {self.dbt_models} models, {self.dbt_tests} tests"
                     + (f", {len(self.dbt_warnings)} test warnings" if self.dbt_warnings else ""))
        lines.append("  marts: " + ", ".join(f"{k} {v}" for k, v in self.mart_rows.items()))
        if self.rules:
            lines.append(f"  rules: {self.rules.get('checked', 0)} checked, {self.rules.get('passed', 0)} passed, "
                         f"{self.errors} failed (error), {self.warnings} failed (warn), "
                         f"{self.rules.get('not_applicable', 0)} not applicable")
            sc = self.rules.get("scope") or {}
            if sc.get("mode") == "scoped" and not self.reused_from:
                lines.append(f"    recomputed for {sc['department_years']} department-years touched "
                             f"({sc['rows_computed']} rows); {sc['rows_carried']} rows carried from run "
                             f"{sc['base_run_id']}")
        lines.append(f"  warehouse: {self.paths.warehouse}")
        if self.report:
            lines.append(f"  report: {self.report}")
        return "\n".join(lines)


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def step_ingest(paths: Paths, run_id: str, progress: bool = False, wait_lock: float = 60.0,
                only: set[str] | None = None) -> IngestSummary:
    if not paths.landing.is_dir():
        raise JobFailed(f"landing folder {paths.landing} does not exist")
    con = connect(paths.warehouse, wait_seconds=wait_lock)
    try:
        ensure_schema(con)
        con.execute("INSERT INTO audit.runs (run_id, started_at, status) SELECT ?, ?, 'running' "
                    "WHERE NOT EXISTS (SELECT 1 FROM audit.runs WHERE run_id = ?)", [run_id, now(), run_id])
        return ingest_landing(con, paths.landing, run_id, progress=progress, only=only)
    finally:
        con.close()


def step_dbt(paths: Paths) -> tuple[int, int, list[str]]:
    arm("dbt")
    res = run_dbt(paths.warehouse, "build")
    if not res.success and any("error" in f.lower() and "test." not in f for f in res.failures):
        raise JobFailed("dbt build failed: " + "; ".join(res.failures[:10]))
    return res.models, res.tests, res.failures


def step_dq_refresh(paths: Paths, rules: dict | None = None, wait_lock: float = 60.0) -> bool:
    """Bring the marts' dq_status up to the reconciliation that just ran — unless that reconciliation left every
    department-year's status as it was (``rules["dq_status_changed"]`` False: the marts dbt just built already
    carry it). The rows are updated in place (warehouse.refresh_dq_status: what a rebuild of the marts would give,
    at the cost of the changed rows); before the marts exist, dbt rebuilds them. Returns whether anything ran."""
    if rules is not None and rules.get("dq_status_changed") is False:
        return False
    from .warehouse import refresh_dq_status
    con = connect(paths.warehouse, wait_seconds=wait_lock)
    try:
        changed = refresh_dq_status(con)
    finally:
        con.close()
    if changed is not None:
        return True
    res = run_dbt(paths.warehouse, "run", ["--select", "int_dq_status+"])
    if not res.success:
        raise JobFailed("dbt run (dq_status refresh) failed: " + "; ".join(res.failures[:10]))
    return True


def dq_status_digest(con) -> str | None:
    """A digest of every department-year's dq_status as intermediate.int_dq_status (a view over the latest
    reconciliation) states it now; None when it cannot be read (dbt has not built it)."""
    try:
        return con.execute("SELECT coalesce(md5(string_agg(department_name || '|' || fiscal_year || '|' || dq_status "
                           "|| '|' || errors || '|' || warnings || '|' || passed_checks, ',' ORDER BY department_name, "
                           "fiscal_year)), '') FROM intermediate.int_dq_status").fetchone()[0]
    except Exception:  # noqa: BLE001 — missing view or column: treat as changed
        return None


def step_reconcile(paths: Paths, run_id: str, wait_lock: float = 60.0, full: bool = False) -> dict:
    """Reconcile; only the department-years touched since the last finished run unless ``full`` (or the scope
    plan says everything: reconcile.scope)."""
    from .reconcile import run_reconciliation, scope
    con = connect(paths.warehouse, wait_seconds=wait_lock)
    arm("reconcile")
    try:
        plan = None if full else scope.plan(con, run_id, code_fingerprint())
        before = dq_status_digest(con)
        s = run_reconciliation(con, run_id, paths.reports, scope=plan)
        after = dq_status_digest(con)
    finally:
        con.close()
    out = s.as_dict()
    out["dq_status_changed"] = before is None or after is None or before != after
    return out


def _finish_run(con, run_id: str, summary: dict | None, fingerprint: str | None, results_run_id: str) -> None:
    con.execute("UPDATE audit.runs SET finished_at = ?, status = 'finished', summary = ?, fingerprint = ?, "
                "results_run_id = ?, code_fingerprint = ? WHERE run_id = ?",
                [now(), json.dumps(summary or {}, ensure_ascii=False, default=str), fingerprint, results_run_id,
                 code_fingerprint(), run_id])


def step_report(paths: Paths, run_id: str, summary: dict | None = None, wait_lock: float = 60.0,
                results_run_id: str | None = None, fingerprint: str | None = None,
                reuse: Path | None = None) -> str:
    """Write the report of ``results_run_id``'s findings (this run's unless reused) and close the run record.
    ``reuse``: a no-op night whose findings are unchanged — that run's report becomes latest.html again."""
    con = connect(paths.warehouse, wait_seconds=wait_lock)
    try:
        if reuse is not None:
            shutil.copyfile(reuse, paths.reports / "latest.html")
            html = str(reuse)
        else:
            from .report import build_report
            out = build_report(con, results_run_id or run_id, paths.reports, summary=summary)
            html = str(getattr(out, "html", out))
        _finish_run(con, run_id, summary, fingerprint, results_run_id or run_id)
    finally:
        con.close()
    return html


def mart_counts(paths: Paths) -> dict[str, int]:
    con = connect(paths.warehouse, wait_seconds=60)
    try:
        out = {}
        for t in MART_TABLES:
            try:
                out[t] = con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0]
            except Exception:
                out[t] = -1
        return out
    finally:
        con.close()


def step_reset(paths: Paths, year: int | None, department: str | None, wait_lock: float = 60.0) -> set[str]:
    """Backfill: forget the slice, return the landed files to load again."""
    from .backfill import reset_scope
    from .landing import discover
    con = connect(paths.warehouse, wait_seconds=wait_lock)
    try:
        ensure_schema(con)
        return reset_scope(con, discover(paths.landing), year, department)
    finally:
        con.close()


def code_fingerprint() -> str:
    """Hash of everything that shapes the marts and findings besides the data: dbt project, checks, code."""
    h = hashlib.sha256()
    roots = [DBT_PROJECT_DIR / d for d in ("models", "macros", "seeds", "snapshots", "tests")]
    roots += [DBT_PROJECT_DIR / "dbt_project.yml", GX_ROOT, PROJECT_ROOT / "ingest" / "reconcile"]
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
        for p in files:
            if "uncommitted" in p.parts or "__pycache__" in p.parts:
                continue
            h.update(str(p.relative_to(PROJECT_ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def state_fingerprint(paths: Paths) -> str:
    con = connect(paths.warehouse, wait_seconds=60)
    try:
        data = con.execute("SELECT coalesce(md5(string_agg(path || '|' || file_sha256 || '|' || status, ',' "
                           "ORDER BY path, file_sha256, status)), '') FROM audit.ingested_files").fetchone()[0]
    finally:
        con.close()
    return hashlib.sha256((data + code_fingerprint()).encode()).hexdigest()


def last_finished(paths: Paths, fingerprint: str) -> tuple[str, dict] | None:
    """The last finished run with this fingerprint whose marts are still the current ones, if any."""
    con = connect(paths.warehouse, wait_seconds=60)
    try:
        row = con.execute("SELECT run_id, coalesce(results_run_id, run_id), summary, fingerprint FROM audit.runs "
                          "WHERE status = 'finished' ORDER BY finished_at DESC LIMIT 1").fetchone()
    finally:
        con.close()
    if not row or row[3] != fingerprint:
        return None
    return row[1], json.loads(row[2] or "{}")


def run_job(landing=None, warehouse=None, reports=None, progress: bool = False, wait_lock: float = 60.0,
            lookup=None, backfill: tuple[int | None, str | None] | None = None) -> JobSummary:
    """The whole job once. ``backfill=(year, department)`` first forgets that slice and reloads only it."""
    paths = resolve(landing, warehouse, reports, lookup=lookup)
    run_id = new_run_id()
    only: set[str] | None = None
    try:
        with job_lock(paths.warehouse, wait_seconds=wait_lock):
            if backfill is not None:
                only = step_reset(paths, *backfill, wait_lock=wait_lock)
            ing = step_ingest(paths, run_id, progress=progress, wait_lock=wait_lock, only=only)
            crash_point("after_ingest")
            fingerprint = state_fingerprint(paths)
            previous = None if ing.changed else last_finished(paths, fingerprint)
            if previous:
                summary = JobSummary(run_id=run_id, paths=paths, ingest=ing, reused_from=previous[0])
                summary.rules = previous[1].get("rules", {})
                results_run_id = previous[0]
            else:
                models, tests, warn = step_dbt(paths)
                summary = JobSummary(run_id=run_id, paths=paths, ingest=ing, dbt_models=models, dbt_tests=tests,
                                     dbt_warnings=warn)
                summary.rules = step_reconcile(paths, run_id, wait_lock, full=backfill is not None)
                step_dq_refresh(paths, summary.rules, wait_lock)
                results_run_id = run_id
            summary.mart_rows = mart_counts(paths)
            summary.errors = int(summary.rules.get("failed_error", 0))
            summary.warnings = int(summary.rules.get("failed_warn", 0))
            payload = {"run_id": run_id, "results_run_id": results_run_id, "ingest": ing.as_dict(),
                       "rejections": ing.rejections, "marts": summary.mart_rows, "rules": summary.rules}
            previous_report = paths.reports / f"reconciliation_{results_run_id}.html"
            summary.report = step_report(paths, run_id, payload, wait_lock, results_run_id=results_run_id,
                                         fingerprint=fingerprint,
                                         reuse=previous_report if previous and previous_report.exists() else None)
            return summary
    except (JobLocked, WarehouseLocked, FileNotFoundError) as exc:
        raise JobFailed(str(exc)) from exc
