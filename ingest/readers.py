"""Reading workbooks with python-calamine into plain grids with absolute cell addresses.

A :class:`Sheet` holds every cell from A1 (``rows[r][c]``, 0-based), the merged ranges and, for .xlsx, the rows
and columns marked hidden (read like any other, but flagged). Values are what calamine gives: str, float, int,
bool, date/datetime or '' for empty.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from python_calamine import CalamineWorkbook

from .errors import IngestError, ReasonCode
from .numbers import compact_str


def col_letter(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


@lru_cache(maxsize=1 << 16)
def cell_ref(r: int, c: int) -> str:
    """0-based (row, col) -> A1 reference."""
    return f"{col_letter(c)}{r + 1}"


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    visible: bool = True

    _width: int | None = field(default=None, repr=False)
    _merge_map: dict[tuple[int, int], tuple[int, int]] | None = field(default=None, repr=False)
    # per-sheet memo shared by the recognisers (the sheet is never modified after reading): row role maps, text
    # blobs, label sets … computed once per sheet instead of once per lookup
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        if self._width is None:
            self._width = max((len(r) for r in self.rows), default=0)
        return self._width

    def value(self, r: int, c: int) -> object:
        if r >= 0 and c >= 0:
            try:
                return self.rows[r][c]
            except IndexError:
                pass
        return ""

    @property
    def blob(self) -> str:
        """Every text cell as written, between NUL separators: ``needle in sheet.blob`` is true exactly when some cell
        contains ``needle`` (a cheap whole-sheet rejection test)."""
        b = self.cache.get("blob")
        if b is None:
            b = self.cache["blob"] = "\0" + "\0".join(v for row in self.rows for v in row if isinstance(v, str)) + "\0"
        return b

    @property
    def compact_blob(self) -> str:
        """:attr:`blob` NFKC-normalised without whitespace (each cell as ``numbers.compact`` gives it)."""
        b = self.cache.get("compact_blob")
        if b is None:
            # cell by cell through the memoised compact() (labels repeat across files): the same string as
            # NFKC-normalising the whole blob (NUL separators are never composed with a neighbour), ≈ 5 × faster
            c = compact_str
            b = self.cache["compact_blob"] = "\0" + "\0".join(
                [c(v) for row in self.rows for v in row if v.__class__ is str]) + "\0"
        return b

    def is_empty_row(self, r: int) -> bool:
        """No value but None or blank text in row ``r`` (rows past the end are empty)."""
        e = self.cache.get("empty_rows")
        if e is None:
            e = self.cache["empty_rows"] = frozenset(
                i for i, row in enumerate(self.rows)
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in row))
        return r in e or r >= len(self.rows)

    def filled_row(self, r: int) -> list[object]:
        """Row ``r`` padded to the sheet width, each empty cell inside a merged range holding the range's top-left
        value (what :func:`templates.performance.cell` gives cell by cell). Memoised per row."""
        key = ("filled", r)
        out = self.cache.get(key)
        if out is None:
            row = self.rows[r] if 0 <= r < len(self.rows) else []
            out = list(row) + [""] * (self.width - len(row))
            if self.merged:
                for c, v in enumerate(out):
                    if v is None or v == "":
                        r0, c0 = self.merged_origin(r, c)
                        if (r0, c0) != (r, c):
                            out[c] = self.value(r0, c0)
            self.cache[key] = out
        return out

    def merged_origin(self, r: int, c: int) -> tuple[int, int]:
        """The top-left cell of the merged range covering (r, c), or (r, c) itself."""
        if self._merge_map is None:
            m: dict[tuple[int, int], tuple[int, int]] = {}
            for (r0, c0), (r1, c1) in self.merged:
                if (r1 - r0 + 1) * (c1 - c0 + 1) > 10_000:  # huge merges: fall back to the range test
                    continue
                for rr in range(r0, r1 + 1):
                    for cc in range(c0, c1 + 1):
                        m[(rr, cc)] = (r0, c0)
            self._merge_map = m
            self._big_merges = [g for g in self.merged if (g[1][0] - g[0][0] + 1) * (g[1][1] - g[0][1] + 1) > 10_000]
        hit = self._merge_map.get((r, c))
        if hit is not None:
            return hit
        for (r0, c0), (r1, c1) in getattr(self, "_big_merges", ()):
            if r0 <= r <= r1 and c0 <= c <= c1:
                return r0, c0
        return r, c


@dataclass
class Workbook:
    path: Path
    sheets: list[Sheet]


_TAG = {b"row": re.compile(rb"<row\b[^>]*>"), b"col": re.compile(rb"<col\b[^>]*>")}
_ATTR = re.compile(rb'\b(r|min|max|hidden)="([^"]*)"')


def _hidden_tags(xml: bytes, tag: bytes) -> list[dict[bytes, bytes]]:
    out = []
    for m in _TAG[tag].finditer(xml):
        attrs = dict(_ATTR.findall(m.group(0)))
        if attrs.get(b"hidden") in (b"1", b"true"):
            out.append(attrs)
    return out


def _xlsx_hidden(path: Path, n_sheets: int) -> list[tuple[set[int], set[int]]]:
    """Hidden rows/cols per sheet index (0-based), read from the sheet XML (calamine does not expose them). Most
    workbooks hide nothing: the sheet parts are scanned for ``hidden=`` first, and only a workbook that has some
    maps its parts to sheet indexes (workbook.xml and its relationships)."""
    out: list[tuple[set[int], set[int]]] = [(set(), set()) for _ in range(n_sheets)]
    try:
        with zipfile.ZipFile(path) as z:
            parts = {}
            for info in z.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    xml = z.read(info)
                    if b"hidden=" in xml:
                        parts[info.filename] = xml
            if not parts:
                return out
            wb = z.read("xl/workbook.xml")
            rels = z.read("xl/_rels/workbook.xml.rels")
            targets = dict(re.findall(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
            targets.update({k: v for v, k in re.findall(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
            rids = re.findall(rb'<sheet\b[^>]*?r:id="([^"]+)"', wb)
            for i, rid in enumerate(rids[:n_sheets]):
                name = targets.get(rid, b"").decode().lstrip("/")
                xml = parts.get(name if name.startswith("xl/") else "xl/" + name)
                if xml is None:
                    continue
                hr = {int(a[b"r"]) - 1 for a in _hidden_tags(xml, b"row") if b"r" in a}
                hc: set[int] = set()
                for a in _hidden_tags(xml, b"col"):
                    hc.update(range(int(a.get(b"min", b"1")) - 1, int(a.get(b"max", a.get(b"min", b"1")))))
                out[i] = (hr, hc)
    except (zipfile.BadZipFile, KeyError, OSError):
        pass
    return out


def read_workbook(path: str | Path, display_path: str | None = None) -> Workbook:
    """Read every worksheet. Raises IngestError(UNREADABLE) when the file is not a workbook calamine can open."""
    path = Path(path)
    shown = display_path or str(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        metas = wb.sheets_metadata
        sheets: list[Sheet] = []
        for i, meta in enumerate(metas):
            if "WorkSheet" not in str(meta.typ):
                continue
            sh = wb.get_sheet_by_index(i)
            rows = sh.to_python(skip_empty_area=False)
            merged = list(sh.merged_cell_ranges or [])
            sheets.append(Sheet(name=meta.name, rows=[list(r) for r in rows], merged=merged,
                                visible="Visible" in str(meta.visible) and "Hidden" not in str(meta.visible)))
        wb.close()
    except Exception as exc:  # calamine raises several error types for corrupt or foreign files
        raise IngestError(ReasonCode.UNREADABLE,
                          f"cannot be read as an Excel workbook ({type(exc).__name__}: {exc}); "
                          "re-export it from Excel/WPS as .xlsx and submit it again", file=shown) from exc
    if path.suffix.lower() == ".xlsx":
        for sheet, (hr, hc) in zip(sheets, _xlsx_hidden(path, len(sheets))):
            sheet.hidden_rows, sheet.hidden_cols = hr, hc
    return Workbook(path=path, sheets=sheets)
