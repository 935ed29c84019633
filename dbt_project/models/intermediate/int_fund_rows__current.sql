-- Current rows of raw.fund_rows (rows of files whose current version is loaded), exact duplicates removed.
with

current_rows as (

    select distinct *
    from {{ ref('stg_raw__fund_rows') }}
    where is_current

)

select * from current_rows
