"""Parallel, chunked ingest loads exactly what a serial, file-by-file ingest loads: the same raw rows and the same
audit records (statuses, supersession), whatever the number of workers or the chunk size."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ingestion
from ingest.generate import generate_landing
from ingest.schema import RAW_TABLES
from ingest.warehouse import connect


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    con = connect(db, read_only=True)
    try:
        out = {}
        for t in RAW_TABLES:
            out[t] = sorted(map(repr, con.execute(f"SELECT * FROM raw.{t}").fetchall()))
        out["ingested_files"] = sorted(con.execute(
            "SELECT path, file_sha256, status, template_kinds, rows_extracted, superseded_by, department_name, "
            "fiscal_year, file_size, skipped_tables FROM audit.ingested_files").fetchall())
        out["rejected_files"] = sorted(con.execute(
            "SELECT path, file_sha256, reason_code, reason, sheet, cell FROM audit.rejected_files").fetchall())
        return out
    finally:
        con.close()


def _ingest(landing: Path, db: Path, workers: int) -> dict:
    con = connect(db)
    try:
        return ingestion.ingest_landing(con, landing, run_id="t", workers=workers).as_dict()
    finally:
        con.close()


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate_landing(out, departments=7, years=(2021, 2022), variation=True, bad_files=2, xls_share=0.1)
    assert sum(1 for p in out.rglob("*") if p.is_file()) >= ingestion.PARALLEL_MIN_FILES
    return out


def test_two_workers_equal_one_file_at_a_time(landing: Path, tmp_path: Path, monkeypatch) -> None:
    par = _ingest(landing, tmp_path / "par.duckdb", workers=2)
    monkeypatch.setattr(ingestion, "CHUNK_FILES", 1)      # one file per chunk and transaction, in one process
    monkeypatch.setattr(ingestion, "PARALLEL_MIN_FILES", 10 ** 9)
    ser = _ingest(landing, tmp_path / "ser.duckdb", workers=1)
    assert par == ser
    assert par["loaded"] > 0 and par["rejected"] > 0
    a, b = _snapshot(tmp_path / "par.duckdb"), _snapshot(tmp_path / "ser.duckdb")
    for k in a:
        assert a[k] == b[k], k


def test_rerun_supersedes_in_bulk_like_file_by_file(landing: Path, tmp_path: Path, monkeypatch) -> None:
    """A second landing with new versions of some workbooks: bulk supersession equals per-file supersession."""
    import shutil

    import openpyxl
    second = tmp_path / "second"
    shutil.copytree(landing, second)
    changed = 0
    for p in sorted(second.rglob("*.xlsx"))[::5]:
        try:
            wb = openpyxl.load_workbook(p)
        except Exception:
            continue
        ws = wb.worksheets[0]
        ws.cell(row=ws.max_row + 2, column=1, value="注：修订版")
        wb.save(p)
        changed += 1
    assert changed
    runs = {}
    for name, chunk in (("bulk", 64), ("single", 1)):
        monkeypatch.setattr(ingestion, "CHUNK_FILES", chunk)
        db = tmp_path / f"{name}.duckdb"
        first = _ingest(landing, db, workers=1)
        again = _ingest(second, db, workers=1)
        runs[name] = (first, again, _snapshot(db))
    assert runs["bulk"][0] == runs["single"][0]
    assert runs["bulk"][1] == runs["single"][1]
    assert runs["bulk"][1]["superseded"] > 0
    for k in runs["bulk"][2]:
        assert runs["bulk"][2][k] == runs["single"][2][k], k
