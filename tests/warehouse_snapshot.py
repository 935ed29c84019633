"""Reading marts back for comparisons: every row of every mart, or mart rows shaped like raw rows."""
from __future__ import annotations

from pathlib import Path

import duckdb

MARTS = ["dim_department", "fct_line_items", "fct_project_funds", "fct_indicator_results", "fct_evaluation_scores"]


def mart_snapshot(warehouse: Path, tables: list[str] | None = None) -> dict[str, list[tuple]]:
    """All rows of each mart, sorted, as tuples of strings (order- and run-independent)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for t in tables or MARTS:
            rows = con.execute(f"SELECT * FROM marts.{t}").fetchall()
            out[t] = sorted(tuple("" if v is None else str(v) for v in r) for r in rows)
        return out
    finally:
        con.close()


def mart_rows_as_raw(warehouse: Path) -> dict[str, list[dict]]:
    """Mart rows under the raw column names that tests/manifest_facts.py compares."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        def q(sql: str) -> list[dict]:
            cur = con.execute(sql)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]
        return {
            "line_items": q("SELECT * FROM marts.fct_line_items"),
            "project_funds": q("SELECT * FROM marts.fct_project_funds"),
            "fund_rows": q("SELECT * FROM marts.fct_fund_rows"),
            "indicators": q("SELECT *, project_name AS subject_name FROM marts.fct_indicator_results"),
            "evaluations": q("SELECT * FROM marts.fct_evaluation_scores"),
            "facts": q("SELECT * FROM marts.fct_facts"),
        }
    finally:
        con.close()
