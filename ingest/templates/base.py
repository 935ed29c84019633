"""Shared machinery for recognisers: label lookup from data files, cell emission with lineage, units, context."""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Protocol

from ..numbers import compact, fold, normalize_text, unit_in_text
from ..readers import Sheet, cell_ref

LABELS_DIR = Path(__file__).parent / "labels"
# one encoder for every row's JSON cells (json.dumps with options builds a new encoder per call)
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode

_ORDINAL_PREFIX = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．]|其中[:：]?|其中-|减[:：]?|加[:：]?)+")
# the characters an ordinal prefix can start with (the regex runs only on those texts)
_ORDINAL_FIRST = frozenset("一二三四五六七八九十(（其减加")   # or a digit (str.isdecimal: what \d matches)
_QUOTES = (("“", ""), ("”", ""), ('"', ""), ("‘", ""), ("’", ""), ("'", ""), ("「", ""), ("」", ""))


def label_key(text: object) -> str:
    """Normalised label for matching: NFKC, no whitespace, no ordinal prefix ("一、", "1、", "其中："), no quotes,
    full-width brackets folded to ASCII. Memoised for strings (labels repeat across sheets and files)."""
    if isinstance(text, str):
        return _label_key_str(text)
    return _label_key_uncached(text)


@lru_cache(maxsize=1 << 16)
def _label_key_str(text: str) -> str:
    return _label_key_uncached(text)


def _label_key_uncached(text: object) -> str:
    t = fold(compact(text), _QUOTES)
    if t and (t[0] in _ORDINAL_FIRST or t[0].isdecimal()):
        t = _ORDINAL_PREFIX.sub("", t)
    return t.replace("（", "(").replace("）", ")")


@lru_cache(maxsize=None)
def line_item_synonyms() -> dict[str, tuple[str, str]]:
    """label_key(name or synonym) -> (line_item_key, statement), from labels/line_items.csv (the contract)."""
    out: dict[str, tuple[str, str]] = {}
    with open(LABELS_DIR / "line_items.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names = [row["name_zh"]] + [s for s in (row.get("synonyms_zh") or "").split("|") if s]
            for n in names:
                out.setdefault(label_key(n), (row["key"], row["statement"]))
    extra = LABELS_DIR / "line_item_synonyms_extra.csv"
    if extra.exists():
        with open(extra, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                out[label_key(row["label_zh"])] = (row["key"], row["statement"])
    return out


@lru_cache(maxsize=None)
def load_csv(name: str) -> list[dict[str, str]]:
    with open(LABELS_DIR / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass
class SheetContext:
    """What a recogniser knows about the workbook and sheet it works on, and where its rows go."""
    source_file: str
    file_sha256: str
    sheet: Sheet
    department_name: str | None        # resolved: workbook content first, then landing path
    fiscal_year: int | None
    rows: dict[str, list[dict]] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)

    def emit(self, table: str, r: int, c: int, table_kind: str, **values: object) -> dict:
        row = values
        if "department_name" not in row:
            row["department_name"] = self.department_name
        if "fiscal_year" not in row:
            row["fiscal_year"] = self.fiscal_year
        row.update(source_file=self.source_file, source_sheet=self.sheet.name, source_cell=cell_ref(r, c),
                   file_sha256=self.file_sha256, table_kind=table_kind, row_number=r + 1)
        for k, v in row.items():   # replacing values (not keys) while iterating is fine
            if v.__class__ is dict:
                row[k] = _JSON(v)
        self.rows.setdefault(table, []).append(row)
        return row

    def finding(self, finding: str, detail: str, r: int = 0, c: int = 0) -> None:
        self.findings.append(dict(finding=finding, detail=detail, source_file=self.source_file,
                                  source_sheet=self.sheet.name, source_cell=cell_ref(r, c),
                                  file_sha256=self.file_sha256, table_kind="finding",
                                  department_name=self.department_name, fiscal_year=self.fiscal_year,
                                  row_number=r + 1))


@dataclass
class TableHit:
    """A table a recogniser found and extracted: its kind and the sheet region (0-based, inclusive) it claims."""
    kind: str
    top: int
    bottom: int
    left: int = 0
    right: int = 10_000
    rows_emitted: int = 0
    title: str | None = None


class Recogniser(Protocol):
    kind: str

    def find(self, sheet: Sheet, ctx: SheetContext, claimed: list[TableHit]) -> list[TableHit]:
        """Find and extract every table of this kind on the sheet outside ``claimed`` regions."""
        ...


def is_claimed(claimed: Iterable[TableHit], r: int, c: int = 0) -> bool:
    return any(h.top <= r <= h.bottom and h.left <= c <= h.right for h in claimed)


def find_unit(sheet: Sheet, top: int, bottom: int | None = None, default: str | None = None,
              left: int = 0, right: int | None = None) -> str | None:
    """The money unit stated in rows ``top..bottom`` (the title/note/header rows of a table)."""
    bottom = top if bottom is None else bottom
    for r in range(max(0, top), min(sheet.height, bottom + 1)):
        row = sheet.rows[r]
        for c in range(left, min(len(row), right + 1 if right is not None else len(row))):
            v = row[c]
            if isinstance(v, str):
                u = unit_in_text(v)
                if u:
                    return u
    return default


def row_texts(sheet: Sheet, r: int) -> list[str]:
    return [normalize_text(v) for v in (sheet.rows[r] if 0 <= r < sheet.height else [])]


def dec_str(d: Decimal | None) -> str | None:
    return None if d is None else str(d)
