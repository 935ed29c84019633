"""部门决算 (template T3) recognisers: the tables of a department's final accounts.

Tables are found by their labels, never by sheet name or cell address:

* :class:`ItemTables` — 项目 | 行次 | 金额 tables: 收入支出决算总表 / 财政拨款收入支出决算总表 / the legacy 收入支出情况表
  (two halves side by side: 收入 | 支出), the vertical “三公”经费 table and 固定资产情况表 (one half).
* :class:`ThreePublicColumns` — the horizontal “三公”经费 table (预算数 block | 决算数 block of columns).
* :class:`CodeTables` — rows keyed by a 功能分类 (func:) or 经济分类 (econ:) code × amount columns: 收入决算表,
  支出决算表, 一般公共预算财政拨款支出决算表, 基本支出决算表 (人员经费 | 公用经费 column groups), the legacy
  支出经济分类情况 block.
* :class:`ProjectLists` — the legacy 其中：主要项目支出 list (facts).

Every label→key map is data in ``labels/`` (final_accounts_*.csv, func_class_names.csv, line_items.csv and
line_item_synonyms_extra.csv); this module holds only layout logic.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Iterable

from ..errors import BadValue
from ..numbers import compact, fold, is_null, normalize_text, parse_amount, to_decimal, unit_in_text
from ..readers import Sheet, cell_ref
from .base import SheetContext, TableHit, label_key, line_item_synonyms, load_csv

MAX_BLANK_GAP = 2          # blank rows tolerated inside a table before it is taken as ended
TITLE_LOOKBACK = 6         # rows above a header searched for the table's title and unit
HEADER_LOOKUP = 2          # rows above a code header that may hold super-headers (人员经费, 本年支出 …)
_UNIT_SUFFIX = re.compile(r"\((?:亿元|万元|千元|元)\)$")
_CODE_CELL = re.compile(r"^\[?(\d+)\]?\s*(.*)$")
_NOTE_PREFIXES = ("注:", "说明:", "备注:")
_IDENTITY_LINE = re.compile(r"(单位|名称|部门|日期|时间)\s*[:：]")
_BLOB_FOLD = (("（", "("), ("）", ")"), ("“", ""), ("”", ""), ('"', ""), ("‘", ""), ("’", ""))

# ---------------------------------------------------------------------------------------------------------------
# Vocabulary: every label map, loaded once from labels/*.csv
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactLabel:
    """A row label that yields a ``facts`` row instead of a line item (e.g. 现有公务车（台）)."""
    kind: str
    value_type: str            # count | amount
    unit: str | None


@dataclass(frozen=True)
class CodeKind:
    """What a classification code's first digit means (2 → func, 3/5 → econ)."""
    kind: str                  # func | econ
    statement: str | None      # forced statement (econ → expenditure); None: the table's statement
    total_code: str | None     # code emitted for the 合计 row (func → TOTAL); None: named items only


@dataclass(frozen=True)
class Vocabulary:
    roles: dict[str, frozenset[str]]                 # header role -> header labels
    phases: dict[str, str]                           # amount header label -> phase
    columns: dict[str, tuple[str, str]]              # header label -> (column_key, statement | '*')
    total_items: dict[tuple[str, str], str]          # (statement, column_key) -> named line item of a 合计 row
    total_exact: frozenset[str]
    total_suffixes: tuple[str, ...]
    context: dict[tuple[str, str], str]              # (statement, label) -> key, valid inside such a table only
    sublabels: dict[tuple[str, str], str]            # (parent key, sub-header label) -> key
    scopes: tuple[tuple[str, str], ...]              # (title substring, scope), first match wins
    facts: dict[tuple[str, str], FactLabel]          # (statement, label) -> fact
    lists: tuple[tuple[str, str], ...]               # (title substring, fact kind)
    code_kinds: dict[str, CodeKind]                  # first digit -> kind
    func_classes: dict[str, str]                     # 类 name -> 3-digit code
    key_statement: dict[str, str]                    # line_items.csv key -> statement

    def role_of(self, label: str, role: str) -> bool:
        return label in self.roles.get(role, frozenset())

    def column(self, label: str) -> tuple[str, str] | None:
        """(column_key, statement or '*') for a column header label."""
        return self.columns.get(label)

    def is_total_label(self, label: str) -> bool:
        return bool(label) and (label in self.total_exact or label.endswith(self.total_suffixes))

    def scope_for(self, title: str | None) -> str:
        t = label_key(title or "")
        return next(scope for needle, scope in self.scopes if not needle or needle in t)


@lru_cache(maxsize=None)
def three_public_labels() -> frozenset[str]:
    """Every label that names a “三公” item (line_items.csv, extra synonyms, context labels)."""
    syn = {lab for lab, (_, st) in line_item_synonyms().items() if st == "three_public"}
    return frozenset(syn | {lab for (st, lab) in vocab().context if st == "three_public"})


def header_key(text: object) -> str:
    """label_key of a header cell without a trailing unit ("金额（万元）" -> "金额")."""
    return _UNIT_SUFFIX.sub("", label_key(text)) if isinstance(text, str) else ""


def _keys(rows: Iterable[dict[str, str]], col: str) -> frozenset[str]:
    return frozenset(header_key(r[col]) for r in rows)


