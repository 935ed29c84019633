"""Which department-years a night's reconciliation has to recompute.

Every rule row belongs to one department and fiscal year and reads the marts of that department-year only — R16
also the year before (年初结转和结余 of year y against 年末 of y − 1). So after a night that loaded a few files, the
rows of every other department-year are the same as in the last finished run: they are carried over from it, and
only the touched ones are computed (and validated by GX) again. The cost then follows the number of changed files,
not the size of the landing.

* touched (T): the department-years of files loaded since the run whose results are carried (by this run) and
  of the earlier versions they superseded;
* recomputed (O): T and the year after each (R16's y + 1 compares with y);
* read (I): O and the year before each (R16's y − 1; ``checks.with_year_before``) — the marts are filtered to I,
  the rows kept are O's (in batches of department-years: ``checks.compute``).

The rows are carried from the last finished run's results. A full recomputation instead when: no finished run, the
code that shapes marts and findings changed since (dbt project, rule files, GX suites: ``pipeline.code_fingerprint``),
a run since then did not finish (a crash, perhaps in a backfill that forgot files: a backfill run itself recomputes
everything), the results have a rule that could not run, or T is more than :data:`MAX_SHARE` of the
department-years in those results (then recomputing everything costs about as much).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

import duckdb

# touched department-years above this share of all: recompute everything (as cheap as carrying rows over)
MAX_SHARE = float(os.environ.get("JIXIAO_RECONCILE_SCOPE_MAX_SHARE", "0.5"))

DeptYear = tuple[str | None, int | None]


@dataclass(frozen=True)
class Scope:
    """Recompute the rows of ``department_years`` (O); carry every other row over from ``base_run_id``."""
    base_run_id: str
    department_years: frozenset[DeptYear]


def touched(con: duckdb.DuckDBPyConnection, since: datetime, run_id: str) -> set[DeptYear]:
    """T: department-years of files loaded by ``run_id`` or by any run started after ``since`` (the start of the
    run whose results are carried), and of the versions those files superseded."""
    rows = con.execute(
        """
        WITH later AS (
            SELECT run_id FROM audit.runs WHERE started_at > $since
            UNION SELECT $run
        ),
        new_files AS (
            SELECT file_sha256, department_name, fiscal_year FROM audit.ingested_files
            WHERE run_id IN (SELECT run_id FROM later) AND status IN ('loaded', 'superseded')
        )
        SELECT department_name, fiscal_year FROM new_files
        UNION
        SELECT department_name, fiscal_year FROM audit.ingested_files
        WHERE status = 'superseded' AND superseded_by IN (SELECT file_sha256 FROM new_files)
        """, {"since": since, "run": run_id}).fetchall()
    return {(d, y) for d, y in rows}


def plan(con: duckdb.DuckDBPyConnection, run_id: str, code_fingerprint: str,
         max_share: float = MAX_SHARE) -> Scope | None:
    """The scope for ``run_id``'s reconciliation, or None for a full recomputation (see the module docstring)."""
    latest = con.execute(
        "SELECT coalesce(results_run_id, run_id), code_fingerprint FROM audit.runs WHERE status = 'finished' "
        "AND run_id <> ? ORDER BY finished_at DESC LIMIT 1", [run_id]).fetchone()
    if not latest or latest[1] != code_fingerprint:
        return None
    base_run = latest[0]
    started = con.execute("SELECT started_at FROM audit.runs WHERE run_id = ?", [base_run]).fetchone()
    if started is None or started[0] is None:
        return None
    # a run since then that did not finish (crashed; perhaps a backfill that forgot files): recompute everything
    unfinished = con.execute("SELECT count(*) FROM audit.runs WHERE run_id <> ? AND status <> 'finished' "
                             "AND started_at > ?", [run_id, started[0]]).fetchone()[0]
    stats = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'not_run'), "
        "count(DISTINCT (department_name, fiscal_year)) FROM audit.reconciliation_results WHERE run_id = ?",
        [base_run]).fetchone()
    if unfinished or not stats[0] or stats[1]:
        return None
    t = touched(con, started[0], run_id)
    out = frozenset(t | {(d, y + 1) for d, y in t if y is not None})
    if len(t) > max_share * max(stats[2], 1):
        return None
    return Scope(base_run_id=base_run, department_years=out)
