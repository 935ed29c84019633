-- R08 (error): function-classification roll-up inside each table (file, sheet, statement, scope, phase):
--   * vertical, per column: each row = Σ of its children, a child's parent being its nearest stated ancestor
--     (项 7 → 款 5 → 类 3 digits → the 合计 row), so 类 = Σ 款, 款 = Σ 项 and 合计 = Σ 类; subject
--     '<sheet>/<code or 合计>/<column>'. A parent without a value in a column whose children have one is not
--     applicable; a parent value whose children leave that column empty is checked against 0.
--   * horizontal, per row: total = basic + project + remit_higher + operating + subsidiary (expenditure) or
--     fiscal_appropriation + higher_level_subsidy + business + operating + subsidiary_remit + other (income), over the
--     component columns present in that row; subject '<sheet>/<code>/row'.
WITH f AS (
    SELECT v.*, p.parent
    FROM rc_func v
    JOIN rc_class_parent p ON p.class = 'func' AND p.department_name = v.department_name
        AND p.fiscal_year = v.fiscal_year AND p.source_file = v.source_file AND p.source_sheet = v.source_sheet
        AND p.statement IS NOT DISTINCT FROM v.statement AND p.scope IS NOT DISTINCT FROM v.scope
        AND p.phase IS NOT DISTINCT FROM v.phase AND p.code = v.code
),
parents AS (   -- stated rows that have at least one stated child
    SELECT DISTINCT c.department_name, c.fiscal_year, c.source_file, c.source_sheet, c.statement, c.scope, c.phase,
           c.parent AS code
    FROM f c
    WHERE c.parent IS NOT NULL
      AND EXISTS (SELECT 1 FROM f p WHERE p.department_name = c.department_name AND p.fiscal_year = c.fiscal_year
                  AND p.source_file = c.source_file AND p.source_sheet = c.source_sheet
                  AND p.statement IS NOT DISTINCT FROM c.statement AND p.scope IS NOT DISTINCT FROM c.scope
                  AND p.phase IS NOT DISTINCT FROM c.phase AND p.code = c.parent)
),
-- (The "row itself or one of its children" joins below are written as two equi-joins, x.code = parent code and
-- x.parent = parent code, never both for one x: an OR in the join condition makes a nested-loop join, quadratic in
-- the rows of a department-year.)
cols AS (      -- every column stated on the parent row or on one of its children
    SELECT pa.*, x.column_key
    FROM parents pa
    JOIN f x ON x.department_name = pa.department_name AND x.fiscal_year = pa.fiscal_year
        AND x.source_file = pa.source_file AND x.source_sheet = pa.source_sheet
        AND x.statement IS NOT DISTINCT FROM pa.statement AND x.scope IS NOT DISTINCT FROM pa.scope
        AND x.phase IS NOT DISTINCT FROM pa.phase AND x.code = pa.code
    UNION
    SELECT pa.*, x.column_key
    FROM parents pa
    JOIN f x ON x.department_name = pa.department_name AND x.fiscal_year = pa.fiscal_year
        AND x.source_file = pa.source_file AND x.source_sheet = pa.source_sheet
        AND x.statement IS NOT DISTINCT FROM pa.statement AND x.scope IS NOT DISTINCT FROM pa.scope
        AND x.phase IS NOT DISTINCT FROM pa.phase AND x.parent = pa.code
),
cx AS (        -- each (parent, column) with the row itself and its children in that column (every cols row has one)
    SELECT c.department_name, c.fiscal_year, c.source_file, c.source_sheet, c.statement, c.scope, c.phase,
           c.code, c.column_key, x.code AS x_code, x.parent AS x_parent, x.amount AS x_amount, x.hs AS x_hs,
           x.cells AS x_cells
    FROM cols c
    JOIN f x ON x.department_name = c.department_name AND x.fiscal_year = c.fiscal_year
        AND x.source_file = c.source_file AND x.source_sheet = c.source_sheet
        AND x.statement IS NOT DISTINCT FROM c.statement AND x.scope IS NOT DISTINCT FROM c.scope
        AND x.phase IS NOT DISTINCT FROM c.phase AND x.column_key IS NOT DISTINCT FROM c.column_key
        AND x.code = c.code
    UNION ALL
    SELECT c.department_name, c.fiscal_year, c.source_file, c.source_sheet, c.statement, c.scope, c.phase,
           c.code, c.column_key, x.code, x.parent, x.amount, x.hs, x.cells
    FROM cols c
    JOIN f x ON x.department_name = c.department_name AND x.fiscal_year = c.fiscal_year
        AND x.source_file = c.source_file AND x.source_sheet = c.source_sheet
        AND x.statement IS NOT DISTINCT FROM c.statement AND x.scope IS NOT DISTINCT FROM c.scope
        AND x.phase IS NOT DISTINCT FROM c.phase AND x.column_key IS NOT DISTINCT FROM c.column_key
        AND x.parent = c.code
),
vertical AS (
    SELECT department_name, fiscal_year, source_sheet, code, column_key,
           max(CASE WHEN x_code = code THEN x_amount END) AS left_yuan,
           coalesce(sum(CASE WHEN x_parent = code THEN x_amount END), 0) AS right_yuan,
           count(CASE WHEN x_parent = code THEN 1 END) AS n_terms,
           max(x_hs) AS hs,
           string_agg(x_cells, ', ' ORDER BY x_code) AS cells,
           string_agg(CASE WHEN x_parent = code THEN x_code END, ' + ' ORDER BY x_code) AS child_codes
    FROM cx
    GROUP BY department_name, fiscal_year, source_sheet, code, column_key
),
comp(statement, column_key) AS (VALUES
    ('expenditure', 'basic'), ('expenditure', 'project'), ('expenditure', 'remit_higher'),
    ('expenditure', 'operating'), ('expenditure', 'subsidiary'),
    ('income', 'fiscal_appropriation'), ('income', 'higher_level_subsidy'), ('income', 'business'),
    ('income', 'operating'), ('income', 'subsidiary_remit'), ('income', 'other')
),
horizontal AS (
    SELECT department_name, fiscal_year, source_sheet, code,
           max(CASE WHEN f.column_key = 'total' THEN amount END) AS left_yuan,
           sum(CASE WHEN comp.column_key IS NOT NULL THEN amount END) AS right_yuan,
           count(comp.column_key) AS n_terms,
           string_agg(CASE WHEN comp.column_key IS NOT NULL THEN f.column_key END, ' + ' ORDER BY f.column_key) AS comps,
           max(hs) AS hs,
           string_agg(cells, ', ' ORDER BY f.column_key) AS cells
    FROM f
    LEFT JOIN comp ON comp.statement = coalesce(f.statement, 'expenditure') AND comp.column_key = f.column_key
    GROUP BY f.department_name, f.fiscal_year, f.source_file, f.source_sheet, f.statement, f.scope, f.phase, f.code
)
SELECT 'R08' AS rule_id, 'error' AS severity, department_name, fiscal_year,
       source_sheet || '/' || CASE WHEN code = 'TOTAL' THEN '合计' ELSE code END || '/' || column_key AS subject,
       CASE WHEN code = 'TOTAL' THEN '合计' ELSE 'func:' || code END || ' ' || column_key AS left_label,
       left_yuan,
       'Σ ' || coalesce(child_codes, '(children without this column)') AS right_label,
       right_yuan, left_yuan - right_yuan AS diff_yuan, rc_tol(n_terms, hs) AS tolerance_yuan,
       cells AS source_cells, 'eq' AS comparison
FROM vertical
UNION ALL
SELECT 'R08', 'error', department_name, fiscal_year,
       source_sheet || '/' || code || '/row',
       CASE WHEN code = 'TOTAL' THEN '合计' ELSE 'func:' || code END || ' total',
       left_yuan,
       'Σ ' || coalesce(comps, '(no component columns)'),
       right_yuan, left_yuan - right_yuan, rc_tol(n_terms, hs), cells, 'eq'
FROM horizontal
WHERE left_yuan IS NOT NULL OR right_yuan IS NOT NULL
