-- Shared helpers for the reconciliation checks (expectations/checks/R*.sql). Executed once per run on the
-- connection before the rule files; everything here is TEMP (connection-local), nothing is written to the warehouse.
--
-- Tolerance policy (reconciliation_rules.md): a figure written with 2 decimals in unit U is exact to ± half a cent of
-- U, i.e. 0.005 × (元 per U): 元 → 0.005, 千元 → 5, 万元 → 50. A comparison of a total with n rounded terms may differ by
-- (n + 1) × that half step, taking the coarsest unit of every figure involved.

CREATE OR REPLACE TEMP MACRO rc_half_step(u) AS
    CAST(0.005 * CASE
        WHEN u IS NULL OR trim(u) = '' THEN 1
        WHEN u LIKE '%亿元%' THEN 100000000
        WHEN u LIKE '%百万元%' THEN 1000000
        WHEN u LIKE '%十万元%' THEN 100000
        WHEN u LIKE '%万元%' THEN 10000
        WHEN u LIKE '%千元%' THEN 1000
        WHEN u LIKE '%百元%' THEN 100
        ELSE 1
    END AS DECIMAL(24, 6));

CREATE OR REPLACE TEMP MACRO rc_tol(n_terms, hs) AS CAST((coalesce(n_terms, 0) + 1) * coalesce(hs, 0.005) AS DECIMAL(24, 6));

CREATE OR REPLACE TEMP MACRO rc_cell(sheet, cell) AS coalesce(sheet, '?') || '!' || coalesce(cell, '?');

-- Named line items (line_items.csv keys), one value per department, year, scope, phase and key. The same figure
-- stated in two tables or two workbooks is collapsed here (all its cells are kept); R18 reports disagreeing copies.
CREATE OR REPLACE TEMP TABLE rc_li AS
SELECT department_name, fiscal_year, scope, phase, line_item_key AS key,
       min(amount_yuan) AS amount, max(amount_yuan) AS amount_max, count(*) AS n_rows,
       max(rc_half_step(unit)) AS hs,
       string_agg(DISTINCT rc_cell(source_sheet, source_cell), ', ' ORDER BY rc_cell(source_sheet, source_cell)) AS cells
FROM marts.fct_line_items
WHERE line_item_key NOT LIKE 'func:%' AND line_item_key NOT LIKE 'econ:%' AND amount_yuan IS NOT NULL
GROUP BY ALL;

-- "total = Σ terms" over rc_li, per department, fiscal year, scope and phase. p_terms: list of
-- {grp, key, role, req}: a group's value is its 'primary' key when present, else the sum of its other keys
-- (e.g. 财政拨款收入, else 一般公共预算 + 政府性基金 + 国有资本经营); n_terms counts the figures actually summed.
-- When some term has req = true, the sum side exists only if a required group is present.
CREATE OR REPLACE TEMP MACRO rc_sum_check(p_rule, p_severity, p_total, p_total_label, p_terms, p_suffix) AS TABLE
WITH terms AS (
    SELECT t.grp, t.key, t.role, t.req FROM (SELECT unnest(p_terms) AS t)
),
needs AS (SELECT bool_or(req) AS needs_req FROM terms),
present AS (
    SELECT l.department_name, l.fiscal_year, l.scope, l.phase, l.key, l.amount, l.hs, l.cells,
           t.grp, t.role, t.req
    FROM rc_li l JOIN terms t ON l.key = t.key
),
grp_pick AS (
    SELECT department_name, fiscal_year, scope, phase, grp, bool_or(role = 'primary') AS has_primary
    FROM present GROUP BY ALL
),
used AS (
    SELECT p.* FROM present p
    JOIN grp_pick g USING (department_name, fiscal_year, scope, phase, grp)
    WHERE (g.has_primary AND p.role = 'primary') OR (NOT g.has_primary AND p.role <> 'primary')
),
rhs AS (
    SELECT department_name, fiscal_year, scope, phase,
           sum(amount) AS right_yuan, count(*) AS n_terms, max(hs) AS hs,
           string_agg(key, ' + ' ORDER BY key) AS keys,
           string_agg(cells, ', ' ORDER BY key) AS cells,
           bool_or(req) AS has_req
    FROM used GROUP BY ALL
),
lhs AS (
    SELECT department_name, fiscal_year, scope, phase, amount AS left_yuan, hs, cells
    FROM rc_li WHERE key = p_total
),
joined AS (
    SELECT department_name, fiscal_year, scope, phase,
           lhs.left_yuan,
           CASE WHEN (SELECT needs_req FROM needs) AND NOT coalesce(rhs.has_req, false) THEN NULL
                ELSE rhs.right_yuan END AS right_yuan,
           rhs.keys, rhs.n_terms,
           greatest(coalesce(lhs.hs, 0), coalesce(rhs.hs, 0)) AS hs,
           concat_ws(', ', lhs.cells, rhs.cells) AS cells
    FROM lhs FULL OUTER JOIN rhs USING (department_name, fiscal_year, scope, phase)
)
SELECT p_rule AS rule_id, p_severity AS severity, department_name, fiscal_year,
       scope || '/' || phase || p_suffix AS subject,
       p_total_label || ' (' || p_total || ')' AS left_label, left_yuan,
       'Σ ' || coalesce(keys, '(no terms stated)') AS right_label, right_yuan,
       left_yuan - right_yuan AS diff_yuan,
       rc_tol(n_terms, hs) AS tolerance_yuan,
       cells AS source_cells,
       'eq' AS comparison
FROM joined;

