-- R17 (error): fixed assets: fixed_assets_end = fixed_assets_begin + fixed_assets_added − disposed, per department,
-- fiscal year, scope and phase.
-- Disposals: line_items.csv has no key for 本年减少; a row keyed fixed_assets_disposed (or fixed_assets_reduced /
-- fixed_assets_decreased) is subtracted when present, otherwise disposals are taken as 0. Decision: a 固定资产 table
-- whose 减少 line the extractor did not map then shows up as a failure (end < begin + added) rather than passing
-- silently or being skipped — an unmapped line is something to notice. The sum side needs 年初数 and at least one
-- movement (增加 or 减少); n_terms counts the figures stated.
WITH fa AS (
    SELECT department_name, fiscal_year, scope, phase,
           max(CASE WHEN key = 'fixed_assets_end' THEN amount END) AS end_,
           max(CASE WHEN key = 'fixed_assets_begin' THEN amount END) AS begin_,
           max(CASE WHEN key = 'fixed_assets_added' THEN amount END) AS added,
           sum(CASE WHEN key IN ('fixed_assets_disposed', 'fixed_assets_reduced', 'fixed_assets_decreased')
                    THEN amount END) AS disposed,
           max(hs) AS hs, string_agg(cells, ', ' ORDER BY key) AS cells
    FROM rc_li
    WHERE key LIKE 'fixed\_assets\_%' ESCAPE '\'
    GROUP BY ALL
)
SELECT 'R17' AS rule_id, 'error' AS severity, department_name, fiscal_year, scope || '/' || phase AS subject,
       '固定资产年末数 (fixed_assets_end)' AS left_label, end_ AS left_yuan,
       '年初数 + 本年增加 − 本年减少' || CASE WHEN disposed IS NULL THEN ' (减少 not stated: 0)' ELSE '' END AS right_label,
       CASE WHEN begin_ IS NOT NULL AND (added IS NOT NULL OR disposed IS NOT NULL)
            THEN begin_ + coalesce(added, 0) - coalesce(disposed, 0) END AS right_yuan,
       end_ - CASE WHEN begin_ IS NOT NULL AND (added IS NOT NULL OR disposed IS NOT NULL)
            THEN begin_ + coalesce(added, 0) - coalesce(disposed, 0) END AS diff_yuan,
       rc_tol((begin_ IS NOT NULL)::INT + (added IS NOT NULL)::INT + (disposed IS NOT NULL)::INT, hs) AS tolerance_yuan,
       cells AS source_cells, 'eq' AS comparison
FROM fa
WHERE end_ IS NOT NULL OR begin_ IS NOT NULL
