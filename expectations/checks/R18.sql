-- R18 (error): sanity. Every check here is "value inside a range": right = the value clamped into the range, so
-- diff = how far it lies outside (0 inside), tolerance 0.
--   * '<sheet>/amounts≥0' (fct_line_items, per table), '<sheet>/project amounts≥0' (fct_project_funds),
--     '<sheet>/fund amounts≥0' (fct_fund_rows), '<sheet>/fact amounts≥0' (fct_facts): the smallest amount ≥ 0;
--     source_cells lists the negative cells. Lines that may be negative: surplus_distribution (结余分配),
--     carryover_begin / carryover_end (结转和结余 can be a deficit).
--   * '<project>/execution_rate∈[0,1.5]': 0 ≤ execution_rate ≤ 1.5 (fraction).
--   * '<sheet>/<subject>/<indicator>/target%∈[0,100]' and '…/actual%∈[0,100]': percentages (target_unit '%').
--   * '<scope>/<phase>/<key>/copies agree': a named line item stated more than once for the same department, year,
--     scope and phase (two tables or two workbooks) has one value; tolerance 2 × half step.
WITH li AS (
    SELECT department_name, fiscal_year, source_sheet, min(amount_yuan) AS v,
           string_agg(CASE WHEN amount_yuan < 0 THEN rc_cell(source_sheet, source_cell) END, ', ') AS neg_cells,
           arg_min(rc_cell(source_sheet, source_cell), amount_yuan) AS min_cell
    FROM marts.fct_line_items
    WHERE amount_yuan IS NOT NULL
      AND line_item_key NOT IN ('surplus_distribution', 'carryover_begin', 'carryover_end')
    GROUP BY department_name, fiscal_year, source_file, source_sheet
),
pf AS (
    SELECT department_name, fiscal_year, source_sheet,
           least(min(budget_initial_yuan), min(budget_adjusted_yuan), min(executed_yuan), min(carryover_yuan),
                 min(current_year_budget_yuan), min(prior_year_carryover_budget_yuan), min(other_funds_budget_yuan)) AS v,
           string_agg(CASE WHEN least(budget_initial_yuan, budget_adjusted_yuan, executed_yuan, carryover_yuan) < 0
                           THEN rc_cell(source_sheet, source_cell) END, ', ') AS neg_cells,
           min(rc_cell(source_sheet, source_cell)) AS min_cell
    FROM marts.fct_project_funds
    GROUP BY department_name, fiscal_year, source_file, source_sheet
),
fr AS (
    SELECT department_name, fiscal_year, source_sheet,
           least(min(budget_initial_yuan), min(allocated_yuan), min(paid_yuan), min(carryover_yuan)) AS v,
           string_agg(CASE WHEN least(budget_initial_yuan, allocated_yuan, paid_yuan, carryover_yuan) < 0
                           THEN rc_cell(source_sheet, source_cell) END, ', ') AS neg_cells,
           min(rc_cell(source_sheet, source_cell)) AS min_cell
    FROM marts.fct_fund_rows
    GROUP BY department_name, fiscal_year, source_file, source_sheet
),
fa AS (
    SELECT department_name, fiscal_year, source_sheet, min(amount_yuan) AS v,
           string_agg(CASE WHEN amount_yuan < 0 THEN rc_cell(source_sheet, source_cell) END, ', ') AS neg_cells,
           arg_min(rc_cell(source_sheet, source_cell), amount_yuan) AS min_cell
    FROM marts.fct_facts
    WHERE amount_yuan IS NOT NULL
    GROUP BY department_name, fiscal_year, source_file, source_sheet
),
nonneg AS (
    SELECT 'amounts≥0' AS what, * FROM li
    UNION ALL SELECT 'project amounts≥0', * FROM pf
    UNION ALL SELECT 'fund amounts≥0', * FROM fr
    UNION ALL SELECT 'fact amounts≥0', * FROM fa
),
pct AS (
    SELECT department_name, fiscal_year,
           source_sheet || '/' || coalesce(project_name, '') || '/' || coalesce(level3, level2, level1, '') AS base,
           target_value, actual_value, target_text, actual_text, rc_cell(source_sheet, source_cell) AS cell
    FROM marts.fct_indicator_results
    WHERE target_unit = '%'
)
SELECT 'R18' AS rule_id, 'error' AS severity, department_name, fiscal_year, source_sheet || '/' || what AS subject,
       'smallest amount' AS left_label, v AS left_yuan, '≥ 0' AS right_label, greatest(v, 0) AS right_yuan,
       v - greatest(v, 0) AS diff_yuan, CAST(0 AS DECIMAL(24, 6)) AS tolerance_yuan,
       coalesce(neg_cells, min_cell) AS source_cells, 'eq' AS comparison
FROM nonneg
WHERE v IS NOT NULL
UNION ALL
SELECT 'R18', 'error', department_name, fiscal_year, project_name || '/execution_rate∈[0,1.5]',
       'execution_rate (' || coalesce(execution_rate_basis, '?') || ')', execution_rate, '∈ [0, 1.5]',
       least(greatest(execution_rate, 0), 1.5), execution_rate - least(greatest(execution_rate, 0), 1.5),
       CAST(0 AS DECIMAL(24, 6)), rc_cell(source_sheet, source_cell), 'eq'
FROM marts.fct_project_funds
WHERE execution_rate IS NOT NULL
UNION ALL
SELECT 'R18', 'error', department_name, fiscal_year, base || '/target%∈[0,100]', 'target ' || coalesce(target_text, ''),
       target_value, '∈ [0, 100]', least(greatest(target_value, 0), 100),
       target_value - least(greatest(target_value, 0), 100), CAST(0 AS DECIMAL(24, 6)), cell, 'eq'
FROM pct WHERE target_value IS NOT NULL
UNION ALL
SELECT 'R18', 'error', department_name, fiscal_year, base || '/actual%∈[0,100]', 'actual ' || coalesce(actual_text, ''),
       actual_value, '∈ [0, 100]', least(greatest(actual_value, 0), 100),
       actual_value - least(greatest(actual_value, 0), 100), CAST(0 AS DECIMAL(24, 6)), cell, 'eq'
FROM pct WHERE actual_value IS NOT NULL
UNION ALL
SELECT 'R18', 'error', department_name, fiscal_year, scope || '/' || phase || '/' || key || '/copies agree',
       key || ' (smallest copy)', amount, key || ' (largest copy)', amount_max, amount - amount_max,
       rc_tol(1, hs), cells, 'eq'
FROM rc_li
WHERE n_rows > 1
