{#- Fails for every combination of the given columns that occurs more than once (NULLs compare equal, as in
    GROUP BY). Usage:
      data_tests:
        - unique_combination:
            arguments:
              combination_of_columns: [file_sha256, source_sheet, source_cell] -#}
{% test unique_combination(model, combination_of_columns) %}
    {%- set cols = combination_of_columns | join(', ') -%}
    select {{ cols }}, count(*) as n_rows
    from {{ model }}
    group by {{ cols }}
    having count(*) > 1
{% endtest %}
