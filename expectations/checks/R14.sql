-- R14 (error): scored tables (评分表 / 自评表). Scores are points, not yuan (written in the *_yuan columns all the
-- same); figures are exact to their 2 decimals: ±0.005 per figure, (n + 1) × 0.005 for a sum of n.
--   * '<sheet>/<indicator>/score≤weight': every 得分 ≤ its 分值 (comparison 'le', tolerance 0.005), indicator rows
--     and the 预算执行率 row of a project self-evaluation (fct_project_funds score / score_weight).
--   * '<sheet>/<subject>/weights': Σ 分值 = the stated total (weight_total, normally 100).
--   * '<sheet>/<subject>/total_score': 总分 = Σ 得分 (indicator rows of the same sheet and subject, plus the
--     预算执行率 score on a project self-evaluation sheet).
--   * '<sheet>/<subject>/grade': the stated grade matches the band of 总分 (优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60):
--     right = total_score clamped into the stated grade's band, so diff = how far 总分 lies outside it; tolerance 0.
WITH items AS (
    SELECT department_name, fiscal_year, source_file, source_sheet, subject_kind, project_name AS subject_name,
           coalesce(level3, level2, level1) AS item, weight, score, rc_cell(source_sheet, source_cell) AS cell
    FROM marts.fct_indicator_results
    WHERE weight IS NOT NULL OR score IS NOT NULL
    UNION ALL
    SELECT department_name, fiscal_year, source_file, source_sheet, subject_kind, project_name,
           '预算执行率', score_weight, score, rc_cell(source_sheet, source_cell)
    FROM rc_projects
    WHERE score_weight IS NOT NULL OR score IS NOT NULL
),
sums AS (
    SELECT department_name, fiscal_year, source_file, source_sheet, subject_kind, subject_name,
           sum(weight) AS weights, count(weight) AS n_weights, sum(score) AS scores, count(score) AS n_scores
    FROM items GROUP BY ALL
),
ev AS (
    SELECT e.*, s.weights, s.n_weights, s.scores, s.n_scores,
           CASE e.grade WHEN '优' THEN 90 WHEN '良' THEN 80 WHEN '中' THEN 60 WHEN '差' THEN 0 END AS band_lo,
           CASE e.grade WHEN '优' THEN NULL WHEN '良' THEN 89.99 WHEN '中' THEN 79.99 WHEN '差' THEN 59.99 END AS band_hi
    FROM marts.fct_evaluation_scores e
    LEFT JOIN sums s ON s.department_name = e.department_name AND s.fiscal_year = e.fiscal_year
        AND s.source_file = e.source_file AND s.source_sheet = e.source_sheet
        AND s.subject_kind IS NOT DISTINCT FROM e.subject_kind AND s.subject_name IS NOT DISTINCT FROM e.subject_name
)
SELECT 'R14' AS rule_id, 'error' AS severity, department_name, fiscal_year,
       source_sheet || '/' || coalesce(subject_name, '') || '/' || coalesce(item, '') || '/score≤weight' AS subject,
       '得分 (score)' AS left_label, score AS left_yuan, '分值 (weight)' AS right_label, weight AS right_yuan,
       score - weight AS diff_yuan, CAST(0.005 AS DECIMAL(24, 6)) AS tolerance_yuan, cell AS source_cells,
       'le' AS comparison
FROM items
UNION ALL
SELECT 'R14', 'error', department_name, fiscal_year, source_sheet || '/' || coalesce(subject_name, '') || '/weights',
       '分值合计 as stated (weight_total)', weight_total, 'Σ 分值 (' || coalesce(n_weights, 0) || ' rows)',
       CASE WHEN n_weights > 0 THEN weights END, weight_total - CASE WHEN n_weights > 0 THEN weights END,
       rc_tol(n_weights, 0.005), rc_cell(source_sheet, source_cell), 'eq'
FROM ev
WHERE weight_total IS NOT NULL OR n_weights > 0
UNION ALL
SELECT 'R14', 'error', department_name, fiscal_year, source_sheet || '/' || coalesce(subject_name, '') || '/total_score',
       '总分 (total_score)', total_score, 'Σ 得分 (' || coalesce(n_scores, 0) || ' rows)',
       CASE WHEN n_scores > 0 THEN scores END, total_score - CASE WHEN n_scores > 0 THEN scores END,
       rc_tol(n_scores, 0.005), rc_cell(source_sheet, source_cell), 'eq'
FROM ev
WHERE total_score IS NOT NULL OR n_scores > 0
UNION ALL
SELECT 'R14', 'error', department_name, fiscal_year, source_sheet || '/' || coalesce(subject_name, '') || '/grade',
       '总分 (total_score)', total_score,
       'band of grade ' || coalesce(grade, '(none)') ||
           CASE WHEN band_lo IS NULL THEN '' WHEN band_hi IS NULL THEN ' [' || band_lo || ', ∞)'
                ELSE ' [' || band_lo || ', ' || band_hi || ']' END,
       CASE WHEN band_lo IS NOT NULL AND total_score IS NOT NULL
            THEN CAST(CASE WHEN band_hi IS NULL THEN greatest(total_score, band_lo)
                           ELSE least(greatest(total_score, band_lo), band_hi) END AS DECIMAL(24, 6)) END,
       total_score - CASE WHEN band_lo IS NOT NULL AND total_score IS NOT NULL
            THEN CAST(CASE WHEN band_hi IS NULL THEN greatest(total_score, band_lo)
                           ELSE least(greatest(total_score, band_lo), band_hi) END AS DECIMAL(24, 6)) END,
       CAST(0 AS DECIMAL(24, 6)), rc_cell(source_sheet, source_cell), 'eq'
FROM ev
WHERE grade IS NOT NULL
