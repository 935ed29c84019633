-- 部门决算 figures in 元, current file versions only. Grain: one value cell of a current workbook per line item,
-- column, scope and phase — (file_sha256, source_sheet, source_cell, line_item_key, column_key, scope, phase).
-- Named items use the keys of line_items.csv; function-classification rows are `func:<code>`,
-- economic-classification rows `econ:<code>`, with `column_key` saying which column the amount is in.
-- The same figure may appear in two current workbooks of a department-year (e.g. the 决算 report and an
-- evaluation attachment): both rows are kept, each with its own lineage.
-- Columns, types and tests: _marts__models.yml (contract enforced).
with

source as (

    select * from {{ ref('int_line_items__current') }}

),

final as (

    select
        cast({{ dbt.hash("coalesce(cast(file_sha256 as varchar), '') || '|' || coalesce(cast(source_sheet as varchar), '') || '|' || coalesce(cast(source_cell as varchar), '') || '|' || coalesce(cast(line_item_key as varchar), '') || '|' || coalesce(cast(column_key as varchar), '') || '|' || coalesce(cast(scope as varchar), '') || '|' || coalesce(cast(phase as varchar), '')") }} as varchar) as line_item_id,
        cast(department_name as varchar) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(statement as varchar) as statement,
        cast(line_item_key as varchar) as line_item_key,
        cast(line_item_kind as varchar) as line_item_kind,
        cast(code as varchar) as code,
        cast(classification_level as varchar) as classification_level,
        cast(item_name as varchar) as item_name,
        cast(column_key as varchar) as column_key,
        cast(scope as varchar) as scope,
        cast(phase as varchar) as phase,
        cast(amount_yuan as decimal(18,2)) as amount_yuan,
        cast(unit as varchar) as unit,
        cast(table_kind as varchar) as table_kind,
        {{ mart_lineage_columns() }}
    from source

)

{{ select_with_dq_status('final') }}
