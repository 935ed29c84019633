-- All versions of raw.fund_rows (history included), renamed and typed; is_current marks rows of the current
-- version of their file (audit.ingested_files status 'loaded').
with

source as (

    select * from {{ source('raw', 'fund_rows') }}

),

{{ current_files_cte() }},

renamed as (

    select
        -- lineage
        {{ lineage_columns() }},
        -- content
        cast(fund_name as {{ dbt.type_string() }}) as fund_name,
        cast(row_kind as {{ dbt.type_string() }}) as row_kind,
        cast(seq as {{ dbt.type_string() }}) as seq,
        cast(project_name as {{ dbt.type_string() }}) as project_name,
        cast(project_count as integer) as project_count,
        cast(budget_initial_yuan as decimal(18,2)) as budget_initial_yuan,
        cast(allocated_yuan as decimal(18,2)) as allocated_yuan,
        cast(paid_yuan as decimal(18,2)) as paid_yuan,
        cast(carryover_yuan as decimal(18,2)) as carryover_yuan,
        cast(note as {{ dbt.type_string() }}) as note,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(cells as {{ dbt.type_string() }}) as cells
    from source

)

{{ select_with_is_current('renamed') }}
