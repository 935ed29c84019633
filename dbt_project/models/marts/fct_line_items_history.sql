-- Every version of every line item (current and superseded files), with its validity interval: valid_from is when
-- its file version was loaded, valid_to when the version that superseded it was loaded (NULL while current).
with

versions as (

    select
        file_sha256,
        min(loaded_at) as loaded_at,
        max(superseded_by) as superseded_by,
        max(case when status = 'loaded' then 1 else 0 end) = 1 as is_current
    from {{ ref('stg_audit__ingested_files') }}
    where status in ('loaded', 'superseded')
    group by file_sha256

),

line_items as (

    select distinct
        department_name, fiscal_year, statement, line_item_key, column_key, scope, phase, amount_yuan, unit,
        code, item_name, source_file, source_sheet, source_cell, file_sha256
    from {{ ref('stg_raw__line_items') }}

)

select
    li.department_name,
    li.fiscal_year,
    li.statement,
    li.line_item_key,
    li.column_key,
    li.scope,
    li.phase,
    li.amount_yuan,
    li.unit,
    li.code,
    li.item_name,
    li.source_file,
    li.source_sheet,
    li.source_cell,
    li.file_sha256,
    v.loaded_at as valid_from,
    nxt.loaded_at as valid_to,
    v.is_current,
    v.superseded_by
from line_items as li
inner join versions as v
    on li.file_sha256 = v.file_sha256
left join versions as nxt
    on v.superseded_by = nxt.file_sha256
