"""Typed ingest errors. Every error carries a reason code and names the file, sheet and cell where it can."""
from __future__ import annotations

from dataclasses import dataclass


class ReasonCode:
    UNREADABLE = "unreadable_workbook"          # not a workbook / corrupt zip / wrong extension
    NO_KNOWN_TABLE = "no_known_table"           # readable, but nothing in it matches a known template
    BAD_VALUE = "bad_value"                     # a cell that must be a number is not one
    EMPTY = "empty_workbook"                    # no non-empty sheet
    EXTRACT_FAILED = "extract_failed"           # a recogniser crashed on this layout
    LOAD_FAILED = "load_failed"                 # the warehouse refused the rows


@dataclass
class IngestError(Exception):
    reason_code: str
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        where = " · ".join(p for p in (self.file, self.sheet, self.cell) if p)
        return f"[{self.reason_code}] {where}: {self.message}" if where else f"[{self.reason_code}] {self.message}"


class BadValue(IngestError):
    def __init__(self, message: str, sheet: str | None = None, cell: str | None = None, file: str | None = None):
        super().__init__(ReasonCode.BAD_VALUE, message, file, sheet, cell)
