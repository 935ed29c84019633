-- R04 (error): expenditure_basic = expenditure_personnel + expenditure_public, per department, fiscal year, scope and
-- phase (same scope only: all-funds 基本支出 against 一般公共预算财政拨款 人员/公用经费 is a scope mismatch, not a
-- check). The sum side exists only when 人员经费 is stated.
SELECT * FROM rc_sum_check('R04', 'error', 'expenditure_basic', '基本支出', [
    {'grp': 'personnel', 'key': 'expenditure_personnel', 'role': 'primary', 'req': true},
    {'grp': 'public', 'key': 'expenditure_public', 'role': 'primary', 'req': false}
], '')
