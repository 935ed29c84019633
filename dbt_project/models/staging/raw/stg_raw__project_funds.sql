-- All versions of raw.project_funds (history included), renamed and typed; is_current marks rows of the current
-- version of their file (audit.ingested_files status 'loaded').
with

source as (

    select * from {{ source('raw', 'project_funds') }}

),

{{ current_files_cte() }},

renamed as (

    select
        -- lineage
        {{ lineage_columns() }},
        -- content
        cast(subject_kind as {{ dbt.type_string() }}) as subject_kind,
        cast(project_name as {{ dbt.type_string() }}) as project_name,
        cast(implementing_unit as {{ dbt.type_string() }}) as implementing_unit,
        cast(project_type as {{ dbt.type_string() }}) as project_type,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(status_text as {{ dbt.type_string() }}) as status_text,
        cast(budget_initial_yuan as decimal(18,2)) as budget_initial_yuan,
        cast(budget_adjusted_yuan as decimal(18,2)) as budget_adjusted_yuan,
        cast(executed_yuan as decimal(18,2)) as executed_yuan,
        cast(carryover_yuan as decimal(18,2)) as carryover_yuan,
        cast(execution_rate as decimal(9,4)) as execution_rate_extracted,
        cast(execution_rate_computed as boolean) as is_execution_rate_computed,
        cast(score_weight as decimal(9,2)) as score_weight,
        cast(score as decimal(9,2)) as score,
        cast(current_year_initial_yuan as decimal(18,2)) as current_year_initial_yuan,
        cast(current_year_budget_yuan as decimal(18,2)) as current_year_budget_yuan,
        cast(current_year_executed_yuan as decimal(18,2)) as current_year_executed_yuan,
        cast(prior_year_carryover_initial_yuan as decimal(18,2)) as prior_year_carryover_initial_yuan,
        cast(prior_year_carryover_budget_yuan as decimal(18,2)) as prior_year_carryover_budget_yuan,
        cast(prior_year_carryover_executed_yuan as decimal(18,2)) as prior_year_carryover_executed_yuan,
        cast(other_funds_initial_yuan as decimal(18,2)) as other_funds_initial_yuan,
        cast(other_funds_budget_yuan as decimal(18,2)) as other_funds_budget_yuan,
        cast(other_funds_executed_yuan as decimal(18,2)) as other_funds_executed_yuan,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(cells as {{ dbt.type_string() }}) as cells
    from source

)

{{ select_with_is_current('renamed') }}
