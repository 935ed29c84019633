-- One row per file version the loader has seen (audit.ingested_files), typed; is_current = the current version.
with

source as (

    select * from {{ source('audit', 'ingested_files') }}

),

renamed as (

    select
        cast(path as {{ dbt.type_string() }}) as source_file,
        cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(template_kinds as {{ dbt.type_string() }}) as template_kinds,
        cast(rows_extracted as integer) as rows_extracted,
        cast(loaded_at as timestamp) as loaded_at,
        cast(superseded_by as {{ dbt.type_string() }}) as superseded_by,
        cast(department_name as {{ dbt.type_string() }}) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(file_size as bigint) as file_size_bytes,
        cast(skipped_tables as {{ dbt.type_string() }}) as skipped_tables,
        cast(run_id as {{ dbt.type_string() }}) as run_id
    from source

)

select
    renamed.*,
    (status = 'loaded') as is_current
from renamed
