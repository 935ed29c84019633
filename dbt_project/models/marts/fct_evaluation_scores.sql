-- The total (总分 / 合计) of each scored table of a current workbook, with the total recomputed from its
-- scored rows. Grain: one subject per sheet — (file_sha256, source_sheet, source_cell, subject_kind,
-- subject_name). grade = the stated grade (优/良/中/差) when given, else the band of total_score:
-- 优 >= 90, 良 80–<90, 中 60–<80, 差 < 60.
-- Columns, types and tests: _marts__models.yml (contract enforced).
with

source as (

    select * from {{ ref('int_evaluations__recomputed') }}

),

final as (

    select
        cast({{ dbt.hash("coalesce(cast(file_sha256 as varchar), '') || '|' || coalesce(cast(source_sheet as varchar), '') || '|' || coalesce(cast(source_cell as varchar), '') || '|' || coalesce(cast(subject_kind as varchar), '') || '|' || coalesce(cast(subject_name as varchar), '')") }} as varchar) as evaluation_id,
        cast(department_name as varchar) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(subject_kind as varchar) as subject_kind,
        cast(subject_name as varchar) as subject_name,
        cast(weight_total as decimal(9,2)) as weight_total,
        cast(total_score as decimal(9,2)) as total_score,
        cast(grade as varchar) as grade,
        cast(grade_stated as varchar) as grade_stated,
        cast(grade_computed as varchar) as grade_computed,
        cast(recomputed_total as decimal(9,2)) as recomputed_total,
        cast(rule_recomputed_total as decimal(9,2)) as rule_recomputed_total,
        cast(recomputed_weight_total as decimal(9,2)) as recomputed_weight_total,
        cast(execution_score as decimal(9,2)) as execution_score,
        cast(indicator_count as integer) as indicator_count,
        cast(grade_recomputed as varchar) as grade_recomputed,
        cast(evaluator as varchar) as evaluator,
        cast(cells as varchar) as cells,
        cast(table_kind as varchar) as table_kind,
        {{ mart_lineage_columns() }}
    from source

)

{{ select_with_dq_status('final') }}
