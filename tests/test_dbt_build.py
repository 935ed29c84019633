"""dbt build over a real warehouse: the samples landing ingested, one superseded file version planted as history,
then `dbt build` through ingest.dbt_runner. Checks the contract relations (marts.md), their column types, and that
the marts hold exactly the current raw rows — none lost, none duplicated, no history leaking in. A second, empty
warehouse checks that the project also builds on a fresh raw layer."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ingest.dbt_runner import run_dbt
from ingest.ingestion import ingest_landing
from ingest.warehouse import connect, ensure_schema

LANDING = Path(__file__).parent / "fixtures" / "samples" / "submissions"
FAKE_SHA = "0" * 64  # an older version of a sample file, planted as 'superseded'

LINEAGE = ["source_file", "source_sheet", "source_cell", "file_sha256"]
CONTRACT: dict[str, list[str]] = {
    "dim_department": ["department_id", "department_name", "region", "first_fiscal_year", "last_fiscal_year"],
    "fct_line_items": ["department_name", "fiscal_year", "statement", "line_item_key", "scope", "phase",
                       "amount_yuan", *LINEAGE, "column_key", "code", "item_name", "unit", "table_kind",
                       "classification_level"],
    "fct_project_funds": ["department_name", "fiscal_year", "project_name", "budget_initial_yuan",
                          "budget_adjusted_yuan", "executed_yuan", "carryover_yuan", "execution_rate",
                          "score_weight", "score", *LINEAGE, "subject_kind", "implementing_unit", "project_type",
                          "category", "status_text", "execution_rate_stated", "unit",
                          *[f"{p}_{s}_yuan" for p in ("current_year", "prior_year_carryover", "other_funds")
                            for s in ("initial", "budget", "executed")]],
    "fct_indicator_results": ["department_name", "fiscal_year", "subject_kind", "project_name", "level1", "level2",
                              "level3", "target_text", "actual_text", "target_op", "target_value", "target_unit",
                              "actual_value", "weight", "score", "recomputed_score", "achieved",
                              "deviation_reason", *LINEAGE, "row_number", "level1_weight", "level2_weight"],
    "fct_evaluation_scores": ["department_name", "fiscal_year", "subject_kind", "subject_name", "total_score",
                              "grade", "recomputed_total", *LINEAGE, "weight_total", "grade_stated", "evaluator"],
}
EXTRA_MARTS = ["fct_fund_rows", "fct_facts", "fct_sheet_findings", "fct_file_lineage"]
# mart -> the raw table it publishes (current rows only)
MART_OF_RAW = {
    "line_items": "fct_line_items", "project_funds": "fct_project_funds", "fund_rows": "fct_fund_rows",
    "indicators": "fct_indicator_results", "evaluations": "fct_evaluation_scores", "facts": "fct_facts",
    "sheet_findings": "fct_sheet_findings",
}
SCORE_COLUMNS = {"score_weight", "score", "weight", "recomputed_score", "level1_weight", "level2_weight",
                 "total_score", "weight_total", "recomputed_total"}
RATE_COLUMNS = {"execution_rate", "execution_rate_stated"}

CURRENT = "file_sha256 IN (SELECT file_sha256 FROM audit.ingested_files WHERE status = 'loaded')"


def _plant_history(con) -> dict[str, int]:
    """Copy the rows of one loaded file as an older, superseded version (another sha): history the marts must not
    show. Returns the planted row count per raw table."""
    path, sha = con.execute("SELECT path, file_sha256 FROM audit.ingested_files WHERE status = 'loaded' "
                            "ORDER BY rows_extracted DESC, path LIMIT 1").fetchone()
    con.execute("INSERT INTO audit.ingested_files (path, file_sha256, status, template_kinds, rows_extracted, "
                "loaded_at, superseded_by, department_name, fiscal_year, file_size, skipped_tables, run_id) "
                "SELECT path, ?, 'superseded', template_kinds, rows_extracted, loaded_at - INTERVAL 1 DAY, ?, "
                "department_name, fiscal_year, file_size, skipped_tables, 'test-history' "
                "FROM audit.ingested_files WHERE path = ? AND file_sha256 = ?", [FAKE_SHA, sha, path, sha])
    planted = {}
    for t in MART_OF_RAW:
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ? "
            "ORDER BY ordinal_position", [t]).fetchall()]
        sel = ", ".join("? AS file_sha256" if c == "file_sha256" else c for c in cols)
        con.execute(f"INSERT INTO raw.{t} ({', '.join(cols)}) SELECT {sel} FROM raw.{t} WHERE file_sha256 = ?",
                    [FAKE_SHA, sha])
        planted[t] = con.execute(f"SELECT count(*) FROM raw.{t} WHERE file_sha256 = ?", [FAKE_SHA]).fetchone()[0]
    return planted


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("dbt_build")
    warehouse = d / "jixiao.duckdb"
    con = connect(warehouse)
    try:
        summary = ingest_landing(con, LANDING, "test-dbt-build")
        planted = _plant_history(con)
    finally:
        con.close()
    res = run_dbt(warehouse, target_path=d / "target", log_path=d / "logs")
    return {"warehouse": warehouse, "result": res, "ingest": summary, "planted": planted}


@pytest.fixture(scope="module")
def db(built):
    import duckdb
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    yield con
    con.close()


def _columns(db, table: str) -> dict[str, str]:
    return {c: t for c, t in db.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'marts' "
        "AND table_name = ?", [table]).fetchall()}


def test_dbt_build_succeeds(built):
    res = built["result"]
    assert res.success, res.failures
    assert not res.errors, res.errors
    assert res.models >= len(CONTRACT) + len(EXTRA_MARTS)
    assert res.tests > 0


def test_samples_produced_rows(built, db):
    assert built["ingest"].loaded > 0, built["ingest"].rejections
    for t in ("line_items", "project_funds", "indicators", "evaluations"):
        assert db.execute(f"SELECT count(*) FROM raw.{t} WHERE {CURRENT}").fetchone()[0] > 0, t
    assert sum(built["planted"].values()) > 0


@pytest.mark.parametrize("relation", list(CONTRACT) + EXTRA_MARTS)
def test_relation_exists_with_contract_columns(db, relation):
    cols = _columns(db, relation)
    assert cols, f"marts.{relation} does not exist"
    missing = [c for c in CONTRACT.get(relation, []) if c not in cols]
    assert not missing, f"marts.{relation} lacks contract columns {missing}"
    kind = db.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'marts' "
                      "AND table_name = ?", [relation]).fetchone()[0]
    assert kind == "BASE TABLE"


@pytest.mark.parametrize("relation", list(CONTRACT) + EXTRA_MARTS)
def test_column_types(db, relation):
    cols = _columns(db, relation)
    bad = {}
    for c, t in cols.items():
        want = ("DECIMAL(18,2)" if c.endswith("_yuan") else "DECIMAL(9,2)" if c in SCORE_COLUMNS
                else "DECIMAL(9,4)" if c in RATE_COLUMNS else None)
        if want and t != want:
            bad[c] = t
    assert not bad, f"marts.{relation}: wrong types {bad}"
    if relation != "dim_department" and "fiscal_year" in cols:
        assert cols["fiscal_year"] == "INTEGER"


@pytest.mark.parametrize("raw_table", list(MART_OF_RAW))
def test_marts_hold_exactly_the_current_raw_rows(db, raw_table):
    mart = MART_OF_RAW[raw_table]
    current = db.execute(f"SELECT count(*) FROM raw.{raw_table} WHERE {CURRENT}").fetchone()[0]
    published = db.execute(f"SELECT count(*) FROM marts.{mart}").fetchone()[0]
    assert published == current, f"marts.{mart} has {published} rows, raw.{raw_table} has {current} current rows"
    leaked = db.execute(f"SELECT count(*) FROM marts.{mart} WHERE file_sha256 = ?", [FAKE_SHA]).fetchone()[0]
    assert leaked == 0, f"superseded rows leaked into marts.{mart}"
    # the same rows, not just the same number: compare lineage tuples as multisets
    diff = db.execute(
        f"SELECT count(*) FROM (SELECT source_file, source_sheet, source_cell, file_sha256 FROM raw.{raw_table} "
        f"WHERE {CURRENT} EXCEPT ALL SELECT source_file, source_sheet, source_cell, file_sha256 FROM marts.{mart})"
    ).fetchone()[0]
    assert diff == 0, f"{diff} current raw.{raw_table} rows missing from marts.{mart}"


def test_history_stays_queryable_in_staging(built, db):
    for t, n in built["planted"].items():
        got = db.execute(f"SELECT count(*), count(*) FILTER (WHERE is_current) FROM staging.stg_raw__{t} "
                         "WHERE file_sha256 = ?", [FAKE_SHA]).fetchone()
        assert got == (n, 0), t
    row = db.execute("SELECT status, is_current FROM marts.fct_file_lineage WHERE file_sha256 = ?",
                     [FAKE_SHA]).fetchone()
    assert row == ("superseded", False)


def test_dim_department_covers_every_fact(db):
    depts = {r[0]: r[1:] for r in db.execute(
        "SELECT department_name, department_id, region, first_fiscal_year, last_fiscal_year "
        "FROM marts.dim_department").fetchall()}
    assert depts
    for name, (dep_id, region, first, last) in depts.items():
        assert dep_id == hashlib.md5(name.encode("utf-8")).hexdigest()
        assert region is None or name.startswith(region) and region[-1] in "市县区"
        assert first <= last
    for mart in CONTRACT:
        if mart == "dim_department":
            continue
        names = {r[0] for r in db.execute(f"SELECT DISTINCT department_name FROM marts.{mart}").fetchall()}
        assert names <= set(depts), f"{mart}: departments missing from dim_department: {names - set(depts)}"
        years = db.execute(
            f"SELECT count(*) FROM marts.{mart} f JOIN marts.dim_department d USING (department_name) "
            "WHERE f.fiscal_year NOT BETWEEN d.first_fiscal_year AND d.last_fiscal_year").fetchone()[0]
        assert years == 0, mart


def test_execution_rate_and_grades(db):
    bad_rate = db.execute(
        "SELECT count(*) FROM marts.fct_project_funds WHERE execution_rate IS DISTINCT FROM "
        "coalesce(execution_rate_stated, CASE WHEN budget_adjusted_yuan <> 0 THEN "
        "CAST(executed_yuan * 1.0 / budget_adjusted_yuan AS DECIMAL(9,4)) END)").fetchone()[0]
    assert bad_rate == 0
    grades = db.execute("SELECT total_score, grade, grade_stated FROM marts.fct_evaluation_scores").fetchall()
    for score, grade, stated in grades:
        if stated is None and score is not None:
            band = "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"
            assert grade == band, (score, grade)


def test_build_on_an_empty_raw_layer(tmp_path):
    warehouse = tmp_path / "empty.duckdb"
    con = connect(warehouse)
    try:
        ensure_schema(con)
    finally:
        con.close()
    res = run_dbt(warehouse, target_path=tmp_path / "target", log_path=tmp_path / "logs")
    assert res.success, res.failures
    assert not res.errors
