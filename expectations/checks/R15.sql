-- R15 (warn): a missed target cannot earn full marks.
--   * scored indicators with a parsed quantitative target: '<sheet>/<subject>/<indicator>/score≤recomputed':
--     得分 ≤ recomputed_score (what the score rules give from target and actual; ingest.targets), comparison 'le',
--     tolerance (1 + 1) × 0.005 points. Not applicable when the rules could not recompute a score.
--   * unscored indicators (targets tables: no 得分 to compare) with a quantitative target and a parsed actual:
--     '<sheet>/<subject>/<indicator>/target': the actual value against the target in the target's own unit
--     (e.g. 社会公众满意度 86.95 against ≥ 90 %), comparison by the target operator (>=, >, = → 'ge': a bare value such as
--     "1990平方米" is a level to reach, as in ingest.targets; <=, < → 'le'), tolerance 0. A missed target is a finding to review. Values are in the target's unit, not yuan.
WITH i AS (
    SELECT *, coalesce(level3, level2, level1) AS item, rc_cell(source_sheet, source_cell) AS cell
    FROM marts.fct_indicator_results
    WHERE target_op IN ('>=', '>', '<=', '<', '=')
)
SELECT 'R15' AS rule_id, 'warn' AS severity, department_name, fiscal_year,
       source_sheet || '/' || coalesce(project_name, '') || '/' || coalesce(item, '') || '/score≤recomputed' AS subject,
       '得分 (score)' AS left_label, score AS left_yuan,
       'recomputed_score (target ' || coalesce(target_text, '') || ', actual ' || coalesce(actual_text, '') || ')'
           AS right_label,
       recomputed_score AS right_yuan, score - recomputed_score AS diff_yuan,
       CAST(0.01 AS DECIMAL(24, 6)) AS tolerance_yuan, cell AS source_cells, 'le' AS comparison
FROM i
WHERE score IS NOT NULL
UNION ALL
SELECT 'R15', 'warn', department_name, fiscal_year,
       source_sheet || '/' || coalesce(project_name, '') || '/' || coalesce(item, '') || '/target',
       'actual ' || coalesce(actual_text, '') || ' (' || coalesce(target_unit, '') || ')', actual_value,
       'target ' || target_op || ' ' || coalesce(target_text, ''), target_value,
       actual_value - target_value, CAST(0 AS DECIMAL(24, 6)), cell,
       CASE WHEN target_op IN ('>=', '>', '=') THEN 'ge' ELSE 'le' END
FROM i
WHERE score IS NULL AND weight IS NULL AND actual_value IS NOT NULL
