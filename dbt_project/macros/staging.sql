{#- Shared pieces of the staging models over raw.*: the lineage columns every raw table carries, and the
    is_current flag (the row's file version is the current one, audit.ingested_files status 'loaded'). -#}

{% macro lineage_columns() -%}
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_sheet as {{ dbt.type_string() }}) as source_sheet,
        cast(source_cell as {{ dbt.type_string() }}) as source_cell,
        cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(table_kind as {{ dbt.type_string() }}) as table_kind,
        cast(department_name as {{ dbt.type_string() }}) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(row_number as integer) as row_number
{%- endmacro %}

{% macro current_files_cte() -%}
current_files as (

    select distinct file_sha256
    from {{ source('audit', 'ingested_files') }}
    where status = 'loaded'

)
{%- endmacro %}

{% macro select_with_is_current(relation) -%}
select
    {{ relation }}.*,
    (current_files.file_sha256 is not null) as is_current
from {{ relation }}
left join current_files
    on {{ relation }}.file_sha256 = current_files.file_sha256
{%- endmacro %}
