-- Every workbook version the loader has seen (audit.ingested_files) with its status, the rejection reason and the
-- raw rows it holds per table (counted by source_file and file_sha256, all versions). Grain: (source_file, file_sha256). Contract: _marts__models.yml.
with

files as (

    select * from {{ ref('stg_audit__ingested_files') }}

),

rejections as (

    select
        source_file,
        file_sha256,
        reason_code,
        reason,
        source_sheet,
        source_cell,
        row_number() over (
            partition by source_file, file_sha256 order by rejected_at desc, run_id desc
        ) as rn
    from {{ ref('stg_audit__rejected_files') }}

),

raw_rows as (

    {% set tables = [('line_items', 'line_item_rows'), ('project_funds', 'project_fund_rows'),
                     ('fund_rows', 'fund_row_rows'), ('indicators', 'indicator_rows'),
                     ('evaluations', 'evaluation_rows'), ('facts', 'fact_rows'),
                     ('sheet_findings', 'sheet_finding_rows')] %}
    {% for t, col in tables %}
    select source_file, file_sha256, '{{ col }}' as counted, count(*) as n
    from {{ ref('stg_raw__' ~ t) }}
    group by source_file, file_sha256
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

row_counts as (

    select
        source_file,
        file_sha256,
        {% for t, col in tables %}
        sum(case when counted = '{{ col }}' then n else 0 end) as {{ col }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from raw_rows
    group by source_file, file_sha256

),

final as (

    select
        cast(files.source_file as varchar) as source_file,
        cast(files.file_sha256 as varchar) as file_sha256,
        cast(files.status as varchar) as status,
        cast(files.is_current as boolean) as is_current,
        cast(files.template_kinds as varchar) as template_kinds,
        cast(files.rows_extracted as integer) as rows_extracted,
        cast(files.loaded_at as timestamp) as loaded_at,
        cast(files.superseded_by as varchar) as superseded_by,
        cast(files.department_name as varchar) as department_name,
        cast(files.fiscal_year as integer) as fiscal_year,
        cast(files.file_size_bytes as bigint) as file_size_bytes,
        cast(files.skipped_tables as varchar) as skipped_tables,
        cast(files.run_id as varchar) as run_id,
        cast(rejections.reason_code as varchar) as reason_code,
        cast(rejections.reason as varchar) as reason,
        cast(rejections.source_sheet as varchar) as rejected_sheet,
        cast(rejections.source_cell as varchar) as rejected_cell,
        {% for t, col in tables %}
        cast(coalesce(row_counts.{{ col }}, 0) as bigint) as {{ col }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from files
    left join rejections
        on files.source_file = rejections.source_file
        and files.file_sha256 = rejections.file_sha256
        and rejections.rn = 1
    left join row_counts
        on files.source_file = row_counts.source_file
        and files.file_sha256 = row_counts.file_sha256

)

select * from final
