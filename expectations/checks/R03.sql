-- R03 (error): expenditure_total = basic + project + remit_higher + operating + subsidiary, per department, fiscal
-- year, scope and phase. The sum side exists only when 基本支出 is stated (a table giving 项目支出 alone is not a
-- breakdown of the total).
SELECT * FROM rc_sum_check('R03', 'error', 'expenditure_total', '本年支出合计', [
    {'grp': 'basic', 'key': 'expenditure_basic', 'role': 'primary', 'req': true},
    {'grp': 'project', 'key': 'expenditure_project', 'role': 'primary', 'req': false},
    {'grp': 'remit', 'key': 'expenditure_remit_higher', 'role': 'primary', 'req': false},
    {'grp': 'operating', 'key': 'expenditure_operating', 'role': 'primary', 'req': false},
    {'grp': 'subsidiary', 'key': 'expenditure_subsidiary', 'role': 'primary', 'req': false}
], '')
