"""The nightly job end to end on the samples: every workbook loads, the marts hold every manifest fact exactly,
a second run changes nothing, bad files are rejected with reasons while the rest loads."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest.pipeline import run_job
from tests.manifest_facts import MANIFEST, compare
from tests.warehouse_snapshot import mart_rows_as_raw, mart_snapshot


def _manifest_workbooks():
    return [pytest.param(w, id=w["path"].split("/", 2)[-1]) for w in MANIFEST["workbooks"]]


def test_every_sample_workbook_loads(samples_job):
    s = samples_job.ingest
    assert s.rejected == 0, s.rejections
    assert s.loaded == len(MANIFEST["workbooks"])
    con = duckdb.connect(str(samples_job.paths.warehouse), read_only=True)
    statuses = con.execute("SELECT status, count(*) FROM audit.ingested_files GROUP BY 1").fetchall()
    con.close()
    assert dict(statuses) == {"loaded": len(MANIFEST["workbooks"])}


@pytest.mark.parametrize("wb", _manifest_workbooks())
def test_marts_hold_every_manifest_fact(samples_job, wb):
    rows = mart_rows_as_raw(samples_job.paths.warehouse)
    rel = wb["path"].split("submissions/", 1)[1]
    mine = {k: [r for r in v if r.get("source_file") == rel] for k, v in rows.items()}
    missing, counts = compare(mine, wb)
    assert not any(missing.values()), {k: sorted(v, key=str)[:5] for k, v in missing.items() if v}
    assert sum(counts.values()) > 0


def test_marts_carry_lineage_and_department(samples_job):
    con = duckdb.connect(str(samples_job.paths.warehouse), read_only=True)
    bad = con.execute("""SELECT count(*) FROM marts.fct_line_items WHERE source_file IS NULL OR source_sheet IS NULL
                         OR source_cell IS NULL OR length(file_sha256) <> 64 OR department_name IS NULL
                         OR fiscal_year IS NULL""").fetchone()[0]
    depts = {r[0] for r in con.execute("SELECT department_name FROM marts.dim_department").fetchall()}
    con.close()
    assert bad == 0
    assert depts == {w["department"] for w in MANIFEST["workbooks"]}


def test_second_run_loads_nothing_and_changes_no_mart(samples_job, tmp_path):
    before = mart_snapshot(samples_job.paths.warehouse)
    again = run_job(samples_job.paths.landing, samples_job.paths.warehouse, tmp_path / "reports2")
    assert again.ingest.loaded == 0 and again.ingest.rejected == 0
    assert again.ingest.skipped_known == len(MANIFEST["workbooks"])
    assert mart_snapshot(samples_job.paths.warehouse) == before


def _corrupt_xlsx(src: Path, dst: Path) -> None:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 3])  # truncated zip


def _unrelated_workbook(dst: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["职工花名册"])
    ws.append(["姓名", "性别", "出生年月", "职务", "联系电话"])
    for i in range(8):
        ws.append([f"张{i}", "男" if i % 2 else "女", f"198{i}-0{i + 1}", "科员", f"1380000000{i}"])
    wb.save(dst)


def test_bad_files_are_rejected_and_the_rest_loads(samples_landing, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(samples_landing, landing)
    dept = landing / "2020" / "益阳市智慧城市和大数据中心"
    _corrupt_xlsx(dept / "2020年度部门决算报表.xlsx", dept / "2020年度部门决算报表（损坏）.xlsx")
    _unrelated_workbook(dept / "职工花名册.xlsx")
    (dept / "说明.txt").write_text("请查收", encoding="utf-8")
    wh = tmp_path / "wh.duckdb"
    s = run_job(landing, wh, tmp_path / "reports")
    assert s.ingest.loaded == len(MANIFEST["workbooks"])
    assert s.ingest.rejected == 3
    con = duckdb.connect(str(wh), read_only=True)
    rej = {Path(p).name: (code, reason) for p, code, reason in
           con.execute("SELECT path, reason_code, reason FROM audit.rejected_files").fetchall()}
    n_status = con.execute("SELECT count(DISTINCT path) FROM audit.ingested_files").fetchone()[0]
    con.close()
    assert rej["2020年度部门决算报表（损坏）.xlsx"][0] == "unreadable_workbook"
    assert rej["职工花名册.xlsx"][0] == "no_known_table"
    assert "花名册" in rej["职工花名册.xlsx"][1]
    assert rej["说明.txt"][0] == "unreadable_workbook"
    for code, reason in rej.values():
        assert "益阳市智慧城市和大数据中心" in reason  # names the file
    landed = [p for p in landing.rglob("*") if p.is_file()]
    assert n_status == len(landed)
    with zipfile.ZipFile(dept / "2020年度部门决算报表.xlsx"):
        pass  # the pipeline never modifies landed files


MARTS_WITH_DQ = ["fct_line_items", "fct_project_funds", "fct_indicator_results", "fct_facts", "fct_fund_rows",
                 "fct_evaluation_scores"]


def test_dq_refresh_in_place_equals_a_rebuild_of_the_marts(samples_job, tmp_path):
    """A new reconciliation run marks one department-year 'error' and checks nothing else: updated in place, every
    mart row's dq_status is what `dbt run --select int_dq_status+` gives on an identical copy (NULL for the others)."""
    from ingest.config import resolve
    from ingest.pipeline import step_dq_refresh
    from ingest.dbt_runner import run_dbt
    copies = []
    for name in ("in_place", "rebuilt"):
        wh = tmp_path / name / samples_job.paths.warehouse.name   # same file name: dbt's views name the catalog
        wh.parent.mkdir()
        shutil.copy2(samples_job.paths.warehouse, wh)
        con = duckdb.connect(str(wh))
        dept, year = con.execute("SELECT department_name, fiscal_year FROM marts.fct_line_items "
                                 "ORDER BY ALL LIMIT 1").fetchone()
        con.execute("INSERT INTO audit.reconciliation_results (run_id, rule_id, severity, department_name, "
                    "fiscal_year, status, passed, checked_at) VALUES ('later', 'R1', 'error', ?, ?, 'failed', false, "
                    "now()::timestamp + INTERVAL 1 DAY)", [dept, year])
        con.close()
        copies.append(wh)
    assert step_dq_refresh(resolve(tmp_path / "l", copies[0], tmp_path / "r"), {"dq_status_changed": True})
    assert run_dbt(copies[1], "run", ["--select", "int_dq_status+"], target_path=tmp_path / "t",
                   log_path=tmp_path / "logs").success
    con = duckdb.connect(str(copies[0]))
    con.execute(f"ATTACH '{copies[1]}' AS rebuilt (READ_ONLY)")
    try:
        for t in MARTS_WITH_DQ:
            cols = ", ".join(c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ? "
                "AND table_catalog = current_database() ORDER BY ordinal_position", [t]).fetchall())
            diff = con.execute(f"SELECT count(*) FROM ((SELECT {cols} FROM marts.{t} EXCEPT ALL "
                               f"SELECT {cols} FROM rebuilt.marts.{t}) UNION ALL (SELECT {cols} FROM "
                               f"rebuilt.marts.{t} EXCEPT ALL SELECT {cols} FROM marts.{t}))").fetchone()[0]
            assert diff == 0, t
        statuses = dict(con.execute("SELECT coalesce(dq_status, 'null'), count(*) FROM marts.fct_line_items "
                                    "GROUP BY 1").fetchall())
        errors = con.execute("SELECT count(*) FROM marts.fct_line_items WHERE department_name = ? AND "
                             "fiscal_year = ?", [dept, year]).fetchone()[0]
    finally:
        con.close()
    assert statuses.get("error") == errors > 0 and set(statuses) == {"error", "null"}
