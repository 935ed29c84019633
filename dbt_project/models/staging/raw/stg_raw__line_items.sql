-- All versions of raw.line_items (history included), renamed and typed; is_current marks rows of the current
-- version of their file (audit.ingested_files status 'loaded').
with

source as (

    select * from {{ source('raw', 'line_items') }}

),

{{ current_files_cte() }},

renamed as (

    select
        -- lineage
        {{ lineage_columns() }},
        -- content
        cast(statement as {{ dbt.type_string() }}) as statement,
        cast(line_item_key as {{ dbt.type_string() }}) as line_item_key,
        cast(code as {{ dbt.type_string() }}) as code,
        cast(item_name as {{ dbt.type_string() }}) as item_name,
        cast(column_key as {{ dbt.type_string() }}) as column_key,
        cast(scope as {{ dbt.type_string() }}) as scope,
        cast(phase as {{ dbt.type_string() }}) as phase,
        cast(amount_yuan as decimal(18,2)) as amount_yuan,
        cast(unit as {{ dbt.type_string() }}) as unit
    from source

)

{{ select_with_is_current('renamed') }}
