-- Data-quality status of each department-year from the latest reconciliation run: 'error' when an error-severity
-- rule failed, 'warn' when only warn-severity rules failed, 'clean' when every applicable rule passed. Department-years
-- the latest run did not check are absent (their marts rows get dq_status NULL).
with

results as (

    select * from {{ source('audit', 'reconciliation_results') }}

),

latest_run as (

    select run_id
    from results
    order by checked_at desc, run_id desc
    limit 1

),

per_department_year as (

    select
        department_name,
        fiscal_year,
        sum(case when passed = false and severity = 'error' then 1 else 0 end) as errors,
        sum(case when passed = false and severity = 'warn' then 1 else 0 end) as warnings,
        sum(case when passed = true then 1 else 0 end) as passed_checks
    from results
    where run_id in (select run_id from latest_run)
        and department_name is not null
        and fiscal_year is not null
    group by department_name, fiscal_year

)

select
    department_name,
    fiscal_year,
    case when errors > 0 then 'error' when warnings > 0 then 'warn' else 'clean' end as dq_status,
    errors,
    warnings,
    passed_checks
from per_department_year