@lru_cache(maxsize=None)
def vocab() -> Vocabulary:
    headers = load_csv("final_accounts_headers.csv")
    roles: dict[str, set[str]] = {}
    for r in headers:
        roles.setdefault(r["role"], set()).add(header_key(r["label_zh"]))
    totals = load_csv("final_accounts_total_labels.csv")
    kinds = {r["prefix"]: CodeKind(r["kind"], r["statement"] or None, r["total_code"] or None)
             for r in load_csv("final_accounts_code_kinds.csv")}
    return Vocabulary(
        roles={k: frozenset(v) for k, v in roles.items()},
        phases={header_key(r["label_zh"]): r["phase"] for r in headers if r["phase"]},
        columns={header_key(r["label_zh"]): (r["column_key"], r["statement"])
                 for r in load_csv("final_accounts_columns.csv")},
        total_items={(r["statement"], r["column_key"]): r["line_item_key"]
                     for r in load_csv("final_accounts_total_items.csv")},
        total_exact=_keys((r for r in totals if r["match"] == "exact"), "label_zh"),
        total_suffixes=tuple(sorted(_keys((r for r in totals if r["match"] == "suffix"), "label_zh"))),
        context={(r["statement"], label_key(r["label_zh"])): r["key"]
                 for r in load_csv("final_accounts_context_labels.csv")},
        sublabels={(r["parent_key"], label_key(r["label_zh"])): r["key"]
                   for r in load_csv("final_accounts_sublabels.csv")},
        scopes=tuple((label_key(r["title_contains"]), r["scope"]) for r in load_csv("final_accounts_scopes.csv")),
        facts={(r["statement"], label_key(r["label_zh"])): FactLabel(r["kind"], r["value_type"], r["unit"] or None)
               for r in load_csv("final_accounts_facts.csv")},
        lists=tuple((label_key(r["title_contains"]), r["kind"]) for r in load_csv("final_accounts_lists.csv")),
        code_kinds=kinds,
        func_classes={label_key(r["name"]): r["code"] for r in load_csv("func_class_names.csv")},
        key_statement={r["key"]: r["statement"] for r in load_csv("line_items.csv")},
    )


# ---------------------------------------------------------------------------------------------------------------
# Sheet index: cheap text blob for early rejection, label lookups with merged-cell origins
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class SheetIndex:
    """Lazily computed views of one sheet shared by the recognisers of this module.

    ``blob`` is every text cell, compacted, between NUL separators: ``has_cell`` tests whether some cell *is* a
    label and ``has_any`` whether some cell contains one, without any per-cell work."""
    sheet: Sheet
    blob: str
    _origins: dict[tuple[int, int], tuple[int, int]] | None = None
    _labels: dict[tuple[int, int], str] = field(default_factory=dict)
    _row_labels: dict[int, tuple[tuple[int, str], ...]] = field(default_factory=dict)

    def has_any(self, needles: Iterable[str]) -> bool:
        return any(n and n in self.blob for n in needles)

    def has_cell(self, labels: Iterable[str]) -> bool:
        return any(lab and f"\0{lab}\0" in self.blob for lab in labels)

    def origin(self, r: int, c: int) -> tuple[int, int]:
        if self._origins is None:
            self._origins = {}
            for (r0, c0), (r1, c1) in self.sheet.merged:
                if (r1 - r0 + 1) * (c1 - c0 + 1) > 20_000:
                    continue
                for rr in range(r0, r1 + 1):
                    for cc in range(c0, c1 + 1):
                        self._origins[(rr, cc)] = (r0, c0)
        return self._origins.get((r, c), (r, c))

    def label(self, r: int, c: int) -> str:
        """header_key of the cell's own text ('' for numbers and empty cells)."""
        key = (r, c)
        if key not in self._labels:
            self._labels[key] = header_key(self.sheet.value(r, c))
        return self._labels[key]

    def merged_label(self, r: int, c: int) -> str:
        """The label of the merged range covering the cell (its own label when not merged)."""
        return self.label(*self.origin(r, c))

    def own_label(self, r: int, c: int) -> str:
        """The label heading column ``c`` itself: its own cell or a vertical merge over it, not a horizontal merge
        started in another column (that one heads the other column)."""
        r0, c0 = self.origin(r, c)
        return self.label(r0, c0) if c0 == c else ""

    def text(self, r: int, c: int) -> str:
        """The cell as trimmed text (numbers included), for names and codes."""
        return normalize_text(self.sheet.value(r, c))

    def has_number(self, r: int, c: int) -> bool:
        v = self.sheet.value(r, c)
        if isinstance(v, bool) or is_null(v):
            return False
        if isinstance(v, (int, float)):
            return True
        try:
            to_decimal(v)
            return True
        except (ValueError, InvalidOperation):
            return False

    def blank(self, r: int, left: int, right: int) -> bool:
        return all(is_null(self.sheet.value(r, c)) for c in range(left, right + 1))

    def row_labels(self, r: int, left: int = 0, right: int | None = None) -> tuple[tuple[int, str], ...]:
        """(column, label) of every text cell of row ``r`` within columns left..right (memoised per row: the
        recognisers ask for the same rows many times)."""
        full = self._row_labels.get(r)
        if full is None:
            row = self.sheet.rows[r] if 0 <= r < self.sheet.height else []
            full = self._row_labels[r] = tuple(
                (c, self.label(r, c)) for c, v in enumerate(row) if isinstance(v, str) and v.strip())
        if left <= 0 and right is None:
            return full
        hi = 1 << 30 if right is None else right
        return tuple(x for x in full if left <= x[0] <= hi)


