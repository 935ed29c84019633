-- R02 (error): income_grand_total = income_total + non_fiscal_surplus_used + carryover_begin, per department,
-- fiscal year, scope and phase. The sum side exists only when income_total is stated.
SELECT * FROM rc_sum_check('R02', 'error', 'income_grand_total', '收入总计', [
    {'grp': 'total', 'key': 'income_total', 'role': 'primary', 'req': true},
    {'grp': 'surplus', 'key': 'non_fiscal_surplus_used', 'role': 'primary', 'req': false},
    {'grp': 'carryover', 'key': 'carryover_begin', 'role': 'primary', 'req': false}
], '')
