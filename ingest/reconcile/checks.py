"""Computing the reconciliation checks: the rule files under ``expectations/checks/`` run in DuckDB, into one TEMP
table (the rows stay in DuckDB: memory does not grow with the landing).

Every rule file ``R<nn>.sql`` is one SELECT returning rows of :data:`CHECK_COLUMNS` (see ``_prelude.sql`` for the
shared helpers and the tolerance policy). A row whose left or right side is missing is *not applicable*. This module
only computes; whether an applicable row passes is decided by Great Expectations (:mod:`ingest.reconcile.gx`) on the
``excess`` column: how far the difference lies beyond the tolerance for the row's comparison —

* ``eq``: ``abs(diff) − tolerance``   (left = right within tolerance)
* ``le``: ``diff − tolerance``        (left ≤ right + tolerance)
* ``ge``: ``−diff − tolerance``       (left ≥ right − tolerance)

so a row passes exactly when ``excess ≤ 0``.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from ..config import GX_ROOT

if TYPE_CHECKING:
    from .scope import DeptYear, Scope

CHECKS_DIR = GX_ROOT / "checks"
PRELUDE = "_prelude.sql"
CHECK_COLUMNS = ["rule_id", "severity", "department_name", "fiscal_year", "subject", "left_label", "left_yuan",
                 "right_label", "right_yuan", "diff_yuan", "tolerance_yuan", "source_cells", "comparison"]
# Money in 元 with 2 decimals; R11 rates (±0.001) and R14/R15 scores need more, hence 6 decimals in the audit table.
NUM = "DECIMAL(24,6)"

_WRAP = f"""
SELECT CAST(rule_id AS VARCHAR) AS rule_id,
       CAST(severity AS VARCHAR) AS severity,
       CAST(department_name AS VARCHAR) AS department_name,
       CAST(fiscal_year AS INTEGER) AS fiscal_year,
       CAST(subject AS VARCHAR) AS subject,
       CAST(left_label AS VARCHAR) AS left_label,
       CAST(left_yuan AS {NUM}) AS left_yuan,
       CAST(right_label AS VARCHAR) AS right_label,
       CAST(right_yuan AS {NUM}) AS right_yuan,
       CAST(diff_yuan AS {NUM}) AS diff_yuan,
       CAST(tolerance_yuan AS {NUM}) AS tolerance_yuan,
       CAST(source_cells AS VARCHAR) AS source_cells,
       CAST(coalesce(comparison, 'eq') AS VARCHAR) AS comparison,
       CAST(CASE
           WHEN left_yuan IS NULL OR right_yuan IS NULL OR diff_yuan IS NULL THEN NULL
           WHEN comparison = 'le' THEN CAST(diff_yuan AS {NUM}) - CAST(tolerance_yuan AS {NUM})
           WHEN comparison = 'ge' THEN -CAST(diff_yuan AS {NUM}) - CAST(tolerance_yuan AS {NUM})
           ELSE abs(CAST(diff_yuan AS {NUM})) - CAST(tolerance_yuan AS {NUM})
       END AS DOUBLE) AS excess
