-- R09 (error): economic classification.
--   * roll-up inside each econ table, per column: 类 (3 digits) = Σ its 款 (5 digits), 合计 = Σ 类
--     (nearest stated ancestor, as in R08); subject '<sheet>/econ:<code or 合计>/<column>'.
--   * Σ personnel codes = expenditure_personnel and Σ public codes = expenditure_public, same department, year,
--     scope and phase; subject '<sheet>/personnel|public'. In 基本支出决算表-style tables the column says which
--     (personnel / public); in a legacy breakdown of 基本支出 (column basic) the code does: 301 工资福利 and 303 对个人和
--     家庭的补助 are personnel, every other code (302, 307, 309, 310, 399 …) is public. Σ over the top-level rows stated.
WITH e AS (
    SELECT v.*, p.parent
    FROM rc_econ v
    JOIN rc_class_parent p ON p.class = 'econ' AND p.department_name = v.department_name
        AND p.fiscal_year = v.fiscal_year AND p.source_file = v.source_file AND p.source_sheet = v.source_sheet
        AND p.statement IS NOT DISTINCT FROM v.statement AND p.scope IS NOT DISTINCT FROM v.scope
        AND p.phase IS NOT DISTINCT FROM v.phase AND p.code = v.code
),
parents AS (
    SELECT DISTINCT c.department_name, c.fiscal_year, c.source_file, c.source_sheet, c.statement, c.scope, c.phase,
           c.parent AS code, c.column_key
    FROM e c
    WHERE c.parent IS NOT NULL
      AND EXISTS (SELECT 1 FROM e p WHERE p.department_name = c.department_name AND p.fiscal_year = c.fiscal_year
                  AND p.source_file = c.source_file AND p.source_sheet = c.source_sheet
                  AND p.statement IS NOT DISTINCT FROM c.statement AND p.scope IS NOT DISTINCT FROM c.scope
                  AND p.phase IS NOT DISTINCT FROM c.phase AND p.code = c.parent)
),
rollup_ AS (
    SELECT pa.department_name, pa.fiscal_year, pa.source_sheet, pa.code, pa.column_key,
           max(CASE WHEN x.code = pa.code THEN x.amount END) AS left_yuan,
           coalesce(sum(CASE WHEN x.parent = pa.code THEN x.amount END), 0) AS right_yuan,
           count(CASE WHEN x.parent = pa.code THEN 1 END) AS n_terms,
           max(x.hs) AS hs,
           string_agg(x.cells, ', ' ORDER BY x.code) AS cells,
           string_agg(CASE WHEN x.parent = pa.code THEN x.code END, ' + ' ORDER BY x.code) AS child_codes
    FROM parents pa
    JOIN e x ON x.department_name = pa.department_name AND x.fiscal_year = pa.fiscal_year
        AND x.source_file = pa.source_file AND x.source_sheet = pa.source_sheet
        AND x.statement IS NOT DISTINCT FROM pa.statement AND x.scope IS NOT DISTINCT FROM pa.scope
        AND x.phase IS NOT DISTINCT FROM pa.phase AND x.column_key IS NOT DISTINCT FROM pa.column_key
        AND (x.code = pa.code OR x.parent = pa.code)
    GROUP BY ALL
),
classified AS (
    SELECT e.*,
           CASE WHEN column_key IN ('personnel', 'public') THEN column_key
                WHEN column_key = 'basic' AND (code LIKE '301%' OR code LIKE '303%') THEN 'personnel'
                WHEN column_key = 'basic' THEN 'public' END AS class
    FROM e
    WHERE code <> 'TOTAL' AND parent = 'TOTAL'       -- top-level rows of the table
      AND column_key IN ('personnel', 'public', 'basic')
),
sides AS (
    SELECT department_name, fiscal_year, source_sheet, scope, phase, class,
           sum(amount) AS right_yuan, count(*) AS n_terms, max(hs) AS hs,
           string_agg(code, ' + ' ORDER BY code) AS codes, string_agg(cells, ', ' ORDER BY code) AS cells
    FROM classified WHERE class IS NOT NULL
    GROUP BY department_name, fiscal_year, source_file, source_sheet, scope, phase, class
),
compared AS (
    SELECT s.*, l.amount AS left_yuan, l.hs AS lhs, l.cells AS lcells
    FROM sides s
    LEFT JOIN rc_li l ON l.department_name = s.department_name AND l.fiscal_year = s.fiscal_year
        AND l.scope IS NOT DISTINCT FROM s.scope AND l.phase IS NOT DISTINCT FROM s.phase
        AND l.key = 'expenditure_' || s.class
)
SELECT 'R09' AS rule_id, 'error' AS severity, department_name, fiscal_year,
       source_sheet || '/econ:' || CASE WHEN code = 'TOTAL' THEN '合计' ELSE code END || '/' || coalesce(column_key, '') AS subject,
       CASE WHEN code = 'TOTAL' THEN '合计' ELSE 'econ:' || code END || ' ' || coalesce(column_key, '') AS left_label,
       left_yuan, 'Σ ' || coalesce(child_codes, '(children without this column)') AS right_label, right_yuan,
       left_yuan - right_yuan AS diff_yuan, rc_tol(n_terms, hs) AS tolerance_yuan, cells AS source_cells,
       'eq' AS comparison
FROM rollup_
UNION ALL
SELECT 'R09', 'error', department_name, fiscal_year, source_sheet || '/' || class,
       CASE class WHEN 'personnel' THEN '人员经费 (expenditure_personnel)' ELSE '公用经费 (expenditure_public)' END,
       left_yuan, 'Σ econ ' || codes || ' (' || class || ')', right_yuan, left_yuan - right_yuan,
       rc_tol(n_terms, greatest(hs, coalesce(lhs, 0))), concat_ws(', ', lcells, cells), 'eq'
FROM compared
