"""Deterministic generator of realistic department submissions (a "landing" directory).

    generate_landing(out_dir, departments=4, years=(2020, 2021, 2022), seed=20201231) -> manifest dict

writes ``<out_dir>/<fiscal_year>/<department>/<file>.xlsx|.xls`` in the layouts of the public samples
(tests/fixtures/samples): a 部门决算 workbook (收入支出决算总表, 支出决算表, 一般公共预算财政拨款基本支出决算表,
"三公"经费支出决算表, 固定资产情况表), a 项目支出绩效自评表 workbook (T1, one sheet per project), a 部门整体支出
绩效自评表 (T2); some departments also get a T5 项目绩效目标完成情况表 and a 专项资金 workbook (T4 收支汇总表 +
项目实施情况表, T5-style 绩效目标完成情况表, T6 绩效评价评分表 with 评价等级).

Every amount is generated as an integer number of 分 (cents) on the unit grid of the department (1 分 for 元,
10 元 for 千元, 100 元 for 万元 with 2 decimals), totals are derived, so every rule R01–R18 of
``/work/shared/contract/reconciliation_rules.md`` holds exactly — except the discrepancies planted on purpose,
which are listed in the returned manifest (``planted``: must fail; ``tolerated``: rounding that must pass).

Determinism: one ``random.Random`` per department seeded from (seed, index); no wall clock (fixed document
properties and zip timestamps); everything iterated in sorted / list order. Same arguments -> identical bytes.
The landing holds workbooks only; the manifest is returned (and written only where the caller asks).
"""
from __future__ import annotations

import datetime as _dt
import io
import json
import random
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal as D
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

try:  # xlwt is only needed for legacy .xls output
    import xlwt
except ImportError:  # pragma: no cover
    xlwt = None

DASH = "—"
#: cents per unit and the grid (in cents) of a 2-decimal figure written in that unit
UNIT_CENTS = {"元": 100, "千元": 100_000, "万元": 1_000_000}
UNIT_GRID = {"元": 1, "千元": 1_000, "万元": 10_000}
HALF_STEP_YUAN = {"元": D("0.005"), "千元": D("5"), "万元": D("50")}


# ----------------------------------------------------------------------------------------------------------
# money helpers
# ----------------------------------------------------------------------------------------------------------
def q2(x) -> D:
    return D(x).quantize(D("0.01"), ROUND_HALF_UP)


def q4(x) -> D:
    return D(x).quantize(D("0.0001"), ROUND_HALF_UP)


def in_unit(cents: int, unit: str) -> D:
    """Cents -> the 2-decimal figure written in ``unit`` (half-up)."""
    return q2(D(cents) / D(UNIT_CENTS[unit]))


def yuan(cents: int) -> str:
    return f"{D(cents) / 100:.2f}"


def yuan_of(v: D, unit: str) -> D:
    """A written figure in ``unit`` -> 元."""
    return q2(D(v) * D(UNIT_CENTS[unit]) / 100)


def grade_of(score) -> str:
    s = D(score)
    return "优" if s >= 90 else "良" if s >= 80 else "中" if s >= 60 else "差"


def fmt_num(d: D) -> str:
    return f"{d.normalize():f}" if d == d.to_integral() else f"{d:f}"


