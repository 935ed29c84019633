-- Every (department, fiscal year) with current data: from the current rows of all fact tables and from the
-- current (loaded) files in audit.ingested_files. Read from staging (the intermediate *__current models hold the
-- same department, year and file per current row: their distinct rows, reshaped, none dropped) so only these three
-- columns are scanned; a table, as dim_department and its tests read it.
{{ config(materialized='table') }}

with

department_years as (

    {% for m in ['stg_raw__line_items', 'stg_raw__project_funds', 'stg_raw__fund_rows', 'stg_raw__indicators',
                 'stg_raw__evaluations', 'stg_raw__facts', 'stg_raw__sheet_findings', 'stg_audit__ingested_files'] %}
    select department_name, fiscal_year, file_sha256 from {{ ref(m) }} where is_current
    {% if not loop.last %}union{% endif %}
    {% endfor %}

)

select
    department_name,
    fiscal_year,
    count(distinct file_sha256) as file_count
from department_years
where department_name is not null
group by department_name, fiscal_year
