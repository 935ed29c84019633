"""dbt-postgres, the second target, for real: a throwaway PostgreSQL cluster (initdb + pg_ctl on a free port),
the samples' raw layer copied into it, `dbt build --target postgres`, and the marts equal to DuckDB's."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.dbt_runner import run_dbt
from ingest.postgres_target import copy_to_postgres

PG_BIN = next((p for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
               if (p / "initdb").exists()), None) if Path("/usr/lib/postgresql").exists() else None
pytestmark = pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL server binaries not installed "
                                                        "(.ci/run installs the Debian package postgresql)")
MARTS = ["dim_department", "fct_line_items", "fct_project_funds", "fct_indicator_results", "fct_evaluation_scores"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: run its binaries as the postgres system user when we are root
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def pg():
    import psycopg2
    # not under pytest's tmp dir: as root that is private (0700) and the postgres user could not enter it
    base = Path(tempfile.mkdtemp(prefix="jixiao-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    port = _free_port()
    subprocess.run(_as_user([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                             "--no-sync"]), check=True, capture_output=True)
    subprocess.run(_as_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-o",
                             f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
                   check=True, capture_output=True)
    try:
        for _ in range(50):
            try:
                c = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
                break
            except psycopg2.OperationalError:
                time.sleep(0.2)
        c.autocommit = True
        c.cursor().execute("CREATE DATABASE jixiao")
        c.close()
        yield {"host": "127.0.0.1", "port": port, "user": "postgres", "dbname": "jixiao"}
    finally:
        subprocess.run(_as_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_dbt_builds_the_same_marts_on_postgres(pg, samples_job, tmp_path, monkeypatch):
    import psycopg2
    conn = psycopg2.connect(**pg)
    counts = copy_to_postgres(samples_job.paths.warehouse, conn)
    assert counts["raw.line_items"] > 300
    for k, v in {"JIXIAO_PG_HOST": pg["host"], "JIXIAO_PG_PORT": str(pg["port"]), "JIXIAO_PG_USER": pg["user"],
                 "JIXIAO_PG_PASSWORD": "", "JIXIAO_PG_DBNAME": pg["dbname"]}.items():
        monkeypatch.setenv(k, v)
    res = run_dbt(samples_job.paths.warehouse, "build", target="postgres", target_path=tmp_path / "target",
                  log_path=tmp_path / "logs")
    assert res.success, res.failures[:10]
    assert not res.errors
    duck = duckdb.connect(str(samples_job.paths.warehouse), read_only=True)
    cur = conn.cursor()
    try:
        for t in MARTS:
            cur.execute(f"SELECT count(*) FROM marts.{t}")
            assert cur.fetchone()[0] == duck.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0], t
        q = ("SELECT line_item_key, scope, phase, sum(amount_yuan) FROM marts.fct_line_items "
             "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
        cur.execute(q)
        pg_sums = [(a, b, c, Decimal(d)) for a, b, c, d in cur.fetchall()]
        assert pg_sums == [(a, b, c, Decimal(d)) for a, b, c, d in duck.execute(q).fetchall()]
        cur.execute("SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns "
                    "WHERE table_schema = 'marts' AND table_name = 'fct_line_items' AND column_name = 'amount_yuan'")
        assert cur.fetchone() == ("numeric", 18, 2)
    finally:
        duck.close()
        conn.close()