FROM (
{{body}}
) AS rule_rows
ORDER BY department_name, fiscal_year, rule_id, subject
"""


@dataclass(frozen=True)
class Rule:
    name: str          # file stem: R01 … R18 (one expectation suite each)
    path: Path
    sql: str
    description: str   # the leading comment block
    severity: str      # error | warn (from the first line "-- Rnn (warn): …")


TABLE = "_rc_checks"   # TEMP table on the connection: CHECK_COLUMNS + excess + rule_file + row_id
_TABLE_COLUMNS = ("rule_id VARCHAR, severity VARCHAR, department_name VARCHAR, fiscal_year INTEGER, subject VARCHAR, "
                  f"left_label VARCHAR, left_yuan {NUM}, right_label VARCHAR, right_yuan {NUM}, diff_yuan {NUM}, "
                  f"tolerance_yuan {NUM}, source_cells VARCHAR, comparison VARCHAR, excess DOUBLE, rule_file VARCHAR, "
                  "row_id BIGINT")


@dataclass
class ComputedChecks:
    """The computed rows live in the TEMP table :data:`TABLE` on ``con`` (never all in Python: a province has
    hundreds of thousands of them). ``frame`` fetches them all as a DataFrame, for small uses and tests."""
    con: duckdb.DuckDBPyConnection
    errors: dict[str, str] = field(default_factory=dict)    # rule file → why it could not run
    table: str = TABLE

    @property
    def frame(self) -> pd.DataFrame:
        return self.con.execute(f"SELECT * FROM {self.table} ORDER BY row_id").df()


def split_sql(text: str) -> list[str]:
    """Statements of a SQL script (split on ';' at a line end; comment-only chunks dropped)."""
    out = []
    for chunk in re.split(r";[ \t]*(?:--[^\n]*)?\n", text + "\n"):
        body = "\n".join(l for l in chunk.splitlines() if not l.strip().startswith("--")).strip()
        if body:
            out.append(chunk.strip().rstrip(";"))
    return out


def load_rules(checks_dir: Path = CHECKS_DIR, only: set[str] | None = None) -> list[Rule]:
    rules = []
    for path in sorted(checks_dir.glob("R*.sql")):
        if only is not None and path.stem not in only:
            continue
        sql = path.read_text(encoding="utf-8")
        comment = "\n".join(l[2:].strip() for l in sql.splitlines() if l.startswith("--"))
        first = comment.splitlines()[0] if comment else ""
        severity = "warn" if re.match(r"^\S+\s*\(warn\)", first) else "error"
        rules.append(Rule(path.stem, path, sql.strip().rstrip(";"), comment, severity))
    return rules


def prepare(con: duckdb.DuckDBPyConnection, checks_dir: Path = CHECKS_DIR) -> dict[str, str]:
    """Create the TEMP helpers of _prelude.sql on ``con``; returns {statement head: error} for those that failed
    (e.g. a mart missing): the rules depending on them fail in turn and are reported, the others still run."""
    errors: dict[str, str] = {}
    for stmt in split_sql((checks_dir / PRELUDE).read_text(encoding="utf-8")):
        try:
            con.execute(stmt)
        except duckdb.Error as exc:
            head = next((l for l in stmt.splitlines() if l.strip() and not l.strip().startswith("--")), stmt)[:80]
            errors[head] = f"{type(exc).__name__}: {exc}"
    return errors


# department-years per batch when the rules run over more: the marts are copied one batch at a time (with the year
# before each, for R16), so the rules' joins and ordered aggregates work on a bounded slice — memory stays flat as
# the landing grows (R08 over a 10,000-workbook warehouse at once does not fit DuckDB's 256MB buffer pool).
BATCH_DEPT_YEARS = int(os.environ.get("JIXIAO_RECONCILE_BATCH", "500"))


def with_year_before(keys: frozenset[DeptYear]) -> frozenset[DeptYear]:
    """The department-years the rules read to compute ``keys``: those and the year before each (R16 compares a
    year's 年初结转和结余 with the previous 年末)."""
    return keys | {(d, y - 1) for d, y in keys if y is not None}


def compute(con: duckdb.DuckDBPyConnection, rules: list[Rule], checks_dir: Path = CHECKS_DIR,
            scope: Scope | None = None, batch: int | None = None) -> ComputedChecks:
    """Run every rule into the TEMP table :data:`TABLE` (row_id numbers the rows, unique, in rule order within a
    batch). All department-years, or those of ``scope`` (:mod:`.scope`); more than ``batch`` of them run batch by
    batch over copies of the marts holding just the department-years a batch reads, keeping the rows of the batch.
    A rule that fails in any batch is reported and has no rows at all."""
    batch = batch or BATCH_DEPT_YEARS
    texts = [r.sql for r in rules] + [(checks_dir / PRELUDE).read_text(encoding="utf-8")]
    if scope is None:
        keys = all_department_years(con, texts)
        if len(keys) <= batch:   # small enough: straight over the marts
            return _compute(con, rules, checks_dir)
    else:
        keys = scope.department_years
    ordered = _in_order(keys)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {TABLE} ({_TABLE_COLUMNS})")
    errors: dict[str, str] = {}
    n = 0
    for i in range(0, len(ordered), batch):
        part = frozenset(ordered[i:i + batch])
        first = n
        with scoped_marts(con, with_year_before(part), texts):
            n, errs = _run_rules(con, rules, checks_dir, start=first)
        for rule, msg in errs.items():
            errors.setdefault(rule, msg)
        dept_year_table(con, "_rc_keep", part)
        con.execute(f"DELETE FROM {TABLE} c WHERE c.row_id >= ? AND NOT EXISTS "
                    f"(SELECT 1 FROM _rc_keep k WHERE {same_dept_year('c', 'k')})", [first])
    if errors:
        con.execute(f"DELETE FROM {TABLE} WHERE list_contains(?, rule_file)", [sorted(errors)])
    con.execute("DROP TABLE IF EXISTS _rc_keep")
    return ComputedChecks(con=con, errors=errors)


def _compute(con: duckdb.DuckDBPyConnection, rules: list[Rule], checks_dir: Path) -> ComputedChecks:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {TABLE} ({_TABLE_COLUMNS})")
    _, errors = _run_rules(con, rules, checks_dir, start=0)
    return ComputedChecks(con=con, errors=errors)


def _run_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule], checks_dir: Path,
               start: int) -> tuple[int, dict[str, str]]:
    """The prelude, then each rule appended to :data:`TABLE` with row ids from ``start``; returns the next free
    row id and {rule file: why it could not run}."""
    prelude_errors = prepare(con, checks_dir)
    errors: dict[str, str] = {}
    n = start
    cols = ", ".join(CHECK_COLUMNS + ["excess"])
    for rule in rules:
        try:
            con.execute(f"INSERT INTO {TABLE} SELECT {cols}, ? AS rule_file, ? + row_number() OVER (ORDER BY department_name, fiscal_year, rule_id, subject, source_cells) - 1 AS row_id "
                        f"FROM ({_WRAP.replace('{body}', rule.sql)}) AS r", [rule.name, n])
        except duckdb.Error as exc:
            msg = f"{type(exc).__name__}: {exc}".strip()
            if prelude_errors:
                msg += " (prelude: " + "; ".join(f"{k} → {v}" for k, v in prelude_errors.items()) + ")"
            errors[rule.name] = msg
            continue
        n = con.execute(f"SELECT coalesce(max(row_id) + 1, ?) FROM {TABLE}", [n]).fetchone()[0]  # next offset
    return n, errors


