"""The second warehouse target: PostgreSQL. The loader writes DuckDB; this copies the raw and audit layers into a
PostgreSQL database (same schemas, tables and types) so the same dbt project builds the marts there with
``--target postgres`` (profiles.yml reads JIXIAO_PG_HOST/PORT/USER/PASSWORD/DBNAME)."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb

from .schema import RAW_TABLES, columns

_WS = re.compile(r"\s")
AUDIT_TABLES = ["ingested_files", "rejected_files", "runs", "reconciliation_results"]


def _pg_type(duck_type: str) -> str:
    t = duck_type.upper()
    if t.startswith(("DECIMAL", "NUMERIC")):
        return t.replace("DECIMAL", "NUMERIC")
    return {"VARCHAR": "TEXT", "INTEGER": "INTEGER", "BIGINT": "BIGINT", "BOOLEAN": "BOOLEAN",
            "TIMESTAMP": "TIMESTAMP", "DOUBLE": "DOUBLE PRECISION", "DATE": "DATE"}.get(t, "TEXT")


def _table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                       "AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall()


def copy_to_postgres(warehouse: str | Path, pg_conn) -> dict[str, int]:
    """Replace raw.* and audit.* in PostgreSQL (psycopg2 connection) with the DuckDB warehouse's rows."""
    src = duckdb.connect(str(warehouse), read_only=True)
    counts: dict[str, int] = {}
    try:
        tables = [("raw", t) for t in RAW_TABLES] + [("audit", t) for t in AUDIT_TABLES]
        with pg_conn.cursor() as cur:
            cur.execute("CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS audit;")
            for schema, table in tables:
                cols = _table_columns(src, schema, table) or [(c, t) for c, t in columns(table)]
                col_sql = ", ".join(f'"{c}" {_pg_type(_WS.sub("", t))}' for c, t in cols)
                cur.execute(f'DROP TABLE IF EXISTS {schema}."{table}" CASCADE')
                cur.execute(f'CREATE TABLE {schema}."{table}" ({col_sql})')
                try:
                    rows = src.execute(f"SELECT * FROM {schema}.{table}").fetchall()
                except duckdb.CatalogException:
                    rows = []
                buf = io.StringIO()
                w = csv.writer(buf)
                for r in rows:
                    w.writerow(["\\N" if v is None else v for v in r])
                buf.seek(0)
                names = ", ".join(f'"{c}"' for c, _ in cols)
                cur.copy_expert(f"COPY {schema}.\"{table}\" ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf)
                counts[f"{schema}.{table}"] = len(rows)
        pg_conn.commit()
    finally:
        src.close()
    return counts
