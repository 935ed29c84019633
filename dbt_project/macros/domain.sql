{#- Small domain helpers shared by the intermediate models. All emit portable SQL (DuckDB and Postgres). -#}

{#- 类 / 款 / 项 from the length of a classification code (功能分类 3/5/7 digits, 经济分类 3/5 digits);
    'TOTAL' (the 合计 row) is 合计; anything else NULL. -#}
{% macro classification_level(code) -%}
    case
        when {{ code }} is null then null
        when upper({{ code }}) = 'TOTAL' then '合计'
        when {{ dbt.length(code) }} = 3 then '类'
        when {{ dbt.length(code) }} = 5 then '款'
        when {{ dbt.length(code) }} = 7 then '项'
        else null
    end
{%- endmacro %}

{#- Grade band of a score: 优 >= 90, 良 80-<90, 中 60-<80, 差 < 60; NULL for a NULL score. -#}
{% macro grade_band(score) -%}
    case
        when {{ score }} is null then null
        when {{ score }} >= 90 then '优'
        when {{ score }} >= 80 then '良'
        when {{ score }} >= 60 then '中'
        else '差'
    end
{%- endmacro %}

{#- A stated grade as one of 优/良/中/差 (优秀 -> 优, 良好 -> 良, 中等 -> 中, 较差 -> 差); NULL when it is none of
    them (e.g. 合格), so the caller can fall back to the band of the score. -#}
{% macro normalize_grade(grade) -%}
    case
        when {{ grade }} is null then null
        when {{ grade }} like '%优%' then '优'
        when {{ grade }} like '%良%' then '良'
        when {{ grade }} like '%差%' then '差'
        when {{ grade }} like '%中%' then '中'
        else null
    end
{%- endmacro %}

{#- numerator / denominator as DECIMAL(9,4); NULL when the denominator is 0 or NULL, or the ratio does not fit. -#}
{% macro safe_rate(numerator, denominator) -%}
    case
        when {{ denominator }} is null or {{ denominator }} = 0 or {{ numerator }} is null then null
        when abs({{ numerator }} * 1.0 / {{ denominator }}) >= 10000 then null
        else cast({{ numerator }} * 1.0 / {{ denominator }} as decimal(9, 4))
    end
{%- endmacro %}

{#- The region of a department name: the text up to and including the first 市, 县 or 区
    (常德市人民政府电子政务管理办公室 -> 常德市, 开远市人民政府大数据研究中心 -> 开远市); NULL when none occurs. -#}
{% macro region_of(name) -%}
    {%- set p -%}
        least(
            nullif({{ dbt.position("'市'", name) }}, 0),
            nullif({{ dbt.position("'县'", name) }}, 0),
            nullif({{ dbt.position("'区'", name) }}, 0)
        )
    {%- endset -%}
    case when {{ p }} is null then null else substr({{ name }}, 1, {{ p }}) end
{%- endmacro %}