_LAST_INDEX: list = [None, None]


def sheet_index(sheet: Sheet) -> SheetIndex:
    """The index of ``sheet`` (the recognisers of one sheet run back to back, so one entry suffices)."""
    if _LAST_INDEX[0] is not sheet:
        # sheet.compact_blob: compact() of every text cell between NULs (computed once per sheet, not lru-cached:
        # whole-sheet strings must not pile up in the label memo)
        _LAST_INDEX[0], _LAST_INDEX[1] = sheet, SheetIndex(sheet, fold(sheet.compact_blob, _BLOB_FOLD))
    return _LAST_INDEX[1]


# ---------------------------------------------------------------------------------------------------------------
# Shared helpers: claimed regions, titles, units, amounts, emission
# ---------------------------------------------------------------------------------------------------------------


def overlaps(hits: Iterable[TableHit], r: int, left: int, right: int) -> bool:
    return any(h.top <= r <= h.bottom and h.left <= right and left <= h.right for h in hits)


@dataclass(frozen=True)
class TableMeta:
    """What every row of one table shares."""
    kind: str
    scope: str
    unit: str
    title: str | None


def find_title(index: SheetIndex, top: int, left: int, right: int, hits: list[TableHit]) -> tuple[int, str] | None:
    """(row, text) of the table title: the nearest text above ``top`` naming a 表 (not a 编制单位：… line)."""
    for r in range(top - 1, max(-1, top - 1 - TITLE_LOOKBACK), -1):
        if overlaps(hits, r, left, right):
            break
        row = index.sheet.rows[r]
        if any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in row[left:right + 1]):
            break
        for c, v in enumerate(row):
            if isinstance(v, str) and "表" in v and not _IDENTITY_LINE.search(v) and _spans(index, r, c, left, right):
                return r, normalize_text(v)
    return None


def _spans(index: SheetIndex, r: int, c: int, left: int, right: int) -> bool:
    """Whether the cell (or the merged range it starts) lies over columns left..right."""
    if left <= c <= right:
        return True
    for (r0, c0), (_, c1) in index.sheet.merged:
        if (r0, c0) == (r, c) and c0 <= right and left <= c1:
            return True
    return False


def resolve_unit(index: SheetIndex, top: int, bottom: int, left: int, right: int) -> str:
    """The money unit: header cells and the rows just above first (nearest first), then any 单位：… line higher up
    the sheet (one unit line over several tables), else 元."""
    sheet = index.sheet
    for r in range(bottom, max(-1, top - TITLE_LOOKBACK - 1), -1):
        for c in range(left, min(right, sheet.width - 1) + 1):
            u = unit_in_text(sheet.value(r, c)) if isinstance(sheet.value(r, c), str) else None
            if u:
                return u
    for r in range(bottom, -1, -1):
        for v in sheet.rows[r]:
            if isinstance(v, str) and "单位" in v and unit_in_text(v):
                return unit_in_text(v) or "元"
    return "元"


def read_amount(ctx: SheetContext, r: int, c: int, unit: str) -> Decimal | None:
    """The amount in 元 of a cell that must be a number or empty; BadValue names the cell otherwise."""
    v = ctx.sheet.value(r, c)
    try:
        return parse_amount(v, unit)
    except (ValueError, InvalidOperation, KeyError):
        raise BadValue(f"expected an amount (or an empty cell), found {v!r}", sheet=ctx.sheet.name,
                       cell=cell_ref(r, c), file=ctx.source_file) from None


def read_count(ctx: SheetContext, r: int, c: int) -> str | None:
    """A count (现有公务车 2) as plain text; BadValue when it is not a number."""
    v = ctx.sheet.value(r, c)
    try:
        d = to_decimal(v)
    except (ValueError, InvalidOperation):
        raise BadValue(f"expected a number, found {v!r}", sheet=ctx.sheet.name, cell=cell_ref(r, c),
                       file=ctx.source_file) from None
    return None if d is None else format(d.normalize(), "f")


def emit_line(ctx: SheetContext, meta: TableMeta, r: int, c: int, *, statement: str, key: str, amount: Decimal,
              phase: str, item_name: str | None, code: str | None = None, column_key: str | None = None) -> None:
    ctx.emit("line_items", r, c, meta.kind, statement=statement, line_item_key=key, code=code, item_name=item_name,
             column_key=column_key, scope=meta.scope, phase=phase, amount_yuan=amount, unit=meta.unit)


def table_meta(index: SheetIndex, kind: str, top: int, header_bottom: int, left: int, right: int,
               hits: list[TableHit]) -> tuple[TableMeta, int]:
    """Title, scope and unit of a table whose header starts at ``top``; also the table's first row (the title's)."""
    title = find_title(index, top, left, right, hits)
    first = title[0] if title else top
    unit = resolve_unit(index, first, header_bottom, left, right)
    text = title[1] if title else None
    return TableMeta(kind=kind, scope=vocab().scope_for(text), unit=unit, title=text), first