def all_department_years(con: duckdb.DuckDBPyConnection, sql_texts: list[str]) -> frozenset[DeptYear]:
    """Every (department_name, fiscal_year) in the marts the SQL texts name (marts that cannot be read skipped)."""
    keys: set[DeptYear] = set()
    for t in _mart_tables(sql_texts):
        try:
            keys.update(con.execute(f"SELECT DISTINCT department_name, fiscal_year FROM marts.{t}").fetchall())
        except duckdb.Error:
            pass
    return frozenset(keys)


def _mart_tables(sql_texts: list[str]) -> list[str]:
    return sorted(set(re.findall(r"\bmarts\.(\w+)", "\n".join(sql_texts))))


SCOPE_DB = "jixiao_rc_scope"   # in-memory database holding the scoped copies of the marts the rules read


def same_dept_year(a: str, b: str) -> str:
    return (f"{a}.department_name IS NOT DISTINCT FROM {b}.department_name "
            f"AND {a}.fiscal_year IS NOT DISTINCT FROM {b}.fiscal_year")


def _in_order(keys: frozenset[DeptYear]) -> list[DeptYear]:
    """Department-years sorted (a missing name or year first)."""
    return sorted(keys, key=lambda k: (k[0] or "", k[1] or 0))


def dept_year_table(con: duckdb.DuckDBPyConnection, name: str, keys: frozenset[DeptYear]) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (department_name VARCHAR, fiscal_year INTEGER)")
    if keys:
        ks = _in_order(keys)
        con.execute(f"INSERT INTO {name} SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[])",
                    [[d for d, _ in ks], [y for _, y in ks]])


@contextmanager
def scoped_marts(con: duckdb.DuckDBPyConnection, keys: frozenset[DeptYear], sql_texts: list[str]):
    """While inside, ``marts.<table>`` — every one the SQL texts name — resolves to a copy holding the rows of
    ``keys`` only: an in-memory database is attached and made the default, so the rule files run unchanged."""
    db = con.execute("SELECT current_database()").fetchone()[0]
    tables = _mart_tables(sql_texts)
    dept_year_table(con, "_rc_read", keys)
    con.execute(f"ATTACH ':memory:' AS {SCOPE_DB}")
    try:
        con.execute(f"CREATE SCHEMA {SCOPE_DB}.marts")
        for t in tables:
            try:
                con.execute(f'CREATE TABLE {SCOPE_DB}.marts.{t} AS SELECT m.* FROM "{db}".marts.{t} m '
                            f"SEMI JOIN _rc_read k ON {same_dept_year('m', 'k')}")
            except duckdb.Error:
                pass   # a mart missing: the rules reading it fail and are reported, as in a full run
        con.execute(f"USE {SCOPE_DB}")
        yield
    finally:
        con.execute(f'USE "{db}"')
        con.execute(f"DETACH {SCOPE_DB}")
        con.execute("DROP TABLE IF EXISTS _rc_read")


def gx_frame_sql(table: str = TABLE) -> str:
    """The frame Great Expectations validates, narrow: row_id, rule_file, excess. Rows no rule applies to (excess
    NULL: a side missing) are left out, as GX would ignore them."""
    return f"SELECT row_id, rule_file, excess FROM {table} WHERE excess IS NOT NULL ORDER BY row_id"
