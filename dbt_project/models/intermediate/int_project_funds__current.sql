-- Current project rows, exact duplicates removed, with the execution rate: the stated rate when the workbook gives
-- one, else executed / budget_adjusted (4 decimals; NULL when the budget is 0 or NULL).
with

current_rows as (

    select distinct *
    from {{ ref('stg_raw__project_funds') }}
    where is_current

),

rates as (

    select
        current_rows.*,
        case
            when coalesce(is_execution_rate_computed, false) then null
            else execution_rate_extracted
        end as execution_rate_stated,
        {{ safe_rate('executed_yuan', 'budget_adjusted_yuan') }} as execution_rate_recomputed
    from current_rows

),

final as (

    select
        rates.*,
        cast(coalesce(execution_rate_stated, execution_rate_recomputed) as decimal(9, 4)) as execution_rate,
        case
            when execution_rate_stated is not null then 'stated'
            when execution_rate_recomputed is not null then 'computed'
        end as execution_rate_basis
    from rates

)

select * from final
