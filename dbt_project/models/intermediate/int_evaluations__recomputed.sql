-- Current evaluation (总分) rows with the totals recomputed from their indicator rows (same file, sheet and
-- subject) and the grade: the stated grade (normalised to 优/良/中/差) when given, else the band of total_score.
with

evaluations as (

    select distinct *
    from {{ ref('stg_raw__evaluations') }}
    where is_current

),

indicator_totals as (

    select
        file_sha256,
        source_sheet,
        coalesce(subject_kind, '') as subject_kind_key,
        coalesce(subject_name, '') as subject_name_key,
        sum(score) as recomputed_total,
        sum(recomputed_score) as rule_recomputed_total,
        sum(weight) as indicator_weight_total,
        count(*) as indicator_count
    from {{ ref('int_indicators__current') }}
    group by 1, 2, 3, 4

),

joined as (

    select
        evaluations.*,
        indicator_totals.recomputed_total,
        indicator_totals.rule_recomputed_total,
        indicator_totals.indicator_weight_total,
        coalesce(indicator_totals.indicator_count, 0) as indicator_count,
        {{ normalize_grade('evaluations.grade_stated') }} as grade_stated_normalized,
        {{ grade_band('evaluations.total_score') }} as grade_computed
    from evaluations
    left join indicator_totals
        on evaluations.file_sha256 = indicator_totals.file_sha256
        and evaluations.source_sheet = indicator_totals.source_sheet
        and coalesce(evaluations.subject_kind, '') = indicator_totals.subject_kind_key
        and coalesce(evaluations.subject_name, '') = indicator_totals.subject_name_key

),

final as (

    select
        joined.*,
        coalesce(grade_stated_normalized, grade_computed) as grade,
        {{ grade_band('recomputed_total') }} as grade_recomputed
    from joined

)

select * from final
