"""ingest.report: the HTML page, the findings CSV and the JSON summary from small hand-made audit/mart tables."""
from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.report import ReportPaths, build_report, csv_safe, fmt_yuan, split_cells

RUN = "20240101T000000-abc123"
HOSTILE_DEPT = '=HYPERLINK("http://evil.example/x","点我")'
SCRIPT_PROJECT = "<script>alert('x')</script>道路维修"
SCRIPT_DEPT = "<script>alert(1)</script>局"

# (rule_id, severity, dept, year, subject, left_label, left, right_label, right, diff, tol, passed, cells)
RESULTS = [
    ("R10", "error", "常德市财政局", 2016, "项目支出经济分类", "项目支出", "36031421.10",
     "经济分类明细合计", "46292542.16", "-10261121.06", "0.01", False,
     "2016/常德市财政局/决算.xlsx · 表6 · C7; 2016/常德市财政局/决算.xlsx · 表8 · D9"),
    ("R03", "error", "常德市财政局", 2016, "本年支出合计", "本年支出合计", "50000000.00",
     "各项支出之和", "49990000.00", "10000.00", "0.01", False, "决算.xlsx · 表1 · F20"),
    ("R01", "error", "常德市财政局", 2016, "本年收入合计", "本年收入合计", "1000.00", "各项收入之和",
     "1000.00", "0.00", "0.01", True, "决算.xlsx · 表1 · B20"),
    ("R16", "error", "常德市财政局", 2016, "年初结转", "年初结转和结余", None, "上年年末结转和结余", None,
     None, None, None, None),
    ("R12", "warn", HOSTILE_DEPT, 2020, "项目执行数", "项目执行数合计", "1234567.89", "项目支出",
     "1200000.00", "34567.89", "50.00", False, "=cmd|' /C calc'!A0, 自评表.xlsx · Sheet1 · E5"),
    ("R15", "warn", SCRIPT_DEPT, 2021, SCRIPT_PROJECT, "自评得分", "10.00", "复核得分", "8.00", "2.00",
     "0.00", False, "自评.xlsx · 指标 · H12"),
    ("R01", "error", "益阳市教育局", 2020, "本年收入合计", "本年收入合计", "26969200.00", "各项收入之和",
     "26969100.00", "100.00", "150.00", True, "益阳.xlsx · 表1 · B6"),
    ("R01", "error", "益阳市教育局", 2020, "本年收入合计(other run)", "x", "1", "y", "2", "-1", "0", False, ""),
]