def is_section_start(index: SheetIndex, r: int, left: int, right: int) -> bool:
    """A row that begins something else: another header, a 表 title, a note (注：…)."""
    v = vocab()
    labels = index.row_labels(r, left, right)
    header_roles = ("item", "code", "name", "list_name")
    if any(v.role_of(lab, role) for _, lab in labels for role in header_roles):
        return True
    if labels and labels[0][1].startswith(_NOTE_PREFIXES):
        return True
    return len(labels) == 1 and "表" in labels[0][1] and not any(
        index.has_number(r, c) for c in range(left, right + 1))


# ---------------------------------------------------------------------------------------------------------------
# 项目 | 行次 | 金额 tables (summary halves, vertical 三公, 固定资产)
# ---------------------------------------------------------------------------------------------------------------

STATEMENT_KINDS = {"income": "t3_income_expenditure_summary", "expenditure": "t3_income_expenditure_summary",
                   "three_public": "t3_three_public", "assets": "t3_fixed_assets"}
SIDE_STATEMENTS = ("income", "expenditure")


@dataclass(frozen=True)
class AmountCol:
    col: int
    phase: str


@dataclass
class Half:
    """One 项目 column with the amount columns that belong to it."""
    item_col: int
    amounts: list[AmountCol]
    side: int

    @property
    def right(self) -> int:
        return max(a.col for a in self.amounts)


@dataclass(frozen=True)
class Resolved:
    """What a row label means inside a half of a given statement."""
    what: str                  # line | func | fact
    key: str
    statement: str
    fact: FactLabel | None = None


@dataclass
class ItemHeader:
    row: int
    sub_row: int | None
    halves: list[Half]

    @property
    def left(self) -> int:
        return min(h.item_col for h in self.halves)

    @property
    def right(self) -> int:
        return max(h.right for h in self.halves)

    @property
    def last_row(self) -> int:
        return self.sub_row if self.sub_row is not None else self.row


def _amount_phase(index: SheetIndex, rows: list[int], c: int) -> str | None:
    phases = vocab().phases
    return next((phases[lab] for r in rows if (lab := index.own_label(r, c)) in phases), None)


def parse_item_header(index: SheetIndex, r: int) -> ItemHeader | None:
    """The halves of a 项目/行次/金额 header row (amount headers may sit in the row below)."""
    v = vocab()
    items = [c for c, lab in index.row_labels(r) if v.role_of(lab, "item")]
    if not items:
        return None
    width = index.sheet.width
    spans = [(c, (items[i + 1] - 1) if i + 1 < len(items) else width - 1) for i, c in enumerate(items)]
    below = [c for lo, hi in spans for c in range(lo + 1, hi + 1) if index.label(r + 1, c) in v.phases]
    sub_row = r + 1 if below and not index.text(r + 1, items[0]) else None
    look = [sub_row, r] if sub_row is not None else [r]
    halves = []
    for side, (lo, hi) in enumerate(spans):
        amounts = [AmountCol(c, ph) for c in range(lo + 1, hi + 1)
                   if not v.role_of(index.label(r, c), "line_no") and (ph := _amount_phase(index, look, c))]
        if amounts:
            halves.append(Half(lo, amounts, side))
    return ItemHeader(r, sub_row, halves) if halves else None


def _half_statement(labels: list[str], side: int, n_halves: int) -> str | None:
    """The statement of a half: what most of its labels mean; the side decides a tie (left 收入, right 支出)."""
    v = vocab()
    syn = line_item_synonyms()
    votes = Counter(syn[lab][1] if lab in syn else "expenditure" for lab in labels
                    if lab in syn or lab in v.func_classes)
    top = votes.most_common(2)
    if top and (len(top) == 1 or top[0][1] > top[1][1]):
        return top[0][0]
    return SIDE_STATEMENTS[min(side, 1)] if n_halves > 1 else None


_LEADING_CODE = re.compile(r"^(\d{3})(?!\d)\s*(.*)$")


def resolve_label(label: str, statement: str) -> Resolved | None:
    """A row label inside a half of ``statement``: context label, line item, 类 name (func:), or fact."""
    v = vocab()
    if (statement, label) in v.context:
        return Resolved("line", v.context[(statement, label)], statement)
    hit = line_item_synonyms().get(label)
    if hit and hit[1] == statement:
        return Resolved("line", hit[0], statement)
    if statement == "expenditure":
        m = _LEADING_CODE.match(label)
        code = m.group(1) if m else v.func_classes.get(label)
        if code:
            return Resolved("func", code, statement)
    fact = v.facts.get((statement, label))
    return Resolved("fact", fact.kind, statement, fact) if fact else None


def collect_item_rows(index: SheetIndex, header: ItemHeader, hits: list[TableHit]) -> list[int]:
    """Non-blank rows below the header up to the end of the table (another header, a title, a note, a long gap)."""
    out: list[int] = []
    gap = 0
    left, right = header.left, header.right
    for r in range(header.last_row + 1, index.sheet.height):
        if overlaps(hits, r, left, right):
            break
        if index.blank(r, left, right):
            gap += 1
            if gap > MAX_BLANK_GAP:
                break
            continue
        if is_section_start(index, r, left, right):
            break
        gap = 0
        out.append(r)
    return out


