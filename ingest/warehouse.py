"""The DuckDB warehouse: connecting (with a clear message when another run holds the lock), DDL, and loading one
file's extraction in one transaction through Arrow."""
from __future__ import annotations

import json
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from .config import duckdb_memory_limit
from .schema import RAW_TABLES, columns, raw_ddl


class WarehouseLocked(RuntimeError):
    """Another process holds DuckDB's single-writer lock on the warehouse file."""


def connect(warehouse: str | Path, wait_seconds: float = 0.0, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file (DuckDB memory capped: config.duckdb_memory_limit); wait up to ``wait_seconds`` for
    another writer to finish, then fail clearly."""
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    announced = False
    while True:
        try:
            con = duckdb.connect(str(warehouse), read_only=read_only)
            # a SET, not connect(config=…): DuckDB refuses a second in-process connection to the same file whose
            # config differs (dbt-duckdb in-process, Cosmos tasks under `airflow dags test`)
            con.execute(f"SET memory_limit = '{duckdb_memory_limit()}'")
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"the warehouse {warehouse} is in use by another run (DuckDB allows one writer); "
                    f"waited {wait_seconds:.0f} s — try again when it has finished ({exc})") from exc
            if not announced:
                print(f"waiting for the warehouse lock on {warehouse} (another run is writing) …", flush=True)
                announced = True
            time.sleep(0.5)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """One DuckDB transaction around the block: committed when it ends, rolled back when it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """raw.* and audit.* tables (audit.reconciliation_results too: dbt reads it for dq_status)."""
    from .reconcile import ensure_table
    con.execute(raw_ddl())
    ensure_table(con)


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def arrow_table(table: str, rows: list[dict]) -> pa.Table:
    """Rows (dicts) as an Arrow table of the raw table's columns: integers/booleans typed, the rest as strings
    (decimals travel as exact strings and are cast by DuckDB on insert)."""
    cols = columns(table)
    data = {}
    for name, typ in cols:
        if typ == "INTEGER":
            data[name] = pa.array([None if (v := r.get(name)) is None else int(v) for r in rows], type=pa.int64())
        elif typ == "BOOLEAN":
            data[name] = pa.array([None if (v := r.get(name)) is None else bool(v) for r in rows], type=pa.bool_())
        else:  # str as is (most values), everything else (Decimal, int …) as its exact str()
            data[name] = pa.array([v if (v := r.get(name)) is None or v.__class__ is str else str(v) for r in rows],
                                  type=pa.string())
    return pa.table(data)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> int:
    """Bulk insert dict rows through Arrow."""
    if not rows:
        return 0
    return insert_arrow(con, table, arrow_table(table, rows))


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, tbl: pa.Table) -> int:
    """Bulk insert an Arrow table built by :func:`arrow_table`; decimals are cast exactly by DuckDB."""
    con.register("_jixiao_batch", tbl)
    try:
        select = ", ".join(f"CAST({n} AS {t}) AS {n}" for n, t in columns(table))
        con.execute(f"INSERT INTO raw.{table} SELECT {select} FROM _jixiao_batch")
    finally:
        con.unregister("_jixiao_batch")
    return tbl.num_rows


def record_file(con: duckdb.DuckDBPyConnection, *, path: str, sha: str, status: str, kinds: list[str],
                rows: int, size: int, run_id: str, department: str | None = None, year: int | None = None,
                skipped: list[str] | None = None) -> None:
    con.execute(
        "INSERT INTO audit.ingested_files (path, file_sha256, status, template_kinds, rows_extracted, loaded_at, "
        "superseded_by, department_name, fiscal_year, file_size, skipped_tables, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
        [path, sha, status, ",".join(sorted(kinds)), rows, now(), department, year, size,
         json.dumps(skipped or [], ensure_ascii=False), run_id])


def record_rejection(con: duckdb.DuckDBPyConnection, *, path: str, sha: str, size: int, reason_code: str,
                     reason: str, sheet: str | None, cell: str | None, run_id: str) -> None:
    record_file(con, path=path, sha=sha, status="rejected", kinds=[], rows=0, size=size, run_id=run_id)
    con.execute("INSERT INTO audit.rejected_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [path, sha, reason_code, reason, sheet, cell, now(), run_id])


def refresh_dq_status(con: duckdb.DuckDBPyConnection) -> dict[str, int] | None:
    """Set every mart row's dq_status to what intermediate.int_dq_status says now, in place and in one transaction:
    the value rebuilding the marts would give them (each takes it by a left join on department_name, fiscal_year —
    macro select_with_dq_status), at the cost of the rows whose status changed. Returns the rows changed per mart;
    None when the marts or the view are not there yet (the caller rebuilds instead)."""
    marts = [t for (t,) in con.execute(
        "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_catalog = c.table_catalog "
        "WHERE c.table_schema = 'marts' AND c.column_name = 'dq_status' AND t.table_type = 'BASE TABLE' "
        "AND c.table_catalog = current_database() ORDER BY 1").fetchall()]
    has_view = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'intermediate' "
                           "AND table_name = 'int_dq_status' AND table_catalog = current_database()").fetchone()[0]
    if not marts or not has_view:
        return None
    changed: dict[str, int] = {}
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE _jixiao_dq AS SELECT department_name, fiscal_year, "
                    "CAST(dq_status AS VARCHAR) AS dq_status FROM intermediate.int_dq_status")
        for t in marts:
            n = con.execute(
                f"UPDATE marts.{t} AS m SET dq_status = d.dq_status FROM _jixiao_dq AS d "
                "WHERE m.department_name = d.department_name AND m.fiscal_year = d.fiscal_year "
                "AND m.dq_status IS DISTINCT FROM d.dq_status").fetchone()[0]
            n += con.execute(
                f"UPDATE marts.{t} AS m SET dq_status = NULL WHERE m.dq_status IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM _jixiao_dq AS d WHERE d.department_name = m.department_name "
                "AND d.fiscal_year = m.fiscal_year)").fetchone()[0]
            changed[t] = n
        con.execute("DROP TABLE _jixiao_dq")
    return changed
