"""The Airflow DAG: imports cleanly, has the contract shape, and `airflow dags test jixiao_nightly` run for real
(SQLite metadata in a temp AIRFLOW_HOME) produces the same marts as `jixiao run`."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.warehouse_snapshot import mart_snapshot

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _airflow_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow_home")
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=_airflow_env(home), check=True,
                   capture_output=True, timeout=600)
    return home


def test_dagbag_has_no_import_errors(airflow_home, tmp_path):
    code = (
        "from airflow.dag_processing.dagbag import DagBag\n"
        "b = DagBag(dag_folder=%r)\n"
        "assert not b.import_errors, b.import_errors\n"
        "d = b.dags['jixiao_nightly']\n"
        "print(d.max_active_runs, d.max_active_tasks, d.catchup, sorted(t.task_id for t in d.tasks))\n"
    ) % str(ROOT / "dags")
    env = _airflow_env(airflow_home, JIXIAO_WAREHOUSE=str(tmp_path / "wh.duckdb"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("1 1 False"), line
    for t in ("paths", "discover", "ingest", "reconcile", "dq_refresh", "report"):
        assert f"'{t}'" in line
    assert "dbt_build." in line  # Cosmos rendered the dbt models as tasks


def test_dags_test_matches_cli(airflow_home, samples_job, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(samples_job.paths.landing, landing)
    wh = tmp_path / "wh" / "jixiao.duckdb"
    env = _airflow_env(airflow_home, JIXIAO_LANDING=str(landing), JIXIAO_WAREHOUSE=str(wh),
                       JIXIAO_REPORTS=str(tmp_path / "reports"))
    out = subprocess.run([str(BIN / "airflow"), "dags", "test", "jixiao_nightly", "2026-12-01"], env=env,
                         capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    assert mart_snapshot(wh) == mart_snapshot(samples_job.paths.warehouse)
    assert (tmp_path / "reports" / "latest.html").exists()
