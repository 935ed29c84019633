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
from copy import copy as _copy
import json
import random
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal as D
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange

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

    def to_bytes(self, engine: str = "fast") -> bytes:
        """engine: 'fast' (plain SpreadsheetML, default) or 'openpyxl' (fixed wb.properties + normalised zip)."""
        if self.fmt == "xls":
            return _xls_bytes(self)
        return _xlsx_bytes(self) if engine == "openpyxl" else _fast_xlsx_bytes(self)


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
    template: dict[str, object] = {}  # style key -> a styled cell whose _style is copied (fast path)
    for s in book.sheets:
        ws = wb.create_sheet(s.name)
        for (r, c) in sorted(s.cells):
            v = s.value(r, c)
            st = s.styles.get((r, c), "text")
            if isinstance(v, str) and s.styles.get((r, c)) == "amount":
                st = "text"
            cell = ws.cell(r, c, v)
            if st in template:
                cell._style = _copy(template[st]._style)
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
        for (r1, c1, r2, c2) in s.merges:  # registered directly: merge_cells() would restyle every covered cell
            ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"))
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


# --- fast writer: plain SpreadsheetML (same cells, styles, merges and widths; ~10× faster than openpyxl) ------
_XF_INDEX = {"info": 0, "title": 1, "subtitle": 2, "unit": 3, "header": 4, "text": 5, "center": 6, "amount": 7,
             "num": 8, "pct": 9}
_STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="16"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/><diagonal/></border>'
    '</borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="10">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment horizontal="center"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment horizontal="right"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/>'
    '<xf numFmtId="10" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _esc(t: str) -> str:
    t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", t)


def _ref(r: int, c: int) -> str:
    return f"{get_column_letter(c)}{r}"


