-- All versions of raw.evaluations (history included), renamed and typed; is_current marks rows of the current
-- version of their file (audit.ingested_files status 'loaded').
with

source as (

    select * from {{ source('raw', 'evaluations') }}

),

{{ current_files_cte() }},

renamed as (

    select
        -- lineage
        {{ lineage_columns() }},
        -- content
        cast(subject_kind as {{ dbt.type_string() }}) as subject_kind,
        cast(subject_name as {{ dbt.type_string() }}) as subject_name,
        cast(weight_total as decimal(9,2)) as weight_total,
        cast(total_score as decimal(9,2)) as total_score,
        cast(grade as {{ dbt.type_string() }}) as grade_stated,
        cast(evaluator as {{ dbt.type_string() }}) as evaluator,
        cast(cells as {{ dbt.type_string() }}) as cells
    from source

)

{{ select_with_is_current('renamed') }}