class ItemTables:
    """项目/行次/金额 tables: 收入支出决算总表 and its variants (two halves), vertical 三公 and 固定资产 (one half)."""
    kind = "t3_item_tables"

    def find(self, sheet: Sheet, ctx: SheetContext, claimed: list[TableHit]) -> list[TableHit]:
        index = sheet_index(sheet)
        v = vocab()
        if not (index.has_cell(v.roles["item"]) and index.has_any(v.phases)):
            return []
        hits: list[TableHit] = []
        r = 0
        while r < sheet.height:
            header = None if overlaps(claimed + hits, r, 0, sheet.width) else parse_item_header(index, r)
            hit = self._extract(index, ctx, header, claimed + hits) if header else None
            if hit:
                hits.append(hit)
                r = hit.bottom + 1
            else:
                r += 1
        return hits

    def _extract(self, index: SheetIndex, ctx: SheetContext, header: ItemHeader,
                 hits: list[TableHit]) -> TableHit | None:
        rows = collect_item_rows(index, header, hits)
        plans = []
        for half in header.halves:
            labels = [index.label(r, half.item_col) for r in rows]
            st = _half_statement(labels, half.side, len(header.halves))
            if st:
                plans.append((half, st, [(r, lab, resolve_label(lab, st)) for r, lab in zip(rows, labels)]))
        mapped = sum(1 for _, _, res in plans for _, _, x in res if x)
        if mapped < 2:
            return None
        kind = STATEMENT_KINDS.get(plans[0][1], "t3_item_table")
        meta, top = table_meta(index, kind, header.row, header.last_row, header.left, header.right, hits)
        bottom = header.last_row
        n = 0
        for half, st, resolved in plans:
            half_meta = TableMeta(STATEMENT_KINDS.get(st, kind), meta.scope, meta.unit, meta.title)
            last, count = self._emit_half(index, ctx, half_meta, half, st, resolved)
            bottom, n = max(bottom, last), n + count
        return TableHit(kind=kind, top=top, bottom=bottom, left=header.left, right=header.right, rows_emitted=n,
                        title=meta.title)

    def _emit_half(self, index: SheetIndex, ctx: SheetContext, meta: TableMeta, half: Half, statement: str,
                   resolved: list[tuple[int, str, Resolved | None]]) -> tuple[int, int]:
        """Emit one half; returns (last meaningful row, rows emitted)."""
        v = vocab()
        has_func = any(x and x.what == "func" for _, _, x in resolved)
        total_key = v.total_items.get((statement, "total"))
        last, n = 0, 0
        for r, lab, res in resolved:
            name = index.text(r, half.item_col)
            if res is None:
                if any(index.has_number(r, a.col) for a in half.amounts):
                    ctx.finding("unmapped_label", f"row label {name!r} is not a known {statement} item; "
                                f"add it to labels/line_item_synonyms_extra.csv", r, half.item_col)
                    last = r
                continue
            last = r
            for a in half.amounts:
                n += self._emit_cell(index, ctx, meta, res, r, a, name, has_func and res.key == total_key)
        return last, n

    @staticmethod
    def _emit_cell(index: SheetIndex, ctx: SheetContext, meta: TableMeta, res: Resolved, r: int, a: AmountCol,
                   name: str, also_func_total: bool) -> int:
        if res.what == "fact":
            return _emit_fact(ctx, meta, res.fact, r, a.col, name)
        amount = read_amount(ctx, r, a.col, meta.unit)
        if amount is None:
            return 0
        if res.what == "func":
            emit_line(ctx, meta, r, a.col, statement=res.statement, key=f"func:{res.key}", code=res.key,
                      column_key="total", amount=amount, phase=a.phase, item_name=name)
            return 1
        statement = vocab().key_statement.get(res.key, res.statement)
        emit_line(ctx, meta, r, a.col, statement=statement, key=res.key, amount=amount, phase=a.phase, item_name=name)
        if also_func_total:
            emit_line(ctx, meta, r, a.col, statement=res.statement, key="func:TOTAL", code="TOTAL",
                      column_key="total", amount=amount, phase=a.phase, item_name=name)
            return 2
        return 1


def _emit_fact(ctx: SheetContext, meta: TableMeta, fact: FactLabel | None, r: int, c: int, name: str) -> int:
    if fact is None:
        return 0
    if fact.value_type == "count":
        text = read_count(ctx, r, c)
        if text is None:
            return 0
        ctx.emit("facts", r, c, meta.kind, kind=fact.kind, name=None, value_text=text, unit=fact.unit)
        return 1
    amount = read_amount(ctx, r, c, meta.unit)
    if amount is None:
        return 0
    ctx.emit("facts", r, c, meta.kind, kind=fact.kind, name=name, amount_yuan=amount, unit=meta.unit)
    return 1


# ---------------------------------------------------------------------------------------------------------------
# Horizontal “三公” table: label columns (合计 | 因公出国 | 公务用车 (小计/购置/运维) | 公务接待) under 预算数 / 决算数
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyCol:
    col: int
    key: str
    phase: str


def _three_public_key(label: str) -> str | None:
    v = vocab()
    hit = line_item_synonyms().get(label)
    if hit and hit[1] == "three_public":
        return hit[0]
    return v.context.get(("three_public", label))


def _sub_key(parent: str, label: str) -> str | None:
    """The key of a sub-header under ``parent`` (小计 / 购置费 / 运行维护费 …)."""
    return (vocab().sublabels.get((parent, label)) or _three_public_key(label)) if label else None


