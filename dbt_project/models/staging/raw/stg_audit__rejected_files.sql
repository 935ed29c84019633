-- Why a file was rejected (audit.rejected_files), typed.
with

source as (

    select * from {{ source('audit', 'rejected_files') }}

),

renamed as (

    select
        cast(path as {{ dbt.type_string() }}) as source_file,
        cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(reason_code as {{ dbt.type_string() }}) as reason_code,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(sheet as {{ dbt.type_string() }}) as source_sheet,
        cast(cell as {{ dbt.type_string() }}) as source_cell,
        cast(rejected_at as timestamp) as rejected_at,
        cast(run_id as {{ dbt.type_string() }}) as run_id
    from source

)

select * from renamed