def make_warehouse(path: Path, *, with_marts: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA audit; CREATE SCHEMA marts;")
    con.execute("""CREATE TABLE audit.reconciliation_results (run_id VARCHAR, rule_id VARCHAR, severity VARCHAR,
        department_name VARCHAR, fiscal_year INTEGER, subject VARCHAR, left_label VARCHAR, left_yuan DECIMAL(18,2),
        right_label VARCHAR, right_yuan DECIMAL(18,2), diff_yuan DECIMAL(18,2), tolerance_yuan DECIMAL(18,2),
        passed BOOLEAN, source_cells VARCHAR, status VARCHAR)""")
    for i, r in enumerate(RESULTS):
        run = "older-run" if i == len(RESULTS) - 1 else RUN
        status = {True: "passed", False: "failed", None: "not_applicable"}[r[11]]
        con.execute("INSERT INTO audit.reconciliation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run, *r, status])
    con.execute("""CREATE TABLE audit.ingested_files (path VARCHAR, file_sha256 VARCHAR, status VARCHAR,
        template_kinds VARCHAR, rows_extracted INTEGER, loaded_at TIMESTAMP, superseded_by VARCHAR,
        department_name VARCHAR, fiscal_year INTEGER)""")
    con.execute("""INSERT INTO audit.ingested_files VALUES
        ('2016/常德市财政局/决算.xlsx', 'a1', 'loaded', 't3', 120, '2024-01-01 01:00', NULL, '常德市财政局', 2016),
        ('2016/常德市财政局/决算_旧.xlsx', 'a0', 'superseded', 't3', 118, '2023-12-01 01:00', 'a1', '常德市财政局', 2016),
        ('2020/益阳/copy.xlsx', 'b1', 'unchanged', '', 0, '2024-01-01 01:00', NULL, NULL, NULL),
        ('2020/益阳/坏文件.xlsx', 'c1', 'rejected', '', 0, '2024-01-01 01:00', NULL, NULL, NULL),
        ('2020/益阳/=evil.xlsx', 'c2', 'rejected', '', 0, '2024-01-01 01:00', NULL, NULL, NULL)""")
    con.execute("""CREATE TABLE audit.rejected_files (path VARCHAR, file_sha256 VARCHAR, reason_code VARCHAR,
        reason VARCHAR, sheet VARCHAR, cell VARCHAR)""")
    con.execute("""INSERT INTO audit.rejected_files VALUES
        ('2020/益阳/坏文件.xlsx', 'c1', 'bad_value', '单元格必须是数字，实际为“约三百万”', '表1', 'C9'),
        ('2020/益阳/=evil.xlsx', 'c2', 'unreadable_workbook', '<b>not</b> an Excel workbook', NULL, NULL)""")
    if with_marts:
        con.execute("""CREATE TABLE marts.fct_line_items (department_name VARCHAR, fiscal_year INTEGER,
            statement VARCHAR, line_item_key VARCHAR, scope VARCHAR, phase VARCHAR, amount_yuan DECIMAL(18,2),
            column_key VARCHAR)""")
        con.execute("""INSERT INTO marts.fct_line_items VALUES
            ('常德市财政局', 2016, 'expenditure', 'expenditure_total', 'all_funds', 'actual', 50000000.00, NULL),
            ('常德市财政局', 2016, 'expenditure', 'expenditure_project', 'all_funds', 'actual', 36031421.10, NULL)""")
        con.execute("""CREATE TABLE marts.fct_project_funds (department_name VARCHAR, fiscal_year INTEGER,
            project_name VARCHAR, budget_adjusted_yuan DECIMAL(18,2), executed_yuan DECIMAL(18,2),
            execution_rate DECIMAL(9,4), score_weight DECIMAL(9,2), score DECIMAL(9,2))""")
        con.execute("INSERT INTO marts.fct_project_funds VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [SCRIPT_DEPT, 2021, SCRIPT_PROJECT, Decimal("2000000"), Decimal("1708000"), Decimal("0.854"),
                     10, 8.54])
        con.executemany("INSERT INTO marts.fct_project_funds VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            ["常德市财政局", 2016, "农村公路建设专项资金项目（很长很长的项目名称用于测试截断显示）", 30000000, 31500000,
             None, 10, 10],
            ["常德市财政局", 2016, "乡村教师培训", 1200000, 540000, 0.45, 10, 4.5],
            [HOSTILE_DEPT, 2020, "信息化建设", 800000, 720000, 0.9, 10, 9],
        ])
        con.execute("""CREATE TABLE marts.fct_indicator_results (department_name VARCHAR, fiscal_year INTEGER,
            subject_kind VARCHAR, project_name VARCHAR, level1 VARCHAR, level2 VARCHAR, level3 VARCHAR,
            weight DECIMAL(9,2), score DECIMAL(9,2), recomputed_score DECIMAL(9,2), achieved BOOLEAN)""")
        con.execute("""INSERT INTO marts.fct_indicator_results VALUES
            ('益阳市教育局', 2020, 'project', '校舍维修', '产出指标', '质量指标', '验收合格率', 10, 10, 10, TRUE),
            ('益阳市教育局', 2020, 'project', '校舍维修', '效益指标', '满意度', '满意度', 10, 10, 6, FALSE)""")
        con.execute("""CREATE TABLE marts.fct_evaluation_scores (department_name VARCHAR, fiscal_year INTEGER,
            subject_kind VARCHAR, subject_name VARCHAR, total_score DECIMAL(9,2), grade VARCHAR,
            recomputed_total DECIMAL(9,2))""")
        con.execute("""INSERT INTO marts.fct_evaluation_scores VALUES
            ('益阳市教育局', 2020, 'project', '校舍维修', 95.00, '优', 88.50),
            (?, 2021, 'project', ?, 80.00, '良', 80.00)""", [SCRIPT_DEPT, SCRIPT_PROJECT])
    return con


