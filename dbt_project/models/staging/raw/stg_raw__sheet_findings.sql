-- All versions of raw.sheet_findings (history included), renamed and typed; is_current marks rows of the current
-- version of their file (audit.ingested_files status 'loaded').
with

source as (

    select * from {{ source('raw', 'sheet_findings') }}

),

{{ current_files_cte() }},

renamed as (

    select
        -- lineage
        {{ lineage_columns() }},
        -- content
        cast(finding as {{ dbt.type_string() }}) as finding,
        cast(detail as {{ dbt.type_string() }}) as detail
    from source

)

{{ select_with_is_current('renamed') }}
