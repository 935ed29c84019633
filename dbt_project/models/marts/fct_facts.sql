-- Other figures of current workbooks worth keeping (raw.facts): 主要项目支出 lists, counts such as 现有公务车,
-- notes. Grain: (file_sha256, source_sheet, source_cell, kind, name).
-- Columns, types and tests: _marts__models.yml (contract enforced).
with

source as (

    select * from {{ ref('int_facts__current') }}

),

final as (

    select
        cast({{ dbt.hash("coalesce(cast(file_sha256 as varchar), '') || '|' || coalesce(cast(source_sheet as varchar), '') || '|' || coalesce(cast(source_cell as varchar), '') || '|' || coalesce(cast(kind as varchar), '') || '|' || coalesce(cast(name as varchar), '')") }} as varchar) as fact_id,
        cast(department_name as varchar) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(kind as varchar) as kind,
        cast(name as varchar) as name,
        cast(amount_yuan as decimal(18,2)) as amount_yuan,
        cast(value_text as varchar) as value_text,
        cast(unit as varchar) as unit,
        cast(table_kind as varchar) as table_kind,
        {{ mart_lineage_columns() }}
    from source

)

{{ select_with_dq_status('final') }}