@pytest.fixture()
def built(tmp_path: Path) -> tuple[ReportPaths, duckdb.DuckDBPyConnection]:
    con = make_warehouse(tmp_path / "wh.duckdb")
    summary = {"run_id": RUN, "ingest": {"files": 5, "loaded": 1, "unchanged": 1, "superseded": 1, "rejected": 2,
                                         "skipped_known": 0, "rows": 120}, "rejections": []}
    paths = build_report(con, RUN, tmp_path / "reports", summary=summary)
    yield paths, con
    con.close()


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))


def test_files_written(built):
    paths, _ = built
    for p in (paths.html, paths.latest_html, paths.csv, paths.latest_csv, paths.summary_json):
        assert p.is_file() and p.stat().st_size > 0, p
    assert paths.html.name == f"reconciliation_{RUN}.html"
    assert paths.csv.name == f"findings_{RUN}.csv"
    assert paths.summary_json.name == f"summary_{RUN}.json"
    assert paths.latest_html.read_bytes() == paths.html.read_bytes()
    assert paths.latest_csv.read_bytes() == paths.csv.read_bytes()


def test_html_escapes_and_formats(built):
    paths, _ = built
    page = paths.html.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;局" in page
    assert "&lt;b&gt;not&lt;/b&gt;" in page                     # rejected reason escaped too
    assert "-10,261,121.06" in page and "36,031,421.10" in page and "46,292,542.16" in page
    assert "1,234,567.89" in page
    for label in ("对账报告", "部门", "年度", "规则", "严重程度", "错误", "警告", "左方", "右方", "差额", "容差",
                  "来源单元格"):
        assert label in page, label
    assert 'id="findings"' in page
    for chart in ("chart-budget", "chart-rate", "chart-score"):
        assert f'<svg id="{chart}"' in page, chart
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        "http://evil.example", "")          # self-contained: no external resources
    assert "<link" not in page and "src=" not in page


def test_findings_all_failed_rows_present(built):
    paths, _ = built
    page = paths.html.read_text(encoding="utf-8")
    start = page.index('id="findings"')
    findings = page[start:page.index("</table>", start)]
    # the four failed rows of this run (not the passed ones, not the other run's)
    assert findings.count("<tr><td>") == 4
    plain = re.sub(r"<[^>]+>", "", findings)                  # the text a reader sees
    for text in ("R10", "R03", "R12", "R15", "项目支出经济分类", "本年支出合计", "2016/常德市财政局/决算.xlsx · 表6 · C7",
                 "2016/常德市财政局/决算.xlsx · 表8 · D9", "决算.xlsx · 表1 · F20", "自评.xlsx · 指标 · H12",
                 "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;道路维修", "-10,261,121.06", "36,031,421.10",
                 "46,292,542.16", "0.01", "34,567.89", "50.00", "1,234,567.89", "1,200,000.00"):
        assert text in plain, text
    assert "本年收入合计(other run)" not in page
    assert "R16" not in findings and "R01" not in findings
    # grouped by department and year
    assert "部门：常德市财政局" in findings and "年度：2016" in findings
    assert findings.index("部门：常德市财政局") < findings.index(">R03<") < findings.index(">R10<")
    # per-rule counts include the not-applicable R16
    rules = page[page.index("id='rules'"):]
    assert "R16" in rules


def test_csv_formula_injection_guard(built):
    paths, _ = built
    rows = _csv_rows(paths.csv)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["部门", "年度", "规则"]
    assert len(body) == 4
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    depts = [r[0] for r in body]
    assert "'" + HOSTILE_DEPT in depts
    diff = header.index("差额（元）")
    assert "'-10261121.06" in [r[diff] for r in body]       # negatives are prefixed too (documented)
    cells = header.index("来源单元格")
    assert any(r[cells].startswith("'=cmd|") for r in body)
    assert any("表6 · C7" in r[cells] for r in body)
    text = paths.csv.read_bytes()[3:].decode("utf-8")
    assert "<script>alert(1)</script>局" in text             # CSV is not HTML: kept as written


