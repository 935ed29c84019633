-- All versions of raw.indicators (history included), renamed and typed; is_current marks rows of the current
-- version of their file (audit.ingested_files status 'loaded').
with

source as (

    select * from {{ source('raw', 'indicators') }}

),

{{ current_files_cte() }},

renamed as (

    select
        -- lineage
        {{ lineage_columns() }},
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

{{ select_with_is_current('renamed') }}
