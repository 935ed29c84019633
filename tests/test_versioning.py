"""Versioned submissions: a corrected workbook supersedes the earlier one and history keeps both; a renamed copy is
recognised by its hash; a backfill of one year leaves the others untouched."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest.pipeline import run_job
from ingest.reconcile import run_reconciliation
from tests.warehouse_snapshot import mart_snapshot

YIYANG = Path("2020") / "益阳市智慧城市和大数据中心" / "2020年度部门决算报表.xlsx"
KAIYUAN = Path("2020") / "开远市人民政府大数据研究中心" / "2020年度部门决算公开表.xlsx"
CHANGDE16 = Path("2016") / "常德市人民政府电子政务管理办公室" / "2016年度整体评价附表.xls"


def _q(wh: Path, sql: str, params=None):
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _find_cell(ws, label: str):
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.strip() == label:
                return c
    raise AssertionError(label)


def _correct_carryover(path: Path, delta: float) -> tuple[str, float]:
    """Resubmission: 年初结转和结余 and both 总计 raised by ``delta`` 万元 (the workbook still balances)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["收入支出决算总表"]
    lab = _find_cell(ws, "年初结转和结余")
    val = ws.cell(row=lab.row, column=lab.column + 2)
    val.value = round(val.value + delta, 2)
    for row in ws.iter_rows():
        for c in row:
            if c.value == "总计":
                amt = ws.cell(row=c.row, column=c.column + 2)
                amt.value = round(amt.value + delta, 2)
    lab_end = _find_cell(ws, "年末结转和结余")
    end = ws.cell(row=lab_end.row, column=lab_end.column + 2)
    end.value = round(end.value + delta, 2)
    wb.save(path)
    return val.coordinate, val.value


@pytest.fixture()
def small_landing(samples_landing, tmp_path):
    landing = tmp_path / "landing"
    for rel in (YIYANG, KAIYUAN, CHANGDE16):
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(samples_landing / rel, landing / rel)
    return landing


def test_resubmission_supersedes_and_keeps_history(small_landing, tmp_path):
    wh = tmp_path / "wh.duckdb"
    run_job(small_landing, wh, tmp_path / "r")
    old_sha = _q(wh, "SELECT file_sha256 FROM audit.ingested_files WHERE path = ?", [YIYANG.as_posix()])[0][0]
    cell, new_val = _correct_carryover(small_landing / YIYANG, 1.23)
    s = run_job(small_landing, wh, tmp_path / "r")
    assert s.ingest.loaded == 1 and s.ingest.superseded == 1
    # reconciliation recomputed 益阳 2020 (and 2021, R16's next year) only, the rest carried: same rows as a full run
    assert s.rules["scope"]["mode"] == "scoped" and s.rules["scope"]["department_years"] == 2
    assert s.rules["scope"]["rows_carried"] > 0
    con = duckdb.connect(str(wh))
    try:
        # the marts' dq_status is the latest reconciliation's, whether or not the dq refresh had to rebuild them
        stale = con.execute("SELECT count(*) FROM marts.fct_line_items m LEFT JOIN intermediate.int_dq_status d "
                            "USING (department_name, fiscal_year) WHERE m.dq_status IS DISTINCT FROM d.dq_status"
                            ).fetchone()[0]
        run_reconciliation(con, "full-check", tmp_path / "r")
        cols = "rule_id, department_name, fiscal_year, subject, left_yuan, right_yuan, diff_yuan, status"
        rows = [con.execute(f"SELECT {cols} FROM audit.reconciliation_results WHERE run_id = ? ORDER BY ALL",
                            [r]).fetchall() for r in (s.run_id, "full-check")]
        recomputed = con.execute("SELECT count(*) FROM audit.reconciliation_results WHERE run_id = ? "
                                 "AND checked_at > (SELECT max(checked_at) FROM audit.reconciliation_results "
                                 "WHERE run_id = ?)", [s.run_id, s.rules["scope"]["base_run_id"]]).fetchone()[0]
    finally:
        con.close()
    assert rows[0] == rows[1] and recomputed == s.rules["scope"]["rows_computed"] > 0
    assert stale == 0 and isinstance(s.rules["dq_status_changed"], bool)
    rows = dict(_q(wh, "SELECT status, file_sha256 FROM audit.ingested_files WHERE path = ?", [YIYANG.as_posix()]))
    assert rows["superseded"] == old_sha and rows["loaded"] != old_sha
    link = _q(wh, "SELECT superseded_by FROM audit.ingested_files WHERE file_sha256 = ?", [old_sha])[0][0]
    assert link == rows["loaded"]
    current = _q(wh, """SELECT amount_yuan FROM marts.fct_line_items WHERE department_name = '益阳市智慧城市和大数据中心'
                        AND line_item_key = 'carryover_begin' AND scope = 'all_funds'""")
    assert current == [(Decimal(str(new_val)) * 10000,)]
    change = _q(wh, """SELECT old_value_yuan, new_value_yuan, source_cell FROM marts.fct_submission_changes
                       WHERE line_item_key = 'carryover_begin' AND department_name = '益阳市智慧城市和大数据中心'""")
    assert change == [(Decimal("9935600.00"), Decimal(str(new_val)) * 10000, cell)]
    hist = _q(wh, """SELECT amount_yuan, valid_to IS NULL FROM marts.fct_line_items_history
                     WHERE line_item_key = 'carryover_begin' AND department_name = '益阳市智慧城市和大数据中心'
                     ORDER BY valid_from""")
    assert [h[1] for h in hist] == [False, True]
    assert hist[0][0] == Decimal("9935600.00")