# ----------------------------------------------------------------------------------------------------------
# reference data
# ----------------------------------------------------------------------------------------------------------
CITIES = [
    "岳阳", "衡阳", "株洲", "湘潭", "邵阳", "郴州", "永州", "怀化", "娄底", "张家界", "绵阳", "德阳", "宜宾", "泸州",
    "南充", "乐山", "眉山", "遂宁", "内江", "自贡", "广元", "达州", "巴中", "资阳", "曲靖", "玉溪", "保山", "昭通",
    "丽江", "普洱", "临沧", "蒙自", "个旧", "弥勒", "安顺", "遵义", "六盘水", "铜仁", "毕节", "凯里", "都匀", "赣州",
    "吉安", "九江", "上饶", "宜春", "抚州", "萍乡", "新余", "鹰潭", "景德镇", "襄阳", "宜昌", "荆州", "黄石", "十堰",
    "孝感", "荆门", "鄂州", "黄冈", "咸宁", "随州", "洛阳", "开封", "新乡", "焦作", "许昌", "漯河", "南阳", "信阳",
    "周口", "驻马店", "商丘", "安阳", "鹤壁", "濮阳", "三门峡", "平顶山", "桂林", "柳州", "梧州", "北海", "钦州",
    "玉林", "百色", "贺州", "河池", "来宾", "崇左", "防城港", "芜湖", "蚌埠", "淮南", "马鞍山", "淮北", "铜陵",
    "安庆", "黄山", "滁州", "阜阳", "宿州", "六安", "亳州", "池州", "宣城",
]
#: (unit type, kind) kind: 局 = administrative (行政运行), 中心 = public institution (事业运行)
UNIT_TYPES = [
    ("大数据中心", "中心"), ("政务服务和数据管理局", "局"), ("大数据发展管理局", "局"), ("智慧城市和大数据中心", "中心"),
    ("人民政府电子政务管理办公室", "局"), ("行政审批服务局", "局"), ("数据资源管理局", "局"), ("信息中心", "中心"),
    ("政务服务中心", "中心"), ("人民政府大数据研究中心", "中心"),
]
DEMO_DEPARTMENTS = [("岳阳", 0), ("绵阳", 1), ("曲靖", 3), ("赣州", 5)]

FUNC_NAMES = {
    "201": "一般公共服务支出", "20103": "政府办公厅（室）及相关机构事务", "2010301": "行政运行",
    "2010302": "一般行政管理事务", "2010350": "事业运行", "2010399": "其他政府办公厅（室）及相关机构事务支出",
    "20199": "其他一般公共服务支出", "2019999": "其他一般公共服务支出",
    "208": "社会保障和就业支出", "20805": "行政事业单位养老支出", "2080505": "机关事业单位基本养老保险缴费支出",
    "2080506": "机关事业单位职业年金缴费支出", "210": "卫生健康支出", "21011": "行政事业单位医疗",
    "2101101": "行政单位医疗", "2101102": "事业单位医疗", "2101103": "公务员医疗补助",
    "221": "住房保障支出", "22102": "住房改革支出", "2210201": "住房公积金",
}
CN_NUM = "一二三四五六七八九十"
ECON_CLASS = {"301": "工资福利支出", "302": "商品和服务支出", "303": "对个人和家庭的补助", "310": "资本性支出"}
#: (code, name, share of personnel / public costs)
PERSONNEL_CODES = [("30101", "基本工资", 26), ("30102", "津贴补贴", 14), ("30103", "奖金", 7), ("30107", "绩效工资", 24),
                   ("30108", "机关事业单位基本养老保险缴费", 9), ("30109", "职业年金缴费", 3),
                   ("30110", "职工基本医疗保险缴费", 5), ("30111", "公务员医疗补助缴费", 1),
                   ("30112", "其他社会保障缴费", 1), ("30113", "住房公积金", 7), ("30305", "生活补助", 1),
                   ("30309", "奖励金", 2)]
PUBLIC_CODES = [("30201", "办公费", 14), ("30205", "水费", 2), ("30206", "电费", 10), ("30207", "邮电费", 5),
                ("30211", "差旅费", 12), ("30213", "维修（护）费", 6), ("30217", "公务接待费", 3),
                ("30226", "劳务费", 10), ("30228", "工会经费", 7), ("30229", "福利费", 5),
                ("30231", "公务用车运行维护费", 6), ("30239", "其他交通费用", 8), ("30299", "其他商品和服务支出", 12)]
ECON_TO_FUNC = {"30108": "2080505", "30109": "2080506", "30110": "MED", "30111": "2101103", "30113": "2210201"}

