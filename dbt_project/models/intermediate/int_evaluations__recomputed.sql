-- Current evaluation (总分) rows with the totals recomputed from the scored rows of the same file, sheet and
-- subject: the indicator rows (raw.indicators) plus, for project self-evaluations, the 预算执行率 row that the
-- extractors put in raw.project_funds (score_weight / score). grade = the stated grade (normalised to
-- 优/良/中/差) when given, else the band of total_score.
with

evaluations as (

    select distinct *
    from {{ ref('stg_raw__evaluations') }}
    where is_current

),

scored_rows as (

    select
        file_sha256,
        source_sheet,
        coalesce(subject_kind, '') as subject_kind_key,
        coalesce(subject_name, '') as subject_name_key,
        'indicator' as part,
        weight,
        score,
        recomputed_score
    from {{ ref('int_indicators__current') }}

    union all

    -- the execution-rate indicator of a project self-evaluation: min(rate, 1) x weight by the rules (R11)
    select
        file_sha256,
        source_sheet,
        coalesce(subject_kind, '') as subject_kind_key,
        coalesce(project_name, '') as subject_name_key,
        'execution' as part,
        score_weight as weight,
        score,
        cast(case when execution_rate >= 1 then 1 else execution_rate end * score_weight as decimal(9, 2))
            as recomputed_score
    from {{ ref('int_project_funds__current') }}
    where score_weight is not null or score is not null

),

totals as (

    select
        file_sha256,
        source_sheet,
        subject_kind_key,
        subject_name_key,
        cast(sum(score) as decimal(9, 2)) as recomputed_total,
        cast(case when count(recomputed_score) = count(*) then sum(recomputed_score) end as decimal(9, 2))
            as rule_recomputed_total,
        cast(sum(weight) as decimal(9, 2)) as recomputed_weight_total,
        cast(sum(case when part = 'execution' then score end) as decimal(9, 2)) as execution_score,
        sum(case when part = 'indicator' then 1 else 0 end) as indicator_count
    from scored_rows
    group by file_sha256, source_sheet, subject_kind_key, subject_name_key

),

joined as (

    select
        evaluations.*,
        totals.recomputed_total,
        totals.rule_recomputed_total,
        totals.recomputed_weight_total,
        totals.execution_score,
        coalesce(totals.indicator_count, 0) as indicator_count,
        {{ normalize_grade('evaluations.grade_stated') }} as grade_stated_normalized,
        {{ grade_band('evaluations.total_score') }} as grade_computed
    from evaluations
    left join totals
        on evaluations.file_sha256 = totals.file_sha256
        and evaluations.source_sheet = totals.source_sheet
        and coalesce(evaluations.subject_kind, '') = totals.subject_kind_key
        and coalesce(evaluations.subject_name, '') = totals.subject_name_key

),

final as (

    select
        joined.*,
        coalesce(grade_stated_normalized, grade_computed) as grade,
        {{ grade_band('recomputed_total') }} as grade_recomputed
    from joined

)

select * from final
