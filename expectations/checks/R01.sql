-- R01 (error): income_total = fiscal_appropriation + higher_level_subsidy + business + operating + subsidiary_remit
-- + other, per department, fiscal year, scope and phase. 财政拨款收入 is used when stated, else its parts
-- (一般公共预算 + 政府性基金 + 国有资本经营). Terms not stated are absent (not counted in the tolerance).
-- Second check (subject …/fiscal_appropriation), only where both sides are stated:
-- income_fiscal_appropriation = general_budget + gov_fund + state_capital.
SELECT * FROM rc_sum_check('R01', 'error', 'income_total', '本年收入合计', [
    {'grp': 'fiscal', 'key': 'income_fiscal_appropriation', 'role': 'primary', 'req': false},
    {'grp': 'fiscal', 'key': 'income_general_budget_appropriation', 'role': 'part', 'req': false},
    {'grp': 'fiscal', 'key': 'income_gov_fund_appropriation', 'role': 'part', 'req': false},
    {'grp': 'fiscal', 'key': 'income_state_capital_appropriation', 'role': 'part', 'req': false},
    {'grp': 'higher', 'key': 'income_higher_level_subsidy', 'role': 'primary', 'req': false},
    {'grp': 'business', 'key': 'income_business', 'role': 'primary', 'req': false},
    {'grp': 'operating', 'key': 'income_operating', 'role': 'primary', 'req': false},
    {'grp': 'subsidiary', 'key': 'income_subsidiary_remit', 'role': 'primary', 'req': false},
    {'grp': 'other', 'key': 'income_other', 'role': 'primary', 'req': false}
], '')
UNION ALL
SELECT * FROM rc_sum_check('R01', 'error', 'income_fiscal_appropriation', '财政拨款收入', [
    {'grp': 'general', 'key': 'income_general_budget_appropriation', 'role': 'primary', 'req': false},
    {'grp': 'gov_fund', 'key': 'income_gov_fund_appropriation', 'role': 'primary', 'req': false},
    {'grp': 'state_capital', 'key': 'income_state_capital_appropriation', 'role': 'primary', 'req': false}
], '/fiscal_appropriation')
WHERE left_yuan IS NOT NULL AND right_yuan IS NOT NULL