class ThreePublicColumns:
    """“三公”经费 tables whose items are columns (one data row, 预算数 and 决算数 column blocks)."""
    kind = "t3_three_public"

    def find(self, sheet: Sheet, ctx: SheetContext, claimed: list[TableHit]) -> list[TableHit]:
        index = sheet_index(sheet)
        labels = three_public_labels()
        if sum(1 for lab in labels if lab in index.blob) < 3:
            return []
        hits: list[TableHit] = []
        for r in range(sheet.height):
            if overlaps(claimed + hits, r, 0, sheet.width):
                continue
            found = [(c, k) for c, lab in index.row_labels(r) if (k := _three_public_key(lab))]
            if len({k for _, k in found}) >= 3:
                hit = self._extract(index, ctx, r, claimed + hits)
                if hit:
                    hits.append(hit)
        return hits

    def _columns(self, index: SheetIndex, r: int) -> tuple[list[KeyCol], int]:
        """Keyed columns of header row ``r`` and the last header row (sub-headers 小计/购置费/运行维护费 below)."""
        parents = {c: k for c in range(index.sheet.width) if (k := _three_public_key(index.merged_label(r, c)))}
        subs = {c: k for c, parent in parents.items() if (k := _sub_key(parent, index.label(r + 1, c)))}
        cols = []
        for c, parent in parents.items():
            if c not in subs and index.origin(r, c)[1] != c:
                continue                   # a parent merged over sub-columns counts once, at its own cell
            cols.append(KeyCol(c, subs.get(c, parent), self._phase(index, r, c) or "actual"))
        return cols, r + 1 if subs else r

    @staticmethod
    def _phase(index: SheetIndex, r: int, c: int) -> str | None:
        for rr in range(r - 1, max(-1, r - 1 - HEADER_LOOKUP), -1):
            ph = vocab().phases.get(index.merged_label(rr, c))
            if ph:
                return ph
        return None

    def _extract(self, index: SheetIndex, ctx: SheetContext, r: int, hits: list[TableHit]) -> TableHit | None:
        cols, last_header = self._columns(index, r)
        if not cols:
            return None
        left, right = min(k.col for k in cols), max(k.col for k in cols)
        top = r
        while top - 1 >= 0 and top > r - HEADER_LOOKUP and any(
                vocab().phases.get(index.merged_label(top - 1, k.col)) for k in cols):
            top -= 1
        meta, first = table_meta(index, self.kind, top, last_header, left, right, hits)
        n, bottom = 0, last_header
        for rr in range(last_header + 1, index.sheet.height):
            if not any(index.has_number(rr, k.col) for k in cols):
                break
            bottom = rr
            for k in cols:
                amount = read_amount(ctx, rr, k.col, meta.unit)
                if amount is not None:
                    emit_line(ctx, meta, rr, k.col, statement="three_public", key=k.key, amount=amount,
                              phase=k.phase, item_name=index.text(*index.origin(r, k.col)) or None)
                    n += 1
        if n == 0:
            return None
        return TableHit(kind=self.kind, top=first, bottom=bottom, left=left, right=right, rows_emitted=n,
                        title=meta.title)


# ---------------------------------------------------------------------------------------------------------------
# Classification-code tables: 科目编码 | 科目名称 | amount columns (one or more column groups)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeColumn:
    col: int
    column_key: str
    statement: str             # income | expenditure | '*'
    phase: str


@dataclass
class CodeGroup:
    """One 科目编码 … column group (基本支出决算表 has two: 人员经费 | 公用经费)."""
    code_cols: list[int]
    name_col: int | None
    amounts: list[CodeColumn]
    left: int
    right: int


@dataclass
class CodeRow:
    row: int
    code: str | None           # None for a 合计 row
    name: str


@dataclass
class CodeHeader:
    top: int
    bottom: int
    groups: list[CodeGroup]

    @property
    def left(self) -> int:
        return min(g.left for g in self.groups)

    @property
    def right(self) -> int:
        return max(g.right for g in self.groups)


def _code_header_band(index: SheetIndex, hr: int, lo: int, hi: int) -> tuple[int, int]:
    """Rows above the 科目编码 row that carry column (super-)headers, and whether a sub-header row follows."""
    v = vocab()

    def is_header_text(lab: str) -> bool:
        return bool(v.column(lab)) or lab in v.phases or any(
            v.role_of(lab, role) for role in ("item", "name", "code", "code_part"))

    top = hr
    for r in range(hr - 1, max(-1, hr - 1 - HEADER_LOOKUP), -1):
        labs = [lab for _, lab in index.row_labels(r, lo, hi)]
        if not labs or not all(is_header_text(lab) or not lab for lab in labs):
            break
        top = r
    sub = hr + 1
    sub_labels = [lab for _, lab in index.row_labels(sub, lo, hi)]
    has_sub = (bool(sub_labels) and all(is_header_text(lab) for lab in sub_labels)
               and not any(index.has_number(sub, c) for c in range(lo, hi + 1)))
    return top, sub if has_sub else hr


def _parse_code(text: str) -> tuple[str | None, str]:
    """(code, rest) of a code cell: '2010302', '[2010302]一般行政管理事务', '2010302 一般行政管理事务'."""
    m = _CODE_CELL.match(text)
    if not m or len(m.group(1)) not in (3, 5, 7) or m.group(1)[0] not in vocab().code_kinds:
        return None, text
    return m.group(1), m.group(2).strip()


