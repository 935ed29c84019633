-- R10 (error): where an economic breakdown of 项目支出 or 基本支出 is given (econ rows in column project / basic), its
-- top-level codes sum to expenditure_project / expenditure_basic of the same department, year, scope and phase.
-- Subject '<sheet>/project|basic'. (常德 2016 fails: 31,841,657.75 + 14,450,884.41 ≠ 36,031,421.10.)
WITH e AS (
    SELECT v.*, p.parent
    FROM rc_econ v
    JOIN rc_class_parent p ON p.class = 'econ' AND p.department_name = v.department_name
        AND p.fiscal_year = v.fiscal_year AND p.source_file = v.source_file AND p.source_sheet = v.source_sheet
        AND p.statement IS NOT DISTINCT FROM v.statement AND p.scope IS NOT DISTINCT FROM v.scope
        AND p.phase IS NOT DISTINCT FROM v.phase AND p.code = v.code
),
sides AS (
    SELECT department_name, fiscal_year, source_sheet, scope, phase, column_key,
           sum(amount) AS right_yuan, count(*) AS n_terms, max(hs) AS hs,
           string_agg(code, ' + ' ORDER BY code) AS codes, string_agg(cells, ', ' ORDER BY code) AS cells
    FROM e
    WHERE column_key IN ('basic', 'project') AND code <> 'TOTAL' AND parent = 'TOTAL'
    GROUP BY department_name, fiscal_year, source_file, source_sheet, scope, phase, column_key
)
SELECT 'R10' AS rule_id, 'error' AS severity, s.department_name, s.fiscal_year,
       s.source_sheet || '/' || s.column_key AS subject,
       CASE s.column_key WHEN 'project' THEN '项目支出 (expenditure_project)' ELSE '基本支出 (expenditure_basic)' END
           AS left_label,
       l.amount AS left_yuan,
       'Σ econ ' || s.codes || ' (' || s.column_key || ')' AS right_label, s.right_yuan,
       l.amount - s.right_yuan AS diff_yuan,
       rc_tol(s.n_terms, greatest(s.hs, coalesce(l.hs, 0))) AS tolerance_yuan,
       concat_ws(', ', l.cells, s.cells) AS source_cells, 'eq' AS comparison
FROM sides s
LEFT JOIN rc_li l ON l.department_name = s.department_name AND l.fiscal_year = s.fiscal_year
    AND l.scope IS NOT DISTINCT FROM s.scope AND l.phase IS NOT DISTINCT FROM s.phase
    AND l.key = 'expenditure_' || s.column_key
