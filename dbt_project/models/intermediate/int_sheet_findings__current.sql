-- Current rows of raw.sheet_findings (rows of files whose current version is loaded), exact duplicates removed.
with

current_rows as (

    select distinct *
    from {{ ref('stg_raw__sheet_findings') }}
    where is_current

)

select * from current_rows
