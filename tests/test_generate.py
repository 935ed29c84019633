"""ingest.generate / ingest.demo: determinism, layout sanity, and the arithmetic re-read from the workbooks."""
from __future__ import annotations

import hashlib
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from ingest.demo import build_demo_landing
from ingest.generate import generate_landing

FACTOR = {"元": D(1), "千元": D(1000), "万元": D(10000)}
HALF = {"元": D("0.005"), "千元": D("5"), "万元": D("50")}


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, build_demo_landing(out)


def sheets(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}


def unit_of(rows) -> str:
    for row in rows[:4]:
        for v in row:
            m = re.search(r"单位[:：]\s*(万元|千元|元)", str(v))
            if m:
                return m.group(1)
    raise AssertionError("no unit")


def yuan(v, unit) -> D:
    if v in ("", None):
        return D(0)
    return (D(str(v)) * FACTOR[unit]).quantize(D("0.01"))


def find(rows, col, label):
    for r in rows:
        if len(r) > col and str(r[col]).strip() == label:
            return r
    raise KeyError(label)


def tol(n, unit) -> D:
    return (n + 1) * HALF[unit]


# ------------------------------------------------------------------------------------------------------
def test_demo_is_deterministic_and_workbooks_only(tmp_path, demo):
    out, manifest = demo
    again = tmp_path / "again"
    m2 = build_demo_landing(again)
    assert digest(out) == digest(again)
    assert manifest == m2
    files = list(digest(out))
    assert files and all(f.endswith((".xlsx", ".xls")) for f in files)
    assert sorted(files) == sorted(f["path"] for f in manifest["files"])
    assert len(manifest["departments"]) == 4 and manifest["years"] == [2020, 2021, 2022]
    assert sum(f.endswith(".xls") for f in files) == 1


def test_province_options_are_deterministic(tmp_path):
    kw = dict(departments=6, years=(2021, 2022), seed=7, variation=True, bad_files=3, xls_share=0.3,
              planted_discrepancy_rate=0.5)
    m1 = generate_landing(tmp_path / "a", **kw)
    m2 = generate_landing(tmp_path / "b", **kw)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") and m1 == m2
    assert len(m1["bad_files"]) == 3 and m1["planted"]
    for f in m1["files"]:
        p = tmp_path / "a" / f["path"]
        if f["kind"] == "bad_file":
            continue
        assert sheets(p)  # every good workbook opens (xlsx and xls)
    truncated = [b for b in m1["bad_files"] if b["kind"] == "truncated_zip"]
    with pytest.raises(Exception):
        CalamineWorkbook.from_path(str(tmp_path / "a" / truncated[0]["path"])).sheet_names


def test_cli_generate_plants_discrepancies_and_writes_the_manifest(tmp_path):
    import json

    from ingest.cli import main
    out, man = tmp_path / "landing", tmp_path / "manifest.json"
    assert main(["generate", "--departments", "5", "--years", "2", "--out", str(out), "--seed", "7",
                 "--planted-rate", "0.5", "--manifest", str(man)]) == 0
    m = json.loads(man.read_text(encoding="utf-8"))
    assert m["planted"] and m["options"]["planted_discrepancy_rate"] == 0.5
    assert sorted(digest(out)) == sorted(f["path"] for f in m["files"])   # the manifest stays outside the landing
    assert main(["generate", "--departments", "5", "--years", "2", "--out", str(tmp_path / "plain"),
                 "--seed", "7", "--manifest", str(tmp_path / "plain.json")]) == 0
    assert json.loads((tmp_path / "plain.json").read_text(encoding="utf-8"))["planted"] == []


def test_openpyxl_engine_reads_the_same(tmp_path):
    generate_landing(tmp_path / "f", departments=1, years=(2022,), seed=3)
    generate_landing(tmp_path / "o", departments=1, years=(2022,), seed=3, engine="openpyxl")
    a, b = digest(tmp_path / "f"), digest(tmp_path / "o")
    assert a.keys() == b.keys()
    for rel in a:
        assert sheets(tmp_path / "f" / rel) == sheets(tmp_path / "o" / rel)
    generate_landing(tmp_path / "o2", departments=1, years=(2022,), seed=3, engine="openpyxl")
    assert digest(tmp_path / "o") == digest(tmp_path / "o2")


