-- All versions of raw.facts (history included), renamed and typed; is_current marks rows of the current
-- version of their file (audit.ingested_files status 'loaded').
with

source as (

    select * from {{ source('raw', 'facts') }}

),

current_files as (

    select distinct file_sha256
    from {{ source('audit', 'ingested_files') }}
    where status = 'loaded'

),

renamed as (

    select
        -- lineage
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_sheet as {{ dbt.type_string() }}) as source_sheet,
        cast(source_cell as {{ dbt.type_string() }}) as source_cell,
        cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(table_kind as {{ dbt.type_string() }}) as table_kind,
        cast(department_name as {{ dbt.type_string() }}) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(row_number as integer) as row_number,
        -- content
        cast(kind as {{ dbt.type_string() }}) as kind,
        cast(name as {{ dbt.type_string() }}) as name,
        cast(amount_yuan as decimal(18,2)) as amount_yuan,
        cast(value_text as {{ dbt.type_string() }}) as value_text,
        cast(unit as {{ dbt.type_string() }}) as unit
    from source

)

select
    renamed.*,
    (current_files.file_sha256 is not null) as is_current
from renamed
left join current_files
    on renamed.file_sha256 = current_files.file_sha256
