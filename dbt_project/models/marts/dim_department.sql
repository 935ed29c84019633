-- One row per department with current data. department_id = md5(department_name); region = the name up to and
-- including the first 市 / 县 / 区 (macro region_of). Columns, types and tests: _marts__models.yml.
with

department_years as (

    select * from {{ ref('int_department_years') }}

),

departments as (

    select
        department_name,
        min(fiscal_year) as first_fiscal_year,
        max(fiscal_year) as last_fiscal_year,
        count(distinct fiscal_year) as fiscal_year_count,
        sum(file_count) as current_file_count
    from department_years
    group by department_name

),

final as (

    select
        cast({{ dbt.hash('department_name') }} as varchar) as department_id,
        cast(department_name as varchar) as department_name,
        cast({{ region_of('department_name') }} as varchar) as region,
        cast(first_fiscal_year as integer) as first_fiscal_year,
        cast(last_fiscal_year as integer) as last_fiscal_year,
        cast(fiscal_year_count as integer) as fiscal_year_count,
        cast(current_file_count as integer) as current_file_count
    from departments

)

select * from final
