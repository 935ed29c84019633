"""Ingest a landing.

New or changed workbooks are read, recognised and extracted — in long-lived worker processes when there are many
(each turns its rows into Arrow tables itself) — and loaded into ``raw.*`` in bulk: one transaction per chunk of
whole files, so a file is either entirely loaded or not at all. Files seen before (same path and hash) are skipped;
identical content under another name is 'unchanged'; a new version (same path, or same department, year and table
kinds) supersedes the old one, whose rows stay in raw as history. Bad files are rejected with a reason and the
batch goes on. Every landed file ends with exactly one current status.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from .errors import IngestError, ReasonCode
from .extract import Extraction, extract_workbook
from .faults import crash_point
from .landing import LandedFile, discover
from .readers import read_workbook
from .warehouse import (arrow_table, ensure_schema, insert_arrow, now, record_file, record_rejection,
                        transaction)

CHUNK_FILES = int(os.environ.get("JIXIAO_CHUNK_FILES", "64"))
# files per load transaction: worker chunks are merged up to this many (a commit costs ≈ 0.1 s whatever its size)
LOAD_FILES = int(os.environ.get("JIXIAO_LOAD_FILES", "256"))
PARALLEL_MIN_FILES = 48


@dataclass
class IngestSummary:
    files: int = 0
    loaded: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: int = 0
    skipped_known: int = 0           # same path and hash as before: nothing to do
    reinstated: int = 0              # of ``loaded``: an earlier version put back at its path (A → B → A)
    rows: int = 0
    rejections: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.loaded or self.superseded or self.rejected or self.unchanged)

    def as_dict(self) -> dict:
        return dict(files=self.files, loaded=self.loaded, unchanged=self.unchanged, superseded=self.superseded,
                    rejected=self.rejected, skipped_known=self.skipped_known, reinstated=self.reinstated,
                    rows=self.rows)


@dataclass
class Packed:
    """One file's extraction, rows already as Arrow tables (built in the worker)."""
    rel: str
    sha256: str
    size: int
    kinds: list[str]
    department: str | None
    year: int | None
    skipped: list[str]
    row_count: int
    tables: dict[str, pa.Table]
    # when packed as part of a chunk: table -> (offset, length) of this file's rows in the chunk's tables
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)


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
    except Exception as exc:  # never let one file stop the batch
        return IngestError(ReasonCode.EXTRACT_FAILED, f"extraction failed ({type(exc).__name__}: {exc})", file=f.rel)


def pack_file(f: LandedFile) -> Packed | IngestError:
    res = process_file(f)
    if isinstance(res, IngestError):
        return res
    try:
        tables = {t: arrow_table(t, rows) for t, rows in res.rows.items() if rows}
    except Exception as exc:
        return IngestError(ReasonCode.BAD_VALUE, f"a value could not be typed ({type(exc).__name__}: {exc})",
                           file=f.rel)
    return Packed(rel=f.rel, sha256=f.sha256, size=f.size, kinds=sorted(res.template_kinds),
                  department=res.department_name, year=res.fiscal_year, skipped=res.skipped,
                  row_count=res.row_count, tables=tables)


@dataclass
class PackedChunk:
    """The results of a chunk of files, in landing order, and the rows of all its packed files as one Arrow table per
    raw table (built once per chunk: per-column conversion costs are paid per chunk, not per file). Each Packed
    knows its rows' span, so a chunk can still be loaded file by file."""
    results: list[Packed | IngestError]
    tables: dict[str, pa.Table]

    def file_tables(self, p: Packed) -> dict[str, pa.Table]:
        return {t: self.tables[t].slice(off, n) for t, (off, n) in p.spans.items() if n}


