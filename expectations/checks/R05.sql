-- R05 (error): expenditure_grand_total = expenditure_total + surplus_distribution + carryover_end, per department,
-- fiscal year, scope and phase. The sum side exists only when expenditure_total is stated.
SELECT * FROM rc_sum_check('R05', 'error', 'expenditure_grand_total', '支出总计', [
    {'grp': 'total', 'key': 'expenditure_total', 'role': 'primary', 'req': true},
    {'grp': 'surplus', 'key': 'surplus_distribution', 'role': 'primary', 'req': false},
    {'grp': 'carryover', 'key': 'carryover_end', 'role': 'primary', 'req': false}
], '')