PROJECTS = [
    ("政务云平台服务经费项目", "政务云平台", "租用云服务器虚拟机", "台", "迁移上云信息系统"),
    ("电子政务外网运维项目", "电子政务外网", "接入单位", "个", "网络正常运行率"),
    ("“12345”政务服务热线运行项目", "12345热线", "受理群众诉求", "件", "热线接通率"),
    ("网络安全等级保护测评项目", "等级保护", "测评信息系统", "个", "测评通过率"),
    ("政务数据共享交换平台建设项目", "共享交换平台", "发布资源目录", "条", "数据交换成功率"),
    ("视频会议系统租用项目", "视频会议系统", "保障视频会议", "场", "会议保障成功率"),
    ("政府门户网站运行维护项目", "政府门户网站", "更新信息", "条", "网站正常运行率"),
    ("智慧城市运营管理中心建设项目", "运营管理中心", "接入业务系统", "个", "系统验收合格率"),
    ("大数据机房电费项目", "大数据机房", "电费按期缴纳月数", "个月", "机房供电保障率"),
    ("“互联网+政务服务”平台升级项目", "政务服务平台", "上线办事事项", "项", "平台正常运行率"),
    ("“一网通办”平台建设项目", "一网通办平台", "接入部门", "个", "功能验收合格率"),
    ("电子证照库建设项目", "电子证照库", "归集证照类型", "类", "证照数据准确率"),
    ("政务服务中心运行保障项目", "政务服务中心", "进驻窗口", "个", "窗口服务达标率"),
    ("数字证书及电子认证服务项目", "电子认证服务", "发放数字证书", "张", "证书服务可用率"),
    ("城市大脑建设项目", "城市大脑", "汇聚数据资源", "类", "平台验收合格率"),
    ("公共数据开放平台建设项目", "数据开放平台", "开放数据集", "个", "数据更新及时率"),
    ("信息安全运维服务项目", "信息安全运维", "安全巡检", "次", "安全事件处置率"),
    ("政务短信平台服务项目", "政务短信平台", "发送政务短信", "万条", "短信送达率"),
    ("应用支撑平台建设项目", "应用支撑平台", "对接应用系统", "个", "接口调用成功率"),
    ("雪亮工程运维项目", "雪亮工程", "运维视频点位", "个", "点位在线率"),
]
SAT_WHO = ["使用部门", "接入单位", "办事群众", "服务对象", "参会单位", "托管单位", "社会公众"]
#: T1 indicator weights (sum 90; the 资金执行 block carries the other 10)
T1_WEIGHTS = [(15, 15, 10, 10, 15, 15, 10), (20, 10, 10, 10, 15, 15, 10), (15, 15, 10, 10, 20, 10, 10),
              (10, 20, 10, 10, 15, 15, 10)]