def _group_columns(index: SheetIndex, band: range, lo: int, hi: int, skip: set[int]) -> list[CodeColumn]:
    """Amount columns of a group: a column key and/or a phase from the header band (bottom row first)."""
    v = vocab()
    out = []
    for c in range(lo, hi + 1):
        if c in skip or not any(index.own_label(r, c) for r in band):
            continue                       # no header of its own: the tail of a merged column
        key = phase = None
        for r in reversed(band):
            lab = index.merged_label(r, c)
            key = key or v.column(lab)
            phase = phase or v.phases.get(lab)
        if key or phase:
            ck, st = key or ("total", "*")
            out.append(CodeColumn(c, ck, st, phase or "actual"))
    return out


def parse_code_header(index: SheetIndex, hr: int, anchors: list[int]) -> CodeHeader | None:
    v = vocab()
    width = index.sheet.width
    groups = []
    bounds = [(a, (anchors[i + 1] - 1) if i + 1 < len(anchors) else width - 1) for i, a in enumerate(anchors)]
    top, bottom = _code_header_band(index, hr, bounds[0][0], bounds[-1][1])
    band = range(top, bottom + 1)
    for i, (a, hi) in enumerate(bounds):
        lo = 0 if i == 0 else a
        parts = [c for c in range(a, min(a + 3, hi + 1)) if v.role_of(index.label(bottom, c), "code_part")]
        code_cols = parts if bottom > hr and parts else [a]
        names = [c for r in band for c, lab in index.row_labels(r, lo, hi)
                 if v.role_of(lab, "name") and c not in code_cols]
        name_col = names[0] if names else max(code_cols) + 1
        amounts = _group_columns(index, band, lo, hi, set(code_cols) | {name_col})
        if amounts:
            right = max(c.col for c in amounts)
            groups.append(CodeGroup(code_cols, name_col, amounts, min(lo if i else a, *code_cols, name_col), right))
    return CodeHeader(top, bottom, groups) if groups else None


class _CodeReader:
    """Reads the code of one row of a group, carrying 类/款 down when codes are split over 类|款|项 columns."""

    def __init__(self, index: SheetIndex, group: CodeGroup):
        self.index, self.group = index, group
        self.parents: list[str] = []

    def read(self, r: int) -> CodeRow | str:
        """A CodeRow, or 'blank' / 'other'."""
        idx, g = self.index, self.group
        name = idx.text(r, g.name_col) if g.name_col is not None else ""
        code, rest = self._code(r)
        if code:
            return CodeRow(r, code, (name or rest).strip())
        cells = [idx.merged_label(r, c) for c in g.code_cols + ([g.name_col] if g.name_col is not None else [])]
        if any(vocab().is_total_label(lab) for lab in cells):
            return CodeRow(r, None, next(idx.text(*idx.origin(r, c)) for c, lab in
                                         zip(g.code_cols + [g.name_col], cells) if vocab().is_total_label(lab)))
        return "blank" if idx.blank(r, g.left, g.right) else "other"

    def _code(self, r: int) -> tuple[str | None, str]:
        texts = [self.index.text(r, c) for c in self.group.code_cols]
        if len(texts) == 1:
            return _parse_code(texts[0])
        code = None
        for depth, part in enumerate(texts):
            if not part or not part.isdigit():
                continue
            prefix = "" if depth == 0 else (code or (self.parents[depth - 1] if len(self.parents) >= depth else ""))
            code = prefix + part
            self.parents = self.parents[:depth] + [code]
        return (code, "") if code and _parse_code(code)[0] else (None, "")


def collect_code_rows(index: SheetIndex, header: CodeHeader, hits: list[TableHit]) -> list[list[CodeRow]]:
    """Per group, the code and 合计 rows below the header, up to the first row that is neither."""
    readers = [_CodeReader(index, g) for g in header.groups]
    out: list[list[CodeRow]] = [[] for _ in header.groups]
    gap = 0
    for r in range(header.bottom + 1, index.sheet.height):
        if overlaps(hits, r, header.left, header.right):
            break
        got = [rd.read(r) for rd in readers]
        rows = [(i, x) for i, x in enumerate(got) if isinstance(x, CodeRow)]
        if not rows:
            if all(x == "blank" for x in got):
                gap += 1
                if gap <= MAX_BLANK_GAP:
                    continue
            break
        gap = 0
        for i, x in rows:
            out[i].append(x)
    return out


