"""Performance templates: T1 项目支出绩效自评表, T5 项目绩效目标完成情况表, T2 部门整体支出绩效自评表 / 评价指标表,
T6 third-party 绩效评价评分表, and 满意度调查问卷汇总表.

Everything is found by labels (``labels/performance_*.csv``), never by sheet names or fixed addresses:

* a *project block* starts at a "项目名称" label whose value sits to its right; it runs down to the next such label.
  Inside it: a funds block (grid: column labels 年初预算数/全年预算数/全年执行数/分值/执行率/得分 × row labels
  年度资金总额/当年财政拨款/上年结转资金/其他资金; or label-value pairs "预算数：" "90.79万元"), an indicator table and a
  总分 row.
* an *indicator table* is a header row holding 一级指标 (or 指标名称 …) and any of 二级/三级/… 指标, 年度指标值,
  实际完成值, 分值, 得分, 偏差原因 …, in any column order, the header possibly spread over two rows (merged cells).
  Rows below are indicators until a 总分/合计 row or a note row; merged and blank level cells are forward-filled;
  group rows (a higher level with its own weight and no leaf) give level weights; "投入（20分）" gives level1 "投入"
  with level1_weight 20.
* a *scored table* (T2/T6) is an indicator table outside every project block; its subject is the department, or the
  fund/project named in the title ("2022年智慧常德建设资金绩效评价评分表" → fund 智慧常德建设资金).
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ..numbers import compact, is_null, parse_rate, parse_score, try_amount, unit_in_text
from ..readers import Sheet, cell_ref
from .base import SheetContext, TableHit, dec_str, find_unit, is_claimed, label_key, load_csv

# ----------------------------------------------------------------------------------------------------------------
# label machinery (shared with special_funds)

_PAREN = re.compile(r"\([^()]*\)")
_WEIGHT_IN_LABEL = re.compile(r"\s*[(（]\s*(?:权重|分值)?\s*[:：]?\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]\s*$")
_YEAR_PREFIX = re.compile(r"^\s*[(（]?\s*(?:19|20)\d{2}\s*年度?\s*[)）]?")
_ZH_NUM = re.compile(r"^[(（]?[一二三四五六七八九十]+[)）]?[、.．]?$")


def hkey(v: object) -> str:
    """Header/label key: label_key without parenthesised parts ("（万元）", "（包含数字及文字描述）") or trailing colon.
    Memoised for strings (labels repeat across sheets and files)."""
    if not isinstance(v, str):
        return ""
    return _hkey_str(v)


@lru_cache(maxsize=1 << 16)
def _hkey_str(v: str) -> str:
    k = label_key(v)
    if "(" in k:
        k = _PAREN.sub("", k)
    return k.lstrip("-—–－~").rstrip(":")


class Roles:
    """label -> role lookup from a CSV (exact matches first, then prefix/suffix/contains in file order)."""

    def __init__(self, rows: list[dict[str, str]]):
        self.exact: dict[str, str] = {}
        self._memo: dict[str, str | None] = {}
        self.patterns: list[tuple[str, str, str]] = []
        for r in rows:
            lab, role, mode = hkey(r["label"]), r["role"], (r.get("match") or "exact")
            if mode == "exact":
                self.exact.setdefault(lab, role)
            else:
                self.patterns.append((mode, lab, role))

    def role(self, v: object) -> str | None:
        if v.__class__ is not str:
            return None
        try:
            return self._memo[v]       # keyed by the cell text as written: labels repeat across sheets and files
        except KeyError:
            pass
        k = hkey(v)
        out = self._role(k) if k else None
        if len(self._memo) > 1 << 16:  # bounded: memory stays flat however many files a run reads
            self._memo.clear()
        self._memo[v] = out
        return out

    def _role(self, k: str) -> str | None:
        if k in self.exact:
            return self.exact[k]
        for mode, lab, role in self.patterns:
            if (mode == "suffix" and k.endswith(lab)) or (mode == "prefix" and k.startswith(lab)) or \
                    (mode == "contains" and lab in k):
                return role
        return None

    def rows_with_roles(self, sheet: Sheet) -> frozenset[int]:
        """Every row whose :meth:`row_map` (merged) can be non-empty: rows with a cell whose text has a role, and
        every row of a merged range whose top-left text has one (a superset; memoised on the sheet). A row not in
        it has an empty row map, found without building the row."""
        key = ("role_rows", id(self))
        out = sheet.cache.get(key)
        if out is None:
            role = self.role
            rows = set()
            for r, row in enumerate(sheet.rows):
                for v in row:
                    if v.__class__ is str and v and role(v):
                        rows.add(r)
                        break
            for (r0, c0), (r1, _) in sheet.merged:
                if r1 > r0 and role(sheet.value(r0, c0)):
                    rows.update(range(r0, min(r1, sheet.height - 1) + 1))
            out = sheet.cache[key] = frozenset(rows)
        return out

    def row_map(self, sheet: Sheet, r: int, merged: bool = True) -> dict[int, str]:
        """column -> role of every cell of row ``r`` whose label has a role (merged cells read as their range's
        top-left value when ``merged``). Memoised on the sheet: recognisers ask for the same rows many times."""
        key = ("roles", id(self), r, merged)
        out = sheet.cache.get(key)
        if out is None:
            out = {}
            row = sheet.filled_row(r) if merged else (sheet.rows[r] if 0 <= r < sheet.height else [])
            role = self.role
            for c, v in enumerate(row):
                if isinstance(v, str) and v:
                    x = role(v)
                    if x:
                        out[c] = x
            sheet.cache[key] = out
        return out


@lru_cache(maxsize=None)
def column_roles(context: str) -> Roles:
    return Roles([r for r in load_csv("performance_columns.csv") if r["context"] == context])


@lru_cache(maxsize=None)
def labels(role: str, csv_name: str = "performance_labels.csv") -> tuple[str, ...]:
    return tuple(hkey(r["label"]) or label_key(r["label"]) for r in load_csv(csv_name) if r["role"] == role)


def text(v: object) -> str | None:
    """A cell as text, as written (trimmed); numbers without a spurious '.0'; None when empty."""
    if v.__class__ is str:
        return v.strip() or None
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()


def cell(sheet: Sheet, r: int, c: int, merged: bool = True) -> object:
    """Value at (r, c); for a cell inside a merged range, the range's top-left value."""
    v = sheet.value(r, c)
    if merged and (v is None or v == ""):
        r0, c0 = sheet.merged_origin(r, c)
        if (r0, c0) != (r, c):
            return sheet.value(r0, c0)
    return v