def merge_chunks(chunks: list[PackedChunk]) -> PackedChunk:
    """Several chunks as one (results in order, each table concatenated, spans shifted)."""
    if len(chunks) == 1:
        return chunks[0]
    results: list[Packed | IngestError] = []
    parts: dict[str, list[pa.Table]] = {}
    offsets: dict[str, int] = {}
    for ch in chunks:
        for r in ch.results:
            if isinstance(r, Packed):
                r.spans = {t: (off + offsets.get(t, 0), n) for t, (off, n) in r.spans.items()}
            results.append(r)
        for t, tbl in ch.tables.items():
            parts.setdefault(t, []).append(tbl)
            offsets[t] = offsets.get(t, 0) + tbl.num_rows
    return PackedChunk(results=results, tables={t: pa.concat_tables(ts) for t, ts in parts.items()})


def _batched(chunks: Iterator[PackedChunk], files: int) -> Iterator[PackedChunk]:
    buf: list[PackedChunk] = []
    n = 0
    for ch in chunks:
        buf.append(ch)
        n += len(ch.results)
        if n >= files:
            yield merge_chunks(buf)
            buf, n = [], 0
    if buf:
        yield merge_chunks(buf)


def _bad_value(f: LandedFile, exc: Exception) -> IngestError:
    return IngestError(ReasonCode.BAD_VALUE, f"a value could not be typed ({type(exc).__name__}: {exc})", file=f.rel)


def _pack_chunk(files: list[LandedFile]) -> PackedChunk:
    done: list[tuple[LandedFile, Extraction | IngestError]] = [(f, process_file(f)) for f in files]
    rows: dict[str, list[dict]] = {}
    try:
        for _, res in done:
            if not isinstance(res, IngestError):
                for t, rs in res.rows.items():
                    rows.setdefault(t, []).extend(rs)
        tables = {t: arrow_table(t, rs) for t, rs in rows.items() if rs}
    except Exception:  # some value cannot be typed: find the file(s) by typing each alone, pack the others
        for i, (f, res) in enumerate(done):
            if not isinstance(res, IngestError):
                try:
                    for t, rs in res.rows.items():
                        if rs:
                            arrow_table(t, rs)
                except Exception as exc:
                    done[i] = (f, _bad_value(f, exc))
        rows = {}
        for _, res in done:
            if not isinstance(res, IngestError):
                for t, rs in res.rows.items():
                    rows.setdefault(t, []).extend(rs)
        tables = {t: arrow_table(t, rs) for t, rs in rows.items() if rs}
    results: list[Packed | IngestError] = []
    offsets: dict[str, int] = {}
    for f, res in done:
        if isinstance(res, IngestError):
            results.append(res)
            continue
        spans = {}
        for t, rs in res.rows.items():
            if rs:
                spans[t] = (offsets.get(t, 0), len(rs))
                offsets[t] = offsets.get(t, 0) + len(rs)
        results.append(Packed(rel=f.rel, sha256=f.sha256, size=f.size, kinds=sorted(res.template_kinds),
                              department=res.department_name, year=res.fiscal_year, skipped=res.skipped,
                              row_count=res.row_count, tables={}, spans=spans))
    return PackedChunk(results=results, tables=tables)


def _chunks(files: list[LandedFile], n: int) -> list[list[LandedFile]]:
    return [files[i:i + n] for i in range(0, len(files), n)]


