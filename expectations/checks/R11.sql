-- R11 (error): project funds (project self-evaluations and targets tables; special-fund project tables are R13's).
--   * '<project>/budget_adjusted': 全年预算数 = 当年财政拨款 + 上年结转 + 其他资金 (parts stated), money tolerance.
--   * '<project>/executed': 全年执行数 = Σ the executed parts stated, money tolerance.
--   * '<project>/execution_rate': the stated 执行率 = executed / budget_adjusted, tolerance ±0.001 (a fraction, not
--     yuan: written in left_yuan/right_yuan/diff_yuan/tolerance_yuan all the same). Only where a rate is stated.
--   * '<project>/execution_score': 执行率得分 = min(executed / budget_adjusted, 1) × 分值, tolerance ±0.1 point
--     (points, not yuan). Falls back on the stated rate when the budget is missing or 0.
WITH p AS (
    SELECT *, CASE WHEN budget_adjusted_yuan > 0 AND executed_yuan IS NOT NULL
                   THEN CAST(executed_yuan / budget_adjusted_yuan AS DECIMAL(24, 6)) END AS rate_calc
    FROM rc_projects
),
parts AS (
    SELECT p.*,
           (current_year_budget_yuan IS NOT NULL)::INT + (prior_year_carryover_budget_yuan IS NOT NULL)::INT
               + (other_funds_budget_yuan IS NOT NULL)::INT AS n_budget,
           (current_year_executed_yuan IS NOT NULL)::INT + (prior_year_carryover_executed_yuan IS NOT NULL)::INT
               + (other_funds_executed_yuan IS NOT NULL)::INT AS n_exec
    FROM p
)
SELECT 'R11' AS rule_id, 'error' AS severity, department_name, fiscal_year,
       project_name || '/budget_adjusted' AS subject,
       '全年预算数 (budget_adjusted)' AS left_label, budget_adjusted_yuan AS left_yuan,
       'Σ 当年财政拨款 + 上年结转 + 其他资金 (' || n_budget || ' parts)' AS right_label,
       CASE WHEN n_budget > 0 THEN coalesce(current_year_budget_yuan, 0) + coalesce(prior_year_carryover_budget_yuan, 0)
                                   + coalesce(other_funds_budget_yuan, 0) END AS right_yuan,
       budget_adjusted_yuan - (CASE WHEN n_budget > 0 THEN coalesce(current_year_budget_yuan, 0)
            + coalesce(prior_year_carryover_budget_yuan, 0) + coalesce(other_funds_budget_yuan, 0) END) AS diff_yuan,
       rc_tol(n_budget, hs) AS tolerance_yuan,
       rc_cell(source_sheet, source_cell) AS source_cells, 'eq' AS comparison
FROM parts
WHERE budget_adjusted_yuan IS NOT NULL OR n_budget > 0
UNION ALL
SELECT 'R11', 'error', department_name, fiscal_year, project_name || '/executed',
       '全年执行数 (executed)', executed_yuan,
       'Σ executed parts (' || n_exec || ' parts)',
       CASE WHEN n_exec > 0 THEN coalesce(current_year_executed_yuan, 0) + coalesce(prior_year_carryover_executed_yuan, 0)
                                 + coalesce(other_funds_executed_yuan, 0) END,
       executed_yuan - (CASE WHEN n_exec > 0 THEN coalesce(current_year_executed_yuan, 0)
            + coalesce(prior_year_carryover_executed_yuan, 0) + coalesce(other_funds_executed_yuan, 0) END),
       rc_tol(n_exec, hs), rc_cell(source_sheet, source_cell), 'eq'
FROM parts
WHERE n_exec > 0
UNION ALL
SELECT 'R11', 'error', department_name, fiscal_year, project_name || '/execution_rate',
       '执行率 as stated (fraction)', execution_rate_stated,
       'executed / budget_adjusted', rate_calc, execution_rate_stated - rate_calc,
       CAST(0.001 AS DECIMAL(24, 6)), rc_cell(source_sheet, source_cell), 'eq'
FROM parts
WHERE execution_rate_stated IS NOT NULL
UNION ALL
SELECT 'R11', 'error', department_name, fiscal_year, project_name || '/execution_score',
       '执行率得分 (points)', score,
       'min(rate, 1) × 分值 ' || score_weight,
       CAST(least(coalesce(rate_calc, execution_rate_stated), 1) * score_weight AS DECIMAL(24, 6)),
       score - CAST(least(coalesce(rate_calc, execution_rate_stated), 1) * score_weight AS DECIMAL(24, 6)),
       CAST(0.1 AS DECIMAL(24, 6)), rc_cell(source_sheet, source_cell), 'eq'
FROM parts
WHERE score IS NOT NULL AND score_weight IS NOT NULL
