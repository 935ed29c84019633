"""Backfill: reload one fiscal year and/or one department from scratch, leaving every other slice untouched."""
from __future__ import annotations

from pathlib import PurePosixPath

import duckdb

from .landing import LandedFile
from .schema import RAW_TABLES
from .warehouse import transaction


def _in_scope(rel: str, year: int | None, department: str | None) -> bool:
    parts = PurePosixPath(rel).parts
    if year is not None and (len(parts) < 2 or parts[0] != str(year)):
        return False
    if department is not None and (len(parts) < 3 or parts[-2] != department):
        return False
    return True


def reset_scope(con: duckdb.DuckDBPyConnection, files: list[LandedFile], year: int | None,
                department: str | None) -> set[str]:
    """Forget every version of the files in scope (raw rows, audit rows) in one transaction; return the landed
    paths to ingest again. A file is in scope by its landing path or by the department/year its content named."""
    if year is None and department is None:
        raise ValueError("a backfill needs a fiscal year, a department or both")
    audit = con.execute("SELECT path, file_sha256, department_name, fiscal_year FROM audit.ingested_files").fetchall()
    paths = {p for p, _, d, y in audit
             if _in_scope(p, year, department)
             or ((year is None or y == year) and (department is None or d == department) and (d or y))}
    paths |= {f.rel for f in files if _in_scope(f.rel, year, department)}
    shas = sorted({s for p, s, _, _ in audit if p in paths})
    with transaction(con):
        if shas:
            con.execute("CREATE OR REPLACE TEMP TABLE _backfill_shas AS SELECT unnest(?::VARCHAR[]) AS sha", [shas])
            for t in RAW_TABLES:
                con.execute(f"DELETE FROM raw.{t} WHERE file_sha256 IN (SELECT sha FROM _backfill_shas)")
        if paths:
            con.execute("CREATE OR REPLACE TEMP TABLE _backfill_paths AS SELECT unnest(?::VARCHAR[]) AS path",
                        [sorted(paths)])
            con.execute("DELETE FROM audit.ingested_files WHERE path IN (SELECT path FROM _backfill_paths)")
            con.execute("DELETE FROM audit.rejected_files WHERE path IN (SELECT path FROM _backfill_paths)")
    landed = {f.rel for f in files}
    return paths & landed
