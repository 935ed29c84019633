"""Shared fixtures: the samples landing and one warehouse built from it by the real job (ingest → dbt → GX)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES_LANDING = FIXTURES / "samples" / "submissions"


@pytest.fixture(scope="session")
def samples_landing() -> Path:
    return SAMPLES_LANDING


@pytest.fixture(scope="session")
def samples_job(tmp_path_factory):
    """The whole nightly job run once on a copy of the samples landing: (summary, paths)."""
    from ingest.pipeline import run_job
    root = tmp_path_factory.mktemp("samples_job")
    landing = root / "landing"
    shutil.copytree(SAMPLES_LANDING, landing)
    summary = run_job(landing, root / "wh" / "jixiao.duckdb", root / "reports")
    return summary
