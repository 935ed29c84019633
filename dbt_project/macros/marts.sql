{#- Shared pieces of the fact marts: the lineage columns and the department-year dq_status. -#}

{% macro mart_lineage_columns() -%}
        cast(source_file as varchar) as source_file,
        cast(source_sheet as varchar) as source_sheet,
        cast(source_cell as varchar) as source_cell,
        cast(file_sha256 as varchar) as file_sha256,
        cast(row_number as integer) as row_number
{%- endmacro %}

{% macro select_with_dq_status(relation) -%}
select
    {{ relation }}.*,
    cast(dq.dq_status as varchar) as dq_status
from {{ relation }}
left join {{ ref('int_dq_status') }} as dq
    on dq.department_name = {{ relation }}.department_name
    and dq.fiscal_year = {{ relation }}.fiscal_year
{%- endmacro %}
