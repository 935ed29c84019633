"""Running the dbt project in-process (dbtRunner) against the warehouse."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .config import DBT_PROJECT_DIR

_OK = {"success", "pass", "no-op"}


@dataclass
class DbtResult:
    success: bool
    models: int                      # models, seeds, snapshots run (any status)
    tests: int                       # data tests and unit tests run (any status)
    failures: list[str]              # every node not ok (error, fail, warn, skipped, ...) plus a raised exception
    passed: int = 0
    warnings: list[str] = field(default_factory=list)   # tests with severity warn that found rows
    errors: list[str] = field(default_factory=list)     # failed models/tests (status error / fail / runtime error)
    skipped: int = 0
    elapsed_seconds: float | None = None

    def summary(self) -> str:
        return (f"dbt: PASS={self.passed} WARN={len(self.warnings)} ERROR={len(self.errors)} SKIP={self.skipped} "
                f"({self.models} models, {self.tests} tests"
                + (f", {self.elapsed_seconds:.1f} s" if self.elapsed_seconds is not None else "") + ")")


def dbt_env(warehouse: Path) -> dict[str, str]:
    return {"JIXIAO_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}


def _status(r) -> str:
    s = getattr(r, "status", "")
    return str(getattr(s, "value", s)).lower()


def _release_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB database open in a class-level environment after the run, holding the file's
    single-writer lock for as long as this process lives: close it so other processes (the next task, a second
    run) can open the warehouse."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    env = getattr(DuckDBConnectionManager, "_ENV", None)
    if env is not None:
        try:
            env.close()
        except Exception:
            pass
    DuckDBConnectionManager.close_all_connections()
    import gc
    gc.collect()


def run_dbt(warehouse: Path, command: str = "build", extra: list[str] | None = None,
            target: str | None = None, *, target_path: Path | None = None,
            log_path: Path | None = None) -> DbtResult:
    """Invoke ``dbt <command>`` in this process against ``warehouse``.

    ``target_path`` / ``log_path`` keep dbt's artifacts out of dbt_project/ (tests, concurrent runs). The
    environment variables dbt needs are set for the call only and restored afterwards."""
    from dbt.cli.main import dbtRunner

    args = [command, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"]
    if target:
        args += ["--target", target]
    if target_path is not None:
        args += ["--target-path", str(target_path)]
    if log_path is not None:
        args += ["--log-path", str(log_path)]
    args += extra or []

    env = dbt_env(Path(warehouse))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        res = dbtRunner().invoke(args)
    finally:
        _release_duckdb()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    out = DbtResult(success=bool(res.success), models=0, tests=0, failures=[])
    # build/run/test/seed return a RunExecutionResult (.results); ls/parse/debug return other objects.
    results = getattr(res.result, "results", None) or []
    out.elapsed_seconds = getattr(res.result, "elapsed_time", None)
    for r in results:
        node = getattr(r, "node", None)
        rtype = str(getattr(getattr(node, "resource_type", ""), "value", getattr(node, "resource_type", "")))
        if rtype in ("test", "unit_test"):
            out.tests += 1
        else:
            out.models += 1
        status = _status(r)
        uid = getattr(node, "unique_id", "?")
        if status in _OK:
            out.passed += 1
            continue
        line = f"{uid}: {status} {getattr(r, 'message', None) or ''}".strip()
        out.failures.append(line)
        if status == "warn":
            out.warnings.append(line)
        elif status == "skipped":
            out.skipped += 1
        else:
            out.errors.append(line)
    if res.exception is not None:
        msg = f"dbt raised {type(res.exception).__name__}: {res.exception}"
        out.failures.append(msg)
        out.errors.append(msg)
    return out
