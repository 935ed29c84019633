"""Expected facts of ../shared/samples/manifest.json (copied to fixtures/samples) as comparable tuples, and the same
tuples built from extracted raw rows or from mart rows. Used by the extraction tests and the mart tests alike."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

SAMPLES = Path(__file__).parent / "fixtures" / "samples"
MANIFEST = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))

PF_FIELDS = {  # manifest field -> raw/mart column
    "budget_initial": "budget_initial_yuan", "budget_full_year": "budget_adjusted_yuan", "executed": "executed_yuan",
    "execution_rate": "execution_rate", "score_weight": "score_weight", "score": "score",
    "allocated": "budget_adjusted_yuan", "paid": "executed_yuan", "carryover": "carryover_yuan",
    "implementing_unit": "implementing_unit", "project_type": "project_type", "category": "category",
    "status": "status_text",
}
PARTS = ["current_year", "prior_year_carryover", "other_funds"]
FUND_ROW_FIELDS = {"budget_initial": "budget_initial_yuan", "allocated": "allocated_yuan", "paid": "paid_yuan",
                   "carryover": "carryover_yuan"}


def _s(v) -> str | None:
    """Canonical string: numbers to plain decimals ('500000.00' == '500000' == 500000.0), None stays None."""
    if v is None:
        return None
    if isinstance(v, (int, float, Decimal)):
        return format(Decimal(str(v)).normalize(), "f")
    try:
        return format(Decimal(str(v)).normalize(), "f")
    except Exception:
        return str(v)


def grade_band(score) -> str | None:
    if score is None:
        return None
    d = Decimal(str(score))
    return "优" if d >= 90 else "良" if d >= 80 else "中" if d >= 60 else "差"


def expected(wb: dict) -> dict[str, set[tuple]]:
    e = wb["expected"]
    out: dict[str, set[tuple]] = {k: set() for k in ("line_items", "project_funds", "fund_rows", "indicators",
                                                     "evaluations", "facts")}
    for x in e["line_items"]:
        out["line_items"].add((x["sheet"], x["cell"], x["key"], None, x["scope"], x["phase"], _s(x["amount_yuan"])))
    for x in e["func_lines"]:
        out["line_items"].add((x["sheet"], x["cell"], "func:" + x["code"], x["column_key"], x["scope"], "actual",
                               _s(x["amount_yuan"])))
    for x in e["econ_lines"]:
        out["line_items"].add((x["sheet"], x["cell"], "econ:" + x["code"], x["column_key"], x["scope"], "actual",
                               _s(x["amount_yuan"])))
    for x in e["project_funds"]:
        name = x["project_name"]
        out["project_funds"].add((x["sheet"], name, "subject_kind", x["subject_kind"]))
        for f, col in PF_FIELDS.items():
            if f in x and x[f] is not None:
                out["project_funds"].add((x["sheet"], name, col, _s(x[f])))
        for f, v in (x.get("parts") or {}).items():
            out["project_funds"].add((x["sheet"], name, f + "_yuan", _s(v)))
    for x in e["fund_projects"]:
        if x["row_kind"] == "project":
            name = x["project_name"]
            for f, col in PF_FIELDS.items():
                if f in x and x[f] is not None:
                    out["project_funds"].add((x["sheet"], name, col, _s(x[f])))
        else:
            for f, col in FUND_ROW_FIELDS.items():
                if f in x and x[f] is not None:
                    out["fund_rows"].add((x["sheet"], x["row_kind"], x["project_name"], col, _s(x[f]),
                                          x["cells"][f]))
    for x in e["indicators"]:
        t = (x["subject_kind"], x["subject_name"], x["sheet"], x["row"], x.get("level1"), x.get("level2"),
             x.get("level3"), x.get("target_text"), x.get("actual_text"), _s(x.get("weight")), _s(x.get("score")))
        if "deviation_reason" in x:
            t = t + (x["deviation_reason"],)
        out["indicators"].add(t)
    for x in e["evaluations"]:
        out["evaluations"].add((x["subject_kind"], x["subject_name"], x["sheet"], x["cell"], _s(x["weight_total"]),
                                _s(x["total_score"]), x["grade"]))
    for x in e["facts"]:
        val = x.get("amount_yuan", x.get("value"))
        out["facts"].add((x["kind"], x.get("name"), _s(val), x["sheet"], x["cell"]))
    return out


def actual(rows: dict[str, list[dict]], exp: dict[str, set[tuple]]) -> dict[str, set[tuple]]:
    """Tuples of the same shapes from raw rows (or mart rows with the same column names)."""
    out: dict[str, set[tuple]] = {k: set() for k in exp}
    for x in rows.get("line_items", []):
        out["line_items"].add((x["source_sheet"], x["source_cell"], x["line_item_key"], x.get("column_key"),
                               x["scope"], x["phase"], _s(x["amount_yuan"])))
    for x in rows.get("project_funds", []):
        sheet, name = x["source_sheet"], x["project_name"]
        out["project_funds"].add((sheet, name, "subject_kind", x.get("subject_kind")))
        for col in set(PF_FIELDS.values()) | {p + s + "_yuan" for p in PARTS for s in ("_initial", "_budget", "_executed")}:
            if x.get(col) is not None:
                out["project_funds"].add((sheet, name, col, _s(x[col])))
    for x in rows.get("fund_rows", []):
        cells = json.loads(x["cells"]) if isinstance(x.get("cells"), str) else (x.get("cells") or {})
        for col in FUND_ROW_FIELDS.values():
            if x.get(col) is not None:
                out["fund_rows"].add((x["source_sheet"], x["row_kind"], x["project_name"], col, _s(x[col]),
                                      cells.get(col)))
    want_reason = {t[2] for t in exp["indicators"] if len(t) == 12}
    for x in rows.get("indicators", []):
        t = (x["subject_kind"], x["subject_name"], x["source_sheet"], x["row_number"], x.get("level1"),
             x.get("level2"), x.get("level3"), x.get("target_text"), x.get("actual_text"), _s(x.get("weight")),
             _s(x.get("score")))
        if x["source_sheet"] in want_reason:
            t = t + (x.get("deviation_reason"),)
        out["indicators"].add(t)
    for x in rows.get("evaluations", []):
        out["evaluations"].add((x["subject_kind"], x["subject_name"], x["source_sheet"], x["source_cell"],
                                _s(x.get("weight_total")), _s(x.get("total_score")),
                                x.get("grade") or grade_band(x.get("total_score"))))
    for x in rows.get("facts", []):
        val = x.get("amount_yuan") if x.get("amount_yuan") is not None else x.get("value_text")
        out["facts"].add((x["kind"], x.get("name"), _s(val), x["source_sheet"], x["source_cell"]))
    return out


def compare(rows: dict[str, list[dict]], wb: dict) -> tuple[dict[str, set], dict[str, int]]:
    """(missing expected facts per category, expected count per category)."""
    exp = expected(wb)
    act = actual(rows, exp)
    missing = {k: exp[k] - act[k] for k in exp}
    return missing, {k: len(v) for k, v in exp.items()}
