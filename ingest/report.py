"""The nightly reconciliation report: one static, self-contained HTML page, a findings CSV and a JSON summary.

`build_report(con, run_id, reports_dir, summary)` reads `audit.reconciliation_results` (rows of this run),
`audit.ingested_files`, `audit.rejected_files` and the marts, and writes into `reports_dir`:

- `reconciliation_<run_id>.html` and a copy `latest.html` — Chinese labels, amounts in 元 with thousands
  separators and 2 decimals, every failed rule (grouped by department and fiscal year) with both sides, the
  difference, the tolerance and the source cells; per-rule passed / failed / not-applicable counts; the ingest
  summary with every rejected file and its reason; three inline SVG charts (no scripts, no external resources):
  `#chart-budget` budget vs execution per department and year (Σ `budget_adjusted_yuan` vs Σ `executed_yuan` of
  `marts.fct_project_funds`; when that mart has no usable rows, `expenditure_total` budget_adjusted vs actual of
  `marts.fct_line_items`), `#chart-rate` execution rate per project (horizontal bars, a 100 % line) and
  `#chart-score` self-score vs recomputed score (`marts.fct_evaluation_scores` total vs recomputed; when that has
  no recomputed totals, `marts.fct_indicator_results` Σ score vs Σ recomputed_score per project).
- `findings_<run_id>.csv` and `findings_latest.csv` — the same failed rows, UTF-8 with BOM so Excel shows the
  Chinese text, every field quoted, and safe against formula injection (OWASP "CSV Injection"): any field that
  starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single quote `'`. That includes
  negative amounts: a difference of -10261121.06 is written `'-10261121.06` and a spreadsheet reads it as text
  (strip the leading quote to compute with it). Amounts are plain numbers with 2 decimals, no thousands
  separators.
- `summary_<run_id>.json` — rules checked / passed / failed by severity, not applicable, files by status.

Every table is optional: a missing or empty relation is named on the page and the report still renders.
All text from the warehouse is escaped (`html.escape`) before it reaches the page.
"""
from __future__ import annotations

import csv
import html
import json
import math
import re
import shutil
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

import duckdb


@dataclass(frozen=True)
class ReportPaths:
    html: Path
    latest_html: Path
    csv: Path
    latest_csv: Path
    summary_json: Path

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


# ----------------------------------------------------------------------------------------------------- labels

RULE_NAMES: dict[str, str] = {
    "R01": "本年收入合计 = 财政拨款 + 上级补助 + 事业 + 经营 + 附属单位上缴 + 其他收入",
    "R02": "收入总计 = 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余",
    "R03": "本年支出合计 = 基本支出 + 项目支出 + 上缴上级 + 经营支出 + 对附属单位补助",
    "R04": "基本支出 = 人员经费 + 公用经费",
    "R05": "支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余",
    "R06": "收入总计 = 支出总计",
    "R07": "“三公”经费合计 = 因公出国（境）+ 公务用车 + 公务接待",
    "R07B": "公务用车购置及运行费 = 购置费 + 运行费",
    "R08": "功能分类汇总：类 = Σ款 = Σ项，合计 = Σ类，各行合计 = 各列之和",
    "R09": "经济分类：人员经费科目之和 = 人员经费，公用经费科目之和 = 公用经费",
    "R10": "经济分类明细之和 = 项目支出 / 基本支出",
    "R11": "项目资金：全年预算 = 当年拨款 + 上年结转 + 其他；执行率 = 执行数 ÷ 全年预算；执行得分",
    "R12": "各项目执行数之和 = 部门决算项目支出（警告）",
    "R13": "专项资金：结转 = 下达 − 支付；合计行 = 各项目之和",
    "R14": "评分：得分 ≤ 权重，权重合计 100，总分 = Σ得分，等级与分数段一致",
    "R15": "指标自评得分 ≤ 按规则复核得分（警告）",
    "R16": "跨年：本年年初结转和结余 = 上年年末结转和结余",
    "R17": "固定资产：期末 = 期初 + 增加 − 减少",
    "R18": "合理性：金额非负，执行率 0–150%，百分比 0–100",
}

SEVERITY_ZH = {"error": "错误", "warn": "警告", "warning": "警告"}
STATUS_ZH = {"loaded": "已加载", "unchanged": "未变化", "superseded": "被新版本替代", "rejected": "被拒收"}
FILE_STATUSES = ["loaded", "unchanged", "superseded", "rejected"]
NO_DEPT = "（未注明部门）"


def rule_name(rule_id: str | None) -> str:
    if not rule_id:
        return ""
    m = re.match(r"\s*(R\d+)(B)?", str(rule_id).upper())
    if not m:
        return ""
    return RULE_NAMES.get(m.group(1) + (m.group(2) or ""), RULE_NAMES.get(m.group(1), ""))


def _rule_sort_key(rule_id: str | None) -> tuple:
    s = str(rule_id or "")
    m = re.match(r"\s*[A-Za-z]*(\d+)(.*)", s)
    return (int(m.group(1)), m.group(2)) if m else (10 ** 6, s)


# ----------------------------------------------------------------------------------------------- formatting

def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    try:
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return None
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def fmt_yuan(value: Any) -> str:
    """12345678.9 → '12,345,678.90'; None → '—'."""
    d = _dec(value)
    if d is None:
        return "—"
    return f"{d.quantize(Decimal('0.01')):,.2f}"


def plain_yuan(value: Any) -> str:
    d = _dec(value)
    return "" if d is None else f"{d.quantize(Decimal('0.01')):.2f}"


def fmt_pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def fmt_score(value: Any) -> str:
    d = _dec(value)
    return "—" if d is None else f"{d:.2f}"


def _year(value: Any) -> str:
    return "—" if value is None else str(value)


CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """OWASP CSV-injection guard: a field starting with = + - @ TAB or CR gets a leading single quote."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(CSV_DANGEROUS) else s


def split_cells(source_cells: Any) -> list[str]:
    """'a.xlsx · 表1 · B7; a.xlsx · 表1 · B8' → one reference per item (semicolons first, else commas)."""
    if source_cells is None:
        return []
    s = str(source_cells).strip()
    if not s:
        return []
    parts = [p.strip() for p in re.split(r"[;；\n]+", s)]
    if len(parts) == 1:
        parts = [p.strip() for p in re.split(r"[,，]\s*", s)]
    return [p for p in parts if p]


# ------------------------------------------------------------------------------------------------ reading

class _Reader:
    """Reads optional relations; remembers which are missing or empty so the page can say so."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.notes: list[str] = []
        self._cols: dict[str, list[str] | None] = {}

    def columns(self, rel: str) -> list[str] | None:
        if rel not in self._cols:
            schema, name = rel.split(".", 1)
            try:
                rows = self.con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                    "ORDER BY ordinal_position", [schema, name]).fetchall()
            except duckdb.Error:
                rows = []
            self._cols[rel] = [r[0] for r in rows] or None
        return self._cols[rel]

    def counts(self, rel: str, by: list[str], where: str = "", params: list | None = None,
               note_empty: bool = True, what: str = "") -> list[dict]:
        """Rows of ``rel`` counted by the ``by`` columns (missing columns count as NULL): dicts with ``n``."""
        group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(by)))}"
        return self._select(rel, by, ", count(*) AS n", where, group, params, note_empty, what)

    def rows(self, rel: str, wanted: Iterable[str], where: str = "", params: list | None = None,
             note_empty: bool = True, what: str = "") -> list[dict]:
        return self._select(rel, list(wanted), "", where, "", params, note_empty, what)

    def _select(self, rel: str, wanted: list[str], extra: str, where: str, tail: str, params: list | None,
                note_empty: bool, what: str) -> list[dict]:
        """SELECT the ``wanted`` columns (NULL for those ``rel`` lacks) + ``extra`` … ``tail``; a missing, unreadable
        or (with ``note_empty``) empty relation is noted for the page."""
        cols = self.columns(rel)
        if cols is None:
            self.notes.append(f"{rel} 不存在（尚未生成），相关内容无法显示。")
            return []
        have = set(cols)
        select = ", ".join(f'"{c}"' if c in have else f'NULL AS "{c}"' for c in wanted)
        sql = f"SELECT {select}{extra} FROM {rel}" + (f" WHERE {where}" if where else "") + tail
        try:
            cur = self.con.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            out = [dict(zip(names, r)) for r in cur.fetchall()]
        except duckdb.Error as exc:
            self.notes.append(f"{rel} 无法读取：{exc}")
            return []
        if not out and note_empty:
            self.notes.append(f"{rel} 没有{what}数据。")
        return out


def _num(v: Any) -> float | None:
    d = _dec(v)
    return None if d is None else float(d)


# ----------------------------------------------------------------------------------------------- svg charts

def _text_w(s: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in s)


def _clip(s: str, size: float, width: float) -> str:
    if _text_w(s, size) <= width:
        return s
    out = ""
    for ch in s:
        if _text_w(out + ch + "…", size) > width:
            break
        out += ch
    return out + "…"


def _nice_ticks(vmax: float, n: int = 5) -> list[float]:
    if vmax <= 0:
        return [0.0, 1.0]
    raw = vmax / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    ticks, t = [], 0.0
    while t < vmax + step * 0.999:
        ticks.append(t)
        t += step
    return ticks


def _tick_label(v: float) -> str:
    if v >= 1e8:
        return f"{v / 1e8:,.4g} 亿"
    if v >= 1e4:
        return f"{v / 1e4:,.6g} 万"
    return f"{v:,.0f}"


def _empty_svg(chart_id: str, title: str, message: str) -> str:
    return (f'<svg id="{chart_id}" class="chart" role="img" aria-label="{esc(title)}" viewBox="0 0 1180 70" '
            f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>'
            f'<rect x="0.5" y="0.5" width="1179" height="69" rx="6" fill="#f7f8fa" stroke="#d9dee5"/>'
            f'<text x="590" y="41" text-anchor="middle" class="muted" font-size="15">{esc(message)}</text></svg>')


def _label2(x: float, y: float, main: str, sub: str, width: float) -> str:
    """A right-aligned two-line row label: `main` (13 px) over `sub` (11 px, muted); y is the row's centre."""
    full = f"{main}（{sub}）" if sub else main
    if not sub:
        return (f'<text x="{x}" y="{y + 4.5:.1f}" text-anchor="end" font-size="13"><title>{esc(full)}</title>'
                f'{esc(_clip(main, 13, width))}</text>')
    return (f'<text x="{x}" y="{y - 2:.1f}" text-anchor="end" font-size="13"><title>{esc(full)}</title>'
            f'{esc(_clip(main, 13, width))}</text>'
            f'<text x="{x}" y="{y + 12:.1f}" text-anchor="end" font-size="11" class="muted">'
            f'{esc(_clip(sub, 11, width))}</text>')


EMPTY_CHART = "没有可绘制的数据：来源表缺失、为空或缺少所需的列（见下方数据来源和页首“数据缺失提示”）"
W = 1180          # chart width (viewBox units ≈ CSS px at 1280 px windows)
LABEL_W = 300     # left label column


def _axis(x0: float, plot_w: float, top: float, bottom: float, ticks: list[float], scale, fmt) -> list[str]:
    out = []
    for t in ticks:
        x = x0 + scale(t)
        if x > x0 + plot_w + 0.5:
            break
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#e6e9ee"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="12" class="muted">'
                   f'{esc(fmt(t))}</text>')
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}" stroke="#8a94a3"/>')
    return out


