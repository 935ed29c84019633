"""Reconciliation on the public samples (tests/fixtures/samples, manifest.json).

Two warehouses:

* ``samples_warehouse`` — the real thing: ``ingest.ingestion.ingest_landing`` over the sample submissions, then
  ``dbt build`` (ingest.dbt_runner.run_dbt), then ``run_reconciliation``. Every discrepancy the manifest lists
  (``expected.discrepancies`` and the top-level ``cross_workbook_discrepancies``) must be found with its stated
  difference and severity, every ``tolerated_differences`` entry must pass, and there must be NO other error
  finding: a false alarm is a defect. These tests depend on the extractors and the dbt project; while those are
  unfinished they fail — which is the point.
* ``manifest_marts`` — mart tables built directly from the manifest's expected facts (what correct extractors
  and dbt models would publish). The same assertions hold there; this isolates the checks from extraction.
"""
from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from ingest.reconcile import run_reconciliation
from tests.test_reconciliation_rules import add, create_marts

SAMPLES = Path(__file__).parent / "fixtures" / "samples"
MANIFEST = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
CENT = D("0.01")


def _wb_dept_year(wb: dict) -> tuple[str, int]:
    return wb["department"], int(wb["fiscal_year"])


def expected_findings() -> list[dict]:
    """Every discrepancy of the manifest with its department and year."""
    out = []
    for wb in MANIFEST["workbooks"]:
        dept, year = _wb_dept_year(wb)
        for d in wb["expected"]["discrepancies"]:
            out.append(dict(d, department_name=dept, fiscal_year=year))
    for d in MANIFEST["cross_workbook_discrepancies"]:
        dept, year = d["subject"].rsplit("/", 1)
        out.append(dict(d, department_name=dept, fiscal_year=int(year)))
    return out


def tolerated() -> list[dict]:
    out = []
    for wb in MANIFEST["workbooks"]:
        dept, year = _wb_dept_year(wb)
        for d in wb["expected"]["tolerated_differences"]:
            out.append(dict(d, department_name=dept, fiscal_year=year))
    return out


def _dec(v) -> D | None:
    return None if v is None else D(str(v)).quantize(CENT)


def _rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    cur = con.execute("SELECT * FROM audit.reconciliation_results WHERE run_id = ?", [run_id])
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _match(rows: list[dict], d: dict, *, by_diff: bool = True) -> list[dict]:
    """Rows of the same rule, department and year with the stated difference (and the stated subject when a row
    has exactly that subject)."""
    rule = d["rule"]
    cands = [r for r in rows if r["rule_id"] == rule and r["department_name"] == d["department_name"]
             and r["fiscal_year"] == d["fiscal_year"] and r["diff_yuan"] is not None
             and (not by_diff or _dec(r["diff_yuan"]) == _dec(d["diff_yuan"]))]
    exact = [r for r in cands if r["subject"] == d["subject"]]
    return exact or cands