T2_TREES = [
    [("部门决策", [("目标设定", [("绩效目标合理性", 5), ("绩效指标明确性", 5)]),
                   ("预算编制", [("预算编制科学性", 5), ("重点支出安排", 5)])]),
     ("部门管理", [("资金管理", [("预算执行率", 6), ("预算调整率", 3), ("结转结余控制", 3), ("公用经费控制率", 3),
                                 ("“三公”经费控制率", 3), ("资金使用合规性", 4), ("政府采购执行率", 3)]),
                   ("预算管理", [("管理制度健全性", 3), ("预决算信息公开", 3), ("基础信息完善性", 3)]),
                   ("资产管理", [("资产管理规范性", 3), ("固定资产利用率", 3)])]),
     ("部门产出", [("职责履行", [("重点工作完成率", 8), ("工作完成及时性", 6), ("工作质量达标率", 6)])]),
     ("部门效益", [("履职效益", [("社会效益", 8), ("可持续影响", 6), ("服务对象满意度", 6)])])],
    [("投入", [("目标设定", [("绩效目标合理性", 4), ("绩效指标明确性", 4)]),
               ("预算配置", [("在职人员控制率", 4), ("“三公经费”变动率", 4), ("重点支出安排率", 4)])]),
     ("过程", [("预算执行", [("预算完成率", 4), ("预算调整率", 2), ("支付进度率", 2), ("结转结余率", 2),
                             ("结转结余变动率", 2), ("公用经费控制率", 2), ("“三公经费”控制率", 4), ("政府采购执行率", 2)]),
               ("预算管理", [("管理制度健全性", 3), ("资金使用合规性", 3), ("预决算信息公开性", 3), ("基础信息完善性", 3)]),
               ("资产管理", [("资产管理制度健全性", 3), ("资产管理安全性", 3), ("固定资产利用率", 2)])]),
     ("产出", [("职责履行", [("实际完成率", 5), ("完成及时率", 5), ("质量达标率", 5), ("重点工作办结率", 5)])]),
     ("效果", [("履职效益", [("经济效益", 5), ("社会效益", 5), ("生态效益", 2), ("社会公众或服务对象满意度", 8)])])],
    [("部门预算管理", [("预算编制", [("目标制定", 10), ("目标完成", 10), ("编制标准", 10)]),
                       ("预算执行", [("支出控制", 10), ("动态调整", 10), ("执行进度", 10)]),
                       ("完成结果", [("预算完成", 10), ("违规记录", 10)])]),
     ("绩效结果应用", [("自评质量", [("自评准确", 4)]), ("信息公开", [("目标公开", 4), ("自评公开", 4)]),
                       ("整改反馈", [("结果整改", 4), ("应用反馈", 4)])])],
]
FUND_CATEGORIES = ["软件平台开发", "信息化硬件建设", "运维及监测服务", "涉密项目"]
FUND_UNITS = ["市发展和改革委员会", "市财政局", "市公安局", "市卫生健康委员会", "市自然资源和规划局", "市住房和城乡建设局",
              "市市场监督管理局", "市人力资源和社会保障局", "市政府办", "市委办", "市档案馆", "市公共资源交易中心"]
FUND_PROJECTS = {
    "软件平台开发": ["应用支撑平台（一期）", "电子印章用章系统", "政策计算器", "政务公开标准化规范化平台", "智慧医疗分级诊疗协同平台",
                     "预算管理一体化基础支撑能力项目", "互联网+政务一体化平台", "电子公文单套制归档管理系统", "社会治理网格化平台",
                     "掌上交易系统", "不动产登记“一网通办”平台", "智慧住建监管平台"],
    "信息化硬件建设": ["云中心灾备及网络防护设备", "城市运行管理中心", "综合会议指挥调度系统", "系统迁移至信创云及配套建设",
                       "互联网出口统一改造"],
    "运维及监测服务": ["云计算中心运维服务", "云中心房屋租赁", "政府门户网站及新媒体运行维护服务", "网站和政务新媒体监测服务",
                       "政务短信平台服务", "电子政务外网运维服务", "数字证书（CA）及电子认证服务", "网络安全等级保护测评服务"],
    "涉密项目": ["涉密项目（一）", "涉密项目（二）", "涉密项目（三）"],
}
ROSTER_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴婷", "徐明", "孙丽", "马超", "朱琳"]


def department_names(n: int, seed: int) -> list[tuple[str, str, str]]:
    """n distinct (name, city, kind) from CITIES × UNIT_TYPES; deterministic for (n, seed)."""
    combos = [(c, i) for c in CITIES for i in range(len(UNIT_TYPES))]
    random.Random(f"names:{seed}").shuffle(combos)
    if n > len(combos):
        raise ValueError(f"at most {len(combos)} departments")
    out = []
    for city, i in combos[:n]:
        ut, kind = UNIT_TYPES[i]
        out.append((f"{city}市{ut}", city, kind))
    return out


