{#- Fails for every row where the expression is not true (NULL counts as true: only a definite false fails). -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
