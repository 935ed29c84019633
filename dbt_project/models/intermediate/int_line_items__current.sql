-- Current line-item rows (rows of files whose current version is loaded), exact duplicates removed, with the
-- classification helpers: which kind of key it is and the 类/款/项 level of a classification code.
with

current_rows as (

    select distinct *
    from {{ ref('stg_raw__line_items') }}
    where is_current

),

classified as (

    select
        current_rows.*,
        case
            when line_item_key like 'func:%' then 'functional'
            when line_item_key like 'econ:%' then 'economic'
            when line_item_key is null then null
            else 'named'
        end as line_item_kind,
        {{ classification_level('code') }} as classification_level
    from current_rows

)

select * from classified