# ----------------------------------------------------------------------------------------------------------
# sheet / book model, writers
# ----------------------------------------------------------------------------------------------------------
class Sheet:
    def __init__(self, name: str, unit: str | None = None, table: str = ""):
        self.name, self.unit, self.table = name, unit, table
        self.cells: dict[tuple[int, int], object] = {}
        self.styles: dict[tuple[int, int], str] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.widths: dict[int, float] = {}
        self.as_text = False  # amounts written as text with thousands separators

    def put(self, r, c, v, style="text"):
        self.cells[(r, c)] = v
        self.styles[(r, c)] = style

    def amt(self, r, c, cents):
        """An amount in cents, written in the sheet unit (None -> empty)."""
        self.put(r, c, None if cents is None else in_unit(cents, self.unit), "amount")

    def merge(self, r1, c1, r2, c2, v=None, style="text"):
        self.put(r1, c1, v, style)
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))

    def shift(self, k: int):
        """Move everything down by k rows (to add title / note rows above)."""
        self.cells = {(r + k, c): v for (r, c), v in self.cells.items()}
        self.styles = {(r + k, c): v for (r, c), v in self.styles.items()}
        self.merges = [(a + k, b, c + k, d) for a, b, c, d in self.merges]

    def value(self, r, c):
        v = self.cells.get((r, c))
        if isinstance(v, D):
            st = self.styles.get((r, c))
            if st == "amount" and self.as_text:
                return f"{v:,.2f}"
            return float(v)
        return v


class Book:
    def __init__(self, relpath: str, created: _dt.datetime, author: str = "Administrator"):
        self.relpath, self.created, self.author = relpath, created, author
        self.sheets: list[Sheet] = []

    @property
    def fmt(self):
        return "xls" if self.relpath.endswith(".xls") else "xlsx"

    def sheet(self, name, unit=None, table=""):
        s = Sheet(name, unit, table)
        self.sheets.append(s)
        return s

    def to_bytes(self) -> bytes:
        return _xlsx_bytes(self) if self.fmt == "xlsx" else _xls_bytes(self)


_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_XLSX_STYLE = {  # key -> (font, alignment, number_format, border)
    "title": (Font(name="宋体", size=16, bold=True), Alignment(horizontal="center", vertical="center"), None, None),
    "subtitle": (None, Alignment(horizontal="center"), None, None),
    "unit": (None, Alignment(horizontal="right"), None, None),
    "info": (None, None, None, None),
    "header": (Font(name="宋体", size=10, bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True),
               None, _BORDER),
    "text": (None, None, None, _BORDER),
    "center": (None, Alignment(horizontal="center", vertical="center"), None, _BORDER),
    "amount": (None, None, "#,##0.00", _BORDER),
    "num": (None, None, None, _BORDER),
    "pct": (None, None, "0.00%", _BORDER),
}


def _xlsx_bytes(book: Book) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for s in book.sheets:
        ws = wb.create_sheet(s.name)
        template: dict[str, object] = {}  # style key -> a styled cell whose _style is copied (fast path)
        for (r, c) in sorted(s.cells):
            v = s.value(r, c)
            st = s.styles.get((r, c), "text")
            if isinstance(v, str) and s.styles.get((r, c)) == "amount":
                st = "text"
            cell = ws.cell(r, c, v)
            if st in template:
                cell._style = template[st]._style.copy()
            else:
                font, align, nf, border = _XLSX_STYLE[st]
                if font is not None:
                    cell.font = font
                if align is not None:
                    cell.alignment = align
                if nf:
                    cell.number_format = nf
                if border is not None:
                    cell.border = border
                template[st] = cell
        for (r1, c1, r2, c2) in s.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        for c, w in sorted(s.widths.items()):
            ws.column_dimensions[get_column_letter(c)].width = w
    wb.properties.creator = book.author
    wb.properties.lastModifiedBy = book.author
    wb.properties.created = book.created
    wb.properties.modified = book.created
    buf = io.BytesIO()
    wb.save(buf)
    return _normalize_zip(buf.getvalue(), book.created)


