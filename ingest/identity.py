"""Which department and fiscal year a sheet belongs to, from its content, checked against the landing path.

Content (标题 year, 单位名称 / 编制单位 / 预算单位 / 主管部门 …, "（2020年度）") wins over the path
``<fiscal_year>/<department>/<file>``; a disagreement is a finding, not an error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from .numbers import compact, normalize_text
from .readers import Sheet, cell_ref
from .templates.base import label_key, load_csv

_YEAR_RE = re.compile(r"(20\d{2}|19\d{2})\s*年")
_SUFFIX_RE = re.compile(r"[(（](本级|汇总|合并|单位|部门)[)）]$")
_SCAN_ROWS = 8


@dataclass
class Identity:
    department: str | None = None
    department_cell: str | None = None
    year: int | None = None
    year_cell: str | None = None


def path_identity(rel_path: str) -> tuple[str | None, int | None]:
    parts = PurePosixPath(rel_path).parts
    year = dept = None
    if len(parts) >= 3:
        dept = parts[-2]
        if re.fullmatch(r"\d{4}", parts[-3]):
            year = int(parts[-3])
    elif len(parts) == 2 and re.fullmatch(r"\d{4}", parts[0]):
        year = int(parts[0])
    return dept, year


def clean_department(name: str) -> str:
    name = normalize_text(name).strip("：: ")
    return _SUFFIX_RE.sub("", name).strip()


@lru_cache(maxsize=None)
def _labels() -> tuple[tuple[str, int], ...]:
    return tuple(sorted(((label_key(r["label_zh"]), int(r["priority"])) for r in load_csv("identity_labels.csv")
                         if r["field"] == "department"), key=lambda x: -len(x[0])))


@lru_cache(maxsize=1 << 14)
def _probe(v: str) -> tuple[int | None, str, tuple[tuple[str, int], ...]]:
    """What one text cell can tell (memoised: titles and labels repeat across files): the year it states (when
    short enough to be a title), its label key and the department labels it starts with, in label order."""
    t = compact(v)
    m = _YEAR_RE.search(t)
    year = int(m.group(1)) if m and len(t) <= 80 else None
    key = label_key(v)
    return year, key, tuple((lab, prio) for lab, prio in _labels() if key.startswith(lab))


def sheet_identity(sheet: Sheet, scan_rows: int = _SCAN_ROWS) -> Identity:
    ident = Identity()
    best = 99
    for r in range(min(scan_rows, sheet.height)):
        row = sheet.rows[r]
        for c, v in enumerate(row):
            if not isinstance(v, str) or not v.strip():
                continue
            year, key, matches = _probe(v)
            if ident.year is None and year is not None:
                ident.year, ident.year_cell = year, cell_ref(r, c)
            for lab, prio in matches:
                if prio >= best:
                    continue
                rest = key[len(lab):].lstrip(":：")
                value = rest
                if not value:  # label in its own cell: value in the next non-empty cell to the right
                    for c2 in range(c + 1, min(len(row), c + 4)):
                        if isinstance(row[c2], str) and row[c2].strip():
                            value = row[c2]
                            break
                value = clean_department(value) if value else ""
                if value and not re.search(r"单位[:：]|金额单位", value):
                    ident.department, ident.department_cell, best = value, cell_ref(r, c), prio
                break
    return ident