# ------------------------------------------------------------------------------------------------------
def final_accounts(out: Path, manifest):
    for f in manifest["files"]:
        if f["kind"] == "final_accounts":
            yield f, sheets(out / f["path"])


def test_layout_labels(demo):
    out, manifest = demo
    f, sh = next(final_accounts(out, manifest))
    assert list(sh) == ["收入支出决算总表", "支出决算表", "基本支出决算表", "“三公”经费支出决算表", "固定资产情况表"]
    flat = {str(v) for rows in sh.values() for r in rows for v in r}
    for label in ["本年收入合计", "年初结转和结余", "年末结转和结余", "总计", "本年支出合计", "基本支出", "项目支出",
                  "人员经费", "公用经费", "人员经费合计", "公用经费合计", "预算数", "决算数", "公务接待费",
                  "固定资产原值年初数", f"编制单位：{f['department']}"]:
        assert label in flat, label
    t1 = [x for x in manifest["files"] if x["kind"] == "project_self_evaluation"][0]
    rows = next(iter(sheets(out / t1["path"]).values()))
    assert rows[0][0] == "项目支出绩效自评表" and find(rows, 1, "年度资金总额") and find(rows, 0, "总分")
    sf = [x for x in manifest["files"] if x["kind"] == "special_fund"]
    assert len(sf) == 1
    s = sheets(out / sf[0]["path"])
    grade = find(s["附件4 绩效评价评分表"], 0, "评价等级")[1]
    total = D(str(find(s["附件4 绩效评价评分表"], 0, "合计")[2]))
    assert grade == ("优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差")


def test_final_accounts_reconcile(demo):
    out, manifest = demo
    tolerated = {(t["department"], t["fiscal_year"]) for t in manifest["tolerated"]}
    seen = 0
    for f, sh in final_accounts(out, manifest):
        rows = sh["收入支出决算总表"]
        u = unit_of(rows)
        exact = (f["department"], f["fiscal_year"]) not in tolerated
        g = lambda label, col: yuan(find(rows, col, label)[col + 2], u)
        inc_items = sum(yuan(r[2], u) for r in rows[4:12])
        assert inc_items == g("本年收入合计", 0)                                       # R01
        assert g("本年收入合计", 0) + g("年初结转和结余", 0) == yuan(find(rows, 0, "总计")[2], u)   # R02
        assert yuan(find(rows, 0, "总计")[2], u) == yuan(find(rows, 3, "总计")[5], u)      # R06
        assert g("本年支出合计", 3) + g("年末结转和结余", 3) == yuan(find(rows, 3, "总计")[5], u)  # R05
        class_sum = sum(yuan(r[5], u) for r in rows[4:12])
        exp_total = g("本年支出合计", 3)
        # 支出决算表: 类 = Σ 款 = Σ 项, row total = basic + project
        fr = [r for r in sh["支出决算表"] if re.fullmatch(r"\d{3}|\d{5}|\d{7}", str(r[0]))]
        vals = {r[0]: [yuan(v, u) for v in r[2:5]] for r in fr}
        for code, (t, b, p) in vals.items():
            assert abs(t - b - p) <= (0 if exact else tol(2, u)), code
            kids = [c for c in vals if len(c) == len(code) + 2 and c.startswith(code)] if len(code) < 7 else []
            if kids:
                assert abs(sum(vals[c][0] for c in kids) - t) <= (0 if exact else tol(len(kids), u)), code
        total_row = find(sh["支出决算表"], 0, "合计")
        classes = [c for c in vals if len(c) == 3]
        assert yuan(total_row[2], u) == exp_total == class_sum
        assert sum(vals[c][0] for c in classes) == exp_total
        t, b, p = (yuan(v, u) for v in total_row[2:5])
        assert abs(t - b - p) <= (0 if exact else tol(2, u))                          # R03
        # 基本支出决算表: Σ codes = 人员经费 / 公用经费, personnel + public = basic
        br = sh["基本支出决算表"]
        pers, pub = find(br, 0, "人员经费合计")[2], find(br, 3, "公用经费合计")[5]
        five_l = sum(yuan(r[2], u) for r in br[4:] if re.fullmatch(r"\d{5}", str(r[0])))
        five_r = sum(yuan(r[5], u) for r in br[4:] if len(r) > 5 and re.fullmatch(r"\d{5}", str(r[3])))
        three_l = sum(yuan(r[2], u) for r in br[4:] if re.fullmatch(r"\d{3}", str(r[0])))
        assert five_l == three_l == yuan(pers, u) and five_r == yuan(pub, u)             # R09
        assert yuan(pers, u) + yuan(pub, u) == b                                       # R04
        # 三公: total = overseas + vehicle + reception; vehicle = purchase + operation (both phases)
        tp = [yuan(v, u) for v in sh["“三公”经费支出决算表"][5]]
        for o in (0, 6):
            assert tp[o] == tp[o + 1] + tp[o + 2] + tp[o + 5] and tp[o + 2] == tp[o + 3] + tp[o + 4]  # R07
        fa = sh["固定资产情况表"]
        assert yuan(find(fa, 0, "固定资产原值年末数")[2], u) == \
            yuan(find(fa, 0, "固定资产原值年初数")[2], u) + yuan(find(fa, 0, "本年增加")[2], u)  # R17
        seen += 1
    assert seen == 11  # 12 department-years, one in the legacy .xls layout