def _normalize_zip(data: bytes, created: _dt.datetime) -> bytes:
    """Fixed zip timestamps and document dates (openpyxl stamps 'modified' with the clock on save)."""
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                txt = body.decode("utf-8")
                txt = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", txt)
                txt = re.sub(r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{stamp}\g<2>", txt)
                body = txt.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=created.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, body)
    return out.getvalue()


_XLS_CACHE: dict[str, object] = {}


def _xls_style(key):
    if key not in _XLS_CACHE:
        spec = {"title": "font: name 宋体, height 320, bold on; align: horiz center",
                "header": "font: name 宋体, height 200, bold on; align: horiz center, vert center, wrap on; "
                          "borders: left thin, right thin, top thin, bottom thin",
                "unit": "font: name 宋体, height 200; align: horiz right",
                "subtitle": "font: name 宋体, height 200; align: horiz center"}.get(
            key, "font: name 宋体, height 200; borders: left thin, right thin, top thin, bottom thin")
        nf = {"amount": "#,##0.00", "pct": "0.00%"}.get(key, "General")
        _XLS_CACHE[key] = xlwt.easyxf(spec, num_format_str=nf)
    return _XLS_CACHE[key]


def _xls_bytes(book: Book) -> bytes:
    if xlwt is None:  # pragma: no cover
        raise RuntimeError("xlwt is required for .xls output")
    wb = xlwt.Workbook(encoding="utf-8")
    for s in book.sheets:
        ws = wb.add_sheet(s.name[:31], cell_overwrite_ok=True)
        tl = {(r1, c1): (r2, c2) for (r1, c1, r2, c2) in s.merges}
        covered = {(rr, cc) for (r1, c1, r2, c2) in s.merges for rr in range(r1, r2 + 1) for cc in range(c1, c2 + 1)}
        for (r, c) in sorted(s.cells):
            v = s.value(r, c)
            v = "" if v is None else v
            st = _xls_style(s.styles.get((r, c), "text"))
            if (r, c) in tl:
                r2, c2 = tl[(r, c)]
                ws.write_merge(r - 1, r2 - 1, c - 1, c2 - 1, v, st)
            elif (r, c) not in covered:
                ws.write(r - 1, c - 1, v, st)
        for c, w in sorted(s.widths.items()):
            ws.col(c - 1).width = int(256 * w)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------------------------------------
