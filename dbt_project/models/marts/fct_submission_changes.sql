-- What changed when a department resubmitted: for each superseded file version and the version that replaced it,
-- every line item whose value changed, appeared or disappeared, matched on its business key and cell.
with

history as (

    select * from {{ ref('fct_line_items_history') }}

),

pairs as (

    select distinct file_sha256 as old_sha, superseded_by as new_sha
    from history
    where superseded_by is not null

),

old_rows as (

    select h.*, p.new_sha
    from history as h
    inner join pairs as p on h.file_sha256 = p.old_sha

),

new_rows as (

    select h.*, p.old_sha
    from history as h
    inner join pairs as p on h.file_sha256 = p.new_sha

),

joined as (

    select
        coalesce(n.department_name, o.department_name) as department_name,
        coalesce(n.fiscal_year, o.fiscal_year) as fiscal_year,
        coalesce(n.statement, o.statement) as statement,
        coalesce(n.line_item_key, o.line_item_key) as line_item_key,
        coalesce(n.column_key, o.column_key) as column_key,
        coalesce(n.scope, o.scope) as scope,
        coalesce(n.phase, o.phase) as phase,
        coalesce(n.source_sheet, o.source_sheet) as source_sheet,
        coalesce(n.source_cell, o.source_cell) as source_cell,
        o.amount_yuan as old_value_yuan,
        n.amount_yuan as new_value_yuan,
        case
            when o.amount_yuan is null then 'added'
            when n.amount_yuan is null then 'removed'
            else 'changed'
        end as change_kind,
        coalesce(o.file_sha256, n.old_sha) as old_file_sha256,
        coalesce(n.file_sha256, o.new_sha) as new_file_sha256,
        o.source_file as old_source_file,
        n.source_file as new_source_file,
        coalesce(n.valid_from, o.valid_to) as changed_at
    from old_rows as o
    full outer join new_rows as n
        on o.new_sha = n.file_sha256
        and o.line_item_key = n.line_item_key
        and o.scope = n.scope
        and o.phase = n.phase
        and o.source_sheet = n.source_sheet
        and o.source_cell = n.source_cell
        and coalesce(o.column_key, '') = coalesce(n.column_key, '')

)

select *
from joined
where old_value_yuan is null
    or new_value_yuan is null
    or old_value_yuan <> new_value_yuan
