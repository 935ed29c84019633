-- All versions of raw.indicators (history included), renamed and typed; is_current marks rows of the current
-- version of their file (audit.ingested_files status 'loaded').
with

source as (

    select * from {{ source('raw', 'indicators') }}

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
        cast(subject_kind as {{ dbt.type_string() }}) as subject_kind,
        cast(subject_name as {{ dbt.type_string() }}) as subject_name,
        cast(level1 as {{ dbt.type_string() }}) as level1,
        cast(level2 as {{ dbt.type_string() }}) as level2,
        cast(level3 as {{ dbt.type_string() }}) as level3,
        cast(level1_weight as decimal(9,2)) as level1_weight,
        cast(level2_weight as decimal(9,2)) as level2_weight,
        cast(target_text as {{ dbt.type_string() }}) as target_text,
        cast(actual_text as {{ dbt.type_string() }}) as actual_text,
        cast(weight as decimal(9,2)) as weight,
        cast(score as decimal(9,2)) as score,
        cast(deviation_reason as {{ dbt.type_string() }}) as deviation_reason,
        cast(target_op as {{ dbt.type_string() }}) as target_op,
        cast(target_value as decimal(18,4)) as target_value,
        cast(target_unit as {{ dbt.type_string() }}) as target_unit,
        cast(actual_value as decimal(18,4)) as actual_value,
        cast(achieved as boolean) as achieved,
        cast(recomputed_score as decimal(9,2)) as recomputed_score,
        cast(cells as {{ dbt.type_string() }}) as cells
    from source

)

select
    renamed.*,
    (current_files.file_sha256 is not null) as is_current
from renamed
left join current_files
    on renamed.file_sha256 = current_files.file_sha256
