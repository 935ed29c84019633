-- One row per project of a current workbook: project self-evaluations (项目支出绩效自评表; 全年预算数 →
-- budget_adjusted_yuan, 全年执行数 → executed_yuan), targets tables and special-fund project tables (年初预算 →
-- budget_initial_yuan, 下达 → budget_adjusted_yuan, 支付 → executed_yuan, 结转 → carryover_yuan).
-- Subtotal/category rows of special-fund tables are not projects: they are in fct_fund_rows.
-- Grain: (file_sha256, source_sheet, source_cell, subject_kind, project_name).
-- Columns, types and tests: _marts__models.yml (contract enforced).
with

source as (

    select * from {{ ref('int_project_funds__current') }}

),

final as (

    select
        cast({{ dbt.hash("coalesce(cast(file_sha256 as varchar), '') || '|' || coalesce(cast(source_sheet as varchar), '') || '|' || coalesce(cast(source_cell as varchar), '') || '|' || coalesce(cast(subject_kind as varchar), '') || '|' || coalesce(cast(project_name as varchar), '')") }} as varchar) as project_fund_id,
        cast(department_name as varchar) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(subject_kind as varchar) as subject_kind,
        cast(project_name as varchar) as project_name,
        cast(implementing_unit as varchar) as implementing_unit,
        cast(project_type as varchar) as project_type,
        cast(category as varchar) as category,
        cast(status_text as varchar) as status_text,
        cast(budget_initial_yuan as decimal(18,2)) as budget_initial_yuan,
        cast(budget_adjusted_yuan as decimal(18,2)) as budget_adjusted_yuan,
        cast(executed_yuan as decimal(18,2)) as executed_yuan,
        cast(carryover_yuan as decimal(18,2)) as carryover_yuan,
        cast(execution_rate as decimal(9,4)) as execution_rate,
        cast(execution_rate_stated as decimal(9,4)) as execution_rate_stated,
        cast(execution_rate_recomputed as decimal(9,4)) as execution_rate_recomputed,
        cast(execution_rate_basis as varchar) as execution_rate_basis,
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
        cast(unit as varchar) as unit,
        cast(cells as varchar) as cells,
        cast(table_kind as varchar) as table_kind,
        {{ mart_lineage_columns() }}
    from source

)

{{ select_with_dq_status('final') }}
