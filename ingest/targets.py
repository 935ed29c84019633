"""Indicator targets as data: "≥90%", "90%以上", "<10分钟", "6%以内", "3.3万余次", "1990平方米", "按期完成" …

:func:`parse_target` reads a target text (年度指标值) into an operator (``>=``, ``<=``, ``>``, ``<``, ``=``, or
``text``), a value and a unit; :func:`parse_actual` reads the number an actual text (实际完成值) reports, in the
target's unit; :func:`evaluate` decides ``achieved`` and ``recomputed_score``:

* quantitative targets: met → the full weight; not met → weight × actual / target (for ``<=`` / ``<`` targets
  weight × target / actual), capped at the weight, never below 0. A bare value ("1990平方米", "100%") is a level to
  reach: exceeding it counts as met.
* text targets ("按期完成", "达标", "有效保障"): the actual decides — 未完成 / 未达标 / 未实现 … → 0, 完成 / 达标 /
  实现 … → full weight, an actual identical to the target → full weight; anything else → NULL (nothing to recompute).

Operator words, multipliers (万, 亿) and outcome words are data: ``templates/labels/targets_*.csv``.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

LABELS = Path(__file__).parent / "templates" / "labels"
CENT = Decimal("0.01")
_NUM = r"(\d+(?:\.\d+)?)"
_PARENS = re.compile(r"\([^()]*\)")


def _csv(name: str) -> list[dict[str, str]]:
    with open(LABELS / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _norm(text: object) -> str:
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    t = unicodedata.normalize("NFKC", str(text))
    t = re.sub(r"\s+", "", t).replace(",", "")
    return t.replace("＜", "<").replace("＞", ">").replace("≥", "≥").replace("≤", "≤")


@lru_cache(maxsize=None)
def _grammar():
    ops = _csv("targets_operators.csv")
    by_pos: dict[str, list[tuple[str, str]]] = {}
    for r in ops:
        by_pos.setdefault(r["position"], []).append((unicodedata.normalize("NFKC", r["word"]), r["op"]))
    alt = {p: "|".join(re.escape(w) for w, _ in sorted(v, key=lambda x: -len(x[0]))) for p, v in by_pos.items()}
    op_of = {p: dict(v) for p, v in by_pos.items()}
    mults = {r["token"]: Decimal(r["factor"]) for r in _csv("targets_multipliers.csv")}
    mult_alt = "|".join(re.escape(m) for m in sorted(mults, key=len, reverse=True))
    full = re.compile(rf"^(?P<pre>{alt.get('prefix', '(?!)')})?{_NUM}(?P<mult>{mult_alt})?(?P<mid>{alt.get('mid', '(?!)')})?"
                      rf"(?P<unit>[^\d<>=≥≤]*?)(?P<suf>{alt.get('suffix', '(?!)')})?$")
    inline = re.compile(rf"{_NUM}(?P<mult>{mult_alt})?(?P<mid>{alt.get('mid', '(?!)')})?")
    return full, inline, op_of, mults


@lru_cache(maxsize=None)
def _outcomes() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(r["pattern"]), r["outcome"]) for r in _csv("targets_outcomes.csv")]


@dataclass(frozen=True)
class Target:
    op: str                       # >=, <=, >, <, =, text
    value: Decimal | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Evaluation:
    target_op: str | None
    target_value: Decimal | None
    target_unit: str | None
    actual_value: Decimal | None
    achieved: bool | None
    recomputed_score: Decimal | None

    def as_dict(self) -> dict:
        return dict(target_op=self.target_op, target_value=self.target_value, target_unit=self.target_unit,
                    actual_value=self.actual_value, achieved=self.achieved, recomputed_score=self.recomputed_score)


def _quantity(t: str) -> tuple[str | None, Decimal, str | None] | None:
    full, _inline, op_of, mults = _grammar()
    m = full.match(t)
    if not m:
        return None
    value = Decimal(m.group(2))
    if m.group("mult"):
        value *= mults[m.group("mult")]
    unit = m.group("unit") or None
    op = None
    if m.group("pre"):
        op = op_of["prefix"][m.group("pre")]
    elif m.group("suf"):
        op = op_of["suffix"][m.group("suf")]
    elif m.group("mid"):
        op = op_of["mid"][m.group("mid")]
    return op, value.normalize() if value == value.to_integral_value() else value, unit


def parse_target(text: object) -> Target | None:
    """A target text as operator/value/unit; ``Target('text')`` for words; None for an empty cell."""
    t = _norm(text)
    if not t:
        return None
    t2 = _PARENS.sub("", t) or t
    q = _quantity(t2)
    if q is None:
        return Target("text")
    op, value, unit = q
    return Target(op or "=", _plain(value), unit)


def _plain(d: Decimal) -> Decimal:
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def parse_actual(text: object, target: Target | None = None) -> Decimal | None:
    """The number an actual text reports, in the target's unit when the target has one."""
    t = _norm(text)
    if not t:
        return None
    q = _quantity(_PARENS.sub("", t) or t)
    if q is not None and (target is None or target.unit is None or q[2] in (None, target.unit)):
        return _plain(q[1])
    _full, inline, _op_of, mults = _grammar()
    found = []
    for m in inline.finditer(t):
        v = Decimal(m.group(1))
        if m.group("mult"):
            v *= mults[m.group("mult")]
        found.append((v, t[m.end():]))
    if target is not None and target.unit:
        for v, rest in found:
            if rest.startswith(target.unit):
                return _plain(v)
        return None
    if len(found) == 1:
        return _plain(found[0][0])
    return None


