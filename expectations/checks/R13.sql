-- R13 (error): special funds (专项资金 tables: fct_fund_rows category/total rows and the special-fund project rows of
-- fct_project_funds, where 下达 → budget_adjusted_yuan, 支付 → executed_yuan).
--   * '<sheet>/<row>/结转=下达−支付': 结转 = 下达 − 支付 on every row (2 terms).
--   * '<sheet>/合计/<column>': the 合计 row = Σ the project rows of its sheet (Σ the category rows when the sheet has
--     no project rows), column by column (budget_initial, allocated, paid, carryover).
--   * '<sheet>/<category>/<column>': a category row = Σ the projects of that category (same workbook), where
--     projects carry a category of that name.
WITH r AS (SELECT * FROM rc_fund_table_rows),
cols(col) AS (VALUES ('budget_initial'), ('allocated'), ('paid'), ('carryover')),
long AS (
    SELECT r.*, cols.col,
           CASE cols.col WHEN 'budget_initial' THEN budget_initial_yuan WHEN 'allocated' THEN allocated_yuan
                         WHEN 'paid' THEN paid_yuan ELSE carryover_yuan END AS amount
    FROM r CROSS JOIN cols
),
per_row AS (
    SELECT 'R13' AS rule_id, 'error' AS severity, department_name, fiscal_year,
           source_sheet || '/' || coalesce(name, row_kind) || '/结转=下达−支付' AS subject,
           '结转 (carryover)' AS left_label, carryover_yuan AS left_yuan,
           '下达 − 支付 (allocated − paid)' AS right_label, allocated_yuan - paid_yuan AS right_yuan,
           carryover_yuan - (allocated_yuan - paid_yuan) AS diff_yuan, rc_tol(2, hs) AS tolerance_yuan,
           rc_cell(source_sheet, source_cell) AS source_cells, 'eq' AS comparison
    FROM r
    WHERE carryover_yuan IS NOT NULL OR allocated_yuan IS NOT NULL OR paid_yuan IS NOT NULL
),
sheet_kind AS (   -- which rows a sheet's 合计 sums: its projects when it has any, else its categories
    SELECT department_name, fiscal_year, source_file, source_sheet,
           CASE WHEN bool_or(row_kind = 'project') THEN 'project' ELSE 'category' END AS summed_kind
    FROM r GROUP BY ALL
),
totals AS (
    SELECT t.department_name, t.fiscal_year, t.source_sheet, t.col, t.amount AS left_yuan, t.hs AS lhs,
           rc_cell(t.source_sheet, t.source_cell) AS lcell,
           sum(x.amount) AS right_yuan, count(x.amount) AS n_terms, max(x.hs) AS rhs, k.summed_kind,
           count(x.name) AS n_rows
    FROM long t
    JOIN sheet_kind k USING (department_name, fiscal_year, source_file, source_sheet)
    LEFT JOIN long x ON x.department_name = t.department_name AND x.fiscal_year = t.fiscal_year
        AND x.source_file = t.source_file AND x.source_sheet = t.source_sheet AND x.col = t.col
        AND x.row_kind = k.summed_kind
    WHERE t.row_kind = 'total'
    GROUP BY ALL
),
categories AS (
    SELECT c.department_name, c.fiscal_year, c.source_sheet, c.name, c.col, c.amount AS left_yuan, c.hs AS lhs,
           rc_cell(c.source_sheet, c.source_cell) AS lcell,
           sum(x.amount) AS right_yuan, count(x.amount) AS n_terms, max(x.hs) AS rhs
    FROM long c
    JOIN long x ON x.department_name = c.department_name AND x.fiscal_year = c.fiscal_year
        AND x.source_file = c.source_file AND x.row_kind = 'project' AND x.category = c.name AND x.col = c.col
    WHERE c.row_kind = 'category'
    GROUP BY ALL
)
SELECT * FROM per_row
UNION ALL
SELECT 'R13', 'error', department_name, fiscal_year, source_sheet || '/合计/' || col,
       '合计 ' || col, left_yuan, 'Σ ' || summed_kind || ' rows ' || col, right_yuan, left_yuan - right_yuan,
       rc_tol(n_terms, greatest(coalesce(lhs, 0), coalesce(rhs, 0))), lcell, 'eq'
FROM totals
WHERE (left_yuan IS NOT NULL OR right_yuan IS NOT NULL) AND n_rows > 0
UNION ALL
SELECT 'R13', 'error', department_name, fiscal_year, source_sheet || '/' || name || '/' || col,
       name || ' ' || col, left_yuan, 'Σ projects of category ' || name || ' ' || col, right_yuan,
       left_yuan - right_yuan, rc_tol(n_terms, greatest(coalesce(lhs, 0), coalesce(rhs, 0))), lcell, 'eq'
FROM categories
WHERE left_yuan IS NOT NULL OR right_yuan IS NOT NULL