def test_earlier_version_landed_again_is_current_again(small_landing, tmp_path):
    """A → B → A at one path: the department withdraws its correction. A is the current version again (B is
    superseded by it) without being re-read; the marts show A's figures."""
    wh = tmp_path / "wh.duckdb"
    path = small_landing / YIYANG
    original = tmp_path / "original.xlsx"
    shutil.copy2(path, original)
    run_job(small_landing, wh, tmp_path / "r")
    _correct_carryover(path, 1.23)
    run_job(small_landing, wh, tmp_path / "r")
    shutil.copy2(original, path)
    s = run_job(small_landing, wh, tmp_path / "r")
    assert (s.ingest.loaded, s.ingest.reinstated, s.ingest.superseded, s.ingest.rows) == (1, 1, 1, 0)
    assert s.rules["scope"]["mode"] == "scoped"
    rows = _q(wh, "SELECT file_sha256, status, superseded_by, run_id FROM audit.ingested_files WHERE path = ? "
                  "ORDER BY loaded_at", [YIYANG.as_posix()])
    (sha_b, st_b, by_b, _), (sha_a, st_a, by_a, run_a) = rows
    assert (st_a, by_a, run_a) == ("loaded", None, s.run_id) and (st_b, by_b) == ("superseded", sha_a)
    current = _q(wh, """SELECT amount_yuan FROM marts.fct_line_items WHERE department_name = '益阳市智慧城市和大数据中心'
                        AND line_item_key = 'carryover_begin' AND scope = 'all_funds'""")
    assert current == [(Decimal("9935600.00"),)]
    change = _q(wh, """SELECT old_value_yuan, new_value_yuan FROM marts.fct_submission_changes
                       WHERE line_item_key = 'carryover_begin' AND department_name = '益阳市智慧城市和大数据中心'""")
    assert change == [(Decimal("9935600.00") + Decimal("12300.00"), Decimal("9935600.00"))]
    # a fourth night with the same landing changes nothing
    again = run_job(small_landing, wh, tmp_path / "r")
    assert (again.ingest.loaded, again.ingest.reinstated, again.ingest.skipped_known) == (0, 0, 3)


def test_renamed_identical_file_is_unchanged(small_landing, tmp_path):
    wh = tmp_path / "wh.duckdb"
    run_job(small_landing, wh, tmp_path / "r")
    before = mart_snapshot(wh)
    src = small_landing / KAIYUAN
    src.rename(src.with_name("2020年度部门决算公开表（重新报送）.xlsx"))
    s = run_job(small_landing, wh, tmp_path / "r")
    assert s.ingest.loaded == 0 and s.ingest.unchanged == 1
    status = _q(wh, "SELECT status FROM audit.ingested_files WHERE path LIKE '%重新报送%'")
    assert status == [("unchanged",)]
    assert mart_snapshot(wh) == before


def test_backfill_of_one_year_leaves_the_others(small_landing, tmp_path):
    wh = tmp_path / "wh.duckdb"
    run_job(small_landing, wh, tmp_path / "r")
    other = _q(wh, "SELECT * FROM raw.line_items WHERE fiscal_year = 2016 ORDER BY source_cell, line_item_key, column_key")
    before_2020 = _q(wh, "SELECT count(*) FROM marts.fct_line_items WHERE fiscal_year = 2020")[0][0]
    s = run_job(small_landing, wh, tmp_path / "r", backfill=(2020, None))
    assert s.ingest.loaded == 2  # the two 2020 workbooks, reloaded from scratch
    assert _q(wh, "SELECT * FROM raw.line_items WHERE fiscal_year = 2016 ORDER BY source_cell, line_item_key, column_key") == other
    assert _q(wh, "SELECT count(*) FROM marts.fct_line_items WHERE fiscal_year = 2020")[0][0] == before_2020
    assert _q(wh, "SELECT count(*) FROM audit.ingested_files WHERE fiscal_year = 2020") == [(2,)]