def packed_results(files: list[LandedFile], workers: int | None = None) -> Iterator[PackedChunk]:
    """Chunks of results in landing order; worker processes (spawned once, kept for the whole run) when it pays."""
    workers = workers if workers is not None else int(os.environ.get("JIXIAO_WORKERS", os.cpu_count() or 1))
    chunks = _chunks(files, CHUNK_FILES if len(files) > CHUNK_FILES * workers else max(1, len(files) // max(workers, 1)))
    if workers <= 1 or len(files) < PARALLEL_MIN_FILES:
        for c in chunks:
            yield _pack_chunk(c)
        return
    ctx = mp.get_context("spawn")
    with ctx.Pool(processes=workers) as pool:
        yield from pool.imap(_pack_chunk, chunks)


def _known(con: duckdb.DuckDBPyConnection) -> tuple[set[tuple[str, str]], set[tuple[str, str]], dict[str, str],
                                                  dict[str, tuple]]:
    """(path, sha) seen before; of those, superseded versions whose path's latest version is another one (landed
    again, such a file is its path's current content once more: A → B → A); statuses by content; rejections."""
    rows = con.execute("SELECT path, file_sha256, status, loaded_at FROM audit.ingested_files").fetchall()
    seen = {(p, s) for p, s, _, _ in rows}
    latest: dict[str, object] = {}     # path -> loaded_at of its latest loaded or superseded version
    content = {}
    for p, s, st, at in rows:
        if st in ("loaded", "superseded", "unchanged"):
            content.setdefault(s, st)
        if st in ("loaded", "superseded") and at is not None and (p not in latest or at > latest[p]):
            latest[p] = at
    # one record per (path, sha): a later version at the path is another file
    reverted = {(p, s) for p, s, st, at in rows
                if st == "superseded" and at is not None and latest[p] > at}
    rej = {s: r for s, *r in con.execute(
        "SELECT file_sha256, reason_code, reason, sheet, cell FROM audit.rejected_files").fetchall()}
    return seen, reverted, content, rej


def reinstate(con: duckdb.DuckDBPyConnection, f: LandedFile, run_id: str) -> int:
    """Make the superseded version (f.rel, f.sha256), landed again at its path, the current one: it supersedes
    whatever is loaded at that path or for its department, year and table kinds (as a new version would) and is
    'loaded' again as of this run. Its rows are in raw already (history is per version), nothing is re-read.
    Returns the number of versions it superseded."""
    with transaction(con):
        n = con.execute(
            "UPDATE audit.ingested_files g SET status = 'superseded', superseded_by = f.file_sha256 "
            "FROM audit.ingested_files f WHERE f.path = $path AND f.file_sha256 = $sha AND g.status = 'loaded' "
            "AND NOT (g.path = f.path AND g.file_sha256 = f.file_sha256) AND (g.path = f.path OR ("
            "g.department_name IS NOT DISTINCT FROM f.department_name AND g.fiscal_year IS NOT DISTINCT FROM "
            "f.fiscal_year AND g.template_kinds = f.template_kinds))",
            {"path": f.rel, "sha": f.sha256}).fetchone()[0]
        con.execute("UPDATE audit.ingested_files SET status = 'loaded', superseded_by = NULL, loaded_at = $ts, "
                    "run_id = $run WHERE path = $path AND file_sha256 = $sha",
                    {"path": f.rel, "sha": f.sha256, "ts": now(), "run": run_id})
    return int(n)


def load_chunk(con: duckdb.DuckDBPyConnection, packs: list[Packed], run_id: str,
               tables: dict[str, pa.Table] | None = None) -> int:
    """Supersede earlier versions and insert the chunk's rows and audit records, all in one transaction.
    ``tables``: the rows of exactly these packs, already concatenated (else each pack's own ``tables``).
    Returns the number of earlier versions superseded."""
    if not packs:
        return 0
    with transaction(con):
        superseded = _supersede_and_record(con, packs, run_id)
        by_table: dict[str, list[pa.Table]] = {}
        if tables is not None:
            by_table = {t: [tbl] for t, tbl in tables.items()}
        else:
            for p in packs:
                for t, tbl in p.tables.items():
                    by_table.setdefault(t, []).append(tbl)
        for t, tbls in by_table.items():
            insert_arrow(con, t, pa.concat_tables(tbls) if len(tbls) > 1 else tbls[0])
            crash_point("ingest_mid_file")
    return superseded


def _supersede_and_record(con: duckdb.DuckDBPyConnection, packs: list[Packed], run_id: str) -> int:
    """In bulk (a few statements per chunk, not per file), what one UPDATE + one INSERT per file in landing order
    would do: each pack supersedes the 'loaded' rows of the same path or of the same department, year and table
    kinds — earlier files of this chunk included — and is recorded as loaded (or already superseded, when a later
    file of the chunk supersedes it). Returns the number of rows superseded."""
    kinds = [",".join(p.kinds) for p in packs]
    chunk = pa.table({"path": [p.rel for p in packs], "dept": pa.array([p.department for p in packs], pa.string()),
                      "year": pa.array([p.year for p in packs], pa.int64()), "kinds": kinds})
    con.register("_jixiao_chunk", chunk)
    try:
        cands = con.execute(
            "SELECT f.path, f.file_sha256, f.department_name, f.fiscal_year, f.template_kinds "
            "FROM audit.ingested_files f WHERE f.status = 'loaded' AND (f.path IN (SELECT path FROM _jixiao_chunk) "
            "OR EXISTS (SELECT 1 FROM _jixiao_chunk c WHERE f.department_name IS NOT DISTINCT FROM c.dept "
            "AND f.fiscal_year IS NOT DISTINCT FROM c.year AND f.template_kinds = c.kinds))").fetchall()
    finally:
        con.unregister("_jixiao_chunk")
    # live 'loaded' rows that this chunk may supersede: (path, sha) -> (path, slice); chunk rows join as they come
    live: dict[tuple[str, str], tuple[str, tuple]] = {(pth, sha): (pth, (d, y, k)) for pth, sha, d, y, k in cands}
    existing = set(live)
    by: dict[tuple[str, str], str] = {}
    for p, k in zip(packs, kinds):
        sl = (p.department, p.year, k)
        for key in [key for key, (pth, s) in live.items() if pth == p.rel or s == sl]:
            by[key] = p.sha256
            del live[key]
        live[(p.rel, p.sha256)] = (p.rel, sl)
    upd = [(key, sha) for key, sha in by.items() if key in existing]
    if upd:
        t = pa.table({"path": [k[0] for k, _ in upd], "sha": [k[1] for k, _ in upd], "by": [b for _, b in upd]})
        con.register("_jixiao_superseded", t)
        try:
            con.execute("UPDATE audit.ingested_files f SET status = 'superseded', superseded_by = u.by "
                        "FROM _jixiao_superseded u WHERE f.status = 'loaded' AND f.path = u.path "
                        "AND f.file_sha256 = u.sha")
        finally:
            con.unregister("_jixiao_superseded")
    ts = now()
    rows = pa.table({
        "path": [p.rel for p in packs], "file_sha256": [p.sha256 for p in packs],
        "status": ["superseded" if (p.rel, p.sha256) in by else "loaded" for p in packs],
        "template_kinds": kinds, "rows_extracted": pa.array([p.row_count for p in packs], pa.int64()),
        "loaded_at": pa.array([ts] * len(packs), pa.timestamp("us")),
        "superseded_by": pa.array([by.get((p.rel, p.sha256)) for p in packs], pa.string()),
        "department_name": pa.array([p.department for p in packs], pa.string()),
        "fiscal_year": pa.array([p.year for p in packs], pa.int64()),
        "file_size": pa.array([p.size for p in packs], pa.int64()),
        "skipped_tables": [json.dumps(p.skipped or [], ensure_ascii=False) for p in packs],
        "run_id": [run_id] * len(packs)})
    con.register("_jixiao_files", rows)
    try:
        con.execute("INSERT INTO audit.ingested_files SELECT path, file_sha256, status, template_kinds, "
                    "CAST(rows_extracted AS INTEGER), loaded_at, superseded_by, department_name, "
                    "CAST(fiscal_year AS INTEGER), file_size, skipped_tables, run_id FROM _jixiao_files")
    finally:
        con.unregister("_jixiao_files")
    return len(by)


def ingest_landing(con: duckdb.DuckDBPyConnection, landing: str | Path, run_id: str,
                   progress: bool = False, only: set[str] | None = None,
                   workers: int | None = None) -> IngestSummary:
    ensure_schema(con)
    files = discover(landing)
    if only is not None:
        files = [f for f in files if f.rel in only]
    seen, reverted, content, rejected = _known(con)
    summary = IngestSummary(files=len(files))
    todo: list[LandedFile] = []
    pending: dict[str, str] = {}
    for f in files:
        if (f.rel, f.sha256) in reverted:
            summary.superseded += reinstate(con, f, run_id)
            summary.loaded += 1
            summary.reinstated += 1
        elif (f.rel, f.sha256) in seen:
            summary.skipped_known += 1
        elif f.sha256 in content or f.sha256 in pending:  # renamed or duplicate copy of known content
            record_file(con, path=f.rel, sha=f.sha256, status="unchanged", kinds=[], rows=0, size=f.size,
                        run_id=run_id)
            summary.unchanged += 1
        elif f.sha256 in rejected:
            code, reason, sheet, cell = rejected[f.sha256]
            record_rejection(con, path=f.rel, sha=f.sha256, size=f.size, reason_code=code, reason=reason,
                             sheet=sheet, cell=cell, run_id=run_id)
            summary.rejected += 1
        else:
            pending[f.sha256] = f.rel
            todo.append(f)
    by_rel = {f.rel: f for f in todo}
    with _wal_checkpoints(con, WAL_CHECKPOINT):
        _load_all(con, todo, by_rel, run_id, summary, progress, workers)
    return summary


# DuckDB checkpoints when the WAL passes checkpoint_threshold (16 MB by default): during a big ingest that is a
# rewrite every few load transactions (≈ 0.4 s each, 40 % of the loading time for 10,000 files). A larger
# threshold while loading checkpoints a few times instead; committed rows are in the WAL either way (crash-safe).
WAL_CHECKPOINT = os.environ.get("JIXIAO_WAL_CHECKPOINT", "64MB")


@contextmanager
def _wal_checkpoints(con: duckdb.DuckDBPyConnection, threshold: str):
    old = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]
    con.execute(f"SET checkpoint_threshold = '{threshold}'")
    try:
        yield
    finally:
        con.execute(f"SET checkpoint_threshold = '{old}'")


def _load_all(con: duckdb.DuckDBPyConnection, todo: list[LandedFile], by_rel: dict[str, LandedFile], run_id: str,
              summary: IngestSummary, progress: bool, workers: int | None) -> None:
    bar = None
    if progress and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc="ingest", unit="file", file=sys.stderr)
    for chunk in _batched(packed_results(todo, workers), LOAD_FILES):
        results = chunk.results
        packs: list[Packed] = []
        for r in results:
            if isinstance(r, IngestError):
                _reject(con, r, run_id, summary, by_rel)
            else:
                packs.append(r)
        try:
            summary.superseded += load_chunk(con, packs, run_id, tables=chunk.tables)
        except Exception:  # a chunk the warehouse refused: load its files one by one to isolate the culprit
            for p in list(packs):
                p.tables = chunk.file_tables(p)
                try:
                    summary.superseded += load_chunk(con, [p], run_id)
                except Exception as exc:
                    _reject(con, IngestError(ReasonCode.LOAD_FAILED,
                                             f"rows could not be loaded ({type(exc).__name__}: {exc})", file=p.rel),
                            run_id, summary, by_rel)
                    packs = [q for q in packs if q is not p]
        for p in packs:
            summary.loaded += 1
            summary.rows += p.row_count
            crash_point("ingest_after_file")
        if bar:
            bar.update(len(results))
    if bar:
        bar.close()


def _reject(con, err: IngestError, run_id: str, summary: IngestSummary, files: dict[str, LandedFile]) -> None:
    f = files[err.file]
    record_rejection(con, path=f.rel, sha=f.sha256, size=f.size, reason_code=err.reason_code, reason=str(err),
                     sheet=err.sheet, cell=err.cell, run_id=run_id)
    summary.rejected += 1
    summary.rejections.append(str(err))