class CodeTables:
    """Tables by 功能分类 / 经济分类 code: 收入决算表, 支出决算表, 基本支出决算表, 支出经济分类情况 …"""
    kind = "t3_code_tables"

    def find(self, sheet: Sheet, ctx: SheetContext, claimed: list[TableHit]) -> list[TableHit]:
        index = sheet_index(sheet)
        v = vocab()
        if not index.has_cell(v.roles["code"]):
            return []
        hits: list[TableHit] = []
        for r in range(sheet.height):
            if overlaps(claimed + hits, r, 0, sheet.width):
                continue
            anchors = [c for c, lab in index.row_labels(r) if v.role_of(lab, "code")]
            header = parse_code_header(index, r, anchors) if anchors else None
            hit = self._extract(index, ctx, header, claimed + hits) if header else None
            if hit:
                hits.append(hit)
        return hits

    @staticmethod
    def _statement(header: CodeHeader, title: str | None) -> str:
        votes = Counter(c.statement for g in header.groups for c in g.amounts if c.statement != "*")
        if votes:
            return votes.most_common(1)[0][0]
        t = label_key(title or "")
        return "income" if "收入" in t and "支出" not in t else "expenditure"

    def _extract(self, index: SheetIndex, ctx: SheetContext, header: CodeHeader,
                 hits: list[TableHit]) -> TableHit | None:
        groups_rows = collect_code_rows(index, header, hits)
        codes = [x.code for rows in groups_rows for x in rows if x.code]
        if not codes:
            return None
        v = vocab()
        kind_votes = Counter(v.code_kinds[c[0]].kind for c in codes)
        code_kind = next(k for pfx, k in v.code_kinds.items() if k.kind == kind_votes.most_common(1)[0][0])
        meta, first = table_meta(index, "t3_code_table", header.top, header.bottom, header.left, header.right, hits)
        statement = code_kind.statement or self._statement(header, meta.title)
        meta = TableMeta(f"t3_{statement}_by_{code_kind.kind}", meta.scope, meta.unit, meta.title)
        n = sum(self._emit_group(ctx, meta, g, rows, statement, code_kind)
                for g, rows in zip(header.groups, groups_rows))
        bottom = max(x.row for rows in groups_rows for x in rows)
        return TableHit(kind=meta.kind, top=first, bottom=bottom, left=header.left, right=header.right,
                        rows_emitted=n, title=meta.title)

    @staticmethod
    def _emit_group(ctx: SheetContext, meta: TableMeta, group: CodeGroup, rows: list[CodeRow], statement: str,
                    code_kind: CodeKind) -> int:
        v = vocab()
        n = 0
        for x in rows:
            for col in group.amounts:
                amount = read_amount(ctx, x.row, col.col, meta.unit)
                if amount is None:
                    continue
                common = dict(statement=statement, amount=amount, phase=col.phase, item_name=x.name or None)
                if x.code:
                    kind = v.code_kinds[x.code[0]].kind
                    emit_line(ctx, meta, x.row, col.col, key=f"{kind}:{x.code}", code=x.code,
                              column_key=col.column_key, **common)
                    n += 1
                    continue
                if code_kind.total_code:
                    emit_line(ctx, meta, x.row, col.col, key=f"{code_kind.kind}:{code_kind.total_code}",
                              code=code_kind.total_code, column_key=col.column_key, **common)
                    n += 1
                named = v.total_items.get((statement, col.column_key))
                if named:
                    emit_line(ctx, meta, x.row, col.col, key=named, **common)
                    n += 1
        return n


# ---------------------------------------------------------------------------------------------------------------
# Lists under a title (其中：主要项目支出): 序号 | 项目名称 | 金额 -> facts
# ---------------------------------------------------------------------------------------------------------------


class ProjectLists:
    """Named amount lists such as the legacy 主要项目支出 list, emitted as facts."""
    kind = "t3_project_list"

    def find(self, sheet: Sheet, ctx: SheetContext, claimed: list[TableHit]) -> list[TableHit]:
        index = sheet_index(sheet)
        v = vocab()
        if not index.has_any(n for n, _ in v.lists):
            return []
        hits: list[TableHit] = []
        for r in range(sheet.height):
            if overlaps(claimed + hits, r, 0, sheet.width):
                continue
            kind = next((k for _, lab in index.row_labels(r) for n, k in v.lists if n in lab), None)
            hit = self._extract(index, ctx, r, kind, claimed + hits) if kind else None
            if hit:
                hits.append(hit)
        return hits

    @staticmethod
    def _header(index: SheetIndex, title_row: int) -> tuple[int, int, int] | None:
        """(header row, name col, amount col) within two rows below the title."""
        v = vocab()
        for r in range(title_row + 1, min(index.sheet.height, title_row + 3)):
            labels = index.row_labels(r)
            names = [c for c, lab in labels if v.role_of(lab, "list_name")]
            amounts = [c for c, lab in labels if lab in v.phases]
            if names and amounts:
                return r, names[0], amounts[0]
        return None

    def _extract(self, index: SheetIndex, ctx: SheetContext, title_row: int, kind: str,
                 hits: list[TableHit]) -> TableHit | None:
        found = self._header(index, title_row)
        if not found:
            return None
        hr, name_col, amount_col = found
        left, right = min(name_col, amount_col) - 1, max(name_col, amount_col)
        unit = resolve_unit(index, title_row, hr, max(0, left), right)
        meta = TableMeta(self.kind, vocab().scope_for(None), unit, index.text(title_row, 0) or None)
        n, bottom, gap = 0, hr, 0
        for r in range(hr + 1, index.sheet.height):
            if overlaps(hits, r, left, right) or is_section_start(index, r, max(0, left), right):
                break
            name = index.text(*index.origin(r, name_col))
            if not name:
                gap += 1
                if gap > MAX_BLANK_GAP:
                    break
                continue
            gap = 0
            if vocab().is_total_label(label_key(name)):
                bottom = r
                continue
            amount = read_amount(ctx, r, amount_col, unit)
            if amount is not None:
                ctx.emit("facts", r, amount_col, meta.kind, kind=kind, name=name, amount_yuan=amount, unit=unit)
                n += 1
                bottom = r
        if n == 0:
            return None
        return TableHit(kind=self.kind, top=title_row, bottom=bottom, left=max(0, left), right=right,
                        rows_emitted=n, title=meta.title)


RECOGNISERS = [ItemTables(), ThreePublicColumns(), CodeTables(), ProjectLists()]