# figures of one department over its years (all in cents)
# ----------------------------------------------------------------------------------------------------------
class Amounts:
    """Random amounts on the department's grid (cents)."""

    def __init__(self, rng: random.Random, grid: int):
        self.rng, self.grid = rng, grid

    def yuan(self, lo: float, hi: float) -> int:
        g = self.grid
        return self.rng.randint(int(lo * 100) // g, int(hi * 100) // g) * g

    def split(self, total: int, weights: list[float]) -> list[int]:
        """Split total (a grid multiple) into len(weights) grid multiples, jittered around the weights."""
        g = self.grid
        units = total // g
        w = [max(0.01, x * self.rng.uniform(0.75, 1.25)) for x in weights]
        s = sum(w)
        parts = [int(units * x / s) for x in w]
        parts[-1] += units - sum(parts)
        if parts[-1] < 0:  # pragma: no cover - weights keep the residual positive
            parts = [units] + [0] * (len(parts) - 1)
        return [p * g for p in parts]

    def round(self, cents: int) -> int:
        return (cents // self.grid) * self.grid


def _department_years(rng: random.Random, grid: int, kind: str, years: list[int], scale: float,
                      n_projects: tuple[int, int]) -> dict[int, dict]:
    A = Amounts(rng, grid)
    out = {}
    staff = rng.randint(12, 60)
    main_leaf = "2010301" if kind == "局" else "2010350"
    med_leaf = "2101101" if kind == "局" else "2101102"
    pool = list(range(len(PROJECTS)))
    rng.shuffle(pool)
    core = pool[: n_projects[1]]
    cb = A.yuan(300_000 * scale, 3_000_000 * scale)
    fa = A.yuan(2_000_000 * scale, 15_000_000 * scale)
    for y in years:
        personnel_total = A.yuan(staff * 120_000, staff * 190_000)
        pcodes = [x for x in PERSONNEL_CODES if x[0] not in ("30111", "30305") or rng.random() < 0.5]
        personnel = list(zip([c for c, _, _ in pcodes], [n for _, n, _ in pcodes],
                             A.split(personnel_total, [w for _, _, w in pcodes])))
        public_total = A.yuan(staff * 15_000, staff * 40_000)
        ucodes = [x for x in PUBLIC_CODES if rng.random() < 0.85 or x[0] in ("30201", "30217", "30231", "30299")]
        public = list(zip([c for c, _, _ in ucodes], [n for _, n, _ in ucodes],
                          A.split(public_total, [w for _, _, w in ucodes])))
        # projects
        k = rng.randint(*n_projects)
        chosen = sorted(rng.sample(core, k))
        projects = []
        carry_left = cb
        for j, pi in enumerate(chosen):
            name, thing, qty_label, qty_unit, quality = PROJECTS[pi]
            cyb = A.yuan(150_000 * scale, 9_000_000 * scale)
            mode = rng.random()
            rate = 1.0 if mode < 0.45 else rng.uniform(0.9, 1.0) if mode < 0.85 else rng.uniform(0.5, 0.9)
            cye = A.round(int(cyb * rate))
            cob = coe = 0
            if carry_left > 0 and rng.random() < 0.35:
                cob = A.round(int(carry_left * rng.uniform(0.1, 0.4)))
                coe = cob if rng.random() < 0.8 else A.round(int(cob * rng.uniform(0.6, 1.0)))
                carry_left -= cob
            ob = oe = 0
            if rng.random() < 0.1:
                ob = A.yuan(20_000, 200_000)
                oe = ob
            cyi = cyb if rng.random() < 0.6 else A.round(int(cyb * rng.uniform(0.7, 1.0)))
            leaf = "2010302" if rng.random() < 0.55 else "2010399"
            if j == len(chosen) - 1 and rng.random() < 0.3:
                leaf = "2019999"
            projects.append(dict(idx=pi, name=name, thing=thing, qty_label=qty_label, qty_unit=qty_unit,
                                 quality=quality, leaf=leaf, cy_init=cyi, cy_budget=cyb, cy_exec=cye,
                                 co_budget=cob, co_exec=coe, other_budget=ob, other_exec=oe, t1=True,
                                 weights=rng.choice(T1_WEIGHTS), qty=rng.randint(3, 200),
                                 sat=rng.randint(9000, 9900), who=rng.choice(SAT_WHO),
                                 deductions=[rng.choice([0, 0, 0, 0, 1, 1, 2]) for _ in range(2)]))
        fy = dict(year=y, personnel=personnel, public=public, projects=projects, main_leaf=main_leaf,
                  med_leaf=med_leaf, staff=staff, carryover_begin=cb, fa_begin=fa,
                  fa_added=A.yuan(50_000 * scale, 3_000_000 * scale),
                  ce_target=A.yuan(200_000 * scale, 2_500_000 * scale),
                  other_income=A.yuan(1_000, 30_000) if rng.random() < 0.25 else 0,
                  overseas=A.yuan(20_000, 80_000) if rng.random() < 0.1 else 0,
                  vehicle_purchase=A.yuan(150_000, 250_000) if rng.random() < 0.08 else 0,
                  t2_tree=rng.randrange(len(T2_TREES)),
                  t2_deductions=[rng.random() for _ in range(40)],
                  tp_budget_extra=[A.yuan(0, 5_000) for _ in range(4)],
                  p310_share=rng.uniform(0.1, 0.4))
        finish_year(fy, A)
        out[y] = fy
        cb = fy["carryover_end"]
        fa = fy["fa_end"]
    return out


def finish_year(fy: dict, A: Amounts):
    """Derive every total of one department-year from its leaves (cents)."""
    personnel, public = fy["personnel"], fy["public"]
    fy["personnel_total"] = sum(v for _, _, v in personnel)
    fy["public_total"] = sum(v for _, _, v in public)
    fy["basic"] = fy["personnel_total"] + fy["public_total"]
    for p in fy["projects"]:
        p["budget_full"] = p["cy_budget"] + p["co_budget"] + p["other_budget"]
        p["budget_init"] = p["cy_init"]
        p["executed"] = p["cy_exec"] + p["co_exec"] + p["other_exec"]
    fy["project"] = sum(p["executed"] for p in fy["projects"])
    fy["exp_total"] = fy["basic"] + fy["project"]
    # functional leaves
    econ = {c: v for c, _, v in personnel}
    leaves: dict[str, dict[str, int]] = {}

    def add(code, col, v):
        if v:
            leaves.setdefault(code, {"basic": 0, "project": 0})[col] += v
    mapped = 0
    for code, target in ECON_TO_FUNC.items():
        if code in econ:
            add(fy["med_leaf"] if target == "MED" else target, "basic", econ[code])
            mapped += econ[code]
    add(fy["main_leaf"], "basic", fy["basic"] - mapped)
    for p in fy["projects"]:
        add(p["leaf"], "project", p["executed"])
    fy["func_leaves"] = dict(sorted(leaves.items()))
    # income side: the income absorbs any residue so that 年末结转和结余 stays on the grid
    cb = fy["carryover_begin"]
    income_total = fy["exp_total"] + fy["ce_target"] - cb
    floor = A.round(int(fy["exp_total"] * 0.6))
    if income_total < floor:
        income_total = floor + (fy["exp_total"] - A.round(fy["exp_total"]))
    fy["income_total"] = income_total
    fy["income_general_budget"] = income_total - fy["other_income"]
    fy["grand_total"] = income_total + cb
    fy["carryover_end"] = fy["grand_total"] - fy["exp_total"]
    # three public (actual = economic codes 30217 / 30231 of the public costs)
    pub = {c: v for c, _, v in public}
    reception, operation = pub.get("30217", 0), pub.get("30231", 0)
    purchase, overseas = fy["vehicle_purchase"], fy["overseas"]
    tp = [overseas + purchase + operation + reception, overseas, purchase + operation, purchase, operation, reception]
    ex = fy["tp_budget_extra"]
    bo, bp, bop, br = overseas + ex[0], purchase, operation + ex[1], reception + ex[2]
    fy["tp_actual"] = tp
    fy["tp_budget"] = [bo + bp + bop + br, bo, bp + bop, bp, bop, br]
    fy["fa_end"] = fy["fa_begin"] + fy["fa_added"]
    # project expenditure by economic class (legacy layout): 310 capital share, rest 302
    p310 = A.round(int(fy["project"] * fy["p310_share"]))
    fy["project_econ"] = {"302": fy["project"] - p310, "310": p310}


def rollup(leaves: dict[str, dict[str, int]]) -> list[tuple[str, dict[str, int]]]:
    """7-digit leaves -> ordered rows (类, 款, 项) with subtotals; every row has total = basic + project."""
    rows = []
    for cls in sorted({c[:3] for c in leaves}):
        def agg(prefix):
            b = sum(v["basic"] for c, v in leaves.items() if c.startswith(prefix))
            p = sum(v["project"] for c, v in leaves.items() if c.startswith(prefix))
            return {"total": b + p, "basic": b, "project": p}
        rows.append((cls, agg(cls)))
        for k5 in sorted({c[:5] for c in leaves if c.startswith(cls)}):
            rows.append((k5, agg(k5)))
            for k7 in sorted(c for c in leaves if c.startswith(k5)):
                rows.append((k7, agg(k7)))
    return rows