def test_carryover_continuity(demo):
    out, manifest = demo
    begin, end = {}, {}
    for f in manifest["files"]:
        if not f["kind"].startswith("final_accounts"):
            continue
        rows = next(iter(sheets(out / f["path"]).values()))
        u = unit_of(rows)
        key = f["department"]
        if f["kind"] == "final_accounts":
            begin[(key, f["fiscal_year"])] = yuan(find(rows, 0, "年初结转和结余")[2], u)
            end[(key, f["fiscal_year"])] = yuan(find(rows, 3, "年末结转和结余")[5], u)
        else:
            begin[(key, f["fiscal_year"])] = yuan(find(rows, 0, "上年结转")[2], u)
            end[(key, f["fiscal_year"])] = yuan(find(rows, 3, "年末结转和结余")[5], u)
    pairs = [(k, y) for (k, y) in begin if (k, y - 1) in end]
    assert len(pairs) == 8
    for k, y in pairs:
        assert begin[(k, y)] == end[(k, y - 1)], (k, y)                                # R16


def test_project_sheets(demo):
    out, manifest = demo
    n = 0
    for f in manifest["files"]:
        if f["kind"] != "project_self_evaluation":
            continue
        executed = D(0)
        for name, rows in sheets(out / f["path"]).items():
            u = unit_of(rows)
            tot = find(rows, 1, "年度资金总额")
            parts = [find(rows, 1, lab) for lab in ("其中：当年财政拨款", "上年结转资金", "其他资金")]
            for c in (2, 3, 4):
                assert yuan(tot[c], u) == sum(yuan(p[c], u) for p in parts)             # R11 parts
            bf, ex = D(str(tot[3])), D(str(tot[4]))
            rate = D(str(tot[6]))
            assert abs(rate - ex / bf) <= D("0.00005")                                  # R11 rate (4 decimals)
            assert D(str(tot[7])) == (min(ex / bf, D(1)) * 10).quantize(D("0.01"))       # R11 score
            ind = [r for r in rows[13:] if r[0] != "总分" and r[5] not in ("", None)]
            assert all(D(str(r[6])) <= D(str(r[5])) for r in ind)                        # R14 score <= weight
            assert sum(D(str(r[5])) for r in ind) + D(str(tot[5])) == 100
            total = find(rows, 0, "总分")
            assert D(str(total[6])) == (sum(D(str(r[6])) for r in ind) + D(str(tot[7])))
            executed += yuan(ex, u)
        totals = manifest["totals"][f["department"]][str(f["fiscal_year"])]
        k = len(sheets(out / f["path"]))
        assert abs(executed - D(totals["project_executed_t1"])) <= (0 if u == "元" else tol(k, u))  # true vs written
        n += 1
    assert n == 12


def test_department_self_evaluation(demo):
    out, manifest = demo
    for f in manifest["files"]:
        if f["kind"] != "department_self_evaluation":
            continue
        rows = next(iter(sheets(out / f["path"]).values()))
        ind = [r for r in rows[4:] if r[0] != "总分"]
        assert sum(D(str(r[3])) for r in ind) == 100
        assert all(D(str(r[4])) <= D(str(r[3])) for r in ind)
        tot = find(rows, 0, "总分")
        assert D(str(tot[4])) == sum(D(str(r[4])) for r in ind)
        # 一级/二级 labels carry their weight "（N分）"
        for r in ind:
            if r[0]:
                m = re.search(r"（(\d+)分）", r[0])
                assert m