def chart_budget(rows: list[dict], source: str) -> str:
    """rows: label, budget, executed (floats; either may be None)."""
    title = "预算与执行（按部门、年度）"
    if not rows:
        return _empty_svg("chart-budget", title, EMPTY_CHART)
    bar_h, gap, top = 15, 16, 44
    group_h = 2 * bar_h + 2 + gap
    value_w = 250
    x0 = LABEL_W
    plot_w = W - x0 - value_w
    vmax = max([v for r in rows for v in (r["budget"], r["executed"]) if v is not None] + [0.0])
    ticks = _nice_ticks(vmax)
    dom = ticks[-1] or 1.0

    def scale(v: float) -> float:
        return max(0.0, v) / dom * plot_w

    height = top + len(rows) * group_h + 34
    bottom = top + len(rows) * group_h - gap / 2
    p = [f'<svg id="chart-budget" class="chart" role="img" aria-label="{esc(title)}" viewBox="0 0 {W} {height}" '
         f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>',
         f'<rect x="{x0}" y="8" width="14" height="12" fill="#a9c1dd"/>'
         f'<text x="{x0 + 20}" y="19" font-size="13">预算数（全年/调整预算）</text>'
         f'<rect x="{x0 + 200}" y="8" width="14" height="12" fill="#1f5fa8"/>'
         f'<text x="{x0 + 220}" y="19" font-size="13">执行数</text>'
         f'<text x="{W - 4}" y="19" font-size="12" text-anchor="end" class="muted">金额：元（刻度：万元）；'
         f'右列：执行率</text>']
    p += _axis(x0, plot_w, top - 8, bottom, ticks, scale, _tick_label)
    for i, r in enumerate(rows):
        y = top + i * group_h
        label = r["label"]
        p.append(_label2(x0 - 8, y + bar_h + 1, r["dept"], f"{_year(r['year'])} 年度", x0 - 16))
        for j, (key, color) in enumerate((("budget", "#a9c1dd"), ("executed", "#1f5fa8"))):
            v = r[key]
            yy = y + j * (bar_h + 2)
            if v is None:
                p.append(f'<text x="{x0 + 4}" y="{yy + 12}" font-size="12" class="muted">无数据</text>')
                continue
            w = scale(v)
            p.append(f'<rect x="{x0}" y="{yy}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                     f'<title>{esc(label)}：{esc(fmt_yuan(v))} 元</title></rect>')
            p.append(f'<text x="{x0 + w + 6:.1f}" y="{yy + 12}" font-size="12">{esc(fmt_yuan(v))}</text>')
        if r["budget"] and r["executed"] is not None:
            rate = r["executed"] / r["budget"]
            cls = "bad" if rate < 0.6 or rate > 1.0 else ("warn" if rate < 0.9 else "good")
            p.append(f'<text x="{W - 4}" y="{y + bar_h + 5}" text-anchor="end" font-size="13" '
                     f'class="{cls}" font-weight="600">{esc(fmt_pct(rate))}</text>')
    p.append("</svg>")
    return "".join(p)


def _rate_color(rate: float) -> str:
    if rate > 1.0:
        return "#7b3fb3"
    if rate >= 0.9:
        return "#2e8b57"
    if rate >= 0.6:
        return "#e09a1a"
    return "#c8372d"


def chart_rate(rows: list[dict], source: str) -> str:
    """rows: label, rate (fraction)."""
    title = "项目预算执行率"
    if not rows:
        return _empty_svg("chart-rate", title, EMPTY_CHART)
    bar_h, gap, top = 18, 16, 44
    x0, value_w = LABEL_W + 60, 70
    plot_w = W - x0 - value_w
    rmax = max(r["rate"] for r in rows)
    dom = 1.2 if rmax <= 1.2 else min(1.6, math.ceil(rmax * 10) / 10)

    def scale(v: float) -> float:
        return min(max(0.0, v), dom) / dom * plot_w

    height = top + len(rows) * (bar_h + gap) + 34
    bottom = top + len(rows) * (bar_h + gap) - gap / 2
    ticks = [t / 10 for t in range(0, int(round(dom * 10)) + 1, 2)]
    legend = [("#2e8b57", "≥ 90%"), ("#e09a1a", "60%–90%"), ("#c8372d", "< 60%"), ("#7b3fb3", "> 100%")]
    p = [f'<svg id="chart-rate" class="chart" role="img" aria-label="{esc(title)}" viewBox="0 0 {W} {height}" '
         f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>']
    lx = x0
    for color, text in legend:
        p.append(f'<rect x="{lx}" y="8" width="14" height="12" fill="{color}"/>'
                 f'<text x="{lx + 20}" y="19" font-size="13">{esc(text)}</text>')
        lx += 40 + _text_w(text, 13)
    p += _axis(x0, plot_w, top - 8, bottom, ticks, scale, lambda t: f"{t * 100:.0f}%")
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        rate = r["rate"]
        w = scale(rate)
        p.append(_label2(x0 - 8, y + bar_h / 2, r["main"], r["sub"], x0 - 16))
        p.append(f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{_rate_color(rate)}">'
                 f'<title>{esc(r["label"])}：{esc(fmt_pct(rate))}</title></rect>')
        mark = " ▸" if rate > dom else ""
        p.append(f'<text x="{x0 + w + 6:.1f}" y="{y + bar_h / 2 + 4.5:.1f}" font-size="12">'
                 f'{esc(fmt_pct(rate))}{mark}</text>')
    x100 = x0 + scale(1.0)
    p.append(f'<line x1="{x100:.1f}" y1="{top - 12}" x2="{x100:.1f}" y2="{bottom}" stroke="#c8372d" '
             f'stroke-width="2" stroke-dasharray="6 4"/>'
             f'<text x="{x100 + 4:.1f}" y="{top - 2}" font-size="12" class="bad">100%</text>')
    p.append("</svg>")
    return "".join(p)


def chart_score(rows: list[dict], source: str) -> str:
    """rows: label, self, recomputed (floats)."""
    title = "自评分与复核分"
    if not rows:
        return _empty_svg("chart-score", title, EMPTY_CHART)
    bar_h, gap, top = 13, 12, 44
    group_h = 2 * bar_h + 2 + gap
    x0, value_w = LABEL_W + 60, 210
    plot_w = W - x0 - value_w
    vmax = max([100.0] + [v for r in rows for v in (r["self"], r["recomputed"])])
    ticks = _nice_ticks(vmax)
    dom = ticks[-1]

    def scale(v: float) -> float:
        return max(0.0, v) / dom * plot_w

    height = top + len(rows) * group_h + 34
    bottom = top + len(rows) * group_h - gap / 2
    p = [f'<svg id="chart-score" class="chart" role="img" aria-label="{esc(title)}" viewBox="0 0 {W} {height}" '
         f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>',
         f'<rect x="{x0}" y="8" width="14" height="12" fill="#1f5fa8"/>'
         f'<text x="{x0 + 20}" y="19" font-size="13">自评分</text>'
         f'<rect x="{x0 + 90}" y="8" width="14" height="12" fill="#c8372d"/>'
         f'<text x="{x0 + 110}" y="19" font-size="13">自评分高于复核分</text>'
         f'<rect x="{x0 + 250}" y="8" width="14" height="12" fill="#9aa3ae"/>'
         f'<text x="{x0 + 270}" y="19" font-size="13">按规则复核分</text>']
    p += _axis(x0, plot_w, top - 8, bottom, ticks, scale, lambda t: f"{t:g}")
    for i, r in enumerate(rows):
        y = top + i * group_h
        s, c = r["self"], r["recomputed"]
        over = s > c + 0.005
        p.append(_label2(x0 - 8, y + bar_h + 1, r["main"], r["sub"], x0 - 16))
        p.append(f'<rect x="{x0}" y="{y}" width="{scale(s):.1f}" height="{bar_h}" '
                 f'fill="{"#c8372d" if over else "#1f5fa8"}"><title>自评分 {s:.2f}</title></rect>')
        p.append(f'<rect x="{x0}" y="{y + bar_h + 2}" width="{scale(c):.1f}" height="{bar_h}" fill="#9aa3ae">'
                 f'<title>复核分 {c:.2f}</title></rect>')
        p.append(f'<text x="{x0 + scale(s) + 6:.1f}" y="{y + 11}" font-size="12">{s:.2f}</text>')
        p.append(f'<text x="{x0 + scale(c) + 6:.1f}" y="{y + bar_h + 13}" font-size="12" class="muted">{c:.2f}'
                 f'</text>')
        diff = s - c
        if abs(diff) >= 0.005:
            p.append(f'<text x="{W - 4}" y="{y + bar_h + 5}" text-anchor="end" font-size="13" font-weight="600" '
                     f'class="{"bad" if over else "muted"}">{"高出" if over else "低于"} {abs(diff):.2f} 分</text>')
    p.append("</svg>")
    return "".join(p)


# ------------------------------------------------------------------------------------------------- chart data

MAX_BUDGET_ROWS = 40
MAX_RATE_ROWS = 60
MAX_SCORE_ROWS = 40


def _dept(v: Any) -> str:
    return NO_DEPT if v is None or str(v).strip() == "" else str(v)


def budget_data(rd: _Reader) -> tuple[list[dict], str, str]:
    pf = rd.rows("marts.fct_project_funds", ["department_name", "fiscal_year", "budget_adjusted_yuan",
                                             "executed_yuan"], note_empty=True)
    agg: dict[tuple, list] = defaultdict(lambda: [None, None])
    for r in pf:
        key = (_dept(r["department_name"]), r["fiscal_year"])
        for i, col in enumerate(("budget_adjusted_yuan", "executed_yuan")):
            v = _num(r[col])
            if v is not None:
                agg[key][i] = (agg[key][i] or 0.0) + v
    source = ("marts.fct_project_funds：各部门、各年度项目 全年预算数（budget_adjusted_yuan）合计 与 "
              "执行数（executed_yuan）合计")
    if not any(b is not None and e is not None for b, e in agg.values()):
        li = rd.rows("marts.fct_line_items", ["department_name", "fiscal_year", "line_item_key", "scope", "phase",
                                              "amount_yuan", "column_key"],
                     where="line_item_key = 'expenditure_total' AND phase IN ('budget_adjusted', 'actual')",
                     what=" expenditure_total 的")
        by_scope: dict[tuple, dict] = defaultdict(dict)
        for r in li:
            if r.get("column_key") not in (None, "total"):
                continue
            key = (_dept(r["department_name"]), r["fiscal_year"])
            slot = by_scope[key].setdefault(r["scope"], [None, None])
            i = 0 if r["phase"] == "budget_adjusted" else 1
            v = _num(r["amount_yuan"])
            if v is not None:
                slot[i] = (slot[i] or 0.0) + v
        agg = defaultdict(lambda: [None, None])
        for key, scopes in by_scope.items():
            both = [s for s in ("all_funds", "fiscal", "general_budget_fiscal")
                    if s in scopes and None not in scopes[s]]
            pick = both[0] if both else next(iter(scopes))
            agg[key] = scopes[pick]
        source = ("marts.fct_line_items：本年支出合计（expenditure_total）全年/调整预算数 与 决算数"
                  "（优先 all_funds 口径）")
    rows = [{"label": f"{d} · {_year(y)}年度", "dept": d, "year": y, "budget": b, "executed": e}
            for (d, y), (b, e) in agg.items() if b is not None or e is not None]
    rows.sort(key=lambda r: (r["dept"], r["year"] or 0))
    note = ""
    if len(rows) > MAX_BUDGET_ROWS:
        note = f"共 {len(rows)} 个部门年度，仅显示前 {MAX_BUDGET_ROWS} 个。"
        rows = rows[:MAX_BUDGET_ROWS]
    return rows, source, note


def rate_data(rd: _Reader) -> tuple[list[dict], str, str]:
    pf = rd.rows("marts.fct_project_funds", ["department_name", "fiscal_year", "project_name",
                                             "budget_adjusted_yuan", "executed_yuan", "execution_rate"],
                 note_empty=False)
    rows = []
    for r in pf:
        rate = _num(r["execution_rate"])
        if rate is None:
            b, e = _num(r["budget_adjusted_yuan"]), _num(r["executed_yuan"])
            rate = e / b if b and e is not None else None
        if rate is None:
            continue
        d = _dept(r["department_name"])
        name = r["project_name"] or "（未命名项目）"
        rows.append({"label": f"{d} · {_year(r['fiscal_year'])} · {name}", "main": name,
                     "sub": f"{d} · {_year(r['fiscal_year'])} 年度", "dept": d, "year": r["fiscal_year"] or 0, "rate": rate})
    source = ("marts.fct_project_funds.execution_rate（未填时按 executed_yuan ÷ budget_adjusted_yuan 计算）")
    note = ""
    if len(rows) > MAX_RATE_ROWS:
        note = f"共 {len(rows)} 个项目，仅显示执行率最低的 {MAX_RATE_ROWS} 个。"
        rows = sorted(rows, key=lambda r: r["rate"])[:MAX_RATE_ROWS]
    rows.sort(key=lambda r: (r["dept"], r["year"], r["rate"]))
    return rows, source, note


def score_data(rd: _Reader) -> tuple[list[dict], str, str]:
    ev = rd.rows("marts.fct_evaluation_scores", ["department_name", "fiscal_year", "subject_kind", "subject_name",
                                                 "total_score", "recomputed_total"])
    rows = []
    for r in ev:
        s, c = _num(r["total_score"]), _num(r["recomputed_total"])
        if s is None or c is None:
            continue
        d = _dept(r["department_name"])
        name = r["subject_name"] or r["subject_kind"] or "（未命名）"
        rows.append({"label": f"{d} · {_year(r['fiscal_year'])} · {name}", "main": name,
                     "sub": f"{d} · {_year(r['fiscal_year'])} 年度", "dept": d, "year": r["fiscal_year"] or 0, "self": s, "recomputed": c})
    source = "marts.fct_evaluation_scores：自评总分（total_score）与按规则复核总分（recomputed_total）"
    if not rows:
        ind = rd.rows("marts.fct_indicator_results", ["department_name", "fiscal_year", "subject_kind",
                                                      "project_name", "score", "recomputed_score"])
        agg: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for r in ind:
            s, c = _num(r["score"]), _num(r["recomputed_score"])
            if s is None or c is None:
                continue
            key = (_dept(r["department_name"]), r["fiscal_year"], r["project_name"] or r["subject_kind"] or "")
            agg[key][0] += s
            agg[key][1] += c
        rows = [{"label": f"{d} · {_year(y)} · {n}", "main": n, "sub": f"{d} · {_year(y)} 年度", "dept": d,
                 "year": y or 0, "self": s, "recomputed": c}
                for (d, y, n), (s, c) in agg.items()]
        source = ("marts.fct_indicator_results：按项目汇总的指标自评得分（Σ score）与复核得分（Σ recomputed_score），"
                  "仅含两者都有的指标")
    note = ""
    if len(rows) > MAX_SCORE_ROWS:
        note = f"共 {len(rows)} 个评价对象，仅显示自评分超出复核分最多的 {MAX_SCORE_ROWS} 个。"
        rows = sorted(rows, key=lambda r: r["recomputed"] - r["self"])[:MAX_SCORE_ROWS]
    rows.sort(key=lambda r: (r["dept"], r["year"], r["label"]))
    return rows, source, note


# ------------------------------------------------------------------------------------------------ the page

CSS = """
:root { --ink:#1d2733; --muted:#66707d; --line:#d9dee5; --bg:#f4f6f9; --err:#b3261e; --warn:#9a6200;
        --ok:#22703f; --head:#1f3b5c; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","Hiragino Sans GB",
       "WenQuanYi Micro Hei",sans-serif; font-size:14px; line-height:1.5; }
main { max-width:1240px; margin:0 auto; padding:24px 20px 48px; }
header.top { background:var(--head); color:#fff; padding:20px 24px; border-radius:8px; }
header.top h1 { margin:0 0 4px; font-size:26px; letter-spacing:1px; }
header.top .meta { color:#cbd6e4; font-size:13px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin-top:18px; }
h2 { font-size:19px; margin:0 0 10px; color:var(--head); }
h3 { font-size:15px; margin:14px 0 6px; }
.cards { display:flex; flex-wrap:wrap; gap:12px; }
.card { flex:1 1 130px; border:1px solid var(--line); border-radius:8px; padding:10px 14px; background:#fafbfc; }
.card .n { font-size:26px; font-weight:700; font-variant-numeric:tabular-nums; }
.card .k { color:var(--muted); font-size:13px; }
.card.err .n { color:var(--err); } .card.warn .n { color:var(--warn); } .card.ok .n { color:var(--ok); }
.notes { background:#fff8e6; border:1px solid #f0d58c; border-radius:8px; padding:10px 16px; margin-top:18px; }
.notes ul { margin:4px 0; padding-left:20px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
table#findings { table-layout:fixed; }
#findings td { overflow-wrap:anywhere; }
th, td { border-bottom:1px solid var(--line); padding:6px 8px; vertical-align:top; text-align:left; }
thead th { background:#eef2f7; color:#2b3a4d; font-weight:600; white-space:nowrap; position:sticky; top:0; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.group th { background:#e3eaf3; color:var(--head); font-size:14px; text-align:left; padding:8px; }
tr.group .cnt { font-weight:400; color:var(--muted); margin-left:12px; }
.sev { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600;
       white-space:nowrap; }
.sev.error { background:#fde7e5; color:var(--err); } .sev.warn { background:#fff1d6; color:var(--warn); }
.rule { font-weight:700; white-space:nowrap; }
.rdesc { color:var(--muted); font-size:12px; max-width:230px; }
.side .lbl { color:var(--muted); font-size:12px; }
.side .amt { font-variant-numeric:tabular-nums; font-weight:600; white-space:nowrap; }
td.diff { color:var(--err); font-weight:700; }
td.diff.warn { color:var(--warn); }
ul.cells { margin:0; padding-left:16px; font-size:12px; color:#3c4756; overflow-wrap:anywhere; min-width:200px; }
ul.cells .sc { white-space:nowrap; } ul.cells b { color:var(--ink); }
.muted { color:var(--muted); fill:var(--muted); }
.bad { fill:#c8372d; color:#c8372d; } .warn { fill:#b07400; } .good { fill:#22703f; }
.chart { display:block; margin:6px 0 4px; font-family:inherit; }
.chart text { fill:var(--ink); } .chart text.muted { fill:var(--muted); }
.chart text.bad { fill:#c8372d; } .chart text.warn { fill:#b07400; } .chart text.good { fill:#22703f; }
.source { color:var(--muted); font-size:12px; margin:2px 0 0; }
.none { color:var(--ok); font-weight:600; padding:10px 8px; }
td.path { word-break:break-all; }
#files { width:auto; } #files th, #files td { min-width:120px; }
footer { color:var(--muted); font-size:12px; margin-top:18px; }
@media print { body { background:#fff; } section { break-inside:auto; border:none; } thead th { position:static; } }
"""


def _sev_badge(sev: Any) -> str:
    s = str(sev or "").lower()
    cls = "warn" if s.startswith("warn") else "error"
    return f'<span class="sev {cls}">{esc(SEVERITY_ZH.get(s, sev or "—"))}</span>'


def _is_warn(sev: Any) -> bool:
    return str(sev or "").lower().startswith("warn")


def _cell_ref_html(ref: str) -> str:
    """'file · sheet · B7' → the file (may wrap anywhere), then sheet · cell kept together, the cell in bold."""
    parts = [p for p in re.split(r"\s*·\s*", ref) if p != ""]
    if len(parts) < 3:
        return f"<span class='f'>{esc(ref)}</span>"
    file, sheet, cell = " · ".join(parts[:-2]), parts[-2], parts[-1]
    return f"<span class='f'>{esc(file)}</span> · <span class='sc'>{esc(sheet)} · <b>{esc(cell)}</b></span>"


def _findings_table(failed: list[dict], have_results: bool = True) -> str:
    head = ("<colgroup><col style='width:172px'><col style='width:64px'><col style='width:150px'>"
            "<col style='width:136px'><col style='width:136px'><col style='width:124px'><col style='width:84px'>"
            "<col></colgroup>"
            "<thead><tr><th>规则</th><th>严重程度</th><th>检查对象</th><th class='num'>左方（元）</th>"
            "<th class='num'>右方（元）</th><th class='num'>差额（元）</th><th class='num'>容差（元）</th>"
            "<th>来源单元格（文件 · 工作表 · 单元格）</th></tr></thead>")
    if not failed:
        msg = ("<td colspan='8' class='none'>本次运行没有未通过的规则。</td>" if have_results else
               "<td colspan='8' class='muted'>本次运行没有对账结果（见“数据缺失提示”），无法判断规则是否通过。</td>")
        return f'<table id="findings">{head}<tbody><tr>{msg}</tr></tbody></table>'

    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in failed:
        groups[(_dept(r["department_name"]), r["fiscal_year"])].append(r)
    body = []
    for (dept, year) in sorted(groups, key=lambda k: (k[0], k[1] if k[1] is not None else -1)):
        rows = sorted(groups[(dept, year)], key=lambda r: (_is_warn(r["severity"]), _rule_sort_key(r["rule_id"]),
                                                           str(r["subject"] or "")))
        n_err = sum(1 for r in rows if not _is_warn(r["severity"]))
        n_warn = len(rows) - n_err
        body.append(f'<tr class="group"><th colspan="8">部门：{esc(dept)}　　年度：{esc(_year(year))}'
                    f'<span class="cnt">错误 {n_err} 项 · 警告 {n_warn} 项</span></th></tr>')
        for r in rows:
            cells = split_cells(r["source_cells"])
            cell_html = ("<ul class='cells'>" + "".join(f"<li>{_cell_ref_html(c)}</li>" for c in cells) + "</ul>"
                         if cells else "<span class='muted'>（未记录）</span>")
            warn = " warn" if _is_warn(r["severity"]) else ""
            body.append(
                "<tr>"
                f"<td><div class='rule'>{esc(r['rule_id'])}</div><div class='rdesc'>{esc(rule_name(r['rule_id']))}"
                f"</div></td>"
                f"<td>{_sev_badge(r['severity'])}</td>"
                f"<td>{esc(r['subject'] or '—')}</td>"
                f"<td class='num side'><div class='lbl'>{esc(r['left_label'] or '')}</div>"
                f"<div class='amt'>{esc(fmt_yuan(r['left_yuan']))}</div></td>"
                f"<td class='num side'><div class='lbl'>{esc(r['right_label'] or '')}</div>"
                f"<div class='amt'>{esc(fmt_yuan(r['right_yuan']))}</div></td>"
                f"<td class='num diff{warn}'>{esc(fmt_yuan(r['diff_yuan']))}</td>"
                f"<td class='num'>{esc(fmt_yuan(r['tolerance_yuan']))}</td>"
                f"<td>{cell_html}</td>"
                "</tr>")
    return f'<table id="findings">{head}<tbody>{"".join(body)}</tbody></table>'


def _rule_counts(results: list[dict]) -> list[dict]:
    """Per rule: total / passed / failed / not applicable. ``results`` are counted rows (rule_id, severity,
    passed, n) as :func:`_result_counts` gives them (a row without ``n`` counts once)."""
    by: dict[str, dict] = {}
    for r in results:
        rid = str(r["rule_id"] or "—")
        n = r.get("n", 1)
        c = by.setdefault(rid, {"rule_id": rid, "severity": set(), "total": 0, "passed": 0, "failed": 0,
                                "not_applicable": 0})
        c["severity"].add(str(r["severity"] or "").lower())
        c["total"] += n
        if r["passed"] is None:
            c["not_applicable"] += n
        elif r["passed"]:
            c["passed"] += n
        else:
            c["failed"] += n
    return [by[k] for k in sorted(by, key=_rule_sort_key)]


def _rules_table(results: list[dict]) -> str:
    if not results:
        return "<p class='muted'>没有对账结果。</p>"
    out = ["<table id='rules'><thead><tr><th>规则</th><th>说明</th><th>严重程度</th><th class='num'>检查数</th>"
           "<th class='num'>通过</th><th class='num'>未通过</th><th class='num'>不适用</th></tr></thead><tbody>"]
    for c in _rule_counts(results):
        sev = "warn" if c["severity"] and all(s.startswith("warn") for s in c["severity"] if s) else "error"
        failed = (f"<b class='bad'>{c['failed']}</b>" if c["failed"] and sev == "error"
                  else f"<b style='color:var(--warn)'>{c['failed']}</b>" if c["failed"] else "0")
        out.append(f"<tr><td class='rule'>{esc(c['rule_id'])}</td><td>{esc(rule_name(c['rule_id']))}</td>"
                   f"<td>{_sev_badge(sev)}</td><td class='num'>{c['passed'] + c['failed']}</td>"
                   f"<td class='num'>{c['passed']}</td><td class='num'>{failed}</td>"
                   f"<td class='num'>{c['not_applicable']}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _dept_year_table(results: list[dict]) -> str:
    if not results:
        return ""
    agg: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in results:
        k = (_dept(r["department_name"]), r["fiscal_year"])
        n = r.get("n", 1)
        if r["passed"] is None:
            agg[k][3] += n
        elif r["passed"]:
            agg[k][0] += n
        elif _is_warn(r["severity"]):
            agg[k][2] += n
        else:
            agg[k][1] += n
    out = ["<table id='by-department'><thead><tr><th>部门</th><th>年度</th><th class='num'>通过</th>"
           "<th class='num'>错误</th><th class='num'>警告</th><th class='num'>不适用</th></tr></thead><tbody>"]
    for (d, y) in sorted(agg, key=lambda k: (k[0], k[1] if k[1] is not None else -1)):
        p, e, w, na = agg[(d, y)]
        out.append(f"<tr><td>{esc(d)}</td><td>{esc(_year(y))}</td><td class='num'>{p}</td>"
                   f"<td class='num'>{f'<b class=bad>{e}</b>' if e else 0}</td>"
                   f"<td class='num'>{f'<b style=color:var(--warn)>{w}</b>' if w else 0}</td>"
                   f"<td class='num'>{na}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _files_section(files_by_status: dict[str, int], this_run: dict | None, rejected: list[dict],
                   have_files: bool, have_rejected: bool = True) -> str:
    out = ["<section id='ingest'><h2>文件接收情况</h2>"]
    if this_run:
        labels = [("files", "本次扫描文件"), ("loaded", "已加载"), ("unchanged", "未变化"),
                  ("superseded", "被新版本替代"), ("rejected", "被拒收"), ("rows", "提取行数")]
        out.append("<h3>本次运行</h3><div class='cards'>")
        for k, lab in labels:
            if k in this_run:
                v = this_run[k]
                if k == "unchanged":
                    v = int(v or 0) + int(this_run.get("skipped_known") or 0)
                cls = " err" if k == "rejected" and v else ""
                out.append(f"<div class='card{cls}'><div class='n'>{esc(v)}</div><div class='k'>{esc(lab)}</div></div>")
        out.append("</div>")
    out.append("<h3>仓库中全部文件（按当前状态）</h3>")
    if have_files:
        out.append("<table id='files'><thead><tr>" + "".join(
            f"<th class='num'>{esc(STATUS_ZH[s])}</th>" for s in FILE_STATUSES)
            + "".join(f"<th class='num'>{esc(s)}</th>" for s in files_by_status if s not in FILE_STATUSES)
            + "</tr></thead><tbody><tr>"
            + "".join(f"<td class='num'>{files_by_status.get(s, 0)}</td>" for s in FILE_STATUSES)
            + "".join(f"<td class='num'>{n}</td>" for s, n in files_by_status.items() if s not in FILE_STATUSES)
            + "</tr></tbody></table>")
    else:
        out.append("<p class='muted'>audit.ingested_files 不可用。</p>")
    out.append(f"<h3>被拒收的文件（{len(rejected)} 个）</h3>")
    if rejected:
        out.append("<table id='rejected'><thead><tr><th>文件</th><th>原因代码</th><th>原因</th><th>工作表</th>"
                   "<th>单元格</th></tr></thead><tbody>")
        for r in rejected:
            out.append(f"<tr><td class='path'>{esc(r['path'])}</td><td>{esc(r['reason_code'] or '—')}</td>"
                       f"<td>{esc(r['reason'] or '')}</td><td>{esc(r['sheet'] or '—')}</td>"
                       f"<td>{esc(r['cell'] or '—')}</td></tr>")
        out.append("</tbody></table>")
    elif have_rejected:
        out.append("<p class='muted'>没有被拒收的文件。</p>")
    else:
        out.append("<p class='muted'>audit.rejected_files 不可用，无法列出被拒收的文件。</p>")
    out.append("</section>")
    return "".join(out)


def _chart_section(title: str, svg: str, source: str, note: str, extra: str = "") -> str:
    return (f"<h3>{esc(title)}</h3>{svg}<p class='source'>数据来源：{esc(source)}"
            f"{('　' + esc(note)) if note else ''}{('　' + esc(extra)) if extra else ''}</p>")


# --------------------------------------------------------------------------------------------------- main

RESULT_COLS = ["run_id", "rule_id", "severity", "department_name", "fiscal_year", "subject", "left_label",
               "left_yuan", "right_label", "right_yuan", "diff_yuan", "tolerance_yuan", "passed", "source_cells",
               "status"]

CSV_HEADER = ["部门", "年度", "规则", "规则说明", "严重程度", "检查对象", "左方项目", "左方金额（元）", "右方项目",
              "右方金额（元）", "差额（元）", "容差（元）", "来源单元格", "状态", "运行编号"]


def _rejected_files(rd: _Reader) -> list[dict]:
    """Rejected files still outstanding: the latest version of each path is rejected (or the file log is absent)."""
    rej = rd.rows("audit.rejected_files", ["path", "file_sha256", "reason_code", "reason", "sheet", "cell",
                                          "rejected_at"], note_empty=False)
    if not rej:
        return []
    latest: dict[str, str] = {}
    if {"path", "status", "loaded_at"} <= set(rd.columns("audit.ingested_files") or []):
        paths = sorted({r["path"] for r in rej if r["path"] is not None})
        latest = dict(rd.con.execute(
            "SELECT path, arg_max(status, coalesce(loaded_at, TIMESTAMP '0001-01-01')) FROM audit.ingested_files "
            "WHERE path IN (SELECT unnest(?)) GROUP BY path", [paths]).fetchall())
    seen: dict[tuple, dict] = {}
    for r in rej:
        cur = latest.get(r["path"])
        if cur is not None and cur != "rejected":
            continue
        key = (r["path"], r["file_sha256"])
        if key not in seen or (r["rejected_at"] or datetime.min) >= (seen[key]["rejected_at"] or datetime.min):
            seen[key] = r
    return sorted(seen.values(), key=lambda r: str(r["path"] or ""))


def _severity_key(sev: Any) -> str:
    return "warn" if _is_warn(sev) else "error"


def build_report(con: duckdb.DuckDBPyConnection, run_id: str, reports_dir: Path | str,
                 summary: dict | None = None) -> ReportPaths:
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    safe_id = re.sub(r"[^0-9A-Za-z_.-]+", "_", str(run_id)) or "run"
    paths = ReportPaths(html=reports_dir / f"reconciliation_{safe_id}.html",
                        latest_html=reports_dir / "latest.html",
                        csv=reports_dir / f"findings_{safe_id}.csv",
                        latest_csv=reports_dir / "findings_latest.csv",
                        summary_json=reports_dir / f"summary_{safe_id}.json")
    rd = _Reader(con)
    generated = datetime.now().astimezone()

    # reconciliation results of this run: counted in DuckDB; only the failed rows come to Python
    cols = rd.columns("audit.reconciliation_results")
    where, params = ("run_id = ?", [run_id]) if cols is not None and "run_id" in cols else ("", [])
    by_rule_rows = rd.counts("audit.reconciliation_results", ["rule_id", "severity", "passed"], where, params,
                             what=f"本次运行（{run_id}）的" if params else "")
    by_dept_rows = rd.counts("audit.reconciliation_results", ["department_name", "fiscal_year", "severity", "passed"],
                             where, params, note_empty=False)
    failed = rd.rows("audit.reconciliation_results", RESULT_COLS,
                     where=(where + " AND " if where else "") + "passed = false", params=params, note_empty=False)
    n_results = sum(r["n"] for r in by_rule_rows)

    files_by_status: dict[str, int] = {s: 0 for s in FILE_STATUSES}
    for f in rd.counts("audit.ingested_files", ["status"], note_empty=True):
        s = str(f["status"] or "unknown")
        files_by_status[s] = files_by_status.get(s, 0) + f["n"]
    have_files = rd.columns("audit.ingested_files") is not None
    rejected = _rejected_files(rd)

    b_rows, b_src, b_note = budget_data(rd)
    r_rows, r_src, r_note = rate_data(rd)
    s_rows, s_src, s_note = score_data(rd)

    # counts
    by_sev: dict[str, dict[str, int]] = {s: {"checked": 0, "passed": 0, "failed": 0, "not_applicable": 0}
                                         for s in ("error", "warn")}
    for r in by_rule_rows:
        c = by_sev[_severity_key(r["severity"])]
        if r["passed"] is None:
            c["not_applicable"] += r["n"]
        else:
            c["checked"] += r["n"]
            c["passed" if r["passed"] else "failed"] += r["n"]
    rules_summary = {
        "result_rows": n_results,
        "checked": sum(c["checked"] for c in by_sev.values()),
        "passed": sum(c["passed"] for c in by_sev.values()),
        "failed": sum(c["failed"] for c in by_sev.values()),
        "failed_error": by_sev["error"]["failed"],
        "failed_warn": by_sev["warn"]["failed"],
        "not_applicable": sum(c["not_applicable"] for c in by_sev.values()),
        "by_severity": by_sev,
        "by_rule": [{k: (sorted(v) if isinstance(v, set) else v) for k, v in c.items()}
                    for c in _rule_counts(by_rule_rows)],
    }
    this_run = (summary or {}).get("ingest") if isinstance((summary or {}).get("ingest"), dict) else None
    if this_run is None and summary and any(k in summary for k in ("loaded", "rejected", "unchanged")):
        this_run = {k: summary[k] for k in ("files", "loaded", "unchanged", "superseded", "rejected",
                                            "skipped_known", "rows") if k in summary}

    # notes: de-duplicate, keep order
    notes = list(dict.fromkeys(rd.notes))

    # ---- HTML
    e, w = by_sev["error"]["failed"], by_sev["warn"]["failed"]
    cards = [("checked", "已检查规则（项次）", rules_summary["checked"], ""),
             ("passed", "通过", rules_summary["passed"], "ok" if n_results else ""),
             ("error", "错误（未通过）", e, "err" if e else ("ok" if n_results else "")),
             ("warn", "警告（待复核）", w, "warn" if w else ("ok" if n_results else "")),
             ("na", "不适用（缺少一方）", rules_summary["not_applicable"], ""),
             ("rej", "被拒收文件", len(rejected), "err" if rejected else ("ok" if have_files else ""))]
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>对账报告 {esc(run_id)}</title><style>{CSS}</style></head><body><main>",
        f"<header class='top'><h1>预算绩效数据对账报告</h1><div class='meta'>运行编号：{esc(run_id)}　"
        f"生成时间：{esc(generated.strftime('%Y-%m-%d %H:%M:%S %Z'))}　金额单位：元</div></header>",
        "<section id='overview'><h2>总览</h2><div class='cards'>",
        "".join(f"<div class='card {cls}' id='card-{k}'><div class='n'>{v}</div><div class='k'>{esc(lab)}</div>"
                f"</div>" for k, lab, v, cls in cards),
        "</div></section>",
    ]
    if notes:
        parts.append("<div class='notes' id='missing'><b>数据缺失提示</b><ul>"
                     + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul></div>")
    parts.append(f"<section id='findings-section'><h2>未通过的规则（{len(failed)} 项）</h2>"
                 "<p class='source'>按部门、年度分组；每项列出左右两方、差额（左方 − 右方）、容差和来源单元格。"
                 "“错误”须更正后重新报送，“警告”为需复核的事项。</p>"
                 f"{_findings_table(failed, bool(n_results))}</section>")
    parts.append("<section id='rules-section'><h2>各规则检查结果</h2>"
                 "<p class='source'>“不适用”表示该规则所需的一方数据不存在，既不算通过也不算未通过。</p>"
                 f"{_rules_table(by_rule_rows)}"
                 + ("<h3>按部门和年度</h3>" + _dept_year_table(by_dept_rows) if n_results else "")
                 + "</section>")
    parts.append("<section id='charts'><h2>图表</h2>"
                 + _chart_section("1. 预算与执行（按部门、年度）", chart_budget(b_rows, b_src), b_src, b_note)
                 + _chart_section("2. 项目预算执行率", chart_rate(r_rows, r_src), r_src, r_note,
                                  "红色虚线为 100%。")
                 + _chart_section("3. 自评分与按规则复核分", chart_score(s_rows, s_src), s_src, s_note,
                                  "自评分高于复核分（红色）表示未达成的指标仍得了分。")
                 + "</section>")
    parts.append(_files_section(files_by_status, this_run, rejected, have_files,
                                rd.columns("audit.rejected_files") is not None))
    parts.append(f"<footer>本页由 jixiao 自动生成，为静态文件，不含脚本。明细表格另见 {esc(paths.csv.name)}"
                 "（UTF-8 带 BOM；为防止公式注入，以 = + - @ 开头的单元格前加了单引号 '，因此负数在表格软件中显示为文本）。"
                 "</footer></main></body></html>")
    paths.html.write_text("".join(parts), encoding="utf-8")
    shutil.copyfile(paths.html, paths.latest_html)

    # ---- CSV
    failed_sorted = sorted(failed, key=lambda r: (_dept(r["department_name"]), r["fiscal_year"] or -1,
                                                  _is_warn(r["severity"]), _rule_sort_key(r["rule_id"]),
                                                  str(r["subject"] or "")))
    with paths.csv.open("w", encoding="utf-8-sig", newline="") as fh:
        wr = csv.writer(fh, quoting=csv.QUOTE_ALL)
        wr.writerow(CSV_HEADER)
        for r in failed_sorted:
            row = [_dept(r["department_name"]), "" if r["fiscal_year"] is None else r["fiscal_year"],
                   r["rule_id"], rule_name(r["rule_id"]),
                   SEVERITY_ZH.get(str(r["severity"] or "").lower(), r["severity"]), r["subject"],
                   r["left_label"], plain_yuan(r["left_yuan"]), r["right_label"], plain_yuan(r["right_yuan"]),
                   plain_yuan(r["diff_yuan"]), plain_yuan(r["tolerance_yuan"]),
                   "; ".join(split_cells(r["source_cells"])), r["status"], r["run_id"]]
            wr.writerow([csv_safe(v) for v in row])
    shutil.copyfile(paths.csv, paths.latest_csv)

    # ---- JSON
    payload = {
        "run_id": run_id,
        "generated_at": generated.isoformat(timespec="seconds"),
        "rules": rules_summary,
        "files": {"by_status": files_by_status, "this_run": this_run,
                  "rejected": [{k: r[k] for k in ("path", "reason_code", "reason", "sheet", "cell")}
                               for r in rejected]},
        "charts": {"budget": {"source": b_src, "rows": len(b_rows)}, "rate": {"source": r_src, "rows": len(r_rows)},
                   "score": {"source": s_src, "rows": len(s_rows)}},
        "missing": notes,
        "outputs": paths.as_dict(),
    }
    paths.summary_json.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return paths
