"""Ingest a landing: new or changed workbooks are read, extracted and loaded one transaction per file; files seen
before (same path and hash) are skipped; identical content under another name is 'unchanged'; a new version of a
file supersedes the old one (its rows stay in raw as history). Bad files are rejected with a reason and the batch
goes on. Every landed file ends with exactly one current status."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .errors import IngestError, ReasonCode
from .extract import Extraction, extract_workbook
from .landing import LandedFile, discover
from .readers import read_workbook
from .warehouse import ensure_schema, insert_rows, record_file, record_rejection


@dataclass
class IngestSummary:
    files: int = 0
    loaded: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: int = 0
    skipped_known: int = 0           # same path and hash as before: nothing to do
    rows: int = 0
    rejections: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(files=self.files, loaded=self.loaded, unchanged=self.unchanged, superseded=self.superseded,
                    rejected=self.rejected, skipped_known=self.skipped_known, rows=self.rows)


def process_file(f: LandedFile) -> Extraction | IngestError:
    """Read and extract one file; never raises for bad input (returns the IngestError instead)."""
    if not f.is_workbook:
        return IngestError(ReasonCode.UNREADABLE,
                           f"not an Excel workbook (extension {f.path.suffix or 'none'!r}); submit .xlsx or .xls",
                           file=f.rel)
    try:
        wb = read_workbook(f.path, f.rel)
        if not wb.sheets:
            return IngestError(ReasonCode.EMPTY, "the workbook has no worksheet", file=f.rel)
        return extract_workbook(wb, f.rel, f.sha256)
    except IngestError as err:
        err.file = err.file or f.rel
        return err


def _known(con: duckdb.DuckDBPyConnection) -> tuple[set[tuple[str, str]], dict[str, str], dict[str, tuple]]:
    rows = con.execute("SELECT path, file_sha256, status FROM audit.ingested_files").fetchall()
    seen = {(p, s) for p, s, _ in rows}
    content = {}
    for p, s, st in rows:
        if st in ("loaded", "superseded", "unchanged"):
            content.setdefault(s, st)
    rej = {s: r for s, *r in con.execute(
        "SELECT file_sha256, reason_code, reason, sheet, cell FROM audit.rejected_files").fetchall()}
    return seen, content, rej


def load_extraction(con: duckdb.DuckDBPyConnection, f: LandedFile, ex: Extraction, run_id: str) -> int:
    """Supersede earlier versions and insert this file's rows, all in one transaction."""
    kinds = ",".join(sorted(ex.template_kinds))
    con.execute("BEGIN TRANSACTION")
    try:
        superseded = con.execute(
            "UPDATE audit.ingested_files SET status = 'superseded', superseded_by = ? "
            "WHERE status = 'loaded' AND (path = ? OR (department_name IS NOT DISTINCT FROM ? "
            "AND fiscal_year IS NOT DISTINCT FROM ? AND template_kinds = ?)) RETURNING path",
            [f.sha256, f.rel, ex.department_name, ex.fiscal_year, kinds]).fetchall()
        n = 0
        for table, rows in ex.rows.items():
            n += insert_rows(con, table, rows)
        record_file(con, path=f.rel, sha=f.sha256, status="loaded", kinds=sorted(ex.template_kinds),
                    rows=ex.row_count, size=f.size, run_id=run_id, department=ex.department_name,
                    year=ex.fiscal_year, skipped=ex.skipped)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return len(superseded)


def ingest_landing(con: duckdb.DuckDBPyConnection, landing: str | Path, run_id: str,
                   progress: bool = False, only: set[str] | None = None) -> IngestSummary:
    ensure_schema(con)
    files = discover(landing)
    if only is not None:
        files = [f for f in files if f.rel in only]
    seen, content, rejected = _known(con)
    summary = IngestSummary(files=len(files))
    todo: list[LandedFile] = []
    for f in files:
        if (f.rel, f.sha256) in seen:
            summary.skipped_known += 1
        elif f.sha256 in content:
            record_file(con, path=f.rel, sha=f.sha256, status="unchanged", kinds=[], rows=0, size=f.size,
                        run_id=run_id)
            seen.add((f.rel, f.sha256))
            summary.unchanged += 1
        elif f.sha256 in rejected:
            code, reason, sheet, cell = rejected[f.sha256]
            record_rejection(con, path=f.rel, sha=f.sha256, size=f.size, reason_code=code, reason=reason,
                             sheet=sheet, cell=cell, run_id=run_id)
            summary.rejected += 1
        else:
            todo.append(f)
    bar = None
    if progress and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc="ingest", unit="file", file=sys.stderr)
    for f in todo:
        if f.sha256 in content:  # a duplicate within this batch
            record_file(con, path=f.rel, sha=f.sha256, status="unchanged", kinds=[], rows=0, size=f.size,
                        run_id=run_id)
            summary.unchanged += 1
        else:
            result = process_file(f)
            if isinstance(result, IngestError):
                _reject(con, f, result, run_id, summary)
            else:
                try:
                    summary.superseded += load_extraction(con, f, result, run_id)
                    summary.loaded += 1
                    summary.rows += result.row_count
                    content[f.sha256] = "loaded"
                except Exception as exc:  # the warehouse refused the rows: reject, keep the batch going
                    _reject(con, f, IngestError(ReasonCode.LOAD_FAILED,
                                                f"rows could not be loaded ({type(exc).__name__}: {exc})",
                                                file=f.rel), run_id, summary)
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    return summary


def _reject(con, f: LandedFile, err: IngestError, run_id: str, summary: IngestSummary) -> None:
    record_rejection(con, path=f.rel, sha=f.sha256, size=f.size, reason_code=err.reason_code, reason=str(err),
                     sheet=err.sheet, cell=err.cell, run_id=run_id)
    summary.rejected += 1
    summary.rejections.append(str(err))
