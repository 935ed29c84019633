-- R07 (error): three_public_total = overseas + vehicle + reception (公务用车 as stated, else 购置 + 运行维护);
-- R07b (error): vehicle = vehicle_purchase + vehicle_operation. Both phases (预算 budget_adjusted and 决算 actual),
-- per department, fiscal year and scope.
SELECT * FROM rc_sum_check('R07', 'error', 'three_public_total', '“三公”经费合计', [
    {'grp': 'overseas', 'key': 'three_public_overseas', 'role': 'primary', 'req': false},
    {'grp': 'vehicle', 'key': 'three_public_vehicle', 'role': 'primary', 'req': false},
    {'grp': 'vehicle', 'key': 'three_public_vehicle_purchase', 'role': 'part', 'req': false},
    {'grp': 'vehicle', 'key': 'three_public_vehicle_operation', 'role': 'part', 'req': false},
    {'grp': 'reception', 'key': 'three_public_reception', 'role': 'primary', 'req': false}
], '')
UNION ALL
SELECT * FROM rc_sum_check('R07b', 'error', 'three_public_vehicle', '公务用车购置及运行维护费', [
    {'grp': 'purchase', 'key': 'three_public_vehicle_purchase', 'role': 'primary', 'req': false},
    {'grp': 'operation', 'key': 'three_public_vehicle_operation', 'role': 'primary', 'req': false}
], '/vehicle')
