-- All versions of raw.facts (history included), renamed and typed; is_current marks rows of the current
-- version of their file (audit.ingested_files status 'loaded').
with

source as (

    select * from {{ source('raw', 'facts') }}

),

{{ current_files_cte() }},

renamed as (

    select
        -- lineage
        {{ lineage_columns() }},
        -- content
        cast(kind as {{ dbt.type_string() }}) as kind,
        cast(name as {{ dbt.type_string() }}) as name,
        cast(amount_yuan as decimal(18,2)) as amount_yuan,
        cast(value_text as {{ dbt.type_string() }}) as value_text,
        cast(unit as {{ dbt.type_string() }}) as unit
    from source

)

{{ select_with_is_current('renamed') }}