def value_right(sheet: Sheet, r: int, c: int, span: int = 6) -> tuple[object, int] | None:
    """The first non-empty cell right of (r, c) outside the merged range of (r, c)."""
    row = sheet.rows[r] if 0 <= r < sheet.height else []
    start = c + 1
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 <= r <= r1 and c0 <= c <= c1:
            start = c1 + 1
    for c2 in range(start, min(len(row), start + span)):
        v = row[c2]
        if not (v is None or (isinstance(v, str) and not v.strip())):
            return v, c2
    return None


def strip_weight(label: str | None) -> tuple[str | None, Decimal | None]:
    """"部门预算管理（80分）" -> ("部门预算管理", 80)."""
    if not label:
        return label, None
    m = _WEIGHT_IN_LABEL.search(label)
    if not m:
        return label, None
    name = label[:m.start()].strip()
    return (name or label), Decimal(m.group(1)).quantize(Decimal("0.01"))


def row_is_empty(sheet: Sheet, r: int) -> bool:
    return sheet.is_empty_row(r)


def subject_from_title(title: str, suffixes: tuple[str, ...]) -> str:
    """"2022年智慧常德建设资金绩效评价评分表" -> "智慧常德建设资金"."""
    t = compact(title)
    t = _YEAR_PREFIX.sub("", t)
    changed = True
    while changed:
        changed = False
        for s in sorted(suffixes, key=len, reverse=True):
            if s and t.endswith(s) and len(t) > len(s):
                t, changed = t[: -len(s)], True
                break
    t = re.sub(r"(?:19|20)\d{2}年度?$", "", t)
    return t.strip("：:（）() ")


def is_fund_name(name: str | None) -> bool:
    n = compact(name)
    return bool(n) and any(n.endswith(m) for m in labels("fund_marker"))


# Workbook-level state: what one sheet tells about others (the fund a workbook is about; special-fund categories).
_STATE: OrderedDict = OrderedDict()


def workbook_state(ctx: SheetContext, owner: str) -> dict:
    """A dict shared by the recognisers for one extraction of one workbook. A recogniser seeing a sheet it has seen
    before means a new extraction of the same file has begun, and the state starts afresh."""
    key = (ctx.source_file, ctx.file_sha256)
    st = _STATE.get(key)
    if st is None or (owner, ctx.sheet.name) in st["_seen"]:
        st = {"_seen": set()}
        _STATE[key] = st
        while len(_STATE) > 64:
            _STATE.popitem(last=False)
    _STATE.move_to_end(key)
    st["_seen"].add((owner, ctx.sheet.name))
    return st


def sheet_keys(sheet: Sheet) -> set[str]:
    """hkey of every text cell (memoised on the sheet; do not modify)."""
    out = sheet.cache.get("hkeys")
    if out is None:
        hk = _hkey_str
        out = sheet.cache["hkeys"] = {hk(v) for row in sheet.rows for v in row if isinstance(v, str) and v.strip()}
    return out


def to_score(v: object) -> Decimal | None:
    try:
        return parse_score(v)
    except Exception:
        return None


# ----------------------------------------------------------------------------------------------------------------
# indicator tables

