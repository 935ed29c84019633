"""Paths the job reads: explicit arguments, else the environment (JIXIAO_LANDING, JIXIAO_WAREHOUSE, JIXIAO_REPORTS),
else the demo defaults under the project root."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
GX_ROOT = PROJECT_ROOT / "expectations"
# DuckDB's buffer pool: without a limit it keeps up to 80 % of RAM, so the job's memory would grow with the
# warehouse; with one, big sorts and joins spill to <warehouse>.tmp and peak RSS stays flat as the landing grows.
DUCKDB_MEMORY_LIMIT_DEFAULT = "256MB"


def duckdb_memory_limit() -> str:
    return os.environ.get("JIXIAO_DUCKDB_MEMORY_LIMIT") or DUCKDB_MEMORY_LIMIT_DEFAULT


DEFAULTS = {
    "landing": PROJECT_ROOT / "demo_landing",
    "warehouse": PROJECT_ROOT / "warehouse" / "jixiao.duckdb",
    "reports": PROJECT_ROOT / "reports",
}


@dataclass(frozen=True)
class Paths:
    landing: Path
    warehouse: Path
    reports: Path


def resolve(landing: str | Path | None = None, warehouse: str | Path | None = None,
            reports: str | Path | None = None, lookup=None) -> Paths:
    """``lookup(name)`` is tried before the environment (the DAG passes Airflow Variables)."""
    def pick(name: str, given):
        if given:
            return Path(given).expanduser().resolve()
        for source in (lookup, lambda n: os.environ.get(f"JIXIAO_{n.upper()}")):
            if source is None:
                continue
            v = source(name)
            if v:
                return Path(v).expanduser().resolve()
        return DEFAULTS[name]
    return Paths(pick("landing", landing), pick("warehouse", warehouse), pick("reports", reports))
