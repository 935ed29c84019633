"""Extract every known table from one workbook into raw rows (see schema.RAW_TABLES)."""
from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field

from .errors import IngestError, ReasonCode
from .identity import path_identity, sheet_identity
from .readers import Sheet, Workbook, cell_ref
from .templates import all_recognisers
from .templates.base import SheetContext, TableHit, is_claimed, label_key


@dataclass
class Extraction:
    source_file: str
    file_sha256: str
    rows: dict[str, list[dict]] = field(default_factory=dict)
    template_kinds: set[str] = field(default_factory=set)
    findings: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)   # "sheet!A1: what" for tables seen but not extracted
    department_name: str | None = None
    fiscal_year: int | None = None

    @property
    def row_count(self) -> int:
        return sum(len(v) for k, v in self.rows.items() if k != "sheet_findings")


def _unclaimed_text_blocks(sheet: Sheet, claimed: list[TableHit]) -> list[tuple[int, int, str]]:
    """Text cells outside every claimed region that look like table titles or headers (for 'unknown table')."""
    out = []
    for r, row in enumerate(sheet.rows):
        if is_claimed(claimed, r):
            continue
        texts = [(c, v) for c, v in enumerate(row) if isinstance(v, str) and v.strip()]
        nums = [v for v in row if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if texts and (len(texts) >= 2 or nums) and not (not nums and all(_LABEL_LINE.match(v) for _, v in texts)):
            out.append((r, texts[0][0], label_key(texts[0][1])[:40]))
    return out


# "填表人：张三", "联系电话：…", "注：…": sign-off and note lines, not tables
_LABEL_LINE = re.compile(r"^\s*[^：:]{1,10}[：:]")


def extract_workbook(wb: Workbook, source_file: str, file_sha256: str) -> Extraction:
    path_dept, path_year = path_identity(source_file)
    ex = Extraction(source_file=source_file, file_sha256=file_sha256)
    # Workbook-level identity: the first sheet that states it.
    idents = [sheet_identity(s) for s in wb.sheets]
    wb_dept = next((i.department for i in idents if i.department), None)
    wb_year = next((i.year for i in idents if i.year), None)
    any_hit = False
    for sheet, ident in zip(wb.sheets, idents):
        if not any(any(isinstance(v, str) and v.strip() or isinstance(v, (int, float)) for v in row) for row in sheet.rows):
            continue
        dept = ident.department or wb_dept or path_dept
        year = ident.year or wb_year or path_year
        ctx = SheetContext(source_file=source_file, file_sha256=file_sha256, sheet=sheet,
                           department_name=dept, fiscal_year=year)
        if path_dept and dept and dept != path_dept:
            ctx.finding("department_mismatch",
                        f"workbook names {dept!r} ({ident.department_cell or 'another sheet'}) but the landing path "
                        f"says {path_dept!r}; the workbook content is used")
        if path_year and year and year != path_year:
            ctx.finding("year_mismatch",
                        f"workbook states fiscal year {year} ({ident.year_cell or 'another sheet'}) but the landing "
                        f"path says {path_year}; the workbook content is used")
        if sheet.hidden_rows:
            ctx.finding("hidden_rows", "hidden rows read like the others: " +
                        ", ".join(str(r + 1) for r in sorted(sheet.hidden_rows)[:50]))
        if sheet.hidden_cols:
            ctx.finding("hidden_cols", "hidden columns read like the others: " +
                        ", ".join(cell_ref(0, c)[:-1] for c in sorted(sheet.hidden_cols)[:50]))
        claimed: list[TableHit] = []
        for rec in all_recognisers():
            try:
                hits = rec.find(sheet, ctx, claimed)
            except IngestError as err:
                err.file = err.file or source_file
                err.sheet = err.sheet or sheet.name
                raise
            except Exception as exc:  # a recogniser bug on an unexpected layout: reject the file, keep the batch
                raise IngestError(ReasonCode.EXTRACT_FAILED,
                                  f"the {rec.kind} recogniser failed on this layout ({type(exc).__name__}: {exc}); "
                                  f"{traceback.format_exc(limit=2).splitlines()[-1]}",
                                  file=source_file, sheet=sheet.name) from exc
            for h in hits:
                claimed.append(h)
                ex.template_kinds.add(h.kind)
        if claimed:
            any_hit = True
            ex.department_name = ex.department_name or dept
            ex.fiscal_year = ex.fiscal_year or year
        blocks = _unclaimed_text_blocks(sheet, claimed)
        block_rows = {r for r, _, _ in blocks}
        for r, c, what in blocks:
            # Report each table-like region once, at its first row (a title line above it does not hide it).
            if r - 1 in block_rows:
                continue
            ex.skipped.append(f"{sheet.name}!{cell_ref(r, c)}: {what}")
            ctx.finding("unknown_table", f"not recognised, not extracted: {what}", r, c)
        for table, rows in ctx.rows.items():
            ex.rows.setdefault(table, []).extend(rows)
        ex.findings.extend(ctx.findings)
    if not any_hit:
        kinds = ", ".join(repr(s.name) for s in wb.sheets[:6])
        raise IngestError(ReasonCode.NO_KNOWN_TABLE,
                          f"no sheet holds a table this warehouse knows (sheets: {kinds}); expected 部门决算 tables, "
                          "项目支出绩效自评表, 部门整体支出绩效自评表, 专项资金 tables or 绩效评价评分表 — check that "
                          "the right file was submitted, or add its labels to ingest/templates/labels",
                          file=source_file)
    _assess_indicators(ex.rows.get("indicators", []))
    ex.rows.setdefault("sheet_findings", []).extend(ex.findings)
    ex.department_name = ex.department_name or path_dept
    ex.fiscal_year = ex.fiscal_year or path_year
    return ex


def _assess_indicators(rows: list[dict]) -> None:
    """Add target_op/target_value/…/recomputed_score to indicator rows (ingest.targets.assess)."""
    if not rows:
        return
    try:
        from .targets import assess
    except ImportError:  # targets module not available: leave the columns NULL
        return
    for row in rows:
        a = assess(row.get("target_text"), row.get("actual_text"), row.get("weight"))
        for k in ("target_op", "target_value", "target_unit", "actual_value", "achieved", "recomputed_score"):
            row[k] = getattr(a, k)
