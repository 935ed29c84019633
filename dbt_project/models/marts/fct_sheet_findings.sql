-- What the extractors noticed in current workbooks but did not load as figures: unknown tables, hidden
-- rows/columns, department or year mismatches between content and landing path. Grain: (file_sha256,
-- source_sheet, source_cell, finding, detail).
-- Columns, types and tests: _marts__models.yml (contract enforced).
with

source as (

    select * from {{ ref('int_sheet_findings__current') }}

),

final as (

    select
        cast({{ dbt.hash("coalesce(cast(file_sha256 as varchar), '') || '|' || coalesce(cast(source_sheet as varchar), '') || '|' || coalesce(cast(source_cell as varchar), '') || '|' || coalesce(cast(finding as varchar), '') || '|' || coalesce(cast(detail as varchar), '')") }} as varchar) as sheet_finding_id,
        cast(department_name as varchar) as department_name,
        cast(fiscal_year as integer) as fiscal_year,
        cast(finding as varchar) as finding,
        cast(detail as varchar) as detail,
        cast(table_kind as varchar) as table_kind,
        {{ mart_lineage_columns() }}
    from source

)

select * from final