def _fast_xlsx_bytes(book: Book) -> bytes:
    sst: dict[str, int] = {}
    sheets_xml = []
    for s in book.sheets:
        rows: dict[int, list[str]] = {}
        maxc = 1
        keys = set(s.cells) | set(s.styles)
        for (r, c) in sorted(keys):
            v = s.value(r, c)
            st = s.styles.get((r, c), "text")
            if isinstance(v, str) and st == "amount":
                st = "text"
            x = _XF_INDEX.get(st, 5)
            ref = _ref(r, c)
            maxc = max(maxc, c)
            if v is None or v == "":
                cell = f'<c r="{ref}" s="{x}"/>' if x else ""
            elif isinstance(v, bool):
                cell = f'<c r="{ref}" s="{x}" t="b"><v>{int(v)}</v></c>'
            elif isinstance(v, (int, float)):
                raw = s.cells[(r, c)]
                num = f"{raw:f}" if isinstance(raw, D) else repr(v) if isinstance(v, float) else str(v)
                cell = f'<c r="{ref}" s="{x}"><v>{num}</v></c>'
            else:
                t = str(v)
                if t not in sst:
                    sst[t] = len(sst)
                cell = f'<c r="{ref}" s="{x}" t="s"><v>{sst[t]}</v></c>'
            if cell:
                rows.setdefault(r, []).append(cell)
        maxr = max([r for r, _ in keys] or [1])
        parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS_MAIN}" '
                 f'xmlns:r="{_NS_REL}"><dimension ref="A1:{_ref(maxr, maxc)}"/>']
        if s.widths:
            parts.append("<cols>" + "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                                            for c, w in sorted(s.widths.items())) + "</cols>")
        parts.append("<sheetData>")
        for r in sorted(rows):
            parts.append(f'<row r="{r}">' + "".join(rows[r]) + "</row>")
        parts.append("</sheetData>")
        if s.merges:
            parts.append(f'<mergeCells count="{len(s.merges)}">' + "".join(
                f'<mergeCell ref="{_ref(a, b)}:{_ref(c, d)}"/>' for a, b, c, d in s.merges) + "</mergeCells>")
        parts.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>')
        sheets_xml.append("".join(parts))
    n = len(book.sheets)
    stamp = book.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
                      f'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
            + '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
              'spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
              'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/docProps/'
              'core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override '
              'PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-'
              'properties+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_NS_PKG}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.'
            'org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship '
            'Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
            'Target="docProps/app.xml"/></Relationships>'),
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.'
            'org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application></Properties>'),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.'
            'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:creator>{_esc(book.author)}</dc:creator><cp:lastModifiedBy>{_esc(book.author)}</cp:lastModifiedBy>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(f'<sheet name="{_esc(sh.name)}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, sh in enumerate(book.sheets, 1)) + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_NS_PKG}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_NS_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="{_NS_REL}/styles" Target="styles.xml"/>'
              f'<Relationship Id="rId{n + 2}" Type="{_NS_REL}/sharedStrings" Target="sharedStrings.xml"/>'
              "</Relationships>"),
        "xl/styles.xml": _STYLES_XML,
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_NS_MAIN}" count="{len(sst)}" '
            f'uniqueCount="{len(sst)}">' + "".join(f'<si><t xml:space="preserve">{_esc(t)}</t></si>' for t in sst)
            + "</sst>"),
    }
    for i, x in enumerate(sheets_xml, 1):
        files[f"xl/worksheets/sheet{i}.xml"] = x
    order = ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml", "xl/workbook.xml",
             "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml"] + \
            [f"xl/worksheets/sheet{i}.xml" for i in range(1, n + 1)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in order:
            zi = zipfile.ZipInfo(name, date_time=book.created.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, files[name].encode("utf-8"))
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


# ----------------------------------------------------------------------------------------------------------
# table builders (layouts of the samples)
# ----------------------------------------------------------------------------------------------------------
def _head(sh: Sheet, ncol: int, title: str, dept: str, unit_text: str, who="编制单位"):
    sh.merge(1, 1, 1, ncol, title, "title")
    sh.merge(2, 1, 2, max(2, ncol // 2), f"{who}：{dept}", "info")
    sh.merge(2, ncol - 1, 2, ncol, unit_text, "unit")


def build_summary(sh: Sheet, dept: str, fy: dict):
    """收入支出决算总表: 收入 (项目|行次|金额) left, 支出 by 功能分类 类 right, aligned bottom rows."""
    _head(sh, 6, "收入支出决算总表", dept, f"金额单位：{sh.unit}")
    sh.merge(3, 1, 3, 3, "收入", "header"); sh.merge(3, 4, 3, 6, "支出", "header")
    for c, h in enumerate(["项目", "行次", "金额", "项目", "行次", "金额"], 1):
        sh.put(4, c, h, "header")
    income = [("一、一般公共预算财政拨款收入", fy["income_general_budget"]), ("二、政府性基金预算财政拨款收入", None),
              ("三、国有资本经营预算财政拨款收入", None), ("四、上级补助收入", None), ("五、事业收入", None),
              ("六、经营收入", None), ("七、附属单位上缴收入", None), ("八、其他收入", fy["other_income"] or None)]
    classes = [(code, v) for code, v in rollup(fy["func_leaves"]) if len(code) == 3]
    exp = [(f"{CN_NUM[i]}、{FUNC_NAMES[code]}", v["total"]) for i, (code, v) in enumerate(classes)]
    n = max(len(income), len(exp))
    exp += [("", None)] * (n - len(exp))
    bottom = [(("本年收入合计", fy["income_total"]), ("本年支出合计", fy["exp_total"])),
              (("使用非财政拨款结余", None), ("结余分配", None)),
              (("年初结转和结余", fy["carryover_begin"]), ("年末结转和结余", fy["carryover_end"])),
              (("总计", fy["grand_total"]), ("总计", fy["grand_total"]))]
    right_no = 1 + n + len(bottom) + 2
    r = 5
    for i, ((il, iv), (el, ev)) in enumerate(zip(income + [("", None)] * (n - len(income)), exp)):
        sh.put(r, 1, il); sh.put(r, 2, i + 1, "num"); sh.amt(r, 3, iv)
        sh.put(r, 4, el); sh.put(r, 5, right_no + i, "num"); sh.amt(r, 6, ev)
        r += 1
    for j, ((il, iv), (el, ev)) in enumerate(bottom):
        sh.put(r, 1, il, "center" if il == "总计" else "text"); sh.put(r, 2, n + j + 1, "num"); sh.amt(r, 3, iv)
        sh.put(r, 4, el, "center" if el == "总计" else "text"); sh.put(r, 5, right_no + n + j, "num"); sh.amt(r, 6, ev)
        r += 1
    sh.widths.update({1: 34, 2: 7, 3: 16, 4: 34, 5: 7, 6: 16})


FUNC_COLUMNS = {"full": [("本年支出合计", "total"), ("基本支出", "basic"), ("项目支出", "project"),
                         ("上缴上级支出", "remit_higher"), ("经营支出", "operating"), ("对附属单位补助支出", "subsidiary")],
                "compact": [("本年支出合计", "total"), ("基本支出", "basic"), ("项目支出", "project")],
                "swap": [("本年支出合计", "total"), ("项目支出", "project"), ("基本支出", "basic"),
                         ("上缴上级支出", "remit_higher"), ("经营支出", "operating"), ("对附属单位补助支出", "subsidiary")]}


def build_func_table(sh: Sheet, dept: str, fy: dict, columns="full") -> dict[str, int]:
    """支出决算表 by 类/款/项; returns {code: row} (row of 合计 under 'TOTAL')."""
    cols = FUNC_COLUMNS[columns]
    ncol = 2 + len(cols)
    _head(sh, ncol, "支出决算表", dept, f"金额单位：{sh.unit}")
    sh.merge(3, 1, 3, 2, "项目", "header")
    sh.put(4, 1, "科目编码", "header"); sh.put(4, 2, "科目名称", "header")
    for i, (h, _) in enumerate(cols):
        sh.merge(3, 3 + i, 4, 3 + i, h, "header")
    r = 5
    rows = {}
    for code, vals in rollup(fy["func_leaves"]):
        sh.put(r, 1, code); sh.put(r, 2, {3: "", 5: "  ", 7: "    "}[len(code)] + FUNC_NAMES[code])
        for i, (_, ck) in enumerate(cols):
            v = vals.get(ck)
            sh.amt(r, 3 + i, v if v else (None if ck != "total" else 0))
        rows[code] = r
        r += 1
    sh.merge(r, 1, r, 2, "合计", "center")
    tot = {"total": fy["exp_total"], "basic": fy["basic"], "project": fy["project"]}
    for i, (_, ck) in enumerate(cols):
        sh.amt(r, 3 + i, tot.get(ck, 0))
    rows["TOTAL"] = r
    sh.widths.update({1: 12, 2: 40, **{3 + i: 16 for i in range(len(cols))}})
    return rows


def _with_classes(rows):
    out = []
    for cls in sorted({c[:3] for c, _, _ in rows}):
        kids = [x for x in rows if x[0].startswith(cls)]
        out.append((cls, ECON_CLASS[cls], sum(v for _, _, v in kids)))
        out += kids
    return out


def build_basic(sh: Sheet, dept: str, fy: dict):
    """一般公共预算财政拨款基本支出决算表: 人员经费 (A:C) | 公用经费 (D:F) by 经济分类 codes."""
    _head(sh, 6, "一般公共预算财政拨款基本支出决算表", dept, f"金额单位：{sh.unit}")
    sh.merge(3, 1, 3, 3, "人员经费", "header"); sh.merge(3, 4, 3, 6, "公用经费", "header")
    for c, h in enumerate(["科目编码", "科目名称", "决算数"] * 2, 1):
        sh.put(4, c, h, "header")
    left, right = _with_classes(fy["personnel"]), _with_classes(fy["public"])
    for i in range(max(len(left), len(right))):
        for rows, col in ((left, 1), (right, 4)):
            if i < len(rows):
                code, name, v = rows[i]
                sh.put(5 + i, col, code); sh.put(5 + i, col + 1, ("" if len(code) == 3 else "  ") + name)
                sh.amt(5 + i, col + 2, v)
    r = 5 + max(len(left), len(right))
    sh.merge(r, 1, r, 2, "人员经费合计", "center"); sh.amt(r, 3, fy["personnel_total"])
    sh.merge(r, 4, r, 5, "公用经费合计", "center"); sh.amt(r, 6, fy["public_total"])
    sh.widths.update({1: 10, 2: 30, 3: 14, 4: 10, 5: 30, 6: 14})


def build_three_public(sh: Sheet, dept: str, fy: dict):
    """一般公共预算财政拨款“三公”经费支出决算表: 预算数 (A:F) | 决算数 (G:L)."""
    _head(sh, 12, "一般公共预算财政拨款“三公”经费支出决算表", dept, f"金额单位：{sh.unit}")
    for lab, c0 in (("预算数", 1), ("决算数", 7)):
        sh.merge(3, c0, 3, c0 + 5, lab, "header")
        sh.merge(4, c0, 5, c0, "合计", "header")
        sh.merge(4, c0 + 1, 5, c0 + 1, "因公出国（境）费", "header")
        sh.merge(4, c0 + 2, 4, c0 + 4, "公务用车购置及运行维护费", "header")
        sh.put(5, c0 + 2, "小计", "header"); sh.put(5, c0 + 3, "公务用车购置费", "header")
        sh.put(5, c0 + 4, "公务用车运行维护费", "header")
        sh.merge(4, c0 + 5, 5, c0 + 5, "公务接待费", "header")
    for vals, c0 in ((fy["tp_budget"], 1), (fy["tp_actual"], 7)):
        for i, v in enumerate(vals):
            sh.amt(6, c0 + i, v)
    for c in range(1, 13):
        sh.widths[c] = 12


def build_fixed_assets(sh: Sheet, dept: str, fy: dict):
    year = fy["year"]
    sh.merge(1, 1, 1, 3, f"{year}年度固定资产情况表", "title")
    sh.merge(2, 1, 2, 2, f"单位名称：{dept}", "info"); sh.put(2, 3, f"金额单位：{sh.unit}", "unit")
    for c, h in enumerate(["项目", "行次", "金额"], 1):
        sh.put(3, c, h, "header")
    for i, (lab, v) in enumerate([("固定资产原值年初数", fy["fa_begin"]), ("本年增加", fy["fa_added"]),
                                  ("固定资产原值年末数", fy["fa_end"])]):
        sh.put(4 + i, 1, lab); sh.put(4 + i, 2, i + 1, "num"); sh.amt(4 + i, 3, v)
    sh.put(7, 1, "在职人员（人）"); sh.put(7, 2, 4, "num"); sh.put(7, 3, fy["staff"], "num")
    sh.widths.update({1: 30, 2: 8, 3: 18})


def build_legacy(book: Book, dept: str, fy: dict, unit: str, plant_r10: int = 0):
    """常德 2016-style 收支情况表 with 支出经济分类情况 and 主要项目, vertical 三公 and 固定资产 (legacy .xls)."""
    year = fy["year"]
    sh = book.sheet("附表1 收支情况表", unit, "收入支出决算总表（含支出经济分类、主要项目）")
    sh.merge(1, 1, 1, 6, f"{year}年度收入支出情况表", "title")
    sh.merge(2, 1, 2, 3, f"单位名称：{dept}", "info"); sh.merge(2, 4, 2, 6, f"金额单位：{unit}", "unit")
    sh.merge(3, 1, 3, 3, "收入", "header"); sh.merge(3, 4, 3, 6, "支出", "header")
    for c, h in enumerate(["项目", "行次", "金额", "项目", "行次", "金额"], 1):
        sh.put(4, c, h, "header")
    income = [("一、财政补助收入", fy["income_general_budget"]), ("二、上级补助收入", None), ("三、事业收入", None),
              ("四、经营收入", None), ("五、附属单位上缴收入", None), ("六、其他收入", fy["other_income"] or None),
              ("本年收入合计", fy["income_total"]), ("用事业基金弥补收支差额", None),
              ("上年结转", fy["carryover_begin"]), ("收入总计", fy["grand_total"])]
    expend = [("一、基本支出", fy["basic"]), ("二、项目支出", fy["project"]), ("三、上缴上级支出", None),
              ("四、经营支出", None), ("五、对附属单位补助支出", None), ("", None), ("本年支出合计", fy["exp_total"]),
              ("结余分配", None), ("年末结转和结余", fy["carryover_end"]), ("支出总计", fy["grand_total"])]
    r = 5
    for i, ((il, iv), (el, ev)) in enumerate(zip(income, expend)):
        sh.put(r, 1, il); sh.put(r, 2, i + 1, "num"); sh.amt(r, 3, iv)
        sh.put(r, 4, el); sh.put(r, 5, i + 11, "num"); sh.amt(r, 6, ev)
        r += 1
    r += 1
    sh.merge(r, 1, r, 6, "支出经济分类情况", "header"); r += 1
    sh.put(r, 1, "科目编码", "header"); sh.merge(r, 2, r, 3, "科目名称", "header")
    sh.put(r, 4, "基本支出", "header"); sh.merge(r, 5, r, 6, "项目支出", "header"); r += 1
    basic_cls: dict[str, int] = {}
    for code, _, v in fy["personnel"] + fy["public"]:
        basic_cls[code[:3]] = basic_cls.get(code[:3], 0) + v
    proj = dict(fy["project_econ"])
    proj["310"] += plant_r10
    names = dict(ECON_CLASS, **{"310": "其他资本性支出"})
    for code in sorted(set(basic_cls) | {k for k, v in proj.items() if v}):
        sh.put(r, 1, code, "center"); sh.merge(r, 2, r, 3, names[code])
        sh.amt(r, 4, basic_cls.get(code))
        sh.merge(r, 5, r, 6, None, "amount"); sh.amt(r, 5, proj.get(code) or None)
        r += 1
    sh.put(r, 1, "", "center"); sh.merge(r, 2, r, 3, "合计", "center")
    sh.amt(r, 4, fy["basic"]); sh.merge(r, 5, r, 6, None, "amount"); sh.amt(r, 5, fy["project"])
    r += 2
    sh.merge(r, 1, r, 6, "其中：主要项目支出", "header"); r += 1
    sh.put(r, 1, "序号", "header"); sh.merge(r, 2, r, 4, "项目名称", "header"); sh.merge(r, 5, r, 6, "金额", "header")
    r += 1
    for i, p in enumerate(fy["projects"], 1):
        sh.put(r, 1, i, "num"); sh.merge(r, 2, r, 4, p["name"])
        sh.merge(r, 5, r, 6, None, "amount"); sh.amt(r, 5, p["executed"])
        r += 1
    sh.widths.update({1: 24, 2: 8, 3: 18, 4: 24, 5: 8, 6: 18})

    sh = book.sheet("附表2 三公经费", unit, "“三公”经费支出情况表")
    sh.merge(1, 1, 1, 3, f"{year}年度“三公”经费支出情况表", "title")
    sh.merge(2, 1, 2, 2, f"单位名称：{dept}", "info"); sh.put(2, 3, f"金额单位：{unit}", "unit")
    for c, h in enumerate(["项目", "行次", "决算数"], 1):
        sh.put(3, c, h, "header")
    labels = ["“三公”经费合计", "1、因公出国（境）经费", "2、公务用车购置及运行维护费", "  其中：公务用车购置费",
              "        公务用车运维费", "3、公务接待费"]
    for i, (lab, v) in enumerate(zip(labels, fy["tp_actual"])):
        sh.put(4 + i, 1, lab); sh.put(4 + i, 2, i + 1, "num"); sh.amt(4 + i, 3, v)
    sh.widths.update({1: 34, 2: 8, 3: 18})
    build_fixed_assets(book.sheet("附表3 固定资产", unit, "固定资产情况表"), dept, fy)


def t1_rows(p: dict, unit: str, year: int, plant_r15: bool = False):
    """Funds block (written values) and the 7 indicators of one project."""
    bi, bf, ex = (in_unit(p[k], unit) for k in ("budget_init", "budget_full", "executed"))
    ratio = ex / bf
    rate, fund_score = q4(ratio), q2(min(ratio, D(1)) * 10)
    w = p["weights"]
    u = "万元" if unit == "万元" else unit
    pct = q2(min(ratio, D(1)) * 100)
    time_score = q2(min(ratio, D(1)) * w[2])
    sat = D(p["sat"]) / 100
    d0, d1 = p["deductions"]
    inds = [
        ("产出指标", "数量指标", p["qty_label"], f"{p['qty']}{p['qty_unit']}", f"{p['qty']}{p['qty_unit']}", w[0], w[0], ""),
        ("产出指标", "质量指标", p["quality"], "100%", "100%", w[1], w[1], ""),
        ("产出指标", "时效指标", "项目资金支付进度", "100%", f"{fmt_num(pct)}%", w[2], time_score,
         "" if pct == 100 else "部分合同款项待验收合格后支付"),
        ("产出指标", "成本指标", "项目成本控制", f"≤{fmt_num(bf)}{u}", f"{fmt_num(ex)}{u}", w[3], w[3], ""),
        ("效益指标", "社会效益", f"{p['thing']}服务保障水平", "有效保障", "有效保障" if d0 == 0 else "基本保障",
         w[4], w[4] - d0, "" if d0 == 0 else "部分功能应用深度不够，将加强推广"),
        ("效益指标", "可持续影响", f"{p['thing']}持续稳定运行", "长期", "稳定运行" if d1 == 0 else "基本稳定",
         w[5], w[5] - d1, "" if d1 == 0 else "长效运维机制有待完善"),
        ("满意度指标", "服务对象满意度", f"{p['who']}满意度", "≥90%", f"{fmt_num(sat)}%", w[6],
         w[6] if (sat >= 90 or plant_r15) else q2(w[6] * sat / 90), ""),
    ]
    return dict(bi=bi, bf=bf, ex=ex, rate=rate, fund_score=fund_score, inds=inds,
                total=q2(fund_score + sum(D(x[6]) for x in inds)))


def build_t1(sh: Sheet, dept: str, year: int, p: dict, plant_r15=False, blank_zero=False) -> dict:
    unit = sh.unit
    t = t1_rows(p, unit, year, plant_r15)
    sh.merge(1, 1, 1, 8, "项目支出绩效自评表", "title")
    sh.merge(2, 1, 2, 8, f"（{year}年度）", "subtitle")
    sh.merge(3, 1, 3, 8, "单位：万元" if unit == "万元" else f"金额单位：{unit}", "unit")
    sh.put(4, 1, "项目名称", "center"); sh.merge(4, 2, 4, 8, p["name"])
    sh.put(5, 1, "主管部门", "center"); sh.merge(5, 2, 5, 4, dept)
    sh.put(5, 5, "实施单位", "center"); sh.merge(5, 6, 5, 8, dept)
    sh.merge(6, 1, 10, 1, f"项目资金（{unit}）", "center")
    for i, h in enumerate(["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]):
        sh.put(6, 2 + i, h, "header")
    sh.put(7, 2, "年度资金总额")
    sh.amt(7, 3, p["budget_init"]); sh.amt(7, 4, p["budget_full"]); sh.amt(7, 5, p["executed"])
    sh.put(7, 6, 10, "num"); sh.put(7, 7, t["rate"], "pct"); sh.put(7, 8, t["fund_score"], "num")
    parts = [("其中：当年财政拨款", p["cy_init"], p["cy_budget"], p["cy_exec"]),
             ("上年结转资金", 0, p["co_budget"], p["co_exec"]),
             ("其他资金", 0, p["other_budget"], p["other_exec"])]
    for r, (lab, a, b, c) in zip(range(8, 11), parts):
        sh.put(r, 2, lab)
        for j, v in enumerate((a, b, c)):
            sh.amt(r, 3 + j, None if (blank_zero and not v) else v)
        for cc in (6, 7, 8):
            sh.put(r, cc, DASH, "center")
    sh.merge(11, 1, 12, 1, "年度总体目标", "center")
    sh.merge(11, 2, 11, 5, "预期目标", "header"); sh.merge(11, 6, 11, 8, "实际完成情况", "header")
    sh.merge(12, 2, 12, 5, f"{year}年安排资金{fmt_num(t['bf'])}{'万元' if unit == '万元' else unit}，"
                           f"保障{p['thing']}正常运行，完成{p['qty_label']}{p['qty']}{p['qty_unit']}。")
    sh.merge(12, 6, 12, 8, f"全年执行{fmt_num(t['ex'])}{'万元' if unit == '万元' else unit}，"
                           f"{p['thing']}全年正常运行，{p['qty_label']}{p['qty']}{p['qty_unit']}。")
    for i, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]):
        sh.put(13, 1 + i, h, "header")
    inds = t["inds"]
    sh.merge(14, 1, 17, 1, "产出指标", "center"); sh.merge(18, 1, 19, 1, "效益指标", "center")
    for n, (l1, l2, l3, tgt, act, w, sc, why) in enumerate(inds):
        r = 14 + n
        if l1 == "满意度指标":
            sh.put(r, 1, l1, "center")
        sh.put(r, 2, l2, "center"); sh.put(r, 3, l3); sh.put(r, 4, tgt); sh.put(r, 5, act)
        sh.put(r, 6, D(w), "num"); sh.put(r, 7, D(sc), "num"); sh.put(r, 8, why or None)
    r = 14 + len(inds)
    sh.merge(r, 1, r, 5, "总分", "center"); sh.put(r, 6, D(100), "num"); sh.put(r, 7, t["total"], "num")
    sh.widths.update({1: 12, 2: 18, 3: 26, 4: 18, 5: 24, 6: 10, 7: 10, 8: 30})
    return t


def t2_tree(fy: dict):
    tree = []
    dd = iter(fy["t2_deductions"])
    for l1, l2s in T2_TREES[fy["t2_tree"]]:
        out2 = []
        for l2, l3s in l2s:
            out3 = []
            for l3, w in l3s:
                x = next(dd)
                d = 0 if x < 0.65 else 1 if x < 0.9 else 2
                out3.append((l3, D(w), D(max(0, w - min(d, w)))))
            out2.append((l2, out3))
        tree.append((l1, out2))
    return tree


def build_t2(sh: Sheet, dept: str, year: int, fy: dict) -> D:
    tree = t2_tree(fy)
    sh.merge(1, 1, 1, 5, f"{dept}{year}年度部门整体支出绩效自评表", "title")
    sh.merge(2, 1, 2, 3, f"单位名称：{dept}", "info"); sh.merge(2, 4, 2, 5, "单位：分", "unit")
    sh.merge(3, 1, 3, 3, "绩效指标", "header")
    sh.merge(3, 4, 4, 4, "指标分值", "header"); sh.merge(3, 5, 4, 5, "得分", "header")
    for c, h in enumerate(["一级指标", "二级指标", "三级指标"], 1):
        sh.put(4, c, h, "header")
    r = 5
    wsum = ssum = D(0)
    for l1, l2s in tree:
        w1 = sum(w for _, l3s in l2s for _, w, _ in l3s)
        n1 = sum(len(l3s) for _, l3s in l2s)
        sh.merge(r, 1, r + n1 - 1, 1, f"{l1}（{fmt_num(w1)}分）", "center")
        for l2, l3s in l2s:
            w2 = sum(w for _, w, _ in l3s)
            sh.merge(r, 2, r + len(l3s) - 1, 2, f"{l2}（{fmt_num(w2)}分）", "center")
            for l3, w, s in l3s:
                sh.put(r, 3, l3); sh.put(r, 4, w, "num"); sh.put(r, 5, s, "num")
                wsum += w; ssum += s
                r += 1
    assert wsum == 100
    sh.merge(r, 1, r, 3, "总分", "center"); sh.put(r, 4, wsum, "num"); sh.put(r, 5, ssum, "num")
    sh.widths.update({1: 22, 2: 22, 3: 26, 4: 10, 5: 10})
    return ssum


def _wan_text(cents: int) -> str:
    return f"{fmt_num(in_unit(cents, '万元'))}万元" if cents else "0"


def build_t5(sh: Sheet, year: int, name: str, unit_label: str, unit_name: str, funds: dict, goal: tuple,
             inds: list, amounts_as_text=True):
    """项目绩效目标完成情况表 (no scores); funds: budget/executed/fiscal_budget/fiscal_executed/other_* in cents."""
    sh.merge(1, 1, 1, 6, "项目绩效目标完成情况表", "title")
    sh.merge(2, 1, 2, 6, f"（{year}年度）", "subtitle")
    sh.put(3, 1, "项目名称", "center"); sh.merge(3, 2, 3, 6, name)
    sh.put(4, 1, unit_label, "center"); sh.merge(4, 2, 4, 6, unit_name)
    sh.merge(5, 1, 7, 1, "预算执行情况（万元）", "center")
    rows = [("预算数：", "budget", "执行数：", "executed"), ("其中-财政拨款：", "fiscal_budget", "其中-财政拨款：", "fiscal_executed"),
            ("其它资金：", "other_budget", "其它资金：", "other_executed")]
    for i, (l1, k1, l2, k2) in enumerate(rows):
        r = 5 + i
        sh.put(r, 2, l1); sh.put(r, 4, l2)
        if amounts_as_text:
            sh.put(r, 3, _wan_text(funds[k1]), "center"); sh.merge(r, 5, r, 6, _wan_text(funds[k2]), "center")
        else:
            sh.put(r, 3, in_unit(funds[k1], "万元"), "amount")
            sh.merge(r, 5, r, 6, in_unit(funds[k2], "万元"), "amount")
    sh.merge(8, 1, 9, 1, "年度目标完成情况", "center")
    sh.merge(8, 2, 8, 3, "预期目标", "header"); sh.merge(8, 4, 8, 6, "实际完成目标", "header")
    sh.merge(9, 2, 9, 3, goal[0]); sh.merge(9, 4, 9, 6, goal[1])
    sh.merge(10, 1, 10 + len(inds), 1, "绩效指标完成情况", "center")
    for i, h in enumerate(["一级指标", "二级指标", "三级指标", "预期指标值（包含数字及文字描述）", "实际完成指标值（包含数字及文字描述）"]):
        sh.put(10, 2 + i, h, "header")
    prev = (None, None)
    for n, (l1, l2, l3, tgt, act) in enumerate(inds):
        r = 11 + n
        if l1 != prev[0]:
            sh.put(r, 2, l1, "center")
        if (l1, l2) != prev:
            sh.put(r, 3, l2, "center")
        prev = (l1, l2)
        sh.put(r, 4, l3); sh.put(r, 5, tgt); sh.put(r, 6, act)
    sh.widths.update({1: 12, 2: 16, 3: 18, 4: 34, 5: 30, 6: 40})


def t5_for_project(p: dict, unit: str):
    fiscal_b, fiscal_e = p["cy_budget"] + p["co_budget"], p["cy_exec"] + p["co_exec"]
    funds = dict(budget=p["budget_full"], executed=p["executed"], fiscal_budget=fiscal_b, fiscal_executed=fiscal_e,
                 other_budget=p["other_budget"], other_executed=p["other_exec"])
    sat = fmt_num(D(p["sat"]) / 100)
    inds = [("项目完成指标", "数量指标", p["qty_label"], f"{p['qty']}{p['qty_unit']}", f"{p['qty']}{p['qty_unit']}"),
            ("项目完成指标", "质量指标", p["quality"], "100%", "100%"),
            ("项目完成指标", "时效指标", "项目资金支付进度", "100%",
             f"{fmt_num(q2(min(D(p['executed']) / D(p['budget_full']), D(1)) * 100))}%"),
            ("效益指标", "社会效益指标", f"{p['thing']}服务保障水平", "有效保障", "有效保障"),
            ("满意度指标", "服务对象满意度指标", f"{p['who']}满意度", "90%", f"{sat}%")]
    goal = (f"保障{p['thing']}正常运行，完成{p['qty_label']}{p['qty']}{p['qty_unit']}，{p['who']}满意度达到90%。",
            f"{p['thing']}全年正常运行，完成{p['qty_label']}{p['qty']}{p['qty_unit']}，{p['who']}满意度{sat}%。")
    return funds, goal, inds


def special_fund_data(rng: random.Random, city: str, year: int, plant_r13: int = 0) -> dict:
    """专项资金: 14–24 projects in 4 categories, amounts on the 100 元 grid (万元 with 2 decimals exact)."""
    A = Amounts(rng, UNIT_GRID["万元"])
    rows = []
    for cat in FUND_CATEGORIES:
        names = FUND_PROJECTS[cat][:]
        rng.shuffle(names)
        for name in sorted(names[: rng.randint(2, len(names))], key=FUND_PROJECTS[cat].index):
            alloc = 0 if rng.random() < 0.12 else A.yuan(200_000, 9_800_000)
            paid = alloc if rng.random() < 0.4 else A.round(int(alloc * rng.uniform(0.5, 0.98)))
            status = ("年内未按计划启动建设" if alloc == 0 else "已开发建设，完工验收" if paid == alloc
                      else "计划内容完成；未按期完工")
            if cat == "涉密项目":
                status = "涉密，内容不予公开"
            unit = "市行政审批服务局" if rng.random() < 0.45 else rng.choice(FUND_UNITS)
            rows.append(dict(category=cat, name=name, unit=unit, type="新建" if rng.random() < 0.1 else "续建",
                             allocated=alloc, paid=paid, carryover=alloc - paid, status=status))
    cats = []
    for cat in FUND_CATEGORIES:
        mem = [x for x in rows if x["category"] == cat]
        alloc = sum(x["allocated"] for x in mem)
        paid = sum(x["paid"] for x in mem)
        budget = A.round(int(max(alloc, 1_000_000) * rng.uniform(1.05, 1.5)))
        cats.append(dict(category=cat, count=len(mem), budget=budget, allocated=alloc, paid=paid, carryover=alloc - paid))
    tot = {k: sum(c[k] for c in cats) for k in ("budget", "allocated", "paid", "carryover")}
    scores = [(l1, w, D(w) - D(rng.choice([0, 50, 100, 150, 200, 300])) / 100)
              for l1, w in (("项目决策", 15), ("项目过程", 25), ("项目产出", 30), ("项目效益", 30))]
    return dict(name=f"智慧{city}建设资金", rows=rows, cats=cats, tot=tot, scores=scores, year=year,
                plant_r13=plant_r13, sat=rng.randint(8500, 9800))


def build_special_fund(book: Book, dept: str, sf: dict, sheet_names: list[str]):
    year, fund = sf["year"], sf["name"]
    sh = book.sheet(sheet_names[0], "万元", "专项资金收支汇总表")
    sh.merge(1, 1, 1, 8, f"{year}年{fund}收支汇总表", "title")
    sh.merge(2, 1, 2, 4, f"主管部门：{dept}", "info"); sh.merge(2, 7, 2, 8, "单位：万元", "unit")
    for c, h in enumerate(["序号", "项目类别", "项目个数", "年初预算", "累计下达", "累计支付", "结转", "备注"], 1):
        sh.put(3, c, h, "header")
    r = 4
    for k, c in enumerate(sf["cats"]):
        sh.put(r, 1, CN_NUM[k], "center"); sh.put(r, 2, c["category"]); sh.put(r, 3, c["count"], "num")
        for j, f in enumerate(("budget", "allocated", "paid", "carryover")):
            sh.amt(r, 4 + j, c[f])
        r += 1
    tot = sf["tot"]
    rate = q2(D(tot["paid"]) / D(tot["allocated"]) * 100) if tot["allocated"] else D(0)
    sh.put(r, 2, "合计", "center"); sh.put(r, 3, sum(c["count"] for c in sf["cats"]), "num")
    for j, f in enumerate(("budget", "allocated", "paid", "carryover")):
        sh.amt(r, 4 + j, tot[f])
    sh.put(r, 8, f"资金到位率100%，预算执行率{fmt_num(rate)}%")
    sh.widths.update({1: 6, 2: 18, 3: 10, 4: 14, 5: 14, 6: 14, 7: 14, 8: 32})

    sh = book.sheet(sheet_names[1], "万元", "专项资金项目实施情况表")
    sh.merge(1, 1, 1, 8, f"{year}年{fund}项目实施情况表", "title")
    sh.merge(2, 1, 2, 4, f"主管部门：{dept}", "info"); sh.merge(2, 7, 2, 8, "单位：万元", "unit")
    for c, h in enumerate(["序号", "项目名称", "实施单位", "项目类型", "下达资金", "支付资金", "结转", "完成情况"], 1):
        sh.put(3, c, h, "header")
    r = 4
    for i, x in enumerate(sf["rows"], 1):
        sh.put(r, 1, i, "num"); sh.put(r, 2, x["name"]); sh.put(r, 3, x["unit"]); sh.put(r, 4, x["type"], "center")
        sh.amt(r, 5, x["allocated"]); sh.amt(r, 6, x["paid"])
        sh.amt(r, 7, x["carryover"] + (sf["plant_r13"] if i == 1 else 0))
        sh.put(r, 8, x["status"])
        r += 1
    sh.merge(r, 1, r, 4, "合计", "center")
    sh.amt(r, 5, tot["allocated"]); sh.amt(r, 6, tot["paid"]); sh.amt(r, 7, tot["carryover"])
    sh.widths.update({1: 6, 2: 40, 3: 22, 4: 10, 5: 12, 6: 12, 7: 12, 8: 40})

    sh = book.sheet(sheet_names[2], "万元", "绩效目标完成情况表")
    n_soft = sum(1 for x in sf["rows"] if x["category"] == "软件平台开发")
    n_hw = sum(1 for x in sf["rows"] if x["category"] == "信息化硬件建设")
    sat = fmt_num(D(sf["sat"]) / 100)
    build_t5(sh, year, fund, "主管部门", dept,
             dict(budget=tot["allocated"], executed=tot["paid"], fiscal_budget=tot["allocated"],
                  fiscal_executed=tot["paid"], other_budget=0, other_executed=0),
             (f"开发{n_soft}个软件应用平台，实施{n_hw}个信息化硬件建设项目，做好运维及监测服务；社会公众满意度90%以上。",
              f"{year}年项目年初预算{fmt_num(in_unit(tot['budget'], '万元'))}万元，累计下达{fmt_num(in_unit(tot['allocated'], '万元'))}"
              f"万元，累计支付{fmt_num(in_unit(tot['paid'], '万元'))}万元，结转{fmt_num(in_unit(tot['carryover'], '万元'))}万元；"
              f"社会公众满意度{sat}%。"),
             [("产出指标", "数量指标", "软件应用平台开发", f"{n_soft}个", f"{n_soft}个"),
              ("产出指标", "数量指标", "信息化硬件建设项目", f"{n_hw}个", f"{n_hw}个"),
              ("产出指标", "质量指标", "软件开发质量验收合格率", "100%", "100%"),
              ("产出指标", "时效指标", "完工及时率", "100%", "部分项目未按期完工"),
              ("效益指标", "社会效益指标", "统筹基础建设，推动共建共享", "实现", "基本实现"),
              ("满意度指标", "服务对象满意度指标", "社会公众满意度", "90%以上", f"{sat}%")], amounts_as_text=False)

    sh = book.sheet(sheet_names[3], None, "绩效评价评分表")
    sh.merge(1, 1, 1, 4, f"{year}年{fund}绩效评价评分表", "title")
    sh.merge(2, 1, 2, 3, "评价机构：第三方评价机构", "info"); sh.put(2, 4, "单位：分", "unit")
    for c, h in enumerate(["一级指标", "分值", "得分", "扣分说明"], 1):
        sh.put(3, c, h, "header")
    r = 4
    for l1, w, s in sf["scores"]:
        sh.put(r, 1, l1, "center"); sh.put(r, 2, D(w), "num"); sh.put(r, 3, s, "num")
        sh.put(r, 4, "无扣分" if s == w else f"扣{fmt_num(D(w) - s)}分：部分指标未完全达成。")
        r += 1
    total = sum(s for _, _, s in sf["scores"])
    sh.put(r, 1, "合计", "center"); sh.put(r, 2, D(100), "num"); sh.put(r, 3, total, "num"); r += 1
    sh.put(r, 1, "评价等级", "center"); sh.merge(r, 2, r, 4, grade_of(total), "center"); r += 1
    sh.merge(r, 1, r, 4, f"注：社会公众满意度{sat}%；建设项目存在重大信息安全隐患和重大违纪违规行为为否决性指标。", "info")
    sh.widths.update({1: 14, 2: 8, 3: 8, 4: 60})
    sf["total_score"] = total


# ----------------------------------------------------------------------------------------------------------
# orchestration
# ----------------------------------------------------------------------------------------------------------
PLANT_KINDS = ["R01", "R08", "R09", "R11", "R14", "R16", "R10"]
SHEET_ALIASES = {
    "收入支出决算总表": ["表1 收入支出决算总表", "附表1", "公开表1", "1.收入支出决算总表", "Sheet1"],
    "支出决算表": ["表3 支出决算表", "附表3", "公开表3", "3.支出决算表", "Sheet2"],
    "基本支出决算表": ["表6 一般公共预算财政拨款基本支出决算表", "附表6", "公开表6", "6.基本支出决算表", "Sheet3"],
    "“三公”经费支出决算表": ["表7 三公经费支出决算表", "附表7", "公开表7", "7.三公经费", "Sheet4"],
    "固定资产情况表": ["表8 固定资产", "附表8", "资产情况", "8.固定资产情况表", "Sheet5"],
    "部门整体支出绩效自评表": ["整体支出绩效自评表", "自评表", "附件1", "Sheet1"],
}


def _plant(kind, dept, year, path, sheet, subject, left_label, left, right_label, right, severity="error", note=""):
    return dict(id=f"{kind}:{dept}/{year}:{subject}", rule=kind[:3], severity=severity, department=dept,
                fiscal_year=year, file=path, sheet=sheet, subject=subject, left_label=left_label,
                left_yuan=f"{left:.2f}", right_label=right_label, right_yuan=f"{right:.2f}",
                diff_yuan=f"{D(left) - D(right):.2f}", note=note)


def _find_row(sh: Sheet, col: int, text: str) -> int:
    for (r, c), v in sorted(sh.cells.items()):
        if c == col and isinstance(v, str) and v.strip() == text:
            return r
    raise KeyError(text)


class _Run:
    def __init__(self, out: Path, seed: int, years: list[int], variation: bool, xls_share: float, engine: str = "fast"):
        self.out, self.seed, self.years, self.variation, self.xls_share = out, seed, years, variation, xls_share
        self.engine = engine
        self.files: list[dict] = []
        self.planted: list[dict] = []
        self.tolerated: list[dict] = []
        self.bad: list[dict] = []
        self.totals: dict[str, dict[str, dict[str, str]]] = {}
        self.paths: set[str] = set()

    def save(self, book: Book, dept: str, year: int, kind: str, data: bytes | None = None) -> str:
        rel = book.relpath
        if rel in self.paths:
            raise ValueError(f"duplicate path {rel}")
        self.paths.add(rel)
        target = self.out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(book.to_bytes(self.engine) if data is None else data)
        units = sorted({s.unit for s in book.sheets if s.unit})
        self.files.append(dict(path=rel, department=dept, fiscal_year=year, kind=kind, format=rel.rsplit(".", 1)[1],
                               units=units, sheets=[s.name for s in book.sheets]))
        return rel


def _vary_book(book: Book, rng: random.Random, enabled: bool, dept: str):
    """Per-workbook layout variation: sheet names, title/note rows above, amounts as text."""
    if not enabled:
        return
    rename = rng.random() < 0.4
    as_text = rng.random() < 0.15
    used = set()
    for i, sh in enumerate(book.sheets, 1):
        if rename:
            alias = SHEET_ALIASES.get(sh.name)
            new = rng.choice(alias) if alias else rng.choice([f"{i}.{sh.name}", f"表{i}", f"Sheet{i}", sh.name])
            new = new[:31]
            if new not in used:
                sh.name = new
        used.add(sh.name)
        if rng.random() < 0.3:
            k = rng.choice([1, 2])
            sh.shift(k)
            sh.put(1, 1, f"附件{i}", "info")
            if k == 2:
                sh.put(2, 1, f"{dept}（公开）", "info")
        if as_text and sh.unit:
            sh.as_text = True


def _created(rng: random.Random, year: int) -> _dt.datetime:
    return _dt.datetime(year + 1, rng.randint(2, 9), rng.randint(1, 28), rng.randint(0, 10), rng.choice([0, 15, 30]))


def _generate(out_dir, seed: int, years, depts: list[dict], variation: bool, xls_share: float, bad_files: int,
              options: dict, engine: str = "fast") -> dict:
    out = Path(out_dir)
    years = sorted(int(y) for y in years)
    run = _Run(out, seed, years, variation, xls_share, engine)
    for di, dc in enumerate(depts):
        _generate_department(run, di, dc)
    if bad_files:
        _bad_files(run, depts, bad_files)
    run.files.sort(key=lambda f: f["path"])
    return {
        "generator": "ingest.generate",
        "seed": seed,
        "years": years,
        "options": options,
        "departments": [d["name"] for d in depts],
        "conventions": {"amounts": "元 with 2 decimals as strings; totals are the generated (true) values",
                        "diff_yuan": "left − right as written in the workbook(s)",
                        "tolerance": "(n + 1) × half the unit step of the coarsest unit (50 元 for 万元, 0.005 元 for 元)"},
        "files": run.files,
        "totals": run.totals,
        "planted": sorted(run.planted, key=lambda p: p["id"]),
        "tolerated": sorted(run.tolerated, key=lambda p: p["id"]),
        "bad_files": sorted(run.bad, key=lambda p: p["path"]),
    }


def _generate_department(run: _Run, di: int, dc: dict):
    dept, city, kind = dc["name"], dc["city"], dc["kind"]
    rng = random.Random(f"{run.seed}:{di}:{dept}")
    coarsest = dc["unit"]
    grid = UNIT_GRID[coarsest]
    scale = dc.get("scale", rng.choice([0.6, 1.0, 1.0, 1.5, 2.5]))
    plants = {(y, k): v for y, k, v in dc.get("plants", [])}
    # R16 and rounding plants change the figures, so they are applied while the years are generated
    fys = _department_years(rng, grid, kind, run.years, scale, dc.get("n_projects", (3, 6)))
    A = Amounts(rng, grid)
    for y in run.years:
        fy = fys[y]
        if (y, "R16") in plants and y != run.years[0]:
            delta = plants[(y, "R16")] or A.yuan(10_000, 200_000)
            prev_ce = fys[y - 1]["carryover_end"] if (y - 1) in fys else None
            fy["carryover_begin"] += delta
            finish_year(fy, A)
            plants[(y, "R16")] = delta
            _refresh_following(fys, run.years, y, A)
            fy["_r16"] = (prev_ce, delta)
        if (y, "ROUNDING") in plants:
            pr = [p for p in fy["projects"] if p["cy_exec"] > grid][0]
            fy["personnel"][0] = (fy["personnel"][0][0], fy["personnel"][0][1], fy["personnel"][0][2] + 6000)
            pr["cy_exec"] -= 4000
            finish_year(fy, A)
            _refresh_following(fys, run.years, y, A)
        if (y, "R12") in plants and len(fy["projects"]) > 1:
            min(fy["projects"], key=lambda p: p["executed"])["t1"] = False
    for y in run.years:
        _write_year(run, rng, dc, fys[y], plants, A)


def _refresh_following(fys, years, y, A):
    for z in years:
        if z > y:
            fys[z]["carryover_begin"] = fys[z - 1]["carryover_end"]
            fys[z]["fa_begin"] = fys[z - 1]["fa_end"]
            finish_year(fys[z], A)


def _unit_for(rng, run: _Run, dc: dict) -> str:
    if not run.variation:
        return dc["unit"]
    allowed = [u for u in ("元", "千元", "万元") if UNIT_GRID[u] <= UNIT_GRID[dc["unit"]]]
    return allowed[-1] if rng.random() < 0.6 else rng.choice(allowed)


def _ext(rng, run: _Run, forced: str | None = None) -> str:
    if forced:
        return forced
    return ".xls" if (run.xls_share and rng.random() < run.xls_share) else ".xlsx"


def _write_year(run: _Run, rng: random.Random, dc: dict, fy: dict, plants: dict, A: Amounts):
    dept, city, year = dc["name"], dc["city"], fy["year"]
    V = run.variation
    base = f"{year}/{dept}/"
    key = (year, dept)
    tot = {
        "income_general_budget_appropriation": fy["income_general_budget"], "income_other": fy["other_income"],
        "income_total": fy["income_total"], "carryover_begin": fy["carryover_begin"],
        "income_grand_total": fy["grand_total"], "expenditure_basic": fy["basic"],
        "expenditure_personnel": fy["personnel_total"], "expenditure_public": fy["public_total"],
        "expenditure_project": fy["project"], "expenditure_total": fy["exp_total"],
        "carryover_end": fy["carryover_end"], "expenditure_grand_total": fy["grand_total"],
        "three_public_total": fy["tp_actual"][0], "fixed_assets_begin": fy["fa_begin"],
        "fixed_assets_added": fy["fa_added"], "fixed_assets_end": fy["fa_end"],
        "project_executed_t1": sum(p["executed"] for p in fy["projects"] if p["t1"]),
    }
    totals = {k: yuan(v) for k, v in tot.items()}

    # ---------------- 部门决算 ----------------
    legacy = (year, "R10") in plants or (year, "LEGACY") in plants or (V and rng.random() < 0.08)
    if legacy:
        unit = _unit_for(rng, run, dc)
        delta = 0
        if (year, "R10") in plants:
            delta = plants[(year, "R10")] or A.yuan(500_000, 5_000_000)
        name = f"{year}年度整体评价附表"
        book = Book(base + name + (".xls" if xlwt is not None else ".xlsx"), _created(rng, year))
        build_legacy(book, dept, fy, unit, plant_r10=delta)
        _vary_book(book, rng, V, dept)
        rel = run.save(book, dept, year, "final_accounts_legacy")
        fin = (rel, book.sheets[0].name, unit)
        if delta:
            proj_w = yuan_of(in_unit(fy["project"], unit), unit)
            econ_w = sum(yuan_of(in_unit(v + (delta if k == "310" else 0), unit), unit)
                         for k, v in fy["project_econ"].items() if v or k == "310")
            run.planted.append(_plant("R10", dept, year, rel, book.sheets[0].name, "project_econ_breakdown",
                                      "项目支出（合计行）", proj_w, "Σ 项目支出经济分类（302+310）", econ_w,
                                      note="economic breakdown of project expenditure does not add up (like 常德 2016)"))
    else:
        unit = _unit_for(rng, run, dc)
        ext = _ext(rng, run)
        fname = rng.choice([f"{year}年度部门决算公开表", f"{year}年度部门决算公开附表", f"{dept}{year}年度部门决算"]) if V \
            else f"{year}年度部门决算报表"
        book = Book(base + fname + ext, _created(rng, year))
        s1 = book.sheet("收入支出决算总表", unit); build_summary(s1, dept, fy)
        s2 = book.sheet("支出决算表", unit)
        cols = rng.choice(["full", "full", "full", "compact", "swap"]) if V else "full"
        rows = build_func_table(s2, dept, fy, cols)
        s3 = book.sheet("基本支出决算表", unit); build_basic(s3, dept, fy)
        s4 = book.sheet("“三公”经费支出决算表", unit); build_three_public(s4, dept, fy)
        s5 = book.sheet("固定资产情况表", unit); build_fixed_assets(s5, dept, fy)
        plants_here = []
        grid_u = UNIT_GRID[unit]
        if (year, "R01") in plants:
            d = plants[(year, "R01")] or A.yuan(10_000, 100_000)
            r = _find_row(s1, 1, "八、其他收入")
            s1.amt(r, 3, fy["other_income"] + d)
            plants_here.append(("R01", s1.name, "income_items", "本年收入合计", fy["income_total"], "Σ 收入项目",
                                fy["income_total"] + d, "an income item does not add up to 本年收入合计"))
        if (year, "R08") in plants:
            d = plants[(year, "R08")] or A.yuan(10_000, 100_000)
            code = fy["main_leaf"]
            r = rows[code]
            s2.amt(r, 3, fy["func_leaves"][code]["basic"] + fy["func_leaves"][code]["project"] + d)
            leaf = fy["func_leaves"][code]
            plants_here.append(("R08", s2.name, f"{code}/row", f"{code} 本年支出合计", leaf["basic"] + leaf["project"] + d,
                                "基本支出 + 项目支出", leaf["basic"] + leaf["project"],
                                "a 项 row total differs from its parts (also Σ 项 ≠ 款)"))
        if (year, "R09") in plants:
            d = plants[(year, "R09")] or A.yuan(10_000, 100_000)
            r = _find_row(s3, 1, "30101")
            s3.amt(r, 3, fy["personnel"][0][2] + d)
            r = _find_row(s3, 1, "301")
            s3.amt(r, 3, sum(v for c, _, v in fy["personnel"] if c.startswith("301")) + d)
            plants_here.append(("R09", s3.name, "personnel", "Σ 人员经费 经济分类", fy["personnel_total"] + d,
                                "人员经费合计", fy["personnel_total"], "30101 基本工资 (and 301) overstated"))
        for k, sheet, subj, ll, lv, rl, rv, note in plants_here:
            assert (lv - rv) % grid_u == 0
            run.planted.append(_plant(k, dept, year, base + fname + ext, sheet, subj, ll,
                                      yuan_of(in_unit(lv, unit), unit), rl, yuan_of(in_unit(rv, unit), unit), note=note))
        if (year, "ROUNDING") in plants:
            et, b, p = (yuan_of(in_unit(fy[k], unit), unit) for k in ("exp_total", "basic", "project"))
            for rule, subj, sheet in (("R03", "expenditure_total", s2.name), ("R08", "TOTAL/row", s2.name)):
                t = _plant(rule, dept, year, base + fname + ext, sheet, subj, "本年支出合计", et,
                           "基本支出 + 项目支出", b + p, severity="pass",
                           note="rounding of 2-decimal 万元 figures (like 益阳 2020 186.29 + 2510.63 = 2696.92 vs 2696.91); "
                                "inside tolerance, must NOT be an error")
                t["tolerance_yuan"] = f"{3 * HALF_STEP_YUAN[unit]:.2f}"
                run.tolerated.append(t)
        _vary_book(book, rng, V, dept)
        fin = (run.save(book, dept, year, "final_accounts"), s1.name, unit)
    if (year, "R16") in plants and fy.get("_r16") and fy["_r16"][0] is not None:
        prev_ce, delta = fy["_r16"]
        run.planted.append(_plant("R16", dept, year, fin[0], fin[1], "carryover",
                                  f"年初结转和结余 {year}", yuan_of(in_unit(fy["carryover_begin"], fin[2]), fin[2]),
                                  f"年末结转和结余 {year - 1}", yuan_of(in_unit(prev_ce, fin[2]), fin[2]),
                                  note="carry-over at the start of the year differs from the previous year's end"))
    # ---------------- T1 项目支出绩效自评表 ----------------
    unit = _unit_for(rng, run, dc)
    ext = _ext(rng, run)
    fname = rng.choice([f"{year}年度项目支出绩效自评表", f"{year}年部门项目绩效评价自评表", f"{dept}{year}年项目支出绩效自评"]) \
        if V else f"{year}年度项目支出绩效自评表"
    book = Book(base + fname + ext, _created(rng, year))
    t1_exec = D(0)
    r15 = (year, "R15") in plants
    for i, p in enumerate([p for p in fy["projects"] if p["t1"]], 1):
        plant15 = r15 and i == 1
        if plant15:
            p["sat"] = 8695
        sh = book.sheet(f"{i}.{p['name']}"[:31], unit)
        t = build_t1(sh, dept, year, p, plant_r15=plant15, blank_zero=(unit == "万元"))
        t1_exec += yuan_of(t["ex"], unit)
        if plant15:
            w6 = D(p["weights"][6])
            recomputed = q2(w6 * D("86.95") / 90)
            pl = _plant("R15", dept, year, base + fname + ext, sh.name, f"{p['name']}/{p['who']}满意度",
                        f"self score ({p['who']}满意度 86.95% vs ≥90%)", w6, "recomputed score (proportional)",
                        recomputed, severity="warn",
                        note="target missed but full marks self-reported (like 常德 2022 satisfaction 86.95%)")
            pl.update(left_yuan=None, right_yuan=None, diff_yuan=None, self_score=f"{w6:.2f}",
                      recomputed_score=f"{recomputed:.2f}", diff_score=f"{w6 - recomputed:.2f}",
                      target="≥90%", actual="86.95%")
            run.planted.append(pl)
        if (year, "R11") in plants and i == 1:
            sh.put(7, 7, t["rate"] + D("0.05"), "pct")
            pl = _plant("R11", dept, year, base + fname + ext, sh.name, f"{p['name']}/execution_rate",
                        "执行率 (written)", t["rate"] + D("0.05"), "全年执行数 / 全年预算数", t["rate"])
            pl.update(left_yuan=None, right_yuan=None, diff_yuan=None, written_rate=f"{t['rate'] + D('0.05'):.4f}",
                      computed_rate=f"{t['rate']:.4f}", diff_rate="0.0500")
            run.planted.append(pl)
    _vary_book(book, rng, V, dept)
    rel_t1 = run.save(book, dept, year, "project_self_evaluation")
    if (year, "R12") in plants:
        fin_unit = fin[2]
        run.planted.append(_plant("R12", dept, year, rel_t1, None, "project_coverage", "Σ 全年执行数 (项目支出绩效自评表)",
                                  t1_exec, "项目支出 (部门决算)", yuan_of(in_unit(fy["project"], fin_unit), fin_unit),
                                  severity="warn", note="one small project has no self-evaluation sheet"))

    # ---------------- T2 部门整体支出绩效自评表 ----------------
    ext = _ext(rng, run)
    book = Book(base + f"{year}年部门整体支出绩效评价自评表{ext}", _created(rng, year))
    sh = book.sheet("部门整体支出绩效自评表")
    score = build_t2(sh, dept, year, fy)
    totals["department_total_score"] = f"{score:.2f}"
    if (year, "R14") in plants:
        r = _find_row(sh, 1, "总分")
        sh.put(r, 5, score + 1, "num")
        pl = _plant("R14", dept, year, base + f"{year}年部门整体支出绩效评价自评表{ext}", sh.name, "department/total_score",
                    "总分 (written)", score + 1, "Σ 得分", score)
        pl.update(left_yuan=None, right_yuan=None, diff_yuan=None, written_total=f"{score + 1:.2f}",
                  sum_scores=f"{score:.2f}", diff_score="1.00")
        run.planted.append(pl)
    _vary_book(book, rng, V, dept)
    run.save(book, dept, year, "department_self_evaluation")

    # ---------------- T5 项目绩效目标完成情况表 ----------------
    if dc.get("t5"):
        ext = _ext(rng, run)
        book = Book(base + f"{year}年度项目绩效目标完成情况表{ext}", _created(rng, year))
        top = sorted(fy["projects"], key=lambda p: (-p["budget_full"], p["name"]))[: min(3, len(fy["projects"]))]
        for i, p in enumerate(top, 1):
            funds, goal, inds = t5_for_project(p, "万元")
            build_t5(book.sheet(f"{i}.{p['name']}"[:31], "万元"), year, p["name"], "预算单位", f"{dept}（本级）",
                     funds, goal, inds)
        _vary_book(book, rng, V, dept)
        run.save(book, dept, year, "project_targets")

    # ---------------- 专项资金 ----------------
    if year in dc.get("special_years", ()):
        d13 = plants.get((year, "R13")) or 0
        if (year, "R13") in plants and not d13:
            d13 = 10_000 * rng.randint(5, 50)
        sf = special_fund_data(rng, city, year, plant_r13=d13)
        ext = _ext(rng, run)
        rel = base + f"{year}年{sf['name']}绩效评价附表{ext}"
        book = Book(rel, _created(rng, year))
        build_special_fund(book, dept, sf, ["附件1 收支汇总表", "附件2 项目实施情况表", "附件3 绩效目标完成情况表",
                                            "附件4 绩效评价评分表"])
        _vary_book(book, rng, V, dept)
        run.save(book, dept, year, "special_fund")
        totals["special_fund_allocated"] = yuan(sf["tot"]["allocated"])
        totals["special_fund_paid"] = yuan(sf["tot"]["paid"])
        totals["special_fund_carryover"] = yuan(sf["tot"]["carryover"])
        totals["special_fund_total_score"] = f"{sf['total_score']:.2f}"
        if d13:
            x = sf["rows"][0]
            run.planted.append(_plant("R13", dept, year, rel, book.sheets[1].name, f"{x['name']}/carryover",
                                      "结转 (written)", D(x["carryover"] + d13) / 100, "下达资金 − 支付资金",
                                      D(x["carryover"]) / 100, note="project row carry-over typo"))
    run.totals.setdefault(dept, {})[str(year)] = totals


def _bad_files(run: _Run, depts: list[dict], k: int):
    rng = random.Random(f"{run.seed}:bad")
    for i in range(k):
        dc = depts[rng.randrange(len(depts))]
        dept, year = dc["name"], rng.choice(run.years)
        base = f"{year}/{dept}/"
        kind = ["truncated_zip", "staff_roster", "meeting_signin"][i % 3]
        created = _created(rng, year)
        if kind == "truncated_zip":
            book = Book(base + f"{year}年度部门决算报表（修订{i + 1}）.xlsx", created)
            sh = book.sheet("收入支出决算总表", "元")
            sh.put(1, 1, "收入支出决算总表", "title")
            for r in range(2, 40):
                sh.put(r, 1, f"行{r}"); sh.put(r, 3, D(rng.randint(1000, 10 ** 7)) / 100, "amount")
            data = book.to_bytes()
            data = data[: max(200, len(data) * 2 // 5)]
        else:
            title = "在职职工花名册" if kind == "staff_roster" else "绩效自评工作会议签到表"
            book = Book(base + f"{year}年{title}{i + 1}.xlsx", created)
            sh = book.sheet("花名册" if kind == "staff_roster" else "签到表")
            sh.merge(1, 1, 1, 6, f"{dept}{title}", "title")
            heads = ["序号", "姓名", "性别", "出生年月", "职务", "联系电话"] if kind == "staff_roster" else \
                ["序号", "姓名", "单位", "职务", "签到时间", "备注"]
            for c, h in enumerate(heads, 1):
                sh.put(2, c, h, "header")
            for r in range(3, 3 + rng.randint(8, 30)):
                nm = rng.choice(ROSTER_NAMES)
                vals = [r - 2, nm, rng.choice(["男", "女"]), f"{rng.randint(1965, 1998)}.{rng.randint(1, 12):02d}",
                        rng.choice(["科员", "副科长", "科长", "工程师"]), f"139{rng.randint(10 ** 7, 10 ** 8 - 1)}"] \
                    if kind == "staff_roster" else [r - 2, nm, dept, rng.choice(["科员", "科长"]), f"{year + 1}-03-0{rng.randint(1, 9)} 09:00", ""]
                for c, v in enumerate(vals, 1):
                    sh.put(r, c, v)
            data = None
        rel = run.save(book, dept, year, "bad_file", data)
        run.files[-1]["kind"] = "bad_file"
        run.bad.append(dict(path=rel, department=dept, fiscal_year=year, kind=kind,
                            expected="rejected (not a readable workbook)" if kind == "truncated_zip"
                            else "rejected (no known template)"))


def generate_landing(out_dir, departments: int = 4, years: tuple[int, ...] = (2020, 2021, 2022), seed: int = 20201231,
                     variation: bool = False, bad_files: int = 0, xls_share: float = 0.0,
                     planted_discrepancy_rate: float = 0.0, manifest_path=None, engine: str = "fast") -> dict:
    """Write a landing of ``departments`` × ``years`` submissions under ``out_dir``; return the manifest.

    ``variation``: per-workbook layout variation (sheet names, rows above the title, column order of 支出决算表,
    unit 元/千元/万元, amounts as text with thousands separators, legacy .xls layout); ``xls_share``: share of
    workbooks written as legacy .xls; ``bad_files``: corrupted (truncated zip) and unrelated workbooks (staff
    roster, sign-in sheet); ``planted_discrepancy_rate``: per department-year probability of one planted
    discrepancy (rules R01, R08, R09, R10, R11, R14, R16; R13 where a special fund exists).
    ``manifest_path``: where to write the manifest as JSON (must be outside ``out_dir``'s landing tree).
    ``engine``: 'fast' (plain SpreadsheetML writer, default) or 'openpyxl' (slower, fixed ``wb.properties`` dates).
    """
    years = tuple(sorted(int(y) for y in years))
    rng = random.Random(f"config:{seed}")
    depts = []
    for name, city, kind in department_names(departments, seed):
        unit = "元"
        if variation:
            x = rng.random()
            unit = "元" if x < 0.5 else "千元" if x < 0.65 else "万元"
        dc = dict(name=name, city=city, kind=kind, unit=unit, t5=rng.random() < 0.3,
                  special_years=tuple(y for y in years if rng.random() < 0.04), plants=[])
        for y in years:
            if planted_discrepancy_rate and rng.random() < planted_discrepancy_rate:
                kinds = [k for k in PLANT_KINDS if not (k == "R16" and y == years[0])]
                if y in dc["special_years"]:
                    kinds.append("R13")
                dc["plants"].append((y, rng.choice(kinds), 0))
        depts.append(dc)
    options = dict(departments=departments, variation=variation, bad_files=bad_files, xls_share=xls_share,
                   planted_discrepancy_rate=planted_discrepancy_rate)
    manifest = _generate(out_dir, seed, years, depts, variation, xls_share, bad_files, options, engine)
    if manifest_path:
        write_manifest(manifest, manifest_path, out_dir)
    return manifest


def write_manifest(manifest: dict, path, out_dir=None):
    p = Path(path).resolve()
    if out_dir is not None:
        root = Path(out_dir).resolve()
        if p == root or root in p.parents:
            raise ValueError("the manifest must not be written inside the landing (workbooks only)")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
