{#- Custom schemas are used verbatim: +schema: marts builds marts.fct_line_items (not main_marts).
    Without a custom schema a model goes to the target's schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
