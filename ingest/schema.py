"""The raw and audit tables in the warehouse: the interface between extraction, loading and dbt.

Extractors emit rows (dicts) keyed by these table names; columns not given are NULL. Every raw row carries its
lineage (LINEAGE) and the department/year it belongs to. Money is DECIMAL(18,2) in 元, scores DECIMAL(9,2),
rates DECIMAL(9,4).
"""
from __future__ import annotations

MONEY = "DECIMAL(18,2)"
SCORE = "DECIMAL(9,2)"
RATE = "DECIMAL(9,4)"

LINEAGE: list[tuple[str, str]] = [
    ("source_file", "VARCHAR"),      # path relative to the landing root
    ("source_sheet", "VARCHAR"),
    ("source_cell", "VARCHAR"),      # A1 ref of the value, or the first cell of its row
    ("file_sha256", "VARCHAR"),
    ("table_kind", "VARCHAR"),       # which recogniser produced the row (e.g. t3_income_expenditure_summary)
    ("department_name", "VARCHAR"),
    ("fiscal_year", "INTEGER"),
    ("row_number", "INTEGER"),       # 1-based sheet row
]

RAW_TABLES: dict[str, list[tuple[str, str]]] = {
    # 部门决算 figures: named line items (line_items.csv keys) and func:/econ: classification rows.
    "line_items": [
        ("statement", "VARCHAR"),          # income | expenditure | three_public | assets | special_fund
        ("line_item_key", "VARCHAR"),      # key from line_items.csv, or func:<code> / econ:<code>
        ("code", "VARCHAR"),               # classification code for func:/econ: rows ('TOTAL' for the 合计 row)
        ("item_name", "VARCHAR"),          # the label as written (trimmed)
        ("column_key", "VARCHAR"),         # total/basic/project/... ; personnel/public ; NULL for named items
        ("scope", "VARCHAR"),              # all_funds | fiscal | general_budget_fiscal
        ("phase", "VARCHAR"),              # budget_initial | budget_adjusted | actual
        ("amount_yuan", MONEY),
        ("unit", "VARCHAR"),               # unit the workbook used (元/千元/万元)
    ],
    # One row per project (T1 self-evaluation, T5 targets table, special-fund project table).
    "project_funds": [
        ("subject_kind", "VARCHAR"),       # project | fund
        ("project_name", "VARCHAR"),
        ("implementing_unit", "VARCHAR"),
        ("project_type", "VARCHAR"),       # 续建 / 新建 (special funds)
        ("category", "VARCHAR"),
        ("status_text", "VARCHAR"),
        ("budget_initial_yuan", MONEY),
        ("budget_adjusted_yuan", MONEY),
        ("executed_yuan", MONEY),
        ("carryover_yuan", MONEY),
        ("execution_rate", RATE),          # as stated; NULL when not stated
        ("execution_rate_computed", "BOOLEAN"),
        ("score_weight", SCORE),
        ("score", SCORE),
        ("current_year_initial_yuan", MONEY),
        ("current_year_budget_yuan", MONEY),
        ("current_year_executed_yuan", MONEY),
        ("prior_year_carryover_initial_yuan", MONEY),
        ("prior_year_carryover_budget_yuan", MONEY),
        ("prior_year_carryover_executed_yuan", MONEY),
        ("other_funds_initial_yuan", MONEY),
        ("other_funds_budget_yuan", MONEY),
        ("other_funds_executed_yuan", MONEY),
        ("unit", "VARCHAR"),
        ("cells", "VARCHAR"),              # JSON {field: A1}
    ],
    # Rows of special-fund tables (收支汇总表 / 项目实施情况表) that are not projects: categories and totals.
    "fund_rows": [
        ("fund_name", "VARCHAR"),
        ("row_kind", "VARCHAR"),           # category | total | project
        ("seq", "VARCHAR"),
        ("project_name", "VARCHAR"),
        ("project_count", "INTEGER"),
        ("budget_initial_yuan", MONEY),
        ("allocated_yuan", MONEY),
        ("paid_yuan", MONEY),
        ("carryover_yuan", MONEY),
        ("note", "VARCHAR"),
        ("unit", "VARCHAR"),
        ("cells", "VARCHAR"),
    ],
    # Scored or unscored indicator rows (T1, T2, T5, T6).
    "indicators": [
        ("subject_kind", "VARCHAR"),       # project | department | fund
        ("subject_name", "VARCHAR"),
        ("level1", "VARCHAR"),
        ("level2", "VARCHAR"),
        ("level3", "VARCHAR"),
        ("level1_weight", SCORE),          # weight stated in the label "部门决策（20分）"
        ("level2_weight", SCORE),
        ("target_text", "VARCHAR"),
        ("actual_text", "VARCHAR"),
        ("weight", SCORE),
        ("score", SCORE),
        ("deviation_reason", "VARCHAR"),
        # Parsed by ingest.targets from target_text / actual_text (see its docstring for the rules).
        ("target_op", "VARCHAR"),          # >= <= > < = text
        ("target_value", "DECIMAL(18,4)"),
        ("target_unit", "VARCHAR"),
        ("actual_value", "DECIMAL(18,4)"),
        ("achieved", "BOOLEAN"),
        ("recomputed_score", SCORE),
        ("cells", "VARCHAR"),
    ],
    # The 总分 / 合计 line of a scored table.
    "evaluations": [
        ("subject_kind", "VARCHAR"),
        ("subject_name", "VARCHAR"),
        ("weight_total", SCORE),
        ("total_score", SCORE),
        ("grade", "VARCHAR"),              # as stated (评价等级), NULL when not stated
        ("evaluator", "VARCHAR"),
        ("cells", "VARCHAR"),
    ],
    # Anything else worth keeping: 主要项目支出 lists, counts (现有公务车), notes.
    "facts": [
        ("kind", "VARCHAR"),               # major_project_expenditure | official_vehicles_count | ...
        ("name", "VARCHAR"),
        ("amount_yuan", MONEY),
        ("value_text", "VARCHAR"),
        ("unit", "VARCHAR"),
    ],
    # Tables found but not extracted, hidden rows/cols, content-vs-path mismatches: reported, never dropped.
    "sheet_findings": [
        ("finding", "VARCHAR"),            # unknown_table | hidden_rows | hidden_cols | department_mismatch | year_mismatch | ...
        ("detail", "VARCHAR"),
    ],
}

