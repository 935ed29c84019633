"""Task logic for the Airflow DAGs (kept out of the DAG files). Imported at DAG-parse time: keep imports light."""
from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

from .config import DBT_PROJECT_DIR, resolve

DBT_PROFILES = DBT_PROJECT_DIR / "profiles.yml"
_VENV_BIN = str(Path(sys.executable).parent)
if _VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    # Cosmos looks dbt up on PATH (when its config module is imported): make it the venv's dbt.
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")
BATCH_SIZE = int(os.environ.get("JIXIAO_INGEST_BATCH", "200"))
def _on_failure(context):  # resolved lazily so DAG parsing stays light
    from .alerts import on_task_failure
    on_task_failure(context)


DEFAULT_ARGS = {
    "owner": "jixiao",
    "on_failure_callback": _on_failure,
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def _mart_assets():
    from airflow.sdk import Asset
    return [Asset(f"duckdb://jixiao/marts/{t}") for t in
            ("dim_department", "fct_line_items", "fct_project_funds", "fct_indicator_results",
             "fct_evaluation_scores")] + [Asset("duckdb://jixiao/audit/reconciliation_results")]


MART_ASSETS = _mart_assets()


def _variable(name: str) -> str | None:
    try:
        from airflow.sdk import Variable
        return Variable.get(name, default=None)
    except Exception:
        return None


def resolve_paths() -> dict:
    p = resolve(lookup=lambda n: _variable(f"jixiao_{n}"))
    return {"landing": str(p.landing), "warehouse": str(p.warehouse), "reports": str(p.reports)}


def _paths(p: dict):
    return resolve(p["landing"], p["warehouse"], p["reports"])


def discover_batches(p: dict) -> list[list[str]]:
    """Relative paths of landed files whose (path, sha256) is not yet recorded, in batches (possibly none)."""
    import duckdb

    from .landing import discover
    files = discover(p["landing"])
    known: set[tuple[str, str]] = set()
    wh = Path(p["warehouse"])
    if wh.exists():
        try:
            con = duckdb.connect(str(wh), read_only=True)
            try:
                known = set(con.execute("SELECT path, file_sha256 FROM audit.ingested_files").fetchall())
            finally:
                con.close()
        except Exception:
            known = set()
    todo = [f.rel for f in files if (f.rel, f.sha256) not in known]
    return [todo[i:i + BATCH_SIZE] for i in range(0, len(todo), BATCH_SIZE)]


def run_ingest_batch(p: dict, batch: list[str], run_id: str) -> dict:
    from .pipeline import step_ingest
    from .joblock import job_lock
    paths = _paths(p)
    with job_lock(paths.warehouse, wait_seconds=600, owner=f"airflow {run_id}"):
        s = step_ingest(paths, run_id, only=set(batch), wait_lock=600)
    return s.as_dict() | {"rejections": s.rejections}


def run_reconcile(p: dict, run_id: str) -> dict:
    from .pipeline import step_reconcile
    from .joblock import job_lock
    paths = _paths(p)
    with job_lock(paths.warehouse, wait_seconds=600, owner=f"airflow {run_id}"):
        rules = step_reconcile(paths, run_id, wait_lock=600)
    from .alerts import findings_message, send
    msg = findings_message(rules)
    if msg:
        send(msg, {"rules": {k: rules.get(k) for k in ("checked", "passed", "failed_error", "failed_warn",
                                                        "not_applicable")}})
    if strict_mode() and int(rules.get("failed_error", 0)):
        raise StrictModeFailure(f"strict mode: {rules.get('failed_error')} reconciliation error findings "
                                f"(see audit.reconciliation_results, run {run_id})")
    return {k: v for k, v in rules.items() if k != "failed_rows"}  # the XCom summary: counts, not rows


class StrictModeFailure(RuntimeError):
    """Raised by the reconcile task in strict mode when an error-severity rule failed."""


def strict_mode() -> bool:
    """Strict mode (off by default): Airflow Variable ``jixiao_strict`` or env ``JIXIAO_STRICT`` = 1/true/yes."""
    return (_variable("jixiao_strict") or os.environ.get("JIXIAO_STRICT", "")).lower() in ("1", "true", "yes")


def run_dq_refresh(p: dict, rules: dict | None = None) -> bool:
    from .joblock import job_lock
    from .pipeline import step_dq_refresh
    paths = _paths(p)
    with job_lock(paths.warehouse, wait_seconds=600, owner="airflow dq refresh"):
        return step_dq_refresh(paths, rules, wait_lock=600)


def run_report(p: dict, run_id: str, rules: dict) -> str:
    from .pipeline import step_report
    from .joblock import job_lock
    paths = _paths(p)
    with job_lock(paths.warehouse, wait_seconds=600, owner=f"airflow {run_id}"):
        return step_report(paths, run_id, {"run_id": run_id, "rules": rules}, wait_lock=600)


def dbt_task_group(group_id: str, warehouse_template: str):
    """The dbt project rendered by Cosmos as one Airflow task per model, each running `dbt build` of that model
    (its tests included: one dbt call per model instead of two)."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, LoadMode, TestBehavior

    return DbtTaskGroup(
        group_id=group_id,
        # The warehouse path reaches dbt through the operators' templated env (Variables/env resolved at run time);
        # rendering (dbt ls) needs no warehouse.
        project_config=ProjectConfig(DBT_PROJECT_DIR, install_dbt_deps=False),
        profile_config=ProfileConfig(profile_name="jixiao", target_name="duckdb",
                                     profiles_yml_filepath=DBT_PROFILES),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL),
        render_config=RenderConfig(load_method=LoadMode.DBT_LS, enable_mock_profile=False,
                                   test_behavior=TestBehavior.BUILD,
                                   # relationships tests (fact → dim_department) run once both models exist
                                   should_detach_multiple_parents_tests=True),
        operator_args={"env": {"JIXIAO_WAREHOUSE": warehouse_template}, "append_env": True,
                       "install_deps": False},
        # a night with no new files maps ingest to zero tasks (skipped): still build, reconcile and report
        default_args={"retries": 1, "trigger_rule": "none_failed"},
    )


def run_backfill(fiscal_year: int | None, department: str | None) -> dict:
    """The whole job for one slice (reset, ingest, dbt build, reconcile, report) under the job lock."""
    from .pipeline import run_job
    p = resolve_paths()
    if fiscal_year is None and not department:
        raise ValueError("jixiao_backfill needs params fiscal_year and/or department")
    s = run_job(p["landing"], p["warehouse"], p["reports"], lookup=None, wait_lock=600,
                backfill=(int(fiscal_year) if fiscal_year is not None else None, department or None))
    return {"run_id": s.run_id, "ingest": s.ingest.as_dict(), "marts": s.mart_rows, "rules": s.rules}
