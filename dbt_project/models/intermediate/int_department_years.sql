-- Every (department, fiscal year) with current data: from the current rows of all fact tables and from the
-- current (loaded) files in audit.ingested_files.
with

department_years as (

    {% for m in ['int_line_items__current', 'int_project_funds__current', 'int_fund_rows__current',
                 'int_indicators__current', 'int_evaluations__recomputed', 'int_facts__current',
                 'int_sheet_findings__current'] %}
    select department_name, fiscal_year, file_sha256 from {{ ref(m) }}
    union all
    {% endfor %}
    select department_name, fiscal_year, file_sha256
    from {{ ref('stg_audit__ingested_files') }}
    where is_current

)

select
    department_name,
    fiscal_year,
    count(distinct file_sha256) as file_count
from department_years
where department_name is not null
group by department_name, fiscal_year