AUDIT_DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.ingested_files (
    path VARCHAR, file_sha256 VARCHAR, status VARCHAR, template_kinds VARCHAR, rows_extracted INTEGER,
    loaded_at TIMESTAMP, superseded_by VARCHAR, department_name VARCHAR, fiscal_year INTEGER,
    file_size BIGINT, skipped_tables VARCHAR, run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS audit.rejected_files (
    path VARCHAR, file_sha256 VARCHAR, reason_code VARCHAR, reason VARCHAR, sheet VARCHAR, cell VARCHAR,
    rejected_at TIMESTAMP, run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS audit.runs (
    run_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, summary VARCHAR,
    fingerprint VARCHAR, results_run_id VARCHAR
);
-- hash of the dbt project, rule files and GX suites the run's findings were made with (reconcile.scope)
ALTER TABLE audit.runs ADD COLUMN IF NOT EXISTS code_fingerprint VARCHAR;
"""


def columns(table: str) -> list[tuple[str, str]]:
    return RAW_TABLES[table] + LINEAGE


def raw_ddl() -> str:
    stmts = ["CREATE SCHEMA IF NOT EXISTS raw;"]
    for name in RAW_TABLES:
        cols = ",\n    ".join(f"{c} {t}" for c, t in columns(name))
        stmts.append(f"CREATE TABLE IF NOT EXISTS raw.{name} (\n    {cols}\n);")
    return "\n".join(stmts) + AUDIT_DDL
