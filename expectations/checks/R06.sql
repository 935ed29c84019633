-- R06 (error): income_grand_total = expenditure_grand_total (收支总计 balance), per department, fiscal year, scope and
-- phase. Two rounded figures: tolerance (1 + 1) × half step.
SELECT * FROM rc_sum_check('R06', 'error', 'income_grand_total', '收入总计', [
    {'grp': 'expenditure', 'key': 'expenditure_grand_total', 'role': 'primary', 'req': true}
], '')
