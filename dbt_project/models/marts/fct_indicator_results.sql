-- Performance-indicator rows (绩效指标) of current workbooks, scored or not, with the target parsed from its
-- text and the score the rules give. Grain: one indicator of one subject on one sheet row —
-- (file_sha256, source_sheet, source_cell, row_number, subject_kind, subject_name, level1, level2, level3).
-- Columns, types and tests: _marts__models.yml (contract enforced).
with

source as (

    select * from {{ ref('int_indicators__current') }}

),

final as (

    select
        cast({{ dbt.hash("coalesce(cast(file_sha256 as varchar), '') || '|' || coalesce(cast(source_sheet as varchar), '') || '|' || coalesce(cast(source_cell as varchar), '') || '|' || coalesce(cast(row_number as varchar), '') || '|' || coalesce(cast(subject_kind as varchar), '') || '|' || coalesce(cast(subject_name as varchar), '') || '|' || coalesce(cast(level1 as varchar), '') || '|' || coalesce(cast(level2 as varchar), '') || '|' || coalesce(cast(level3 as varchar), '')") }} as varchar) as indicator_result_id,
        cast(department_name as varchar) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(subject_kind as varchar) as subject_kind,
        cast(subject_name as varchar) as project_name,
        cast(subject_name as varchar) as subject_name,
        cast(level1 as varchar) as level1,
        cast(level1_weight as decimal(9,2)) as level1_weight,
        cast(level2 as varchar) as level2,
        cast(level2_weight as decimal(9,2)) as level2_weight,
        cast(level3 as varchar) as level3,
        cast(target_text as varchar) as target_text,
        cast(actual_text as varchar) as actual_text,
        cast(target_op as varchar) as target_op,
        cast(target_value as decimal(18,4)) as target_value,
        cast(target_unit as varchar) as target_unit,
        cast(actual_value as decimal(18,4)) as actual_value,
        cast(weight as decimal(9,2)) as weight,
        cast(score as decimal(9,2)) as score,
        cast(recomputed_score as decimal(9,2)) as recomputed_score,
        cast(achieved as boolean) as achieved,
        cast(deviation_reason as varchar) as deviation_reason,
        cast(cells as varchar) as cells,
        cast(table_kind as varchar) as table_kind,
        {{ mart_lineage_columns() }}
    from source

)

{{ select_with_dq_status('final') }}
