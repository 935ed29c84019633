-- Rows of special-fund tables (收支汇总表 / 项目实施情况表) that are not projects: category subtotals and the 合计
-- row, current file versions only. Grain: (file_sha256, source_sheet, source_cell, row_kind, fund_name,
-- project_name).
-- Columns, types and tests: _marts__models.yml (contract enforced).
with

source as (

    select * from {{ ref('int_fund_rows__current') }}

),

final as (

    select
        cast({{ dbt.hash("coalesce(cast(file_sha256 as varchar), '') || '|' || coalesce(cast(source_sheet as varchar), '') || '|' || coalesce(cast(source_cell as varchar), '') || '|' || coalesce(cast(row_kind as varchar), '') || '|' || coalesce(cast(fund_name as varchar), '') || '|' || coalesce(cast(project_name as varchar), '')") }} as varchar) as fund_row_id,
        cast(department_name as varchar) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(fund_name as varchar) as fund_name,
        cast(row_kind as varchar) as row_kind,
        cast(seq as varchar) as seq,
        cast(project_name as varchar) as project_name,
        cast(project_count as integer) as project_count,
        cast(budget_initial_yuan as decimal(18,2)) as budget_initial_yuan,
        cast(allocated_yuan as decimal(18,2)) as allocated_yuan,
        cast(paid_yuan as decimal(18,2)) as paid_yuan,
        cast(carryover_yuan as decimal(18,2)) as carryover_yuan,
        cast(note as varchar) as note,
        cast(unit as varchar) as unit,
        cast(cells as varchar) as cells,
        cast(table_kind as varchar) as table_kind,
        {{ mart_lineage_columns() }}
    from source

)

{{ select_with_dq_status('final') }}