@dataclass
class IndicatorHeader:
    row: int                      # the header row holding the level labels
    data_start: int
    cols: dict[str, int]          # role -> column
    levels: list[int]             # level columns, outermost first
    percent_cols: set[int] = field(default_factory=set)


def _header_role_map(sheet: Sheet, r: int) -> dict[int, str]:
    """column -> indicator-table role of row ``r`` (memoised per sheet: do not modify the result)."""
    roles = column_roles("indicator")
    if r not in roles.rows_with_roles(sheet):
        return _NO_ROLES
    return roles.row_map(sheet, r)


_NO_ROLES: dict[int, str] = {}


def find_indicator_header(sheet: Sheet, top: int, bottom: int, claimed: list[TableHit] | None = None) -> IndicatorHeader | None:
    for r in range(max(0, top), min(bottom + 1, sheet.height)):
        if claimed and is_claimed(claimed, r):
            continue
        m = _header_role_map(sheet, r)
        roles = set(m.values())
        has_level = any(x.startswith("level") for x in roles)
        if not has_level and not ("leaf" in roles and roles & {"weight", "score", "target", "actual"}):
            continue
        # the header may spread over the rows above and below (merged or split labels)
        cols: dict[str, int] = {}
        for c, role in sorted(m.items()):
            cols.setdefault(role, c)
        data_start = r + 1
        for r2 in (r - 1, r + 1):
            if not 0 <= r2 < sheet.height:
                continue
            m2 = _header_role_map(sheet, r2)
            if not m2:
                continue
            nums = [v for v in sheet.rows[r2] if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if nums:
                continue
            for c, role in sorted(m2.items()):
                if role not in cols and c not in m:
                    cols[role] = c
            if r2 == r + 1:
                data_start = r + 2
        if not (set(cols) & {"weight", "score", "target", "actual"}):
            continue
        level_cols = sorted((cols[k], k) for k in cols if k.startswith("level"))
        levels = [c for c, _ in sorted(level_cols, key=lambda x: int(x[1][5:]))]
        if not levels and "leaf" in cols:
            levels = [cols["leaf"]]
        pct = {c for c in range(sheet.width) if "%" in compact(cell(sheet, r, c))}
        return IndicatorHeader(row=r, data_start=data_start, cols=cols, levels=levels, percent_cols=pct)
    return None


@dataclass
class IndicatorResult:
    rows: list[dict]
    total_row: int | None
    last_row: int
    weight_total: Decimal | None = None
    total_score: Decimal | None = None
    total_cells: dict = field(default_factory=dict)


def _first_text(sheet: Sheet, r: int, cols: list[int]) -> tuple[str, int] | None:
    for c in cols:
        v = sheet.value(r, c)
        if isinstance(v, str) and v.strip():
            return v, c
    return None


def _is_total_row(sheet: Sheet, r: int, upto: int) -> bool:
    tot = labels("total")
    for c in range(0, upto + 1):
        v = sheet.value(r, c)
        if isinstance(v, str) and v.strip():
            return hkey(v) in tot
    return False


def _is_stop_row(sheet: Sheet, r: int) -> bool:
    for v in sheet.rows[r]:
        if isinstance(v, str) and v.strip():
            return _is_stop_key(hkey(v))
    return False


@lru_cache(maxsize=1 << 14)
def _is_stop_key(k: str) -> bool:
    stops = labels("stop") + labels("grade") + labels("evaluator") + labels("project_name")
    return any(k == s or (k.startswith(s) and len(k) > len(s) and s in ("注", "说明", "备注") and
                          k[len(s)] in ":：1") or (k.startswith(s + ":")) for s in stops) or k in stops


_TABLE_TITLE = re.compile(r"表[)）]?$")


def _is_title_row(sheet: Sheet, r: int) -> bool:
    """A lone text naming a 表 ("…收支汇总表", "（续表）") and no numbers: the title of the next table on the sheet."""
    texts = [v for v in sheet.rows[r] if isinstance(v, str) and v.strip()]
    return len(texts) == 1 and bool(_TABLE_TITLE.search(compact(texts[0]))) and not any(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in sheet.rows[r])


def parse_indicators(sheet: Sheet, hdr: IndicatorHeader, bottom: int) -> IndicatorResult:
    cols, levels = hdr.cols, hdr.levels
    leaf_col = levels[-1] if levels else None
    value_cols = [cols[k] for k in ("target", "actual", "weight", "score", "reason") if k in cols]
    first_value_col = min(value_cols) if value_cols else sheet.width
    carried: list[str | None] = [None] * len(levels)
    carried_w: list[Decimal | None] = [None] * len(levels)
    out: list[dict] = []
    res = IndicatorResult(rows=out, total_row=None, last_row=hdr.data_start - 1)
    r = hdr.data_start
    blank_run = 0
    while r <= min(bottom, sheet.height - 1):
        if row_is_empty(sheet, r):
            blank_run += 1
            if blank_run > 3 and out:
                break
            r += 1
            continue
        blank_run = 0
        if _is_total_row(sheet, r, max(first_value_col - 1, levels[0] if levels else 0)):
            res.total_row = r
            res.last_row = r
            if "weight" in cols:
                res.weight_total = to_score(sheet.value(r, cols["weight"]))
                res.total_cells["weight_total"] = cell_ref(r, cols["weight"])
            if "score" in cols:
                res.total_score = to_score(sheet.value(r, cols["score"]))
                res.total_cells["total_score"] = cell_ref(r, cols["score"])
            break
        if _is_stop_row(sheet, r) or (r > hdr.data_start and _header_role_map(sheet, r)
                                       and find_indicator_header(sheet, r, r) is not None) or (
                r > hdr.data_start and row_is_empty(sheet, r - 1) and _is_title_row(sheet, r)):
            break
        # levels: own value, else merged-from-above, else carried forward
        own: list[str | None] = []
        for i, c in enumerate(levels):
            v = sheet.value(r, c)
            t = text(v)
            if t is None:
                r0, c0 = sheet.merged_origin(r, c)
                if (r0, c0) != (r, c) and r0 >= hdr.data_start and c0 == c:
                    t = text(sheet.value(r0, c0))
            own.append(t)
        deepest = max((i for i, t in enumerate(own) if t is not None), default=None)
        vals = {k: sheet.value(r, cols[k]) for k in ("target", "actual", "weight", "score", "reason") if k in cols}
        has_vals = any(not is_null(v) for v in vals.values()) or any(
            isinstance(vals.get(k), (int, float)) for k in ("weight", "score"))
        if deepest is None:
            r += 1
            continue
        # new value at level i resets deeper carried levels
        for i, t in enumerate(own):
            if t is not None and t != carried[i]:
                name, w = strip_weight(t)
                carried[i] = t
                carried_w[i] = w
                for j in range(i + 1, len(levels)):
                    carried[j], carried_w[j] = None, None
        if len(levels) > 1 and own[-1] is None:
            # a group row (a higher level without a leaf): its weight is the level weight
            w = to_score(vals.get("weight")) if "weight" in vals else None
            if w is not None and carried_w[deepest] is None:
                carried_w[deepest] = w
            r += 1
            continue
        if not has_vals:
            r += 1
            continue
        names = [strip_weight(t)[0] if t else None for t in carried]
        weights = list(carried_w)
        leaf_name, leaf_w = names[-1], weights[-1]
        weight = to_score(vals["weight"]) if "weight" in vals else None
        if weight is None and leaf_w is not None:
            weight = leaf_w
        lv = names + [None] * (3 - len(names))
        level3 = lv[2] if len(names) <= 3 else "/".join(n for n in names[2:] if n)
        rcells = {"level%d" % (i + 1): cell_ref(*_origin_or(sheet, r, c, hdr.data_start)) for i, c in enumerate(levels)
                  if i < 3}
        for k, col in (("target_text", "target"), ("actual_text", "actual"), ("weight", "weight"),
                       ("score", "score"), ("deviation_reason", "reason")):
            if col in cols:
                rcells[k] = cell_ref(r, cols[col])
        out.append(dict(
            r=r, c=cols.get("score", leaf_col if leaf_col is not None else 0),
            level1=lv[0], level2=lv[1] if len(names) > 1 else None, level3=level3 if len(names) > 2 else None,
            level1_weight=weights[0] if len(levels) > 1 else None,
            level2_weight=weights[1] if len(levels) > 2 else None,
            target_text=text(vals.get("target")), actual_text=text(vals.get("actual")),
            weight=weight, score=to_score(vals["score"]) if "score" in vals else None,
            deviation_reason=text(vals.get("reason")), cells=rcells,
        ))
        if len(levels) == 1:
            out[-1]["level1"] = leaf_name
        res.last_row = r
        r += 1
    return res


def _origin_or(sheet: Sheet, r: int, c: int, floor: int) -> tuple[int, int]:
    r0, c0 = sheet.merged_origin(r, c)
    if r0 >= floor and c0 == c and text(sheet.value(r, c)) is None:
        return r0, c0
    return r, c


def emit_indicators(ctx: SheetContext, kind: str, res: IndicatorResult, subject_kind: str,
                    subject_name: str | None) -> int:
    for x in res.rows:
        x = dict(x)
        r, c = x.pop("r"), x.pop("c")
        ctx.emit("indicators", r, c, kind, subject_kind=subject_kind, subject_name=subject_name, **x)
    return len(res.rows)


def find_label_value(sheet: Sheet, top: int, bottom: int, role: str) -> tuple[str, int, int] | None:
    """A "label：value" cell or a label with its value to the right, within rows top..bottom."""
    labs = labels(role)
    for r in range(max(0, top), min(bottom + 1, sheet.height)):
        for c, v in enumerate(sheet.rows[r]):
            if not isinstance(v, str) or not v.strip():
                continue
            k = label_key(v)
            for lab in labs:
                if not k.startswith(lab):
                    continue
                rest = k[len(lab):]
                if rest.startswith(":"):
                    val = v.split("：", 1)[-1] if "：" in v else v.split(":", 1)[-1]
                    val = val.strip()
                    if val:
                        return val, r, c
                elif rest == "" or _PAREN.fullmatch(rest or "x"):
                    got = value_right(sheet, r, c)
                    if got and isinstance(got[0], (str, int, float)) and text(got[0]):
                        return text(got[0]), r, got[1]
    return None


def find_grade(sheet: Sheet, top: int, bottom: int) -> tuple[str, int, int] | None:
    return find_label_value(sheet, top, bottom, "grade")


# ----------------------------------------------------------------------------------------------------------------
# project blocks (T1 / T5)

def _project_anchors(sheet: Sheet) -> list[tuple[int, int, str, int]]:
    """(row, col, project name, value col) of every 项目名称 label with a project name as its value."""
    labs = set(labels("project_name"))
    indicator_roles = column_roles("indicator")
    sf_like = _column_header_labels()
    raw = tuple(labels("project_name"))
    nows = sheet.cache.get("nows_blob")
    if nows is None:  # every text cell without whitespace: a sheet naming no 项目名称 is rejected at once
        nows = sheet.cache["nows_blob"] = _WS.sub("", sheet.blob)
    if not any(lab in nows for lab in raw):
        return []
    out = []
    for r, row in enumerate(sheet.rows):
        for c, v in enumerate(row):
            if v.__class__ is not str or not v or not _names_project(v, raw):
                continue
            k = label_key(v)
            name = None
            vc = c
            if hkey(v) in labs:
                got = value_right(sheet, r, c)
                if not got or not isinstance(got[0], str):
                    continue
                if hkey(got[0]) in sf_like or indicator_roles.role(got[0]) or column_roles("funds_col").role(got[0]):
                    continue
                name, vc = got[0].strip(), got[1]
            else:
                for lab in labs:
                    if k.startswith(lab + ":") and len(k) > len(lab) + 1:
                        name = re.split(r"[:：]", str(v).strip(), maxsplit=1)[1].strip()
                        break
            if name:
                out.append((r, c, name, vc))
                break
    return out


_WS = re.compile(r"\s+")


@lru_cache(maxsize=1 << 14)
def _names_project(v: str, raw: tuple[str, ...]) -> bool:
    """Some 项目名称 label occurs in the cell text (whitespace ignored)."""
    nv = _WS.sub("", v)
    return bool(nv) and any(lab in nv for lab in raw)


@lru_cache(maxsize=None)
def _column_header_labels() -> frozenset[str]:
    """Every known column header (special-fund tables, funds grids, indicator tables, 实施单位 …): a 项目名称 whose
    right-hand neighbour is one of them heads a column (a project list), not a project block."""
    rows = load_csv("special_funds_columns.csv") + load_csv("performance_columns.csv")
    out = {hkey(r["label"]) for r in rows} | set(labels("implementing_unit"))
    return frozenset(out | {"金额"})


def _title_top(sheet: Sheet, anchor: int, floor: int) -> int:
    top = anchor
    for r in range(anchor - 1, max(floor, anchor - 4) - 1, -1):
        row = sheet.rows[r]
        texts = [v for v in row if isinstance(v, str) and v.strip()]
        nums = [v for v in row if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if nums or len(texts) > 3:
            break
        top = r
    return top


@dataclass
class Funds:
    values: dict[str, Decimal | None] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    rate: Decimal | None = None
    weight: Decimal | None = None
    score: Decimal | None = None
    row: int = 0
    col: int = 0
    bottom: int = 0


_PART_PREFIX = {"total": "", "current_year": "current_year_", "prior_year_carryover": "prior_year_carryover_",
                "other_funds": "other_funds_"}
_TOTAL_FIELD = {"initial": "budget_initial_yuan", "budget": "budget_adjusted_yuan", "executed": "executed_yuan"}
_PART_SUFFIX = {"initial": "initial_yuan", "budget": "budget_yuan", "executed": "executed_yuan"}


def _field(row_role: str, col_role: str) -> str:
    if row_role == "total":
        return _TOTAL_FIELD[col_role]
    return _PART_PREFIX[row_role] + _PART_SUFFIX[col_role]


def _funds_grid(sheet: Sheet, top: int, bottom: int, unit: str) -> Funds | None:
    croles, rroles = column_roles("funds_col"), column_roles("funds_row")
    role_rows = croles.rows_with_roles(sheet)
    for r in range(top, bottom + 1):
        if r not in role_rows:
            continue
        m = {}
        for c, v in enumerate(sheet.filled_row(r)):   # cell(sheet, r, c) for every column
            role = croles.role(v)
            if role and role not in m.values():
                m[c] = role
        if len([x for x in m.values() if x in ("initial", "budget", "executed")]) < 2:
            continue
        first_col = min(m)
        f = Funds(row=r, col=first_col, bottom=r)
        pct = {c for c in m if "%" in compact(sheet.value(r, c))}
        seen_rows: set[str] = set()
        for r2 in range(r + 1, min(bottom, r + 8) + 1):
            rrole = None
            for c in range(0, first_col):
                rr = rroles.role(sheet.value(r2, c))
                if rr:
                    rrole = rr
                    break
            if rrole is None or rrole in seen_rows:
                if rrole is None and not row_is_empty(sheet, r2) and seen_rows:
                    break
                continue
            seen_rows.add(rrole)
            f.bottom = r2
            if rrole == "total":
                f.row, f.col = r2, first_col
            for c, crole in m.items():
                v = sheet.value(r2, c)
                if crole in ("initial", "budget", "executed"):
                    fld = _field(rrole, crole)
                    f.values[fld] = try_amount(v, unit)
                    if f.values[fld] is not None:
                        f.cells[fld] = cell_ref(r2, c)
                elif rrole == "total":
                    if crole == "rate":
                        try:
                            f.rate = parse_rate(v, c in pct)
                        except Exception:
                            f.rate = None
                        if f.rate is not None:
                            f.cells["execution_rate"] = cell_ref(r2, c)
                    elif crole == "weight":
                        f.weight = to_score(v)
                        if f.weight is not None:
                            f.cells["score_weight"] = cell_ref(r2, c)
                    elif crole == "score":
                        f.score = to_score(v)
                        if f.score is not None:
                            f.cells["score"] = cell_ref(r2, c)
        if "total" in seen_rows:
            return f
    return None


def _funds_pairs(sheet: Sheet, top: int, bottom: int, unit: str) -> Funds | None:
    proles, rroles = column_roles("pair"), column_roles("funds_row")
    for r in range(top, bottom + 1):
        anchors: dict[int, str] = {}
        for c, v in enumerate(sheet.rows[r]):
            role = proles.role(v)
            if role and role not in anchors.values():
                anchors[c] = role
        if not anchors:
            continue
        f = Funds(row=r, col=min(anchors), bottom=r)
        for c, role in anchors.items():
            got = value_right(sheet, r, c, span=3)
            if got and not proles.role(got[0]):
                fld = _TOTAL_FIELD[role]
                f.values[fld] = try_amount(got[0], unit)
                if f.values[fld] is not None:
                    f.cells[fld] = cell_ref(r, got[1])
        if not f.values:
            continue
        for r2 in range(r + 1, min(bottom, r + 6) + 1):
            found = False
            for c, role in anchors.items():
                # the part label sits in the anchor's column (or just left of its value)
                for c2 in (c, c - 1, c + 1):
                    rr = rroles.role(sheet.value(r2, c2)) if c2 >= 0 else None
                    if rr and rr != "total":
                        got = value_right(sheet, r2, c2, span=3)
                        if got and not rroles.role(got[0]):
                            fld = _field(rr, role)
                            f.values[fld] = try_amount(got[0], unit)
                            if f.values[fld] is not None:
                                f.cells[fld] = cell_ref(r2, got[1])
                        found = True
                        break
            if found:
                f.bottom = r2
            elif not row_is_empty(sheet, r2):
                break
        return f
    return None


def _emit_funds(ctx: SheetContext, kind: str, f: Funds, subject_kind: str, name: str, unit_name: str | None,
                unit: str) -> None:
    vals = {k: v for k, v in f.values.items()}
    rate, computed = f.rate, None
    b, e = vals.get("budget_adjusted_yuan"), vals.get("executed_yuan")
    if rate is None and b is not None and e is not None and b > 0:
        rate = (e / b).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        computed = True
    elif rate is not None:
        computed = False
    ctx.emit("project_funds", f.row, f.col, kind, subject_kind=subject_kind, project_name=name,
             implementing_unit=unit_name, execution_rate=rate, execution_rate_computed=computed,
             score_weight=f.weight, score=f.score, unit=unit, cells=dict(f.cells), **vals)


class ProjectBlocks:
    """T1 项目支出绩效自评表 and T5 项目绩效目标完成情况表: one block per 项目名称, several per sheet allowed."""
    kind = "t1_project_self_evaluation"

    def find(self, sheet: Sheet, ctx: SheetContext, claimed: list[TableHit]) -> list[TableHit]:
        anchors = [a for a in _project_anchors(sheet) if not is_claimed(claimed, a[0], a[1])]
        if not anchors:
            return []
        hits = []
        state = workbook_state(ctx, "project_blocks")
        prev_bottom = -1
        for i, (r, c, name, vc) in enumerate(anchors):
            bottom = anchors[i + 1][0] - 1 if i + 1 < len(anchors) else sheet.height - 1
            top = _title_top(sheet, r, prev_bottom + 1)
            hdr = find_indicator_header(sheet, r + 1, bottom)
            funds_bottom = hdr.row - 1 if hdr else bottom
            unit = find_unit(sheet, top, funds_bottom, default="元") or "元"
            funds = _funds_grid(sheet, r + 1, funds_bottom, unit) or _funds_pairs(sheet, r + 1, funds_bottom, unit)
            if funds is None and hdr is None:
                continue
            if funds is not None:
                u2 = find_unit(sheet, funds.row - 1, funds.row, default=None, right=funds.col)
                if u2 and u2 != unit:  # "项目资金（万元）" beside the block wins over a unit far above
                    unit = u2
                    funds = _funds_grid(sheet, r + 1, funds_bottom, unit) or _funds_pairs(sheet, r + 1, funds_bottom, unit)
            res = parse_indicators(sheet, hdr, bottom) if hdr else None
            scored = (funds is not None and (funds.score is not None or funds.weight is not None)) or (
                res is not None and any(x["weight"] is not None or x["score"] is not None for x in res.rows))
            kind = "t1_project_self_evaluation" if scored else "t5_project_targets"
            subject_kind = "fund" if is_fund_name(name) else "project"
            if subject_kind == "fund":
                state.setdefault("fund_name", name)
            impl = find_label_value(sheet, r, funds.row if funds else (hdr.row if hdr else r + 3), "implementing_unit")
            if funds is not None:
                _emit_funds(ctx, kind, funds, subject_kind, name, impl[0] if impl else None, unit)
            n = 0
            last = funds.bottom if funds else r
            if res is not None:
                n = emit_indicators(ctx, kind, res, subject_kind, name)
                last = max(last, res.last_row)
                if res.total_row is not None and (res.total_score is not None or res.weight_total is not None):
                    g = find_grade(sheet, res.total_row, min(bottom, res.total_row + 3))
                    cells = dict(res.total_cells)
                    if g:
                        cells["grade"] = cell_ref(g[1], g[2])
                    col = hdr.cols.get("score", hdr.cols.get("weight", 0))
                    ctx.emit("evaluations", res.total_row, col, kind, subject_kind=subject_kind, subject_name=name,
                             weight_total=res.weight_total, total_score=res.total_score,
                             grade=g[0] if g else None, cells=cells)
            hits.append(TableHit(kind=kind, top=top, bottom=max(last, r), rows_emitted=n + (funds is not None),
                                 title=name))
            prev_bottom = max(last, r)
        return hits


# ----------------------------------------------------------------------------------------------------------------
# scored tables outside project blocks (T2 / T6)

_LABEL_VALUE = re.compile(r"^\s*[^：:]{1,10}[：:]")


def _table_title(sheet: Sheet, top: int, header_row: int) -> str | None:
    """The title of a table whose header is at ``header_row``: among the text rows above it (down from ``top``), the
    nearest ending like a title (…评分表, …自评表: labels title_suffix), else the nearest naming a 表, else the first; unit lines, "label：value" lines (单位名称：…,
    评价机构：…) and notes (说明：…) are never titles."""
    texts = []
    for r in range(max(0, top), header_row):
        t = next((v for v in sheet.rows[r] if isinstance(v, str) and v.strip()), None)
        if t and not unit_in_text(t) and not _LABEL_VALUE.match(t):
            texts.append(t.strip())
    suffixes = labels("title_suffix")
    near = texts[::-1]
    return next((t for t in near if compact(t).endswith(suffixes)), None) or \
        next((t for t in near if "表" in t), texts[0] if texts else None)


class ScoredTables:
    kind = "t2_department_scores"

    def find(self, sheet: Sheet, ctx: SheetContext, claimed: list[TableHit]) -> list[TableHit]:
        if "指标" not in sheet.blob:
            return []   # cheap rejection: every indicator table names its 指标 columns
        keys = sheet_keys(sheet)
        iroles = column_roles("indicator")
        if not any((iroles.role(k) or "").startswith("level") or iroles.role(k) == "leaf" for k in keys):
            return []
        hits = []
        top = 0
        state = workbook_state(ctx, "scored_tables")
        while top < sheet.height:
            hdr = find_indicator_header(sheet, top, sheet.height - 1, claimed)
            if hdr is None:
                break
            res = parse_indicators(sheet, hdr, sheet.height - 1)
            if not res.rows:
                top = hdr.row + 1
                continue
            title_top = max(0, hdr.row - 6)
            for h in claimed:
                if h.bottom < hdr.row:
                    title_top = max(title_top, h.bottom + 1)
            title = _table_title(sheet, title_top, hdr.row)
            subject_kind, subject_name = self._subject(title, ctx, state)
            evaluator = find_label_value(sheet, title_top, res.last_row + 4, "evaluator")
            kind = "t2_department_scores" if subject_kind == "department" and not evaluator else "t6_evaluation_scores"
            n = emit_indicators(ctx, kind, res, subject_kind, subject_name)
            bottom = res.last_row
            if res.total_row is not None:
                g = find_grade(sheet, res.total_row, min(sheet.height - 1, res.total_row + 3)) or \
                    find_grade(sheet, title_top, hdr.row - 1)
                cells = dict(res.total_cells)
                if g:
                    cells["grade"] = cell_ref(g[1], g[2])
                    bottom = max(bottom, g[1])
                if evaluator:
                    cells["evaluator"] = cell_ref(evaluator[1], evaluator[2])
                col = hdr.cols.get("score", hdr.cols.get("weight", 0))
                ctx.emit("evaluations", res.total_row, col, kind, subject_kind=subject_kind, subject_name=subject_name,
                         weight_total=res.weight_total, total_score=res.total_score, grade=g[0] if g else None,
                         evaluator=evaluator[0] if evaluator else None, cells=cells)
            hit = TableHit(kind=kind, top=title_top, bottom=bottom, rows_emitted=n, title=title)
            hits.append(hit)
            claimed = claimed + [hit]
            top = bottom + 1
        return hits

    @staticmethod
    def _subject(title: str | None, ctx: SheetContext, state: dict) -> tuple[str, str | None]:
        if title:
            t = compact(title)
            if any(m in t for m in labels("department_title")):
                return "department", ctx.department_name
            subj = subject_from_title(title, labels("title_suffix"))
            if ctx.department_name and subj.startswith(compact(ctx.department_name)):
                subj = subj[len(compact(ctx.department_name)):]
            if is_fund_name(subj):
                return "fund", subj
            if subj.endswith("项目") and len(subj) > 2:
                return "project", subj
        if state.get("fund_name"):
            return "fund", state["fund_name"]
        return "department", ctx.department_name


# ----------------------------------------------------------------------------------------------------------------
# 满意度调查问卷汇总表

@lru_cache(maxsize=None)
def _survey_labels() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for r in load_csv("performance_survey.csv"):
        out.setdefault(r["role"], []).append(hkey(r["label"]))
    return {k: tuple(v) for k, v in out.items()}


class SatisfactionSurvey:
    """满意度调查问卷汇总表: respondents and satisfaction rate, as a header row + 合计 row, or as label-value pairs."""
    kind = "satisfaction_survey"

    def find(self, sheet: Sheet, ctx: SheetContext, claimed: list[TableHit]) -> list[TableHit]:
        L = _survey_labels()
        cb = sheet.compact_blob
        if not any(t in cb for t in L["title"]):
            return []   # cheap rejection: no cell holds a survey title
        title_r = None
        for r in range(min(sheet.height, 8)):
            if any(isinstance(v, str) and any(t in compact(v) for t in L["title"]) for v in sheet.rows[r]):
                title_r = r
                break
        if title_r is None or is_claimed(claimed, title_r):
            return []
        found: dict[str, tuple[object, int, int]] = {}
        # header row + total (or single data) row
        for r in range(title_r + 1, sheet.height):
            m = {}
            for c, v in enumerate(sheet.rows[r]):
                for role in ("respondents", "rate", "satisfied"):
                    if hkey(v) in L[role]:
                        m.setdefault(role, c)
            if not m:
                continue
            data_rows = [r2 for r2 in range(r + 1, sheet.height) if not row_is_empty(sheet, r2)]
            total = next((r2 for r2 in data_rows if any(hkey(v) in labels("total") for v in sheet.rows[r2])),
                         data_rows[-1] if len(data_rows) == 1 else None)
            if total is not None:
                for role, c in m.items():
                    v = sheet.value(total, c)
                    if not is_null(v):
                        found[role] = (v, total, c)
                break
            # label-value pairs
            for role, c in m.items():
                got = value_right(sheet, r, c, span=3)
                if got:
                    found.setdefault(role, (got[0], r, got[1]))
        if not found:
            return []
        bottom = max(x[1] for x in found.values())
        if "respondents" in found:
            v, r, c = found["respondents"]
            n = to_score(re.sub(r"[人份位个]$", "", compact(v)) if isinstance(v, str) else v)
            ctx.emit("facts", r, c, self.kind, kind="satisfaction_survey_respondents", name=None,
                     value_text=str(int(n)) if n is not None else text(v), unit="人")
        if "rate" in found:
            v, r, c = found["rate"]
            try:
                rate = parse_rate(v, "%" in compact(cell(sheet, r - 1, c)))
            except Exception:
                rate = None
            ctx.emit("facts", r, c, self.kind, kind="satisfaction_survey_rate", name=None,
                     value_text=dec_str(rate) if rate is not None else text(v), unit="fraction")
        return [TableHit(kind=self.kind, top=title_r, bottom=bottom, rows_emitted=len(found))]


RECOGNISERS = [ProjectBlocks(), ScoredTables(), SatisfactionSurvey()]
