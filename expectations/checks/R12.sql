-- R12 (warn): Σ 全年执行数 of a department's project sheets (self-evaluations and targets tables; not special-fund
-- project tables, not fund-level rows) = its 项目支出 of the same year; subject 'Σ 项目执行数'. Also the 主要项目支出
-- ("of which" major projects, fct_facts kind major_project_expenditure) against 项目支出; subject '主要项目支出'.
-- 项目支出 is taken from the all-funds tables when stated, else fiscal, else 一般公共预算财政拨款 (phase actual).
-- A project reported twice (a 自评表 and a 目标完成情况表 of the same year) counts once: the scored self-evaluation
-- row wins, then the first by file and sheet.
WITH proj_once AS (
    SELECT *
    FROM rc_projects
    WHERE subject_kind = 'project' AND executed_yuan IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY department_name, fiscal_year, project_name
        ORDER BY CASE WHEN score_weight IS NOT NULL THEN 0 ELSE 1 END, source_file, source_sheet) = 1
),
proj AS (
    SELECT department_name, fiscal_year, sum(executed_yuan) AS left_yuan, count(*) AS n_terms, max(hs) AS hs,
           string_agg(rc_cell(source_sheet, source_cell), ', ' ORDER BY source_sheet) AS cells
    FROM proj_once
    GROUP BY ALL
),
major AS (
    SELECT department_name, fiscal_year, sum(amount_yuan) AS left_yuan, count(*) AS n_terms,
           max(rc_half_step(unit)) AS hs,
           string_agg(rc_cell(source_sheet, source_cell), ', ' ORDER BY source_cell) AS cells
    FROM marts.fct_facts
    WHERE kind = 'major_project_expenditure' AND amount_yuan IS NOT NULL
    GROUP BY ALL
),
ep AS (
    SELECT department_name, fiscal_year, amount AS right_yuan, hs, cells, scope
    FROM rc_li
    WHERE key = 'expenditure_project' AND phase = 'actual'
    QUALIFY row_number() OVER (PARTITION BY department_name, fiscal_year
        ORDER BY CASE scope WHEN 'all_funds' THEN 0 WHEN 'fiscal' THEN 1 ELSE 2 END) = 1
),
proj_side AS (   -- project sheets vs 项目支出; not applicable when either side is missing
    SELECT department_name, fiscal_year, 'Σ 项目执行数' AS subject, 'Σ 全年执行数 of the project sheets' AS left_label,
           proj.left_yuan, proj.n_terms, proj.hs, proj.cells
    FROM proj FULL OUTER JOIN (SELECT department_name, fiscal_year FROM ep) k USING (department_name, fiscal_year)
),
sides AS (
    SELECT * FROM proj_side
    UNION ALL
    SELECT department_name, fiscal_year, '主要项目支出', 'Σ 其中：主要项目支出', left_yuan, n_terms, hs, cells FROM major
)
SELECT 'R12' AS rule_id, 'warn' AS severity, s.department_name, s.fiscal_year, s.subject, s.left_label, s.left_yuan,
       '项目支出 (expenditure_project, ' || coalesce(ep.scope, 'not stated') || ')' AS right_label, ep.right_yuan,
       s.left_yuan - ep.right_yuan AS diff_yuan,
       rc_tol(s.n_terms, greatest(coalesce(s.hs, 0), coalesce(ep.hs, 0))) AS tolerance_yuan,
       concat_ws(', ', s.cells, ep.cells) AS source_cells, 'eq' AS comparison
FROM sides s
LEFT JOIN ep ON ep.department_name = s.department_name AND ep.fiscal_year = s.fiscal_year
