-- Current rows of raw.indicators (rows of files whose current version is loaded), exact duplicates removed.
with

current_rows as (

    select distinct *
    from {{ ref('stg_raw__indicators') }}
    where is_current

)

select * from current_rows
