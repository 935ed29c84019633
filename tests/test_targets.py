"""Indicator targets: operators, values, units, achievement and recomputed scores (ingest/targets.py)."""
from decimal import Decimal

import pytest

from ingest.targets import enrich, evaluate, parse_actual, parse_target

D = Decimal

# target text, op, value, unit
TARGETS = [
    ("≥90%", ">=", D("90"), "%"),
    ("90%以上", ">=", D("90"), "%"),
    ("<10分钟", "<", D("10"), "分钟"),
    ("6%以内", "<=", D("6"), "%"),
    ("3.3万余次", ">=", D("33000"), "次"),
    ("1990平方米", "=", D("1990"), "平方米"),
    ("7x24小时", "text", None, None),
    ("100%", "=", D("100"), "%"),
    ("≥0", ">=", D("0"), None),
    ("≤500000元", "<=", D("500000"), "元"),
    ("≤1195.12万元", "<=", D("11951200"), "元"),
    ("14700条以上", ">=", D("14700"), "条"),
    ("60万条以上", ">=", D("600000"), "条"),
    ("110个（50个普查网站，60个非普查网站）", "=", D("110"), "个"),
    ("785台（套）", "=", D("785"), "台"),
    ("＞95%", ">", D("95"), "%"),
    ("不低于 95 %", ">=", D("95"), "%"),
    ("3日内", "<=", D("3"), "日"),
    ("按期完成", "text", None, None),
    ("达标", "text", None, None),
    ("2021年1月份，割接率100%", "text", None, None),
    (90, "=", D("90"), None),
]


@pytest.mark.parametrize("text,op,value,unit", TARGETS)
def test_parse_target(text, op, value, unit):
    t = parse_target(text)
    assert (t.op, t.value, t.unit) == (op, value, unit)


def test_parse_target_empty():
    assert parse_target("") is None and parse_target(None) is None


# target, actual, weight, achieved, recomputed
EVALUATIONS = [
    ("≥90%", "93%", 10, True, D("10.00")),
    ("≥90%", "90%", 10, True, D("10.00")),
    ("100%", "97.2%", 10, False, D("9.72")),
    ("≤500000元", "486000元", 10, True, D("10.00")),
    ("≤500000元", "625000元", 10, False, D("8.00")),          # 10 × 500000 / 625000
    ("<10分钟", "12分钟", 6, False, D("5.00")),
    ("6%以内", "0.295%", 5, True, D("5.00")),
    ("3.3万余次", "33155次", 5, True, D("5.00")),
    ("14700条以上", "15588条", 2, True, D("2.00")),
    ("1990平方米", "1990平方米", 3, True, D("3.00")),
    ("60万条以上", "69.55万条", 2, True, D("2.00")),
    ("14个", "10个已开发建设，2个年内未启动，1个暂未实施，1个停止", 14, False, D("10.00")),
    ("≥0", "已结算硬件项目成本节约率6.75%；软件项目待结算评审后评定", 5, True, D("5.00")),
    ("≤1195.12万元", "1092.89万元", 10, True, D("10.00")),
    ("按期完成", "已按期完成", 10, True, D("10.00")),
    ("按期完成", "未按期完成", 10, False, D("0.00")),
    ("达标", "考核达标", 4, True, D("4.00")),
    ("达标", "未达标", 4, False, D("0.00")),
    ("实现", "支撑平台关联配套应用开发进度不匹配，效益未全部实现", 5, False, D("0.00")),
    ("实现", "效益实现", 5, True, D("5.00")),
    ("有效保障", "有效保障", 15, True, D("15.00")),
    ("长期稳定", "稳定运行", 15, None, None),               # nothing to recompute from
    ("100%", "互联网+政务一体化平台开工不及时", 10, None, None),
    ("≥90%", "93%", None, True, None),                      # no weight -> no recomputed score
]


@pytest.mark.parametrize("target,actual,weight,achieved,score", EVALUATIONS)
def test_evaluate(target, actual, weight, achieved, score):
    ev = evaluate(target, actual, weight)
    assert ev.achieved is achieved
    assert ev.recomputed_score == score


def test_satisfaction_miss_is_not_full_marks():
    """The 常德 2022 case (R15): 社会公众满意度 90%以上 vs 86.95% — not achieved; with a weight, less than it."""
    ev = evaluate("90%以上", "86.95%", None)
    assert (ev.target_op, ev.target_value, ev.target_unit, ev.actual_value, ev.achieved) == (">=", D("90"), "%",
                                                                                             D("86.95"), False)
    ev = evaluate("90%以上", "86.95%", 10)
    assert ev.recomputed_score < 10
    assert ev.recomputed_score == D("9.66")   # 10 × 86.95 / 90


def test_recomputed_never_above_weight_nor_below_zero():
    assert evaluate("≥50%", "150%", 8).recomputed_score == D("8.00")
    assert evaluate("≥50%", "0%", 8).recomputed_score == D("0.00")
    assert evaluate("≤5%", "0%", 8).recomputed_score == D("8.00")


def test_parse_actual_uses_target_unit():
    t = parse_target("139个")
    assert parse_actual("137个（其中3个信息系统上云后因系统停用退出），另2个信息系统因原云服务合同暂未到期未实施迁移。", t) == D("137")
    assert parse_actual("已完工验收项目质量合格率100%", parse_target("100%")) == D("100")
    assert parse_actual("共42场", parse_target("95%")) is None


def test_enrich_row():
    row = enrich({"target_text": "≥90%", "actual_text": "86%", "weight": D("10.00")})
    assert row["target_op"] == ">=" and row["achieved"] is False and row["recomputed_score"] == D("9.56")


def test_extraction_fills_target_columns():
    """ingest.extract runs targets.assess on every indicator row (the 常德 2022 satisfaction miss included)."""
    from tests.extraction_report import extract_sample
    from tests.manifest_facts import MANIFEST
    wb = next(w for w in MANIFEST["workbooks"] if "智慧常德" in w["path"])
    rows = extract_sample(wb).rows["indicators"]
    sat = next(r for r in rows if r["level3"] == "社会公众满意度")
    assert (sat["target_op"], sat["target_value"], sat["actual_value"], sat["achieved"]) == (">=", D("90"), D("86.95"),
                                                                                             False)