-- Function-classification rows (func:<code>), one value per table (file, sheet, statement, scope, phase), code and
-- column. code is 3/5/7 digits or 'TOTAL' (the 合计 row).
CREATE OR REPLACE TEMP TABLE rc_func AS
SELECT department_name, fiscal_year, source_file, source_sheet, statement, scope, phase,
       coalesce(code, substr(line_item_key, 6)) AS code, column_key,
       min(amount_yuan) AS amount, max(rc_half_step(unit)) AS hs,
       string_agg(DISTINCT rc_cell(source_sheet, source_cell), ', ') AS cells
FROM marts.fct_line_items
WHERE line_item_key LIKE 'func:%' AND amount_yuan IS NOT NULL
  AND (coalesce(code, substr(line_item_key, 6)) = 'TOTAL'
       OR regexp_full_match(coalesce(code, substr(line_item_key, 6)), '[0-9]{3}|[0-9]{5}|[0-9]{7}'))
GROUP BY ALL;

-- Economic-classification rows (econ:<code>), same shape; codes 3 (类) or 5 (款) digits, 'TOTAL' for a 合计 row.
CREATE OR REPLACE TEMP TABLE rc_econ AS
SELECT department_name, fiscal_year, source_file, source_sheet, statement, scope, phase,
       coalesce(code, substr(line_item_key, 6)) AS code, column_key,
       min(amount_yuan) AS amount, max(rc_half_step(unit)) AS hs,
       string_agg(DISTINCT rc_cell(source_sheet, source_cell), ', ') AS cells
FROM marts.fct_line_items
WHERE line_item_key LIKE 'econ:%' AND amount_yuan IS NOT NULL
  AND (coalesce(code, substr(line_item_key, 6)) = 'TOTAL'
       OR regexp_full_match(coalesce(code, substr(line_item_key, 6)), '[0-9]{3}|[0-9]{5}|[0-9]{7}'))
GROUP BY ALL;

-- Each classification row with its nearest stated ancestor in the same table: 7 → 5 → 3 digits → the 合计 row.
CREATE OR REPLACE TEMP TABLE rc_class_parent AS
WITH rows_ AS (
    SELECT DISTINCT 'func' AS class, department_name, fiscal_year, source_file, source_sheet, statement, scope, phase, code
    FROM rc_func
    UNION ALL
    SELECT DISTINCT 'econ', department_name, fiscal_year, source_file, source_sheet, statement, scope, phase, code
    FROM rc_econ
)
SELECT r.*,
       CASE
           WHEN r.code = 'TOTAL' THEN NULL
           WHEN length(r.code) = 7 AND p5.code IS NOT NULL THEN p5.code
           WHEN length(r.code) >= 5 AND p3.code IS NOT NULL THEN p3.code
           ELSE 'TOTAL'
       END AS parent
FROM rows_ r
LEFT JOIN rows_ p5 ON p5.class = r.class AND p5.department_name = r.department_name AND p5.fiscal_year = r.fiscal_year
    AND p5.source_file = r.source_file AND p5.source_sheet = r.source_sheet AND p5.statement IS NOT DISTINCT FROM r.statement
    AND p5.scope IS NOT DISTINCT FROM r.scope AND p5.phase IS NOT DISTINCT FROM r.phase
    AND p5.code = CASE WHEN length(r.code) = 7 THEN substr(r.code, 1, 5) END
LEFT JOIN rows_ p3 ON p3.class = r.class AND p3.department_name = r.department_name AND p3.fiscal_year = r.fiscal_year
    AND p3.source_file = r.source_file AND p3.source_sheet = r.source_sheet AND p3.statement IS NOT DISTINCT FROM r.statement
    AND p3.scope IS NOT DISTINCT FROM r.scope AND p3.phase IS NOT DISTINCT FROM r.phase
    AND p3.code = CASE WHEN length(r.code) >= 5 AND r.code <> 'TOTAL' THEN substr(r.code, 1, 3) END;

-- Rows of special-fund tables: fct_fund_rows (category / total rows) and the special-fund projects of
-- fct_project_funds (table_kind t4_special_fund*, or a sheet that also holds fund rows).
CREATE OR REPLACE TEMP VIEW rc_fund_table_rows AS
SELECT department_name, fiscal_year, source_file, source_sheet, row_kind, project_name AS name,
       CAST(NULL AS VARCHAR) AS category, budget_initial_yuan, allocated_yuan, paid_yuan, carryover_yuan,
       rc_half_step(unit) AS hs, source_cell
FROM marts.fct_fund_rows
UNION ALL
SELECT p.department_name, p.fiscal_year, p.source_file, p.source_sheet, 'project', p.project_name,
       p.category, p.budget_initial_yuan, p.budget_adjusted_yuan, p.executed_yuan, p.carryover_yuan,
       rc_half_step(p.unit), p.source_cell
FROM marts.fct_project_funds p
WHERE p.table_kind LIKE 't4_special_fund%'
   OR EXISTS (SELECT 1 FROM marts.fct_fund_rows f
              WHERE f.department_name = p.department_name AND f.fiscal_year = p.fiscal_year
                AND f.source_file = p.source_file AND f.source_sheet = p.source_sheet);

-- Project rows that are project evaluations / targets tables (not special-fund project tables).
CREATE OR REPLACE TEMP VIEW rc_projects AS
SELECT p.*, rc_half_step(p.unit) AS hs
FROM marts.fct_project_funds p
WHERE NOT (coalesce(p.table_kind, '') LIKE 't4_special_fund%')
  AND NOT EXISTS (SELECT 1 FROM marts.fct_fund_rows f
                  WHERE f.department_name = p.department_name AND f.fiscal_year = p.fiscal_year
                    AND f.source_file = p.source_file AND f.source_sheet = p.source_sheet);
