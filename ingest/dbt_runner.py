"""Running the dbt project in-process (dbtRunner) against the warehouse."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .config import DBT_PROJECT_DIR


@dataclass
class DbtResult:
    success: bool
    models: int
    tests: int
    failures: list[str]


def dbt_env(warehouse: Path) -> dict[str, str]:
    return {"JIXIAO_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}


def run_dbt(warehouse: Path, command: str = "build", extra: list[str] | None = None,
            target: str | None = None) -> DbtResult:
    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_env(warehouse))
    args = [command, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"]
    if target:
        args += ["--target", target]
    args += extra or []
    res = dbtRunner().invoke(args)
    models = tests = 0
    failures: list[str] = []
    for r in (res.result or []) if res.result is not None and hasattr(res.result, "__iter__") else []:
        rtype = getattr(r.node, "resource_type", "")
        if str(rtype).endswith("test"):
            tests += 1
        else:
            models += 1
        if str(r.status) not in ("success", "pass", "RunStatus.Success", "TestStatus.Pass"):
            failures.append(f"{r.node.unique_id}: {r.status} {r.message or ''}".strip())
    if res.exception is not None:
        failures.append(f"dbt raised {type(res.exception).__name__}: {res.exception}")
    return DbtResult(success=bool(res.success), models=models, tests=tests, failures=failures)