def _text_outcome(actual: str, target: str) -> bool | None:
    for pat, outcome in _outcomes():
        if pat.search(actual):
            return outcome == "pass"
    if actual and actual == target:
        return True
    return None


def evaluate(target_text: object, actual_text: object, weight: object = None) -> Evaluation:
    tgt = parse_target(target_text)
    w = None if weight is None or weight == "" else Decimal(str(weight))
    if tgt is None:
        return Evaluation(None, None, None, None, None, None)
    actual = parse_actual(actual_text, tgt) if tgt.op != "text" else None
    achieved: bool | None = None
    score: Decimal | None = None
    if tgt.op != "text" and actual is not None and tgt.value is not None:
        t, a = tgt.value, actual
        if tgt.op in (">=", "="):
            achieved = a >= t
        elif tgt.op == ">":
            achieved = a > t
        elif tgt.op == "<=":
            achieved = a <= t
        else:
            achieved = a < t
        if w is not None:
            if achieved:
                score = w
            elif tgt.op in (">=", "=", ">"):
                score = w * a / t if t > 0 else Decimal(0)
            else:
                score = w * t / a if a > 0 else w
            score = max(Decimal(0), min(score, w))
    else:
        achieved = _text_outcome(_norm(actual_text), _norm(target_text))
        if achieved is not None and w is not None:
            score = w if achieved else Decimal(0)
    if score is not None:
        score = score.quantize(CENT, rounding=ROUND_HALF_UP)
    return Evaluation(tgt.op, tgt.value, tgt.unit, actual, achieved, score)


def enrich(indicator_row: dict) -> dict:
    """Add target_op / target_value / target_unit / actual_value / achieved / recomputed_score to an indicators row."""
    ev = evaluate(indicator_row.get("target_text"), indicator_row.get("actual_text"), indicator_row.get("weight"))
    indicator_row.update(ev.as_dict())
    return indicator_row


@lru_cache(maxsize=1 << 14)
def _evaluate_memo(tt: type, target_text: object, at: type, actual_text: object, wt: type, weight: str | None
                   ) -> Evaluation:
    return evaluate(target_text, actual_text, weight)


def assess(target_text: object, actual_text: object, weight: object = None) -> Evaluation:
    """:func:`evaluate`, memoised (indicator texts repeat across files; keys carry the value types and the weight as
    written, so equal-but-different values such as Decimal('1') and Decimal('1.00') never share a result). The
    result is shared: read it, do not modify it. This is the name ingest.extract calls."""
    try:
        return _evaluate_memo(type(target_text), target_text, type(actual_text), actual_text, type(weight),
                              None if weight is None else str(weight))
    except TypeError:  # unhashable input
        return evaluate(target_text, actual_text, weight)