def test_summary_json(built):
    paths, _ = built
    s = json.loads(paths.summary_json.read_text(encoding="utf-8"))
    assert s["run_id"] == RUN
    r = s["rules"]
    assert r["by_severity"]["error"] == {"checked": 4, "passed": 2, "failed": 2, "not_applicable": 1}
    assert r["by_severity"]["warn"] == {"checked": 2, "passed": 0, "failed": 2, "not_applicable": 0}
    assert r["checked"] == 6 and r["passed"] == 2 and r["failed"] == 4 and r["not_applicable"] == 1
    assert r["failed_error"] == 2 and r["failed_warn"] == 2
    assert s["files"]["by_status"] == {"loaded": 1, "unchanged": 1, "superseded": 1, "rejected": 2}
    assert {x["path"] for x in s["files"]["rejected"]} == {"2020/益阳/坏文件.xlsx", "2020/益阳/=evil.xlsx"}
    assert s["files"]["this_run"]["loaded"] == 1


def test_ingest_section(built):
    paths, _ = built
    page = paths.html.read_text(encoding="utf-8")
    ing = page[page.index("id='ingest'"):]
    assert "2020/益阳/坏文件.xlsx" in ing and "bad_value" in ing and "约三百万" in ing
    for label in ("已加载", "未变化", "被新版本替代", "被拒收"):
        assert label in ing


def test_renders_with_missing_tables(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    try:
        paths = build_report(con, "r1", tmp_path / "out")
    finally:
        con.close()
    page = paths.html.read_text(encoding="utf-8")
    assert 'id="findings"' in page and "没有对账结果" in page and "没有未通过的规则" not in page
    for chart in ("chart-budget", "chart-rate", "chart-score"):
        assert f'<svg id="{chart}"' in page
    for rel in ("audit.reconciliation_results", "audit.ingested_files", "marts.fct_project_funds",
                "marts.fct_evaluation_scores"):
        assert rel in page, rel
    assert _csv_rows(paths.csv)[1:] == []
    s = json.loads(paths.summary_json.read_text(encoding="utf-8"))
    assert s["rules"]["checked"] == 0 and s["missing"]


def test_renders_with_empty_marts_and_line_item_fallback(tmp_path: Path):
    con = make_warehouse(tmp_path / "wh.duckdb", with_marts=False)
    con.execute("""CREATE TABLE marts.fct_line_items (department_name VARCHAR, fiscal_year INTEGER,
        statement VARCHAR, line_item_key VARCHAR, scope VARCHAR, phase VARCHAR, amount_yuan DECIMAL(18,2),
        column_key VARCHAR)""")
    con.execute("""INSERT INTO marts.fct_line_items VALUES
        ('常德市财政局', 2016, 'expenditure', 'expenditure_total', 'fiscal', 'budget_adjusted', 52000000, NULL),
        ('常德市财政局', 2016, 'expenditure', 'expenditure_total', 'fiscal', 'actual', 50000000, NULL)""")
    con.execute("CREATE TABLE marts.fct_project_funds (department_name VARCHAR, fiscal_year INTEGER, "
                "project_name VARCHAR, budget_adjusted_yuan DECIMAL(18,2), executed_yuan DECIMAL(18,2), "
                "execution_rate DECIMAL(9,4))")
    try:
        paths = build_report(con, RUN, tmp_path / "out")
    finally:
        con.close()
    page = paths.html.read_text(encoding="utf-8")
    budget = page[page.index('<svg id="chart-budget"'):page.index("</svg>", page.index('<svg id="chart-budget"'))]
    assert "52,000,000.00" in budget and "50,000,000.00" in budget
    assert "marts.fct_line_items" in page
    assert "marts.fct_project_funds 没有数据" in page
    assert "-10,261,121.06" in page


def test_helpers():
    assert fmt_yuan(Decimal("-10261121.06")) == "-10,261,121.06"
    assert fmt_yuan(None) == "—"
    assert fmt_yuan(0) == "0.00"
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("+1") == "'+1" and csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("\tx") == "'\tx" and csv_safe("\rx") == "'\rx" and csv_safe("-3") == "'-3"
    assert csv_safe("正常") == "正常" and csv_safe(None) == "" and csv_safe(12) == "12"
    assert split_cells("a · s · B1; a · s · B2") == ["a · s · B1", "a · s · B2"]
    assert split_cells("a · s · B1, a · s · B2") == ["a · s · B1", "a · s · B2"]
    assert split_cells(None) == [] and split_cells("") == []