def assert_manifest_findings(rows: list[dict]) -> None:
    problems = []
    found_ids = set()
    for d in expected_findings():
        m = _match(rows, d)
        if not m:
            near = [(r["subject"], str(r["diff_yuan"])) for r in rows if r["rule_id"] == d["rule"]
                    and r["department_name"] == d["department_name"] and r["fiscal_year"] == d["fiscal_year"]]
            problems.append(f"not found: {d['id']} ({d['department_name']} {d['fiscal_year']}) diff {d['diff_yuan']}"
                            f" — rows of that rule: {near[:8]}")
            continue
        r = m[0]
        if r["status"] != "failed" or r["passed"] is not False:
            problems.append(f"{d['id']}: found with diff {r['diff_yuan']} but status {r['status']}")
        if r["severity"] != d["severity"]:
            problems.append(f"{d['id']}: severity {r['severity']}, manifest says {d['severity']}")
        if _dec(r["left_yuan"]) != _dec(d["left_yuan"]) or _dec(r["right_yuan"]) != _dec(d["right_yuan"]):
            problems.append(f"{d['id']}: sides {r['left_yuan']} / {r['right_yuan']}, manifest "
                            f"{d['left_yuan']} / {d['right_yuan']}")
        found_ids.add(id(r))
    for d in tolerated():
        m = _match(rows, d)
        if not m:
            problems.append(f"tolerated difference not checked: {d['id']} ({d['department_name']}) diff {d['diff_yuan']}")
            continue
        r = m[0]
        if r["status"] != "passed":
            problems.append(f"{d['id']}: diff {r['diff_yuan']} tolerance {r['tolerance_yuan']} — {r['status']}, "
                            "must pass")
        if _dec(r["tolerance_yuan"]) != _dec(d["tolerance_yuan"]):
            problems.append(f"{d['id']}: tolerance {r['tolerance_yuan']}, manifest {d['tolerance_yuan']}")
    false_alarms = [r for r in rows if r["status"] == "failed" and r["severity"] == "error" and id(r) not in found_ids]
    for r in false_alarms:
        problems.append(f"false alarm: {r['rule_id']} {r['department_name']} {r['fiscal_year']} {r['subject']}: "
                        f"{r['left_label']} {r['left_yuan']} vs {r['right_label']} {r['right_yuan']} "
                        f"(diff {r['diff_yuan']}, tolerance {r['tolerance_yuan']}) cells {r['source_cells']}")
    not_run = [r for r in rows if r["status"] == "not_run"]
    for r in not_run:
        problems.append(f"rule could not run: {r['rule_id']}: {r['left_label']}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def assert_satisfaction_warning(rows: list[dict]) -> None:
    """R15: 智慧常德 社会公众满意度 86.95% against 90%以上 is a missed target (warn)."""
    hits = [r for r in rows if r["rule_id"] == "R15" and r["department_name"] == "常德市行政审批服务局"
            and "社会公众满意度" in (r["subject"] or "")]
    assert hits, "R15 did not look at 智慧常德 社会公众满意度"
    r = hits[0]
    assert r["status"] == "failed" and r["severity"] == "warn", r
    assert _dec(r["left_yuan"]) == D("86.95") and _dec(r["right_yuan"]) == D("90.00"), r


# ------------------------------------------------------------------------------------------------------------
# Marts from the manifest

def _cell(wb: dict, sheet: str, cell: str | None) -> dict:
    return {"source_file": wb["path"].removeprefix("submissions/"), "source_sheet": sheet, "source_cell": cell}


def build_manifest_marts(con: duckdb.DuckDBPyConnection) -> None:
    from ingest.targets import evaluate

    create_marts(con)
    for wb in MANIFEST["workbooks"]:
        dept, year = _wb_dept_year(wb)
        e = wb["expected"]
        units = {s["name"]: s.get("unit") for s in wb["sheets"]}
        base = {"department_name": dept, "fiscal_year": year}
        for x in e["line_items"]:
            add(con, "fct_line_items", **base, statement=None, line_item_key=x["key"], scope=x["scope"],
                phase=x["phase"], amount_yuan=x["amount_yuan"], unit=units.get(x["sheet"]), **_cell(wb, x["sheet"], x["cell"]))
        for x in e["func_lines"]:
            add(con, "fct_line_items", **base, statement=x["statement"], line_item_key="func:" + x["code"],
                code=x["code"], column_key=x["column_key"], scope=x["scope"], phase="actual",
                amount_yuan=x["amount_yuan"], unit=units.get(x["sheet"]), **_cell(wb, x["sheet"], x["cell"]))
        for x in e["econ_lines"]:
            add(con, "fct_line_items", **base, statement="expenditure", line_item_key="econ:" + x["code"],
                code=x["code"], column_key=x["column_key"], scope=x["scope"], phase="actual",
                amount_yuan=x["amount_yuan"], unit=units.get(x["sheet"]), **_cell(wb, x["sheet"], x["cell"]))
        for x in e["project_funds"]:
            parts = {k + "_yuan": v for k, v in (x.get("parts") or {}).items()}
            stated = None if x.get("execution_rate_computed") else x.get("execution_rate")
            add(con, "fct_project_funds", **base, subject_kind=x["subject_kind"], project_name=x["project_name"],
                budget_initial_yuan=x.get("budget_initial"), budget_adjusted_yuan=x.get("budget_full_year"),
                executed_yuan=x.get("executed"), execution_rate=x.get("execution_rate"),
                execution_rate_stated=stated, score_weight=x.get("score_weight"), score=x.get("score"),
                table_kind="t1_project_self_evaluation" if x.get("score_weight") else "t5_project_targets",
                unit=units.get(x["sheet"]), **{k: v for k, v in parts.items() if not k.endswith("_initial_yuan")},
                **_cell(wb, x["sheet"], (x.get("cells") or {}).get("budget_full_year")))
        for x in e["fund_projects"]:
            cell = _cell(wb, x["sheet"], x["cells"].get("allocated"))
            if x["row_kind"] == "project":
                add(con, "fct_project_funds", **base, subject_kind="project", project_name=x["project_name"],
                    category=x.get("category"), budget_initial_yuan=x.get("budget_initial"),
                    budget_adjusted_yuan=x.get("allocated"), executed_yuan=x.get("paid"),
                    carryover_yuan=x.get("carryover"), table_kind="t4_special_fund_projects",
                    unit=units.get(x["sheet"]), **cell)
            else:
                add(con, "fct_fund_rows", **base, fund_name="智慧常德建设资金", row_kind=x["row_kind"],
                    project_name=x["project_name"], budget_initial_yuan=x.get("budget_initial"),
                    allocated_yuan=x.get("allocated"), paid_yuan=x.get("paid"), carryover_yuan=x.get("carryover"),
                    table_kind="t4_special_fund", unit=units.get(x["sheet"]), **cell)
        for x in e["indicators"]:
            ev = evaluate(x.get("target_text"), x.get("actual_text"), x.get("weight"))
            add(con, "fct_indicator_results", **base, subject_kind=x["subject_kind"], project_name=x["subject_name"],
                level1=x.get("level1"), level2=x.get("level2"), level3=x.get("level3"),
                target_text=x.get("target_text"), actual_text=x.get("actual_text"), target_op=ev.target_op,
                target_value=ev.target_value, target_unit=ev.target_unit, actual_value=ev.actual_value,
                weight=x.get("weight"), score=x.get("score"), recomputed_score=ev.recomputed_score,
                achieved=ev.achieved, **_cell(wb, x["sheet"], x.get("score_cell") or x.get("level3_cell")))
        for x in e["evaluations"]:
            add(con, "fct_evaluation_scores", **base, subject_kind=x["subject_kind"], subject_name=x["subject_name"],
                weight_total=x.get("weight_total"), total_score=x.get("total_score"), grade=x.get("grade"),
                **_cell(wb, x["sheet"], x["cell"]))
        for x in e["facts"]:
            add(con, "fct_facts", **base, kind=x["kind"], name=x.get("name"), amount_yuan=x.get("amount_yuan"),
                value_text=x.get("value"), unit=units.get(x["sheet"]), **_cell(wb, x["sheet"], x["cell"]))


@pytest.fixture(scope="module")
def manifest_marts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rc_manifest")
    con = duckdb.connect(str(tmp / "manifest.duckdb"))
    build_manifest_marts(con)
    summary = run_reconciliation(con, "manifest-run", tmp / "reports")
    rows = _rows(con, "manifest-run")
    yield con, summary, rows
    con.close()


def test_manifest_marts_findings(manifest_marts):
    _, _, rows = manifest_marts
    assert_manifest_findings(rows)


def test_manifest_marts_satisfaction_warning(manifest_marts):
    _, _, rows = manifest_marts
    assert_satisfaction_warning(rows)


def test_manifest_marts_every_rule_ran(manifest_marts):
    _, summary, rows = manifest_marts
    assert not summary.rule_errors
    assert {r["rule_id"] for r in rows} >= {f"R{n:02d}" for n in range(1, 19)} - {"R16"}


# ------------------------------------------------------------------------------------------------------------
# The real samples warehouse: ingest → dbt build → reconcile

@pytest.fixture(scope="module")
def samples_warehouse(tmp_path_factory):
    from ingest.dbt_runner import run_dbt
    from ingest.ingestion import ingest_landing

    tmp = tmp_path_factory.mktemp("rc_samples")
    wh = tmp / "jixiao.duckdb"
    con = duckdb.connect(str(wh))
    try:
        ingest_landing(con, SAMPLES / "submissions", "samples-ingest")
    finally:
        con.close()
    res = run_dbt(wh)
    if not res.success:
        pytest.fail("dbt build failed on the samples warehouse:\n" + "\n".join(res.failures[:30]))
    con = duckdb.connect(str(wh))
    summary = run_reconciliation(con, "samples-run", tmp / "reports")
    rows = _rows(con, "samples-run")
    yield con, summary, rows, tmp / "reports"
    con.close()


def test_samples_manifest_findings(samples_warehouse):
    _, _, rows, _ = samples_warehouse
    assert_manifest_findings(rows)


def test_samples_satisfaction_warning(samples_warehouse):
    _, _, rows, _ = samples_warehouse
    assert_satisfaction_warning(rows)


def test_samples_summary_and_docs(samples_warehouse):
    _, summary, rows, reports = samples_warehouse
    assert not summary.rule_errors, summary.rule_errors
    assert summary.checked == sum(1 for r in rows if r["status"] in ("passed", "failed"))
    assert summary.failed_error == sum(1 for r in rows if r["status"] == "failed" and r["severity"] == "error")
    assert (reports / "gx_data_docs" / "index.html").exists()
