-- R16 (error): cross-year continuity: carryover_begin (年初结转和结余) of year N = carryover_end (年末结转和结余) of
-- year N − 1, same department and scope, phase actual. Not applicable while year N − 1 is not loaded.
-- Subject '<scope>/<N−1>→<N>'; two rounded figures: tolerance 2 × the coarser half step.
SELECT 'R16' AS rule_id, 'error' AS severity, b.department_name, b.fiscal_year,
       b.scope || '/' || (b.fiscal_year - 1) || '→' || b.fiscal_year AS subject,
       '年初结转和结余 ' || b.fiscal_year AS left_label, b.amount AS left_yuan,
       '年末结转和结余 ' || (b.fiscal_year - 1) AS right_label, e.amount AS right_yuan,
       b.amount - e.amount AS diff_yuan,
       rc_tol(1, greatest(b.hs, coalesce(e.hs, 0))) AS tolerance_yuan,
       concat_ws(', ', b.fiscal_year || ':' || b.cells, (b.fiscal_year - 1) || ':' || e.cells) AS source_cells,
       'eq' AS comparison
FROM rc_li b
LEFT JOIN rc_li e ON e.key = 'carryover_end' AND e.phase = 'actual' AND e.department_name = b.department_name
    AND e.scope IS NOT DISTINCT FROM b.scope AND e.fiscal_year = b.fiscal_year - 1
WHERE b.key = 'carryover_begin' AND b.phase = 'actual'