def test_special_fund(demo):
    out, manifest = demo
    f = [x for x in manifest["files"] if x["kind"] == "special_fund"][0]
    s = sheets(out / f["path"])
    rows = s["附件2 项目实施情况表"]
    body = [r for r in rows[3:] if isinstance(r[0], float)]
    for r in body:
        assert yuan(r[6], "万元") == yuan(r[4], "万元") - yuan(r[5], "万元")            # R13
    tot = find(rows, 0, "合计")
    for c in (4, 5, 6):
        assert yuan(tot[c], "万元") == sum(yuan(r[c], "万元") for r in body)
    summ = s["附件1 收支汇总表"]
    cats = [r for r in summ[3:] if r[1] not in ("合计",) and r[0]]
    st = find(summ, 1, "合计")
    for c in (3, 4, 5, 6):
        assert yuan(st[c], "万元") == sum(yuan(r[c], "万元") for r in cats)
    assert yuan(st[4], "万元") == yuan(tot[4], "万元")


def test_planted_discrepancies_are_present(demo):
    out, manifest = demo
    planted = {p["rule"]: p for p in manifest["planted"]}
    assert set(planted) == {"R10", "R12", "R15"}
    # R10: legacy .xls, 项目支出 vs its economic breakdown
    p = planted["R10"]
    rows = sheets(out / p["file"])[p["sheet"]]
    start = [i for i, r in enumerate(rows) if r[0] == "支出经济分类情况"][0]
    block = rows[start + 2:]
    total = [r for r in block if r[1] == "合计"][0]
    econ = sum(yuan(r[4], "元") for r in block[: block.index(total)])
    assert yuan(total[4], "元") - econ == D(p["diff_yuan"]) == D("-10261120.65")
    assert yuan(find(rows, 3, "二、项目支出")[5], "元") == D(p["left_yuan"])
    # R15: full marks for a missed satisfaction target
    p = planted["R15"]
    rows = sheets(out / p["file"])[p["sheet"]]
    sat = [r for r in rows if r[0] == "满意度指标"][0]
    assert sat[3] == "≥90%" and sat[4] == "86.95%" and sat[6] == sat[5] == float(p["self_score"])
    # R12: Σ T1 执行数 vs 项目支出
    p = planted["R12"]
    ex = sum(yuan(find(r, 1, "年度资金总额")[4], "元") for r in sheets(out / p["file"]).values())
    assert ex == D(p["left_yuan"]) and D(p["diff_yuan"]) < 0
    # rounding case: must pass (inside the tolerance)
    t = [x for x in manifest["tolerated"] if x["rule"] == "R03"][0]
    rows = sheets(out / t["file"])["支出决算表"]
    tot, b, pr = (yuan(v, "万元") for v in find(rows, 0, "合计")[2:5])
    assert tot - (b + pr) == D(t["diff_yuan"]) == D("-100.00")
    assert abs(D(t["diff_yuan"])) <= D(t["tolerance_yuan"])
    assert D(manifest["totals"][t["department"]][str(t["fiscal_year"])]["expenditure_total"]) != tot  # true ≠ rounded


def test_province_planted_rules_show_in_the_workbooks(tmp_path):
    m = generate_landing(tmp_path, departments=8, years=(2020, 2021, 2022), seed=11, planted_discrepancy_rate=0.6)
    rules = {p["rule"] for p in m["planted"]}
    assert len(rules) >= 4
    for p in m["planted"]:
        if p["rule"] == "R16":
            rows = next(iter(sheets(tmp_path / p["file"]).values()))
            assert D(p["diff_yuan"]) != 0
        if p["rule"] == "R08":
            rows = sheets(tmp_path / p["file"])[p["sheet"]]
            code = p["subject"].split("/")[0]
            r = find(rows, 0, code)
            assert yuan(r[2], "元") - yuan(r[3], "元") - yuan(r[4], "元") == D(p["diff_yuan"])
