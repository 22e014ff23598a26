"""The number parser: every form the articles use, with its value, bound, unit and kind."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import invoke, run_kb

from kb.mention import KINDS
from kb.mentions import find_mentions

D = Decimal


def M(number, value, bound="exact", lower=None, upper=None, unit=None, kind="quantity"):
    """One expected mention: decimals are compared by value."""
    def d(x):
        return None if x is None else D(x).normalize()

    return (number, d(value), bound, d(lower), d(upper), unit, kind)


# text -> the mentions found in it, each as
# M(number as written, value, bound, lower, upper, unit, kind)
TABLE = {
    # Arabic digits with Chinese scales
    "总营收 814.62 亿好意思元": [M("814.62 亿", "81462000000", unit="USD")],
    "每秒 100 亿亿次研讨": [M("100 亿亿", "1e18", unit="count")],
    "市值 1.3 万亿好意思元": [M("1.3 万亿", "1.3e12", unit="USD")],
    "估值 2.6 万亿元东谈主民币": [M("2.6 万亿", "2.6e12", unit="CNY")],
    "净利润 340.7 亿好意思元": [M("340.7 亿", "34070000000", unit="USD")],
    "$81,462 million": [M("81,462 million", "81462000000", unit="USD")],
    # approximately: 约/省略/大约/左右/上下/险阻
    "累计融资约 176 亿好意思元": [M("176 亿", "17600000000", bound="approximately", unit="USD")],
    "从起先的省略 6000 万好意思元": [M("6000 万", "60000000", bound="approximately", unit="USD")],
    "大约 3 个": [M("3", "3", bound="approximately", unit="count")],
    "约合 3586 亿好意思元": [M("3586 亿", "358600000000", bound="approximately", unit="USD")],
    "保管在 1 亿好意思元险阻": [M("1 亿", "100000000", bound="approximately", unit="USD")],
    "7000 元左右": [M("7000", "7000", bound="approximately", unit="CNY")],
    "300 万上下": [M("300 万", "3000000", bound="approximately")],
    "每公斤省略只须 10 好意思元": [M("10", "10", bound="approximately", unit="USD")],
    # more than / at least
    "总收入超 6000 亿好意思元": [
        M("6000 亿", "6e11", bound="more-than", lower="6e11", unit="USD"),
    ],
    "超过 500 万用户": [M("500 万", "5e6", bound="more-than", lower="5e6")],
    "超 百亿好意思元": [M("百亿", "1e10", bound="more-than", lower="1e10", unit="USD")],
    "比台积电多 50 多亿": [M("50 多亿", "5e9", bound="more-than", lower="5e9", upper="6e9")],
    "高 40 多亿好意思元": [
        M("40 多亿", "4e9", bound="more-than", lower="4e9", upper="5e9", unit="USD"),
    ],
    "20 多年天际豪赌": [
        M("20 多", "20", bound="more-than", lower="20", upper="30", unit="year", kind="duration"),
    ],
    "要 2 万多元": [
        M("2 万多", "20000", bound="more-than", lower="20000", upper="30000", unit="CNY"),
    ],
    "十多年": [
        M("十多", "10", bound="more-than", lower="10", upper="20", unit="year", kind="duration"),
    ],
    "不低于 165 亿好意思元": [
        M("165 亿", "1.65e10", bound="at-least", lower="1.65e10", unit="USD"),
    ],
    "至少整合了六大块业务": [M("六", "6", bound="at-least", lower="6")],
    "资格过上千次实验": [M("上千", "1000", bound="at-least", lower="1000", unit="count")],
    "50% 以上": [M("50", "50", bound="at-least", lower="50", unit="percent")],
    # less than / at most
    "按捺在 7000 元以内": [M("7000", "7000", bound="at-most", upper="7000", unit="CNY")],
    "不超过 10%": [M("10", "10", bound="at-most", upper="10", unit="percent")],
    "不到 5 年": [M("5", "5", bound="less-than", upper="5", unit="year", kind="duration")],
    "良率始终低于 50%": [M("50", "50", bound="less-than", upper="50", unit="percent")],
    # ranges
    "降到 1500-2800 万好意思元": [
        M("1500-2800 万", "21500000", bound="range", lower="15000000", upper="28000000",
          unit="USD"),
    ],
    "A100 芯片的 3 到 4 倍": [
        M("3 到 4", "3.5", bound="range", lower="3", upper="4", unit="ratio"),
    ],
    "省略在 200 亿到 300 亿好意思元之间": [
        M("200 亿到 300 亿", "2.5e10", bound="range", lower="2e10", upper="3e10", unit="USD"),
    ],
    "十几个孩子": [M("十几", "15", bound="range", lower="11", upper="19", unit="count")],
    "三四个": [M("三四", "3.5", bound="range", lower="3", upper="4", unit="count")],
    "数十个": [M("数十", "55", bound="range", lower="20", upper="90", unit="count")],
    "打到了千元区间": [M("千", "5500", bound="range", lower="1000", upper="10000", unit="CNY")],
    # percentages and multiples
    "全球 60% 的低空轨谈资源": [M("60", "60", unit="percent")],
    "百分之六十": [M("百分之六十", "60", unit="percent")],
    "是特斯拉的 2.4 倍": [M("2.4", "2.4", unit="ratio")],
    # Chinese numerals
    "三发三炸": [
        M("三", "3", unit="count"),
        M("三", "3"),
    ],
    "在运营五年之后": [M("五", "5", unit="year", kind="duration")],
    "看最中枢的两家": [M("两", "2", unit="count")],
    "只需要百万好意思元": [M("百万", "1e6", unit="USD")],
    "三千五百万": [M("三千五百万", "35000000")],
    "一万五": [M("一万五", "15000")],
    "一百零五": [M("一百零五", "105")],
    "曩昔一年内": [M("一", "1", unit="year", kind="duration")],
    "一个月前的财报会议": [M("一", "-1", kind="relative-date")],
    "在第三次辐射时": [M("第三", "3", kind="ordinal")],
    "第五代 FSD 芯片": [M("第五", "5", kind="ordinal")],
    "SpaceX 名列第一": [M("第一", "1", kind="ordinal")],
    # dates
    "收入最高的 2022 年": [M("2022", "2022", kind="date")],
    "本年 6 月 发布": [M("本年 6 月", "0", kind="relative-date")],
    "2023 年二季度": [M("2023 年二季度", "2023", kind="date")],
    "二〇二五年": [M("二〇二五", "2025", kind="date")],
    "发布日期:2025-10-24 03:14": [
        M("2025-10-24", "2025", kind="date"),
        M("03:14", "3", kind="date"),
    ],
    "用 10 年时刻": [M("10", "10", unit="year", kind="duration")],
    # section numbers glued to headings
    "01马 · 时刻责罚行家": [M("01", "1", kind="label")],
    "02爆炸齐不怕的马斯克": [M("02", "2", kind="label")],
    "0320 亿好意思元除外": [
        M("03", "3", kind="label"),
        M("20 亿", "2e9", unit="USD"),
    ],
    "猎鹰 9 号": [],  # a rocket's name: a look-alike
    # units written in Latin letters
    "一种 7nm 制程": [M("7", "7e-9", unit="m")],  # prefixed units in base units
    "(100 Exa-FLOPS)": [M("100", "1e20", unit="FLOPS")],
    "低廉 50 好意思元 /KWh": [M("50", "50", unit="USD/kWh")],
    "150 吨货品": [M("150", "150000", unit="kg")],
    # things that look like numbers but are not
    "猎鹰一号,三发三炸": [
        M("三", "3", unit="count"),
        M("三", "3"),
    ],
    "猎鹰九号炸了": [],
    "为何一霎认栽": [],
    "对峙下去的独一信念": [],
    "得益其实未几": [],
    "一部分操碎了心的网友": [],
    "一次次的爆炸": [],
    "需要一个算力极强的专科大模子": [],
    "三星、宁德期间": [],
    "三元锂电板": [],
    "百孔千疮": [],
    "第一性旨趣": [],
    "造不出几台及格品": [],
    "十分不错": [],
    "一是成本压不下去": [],
    "第三方接入": [],
    "英伟达 A100 芯片与 D1、AI6、H100 和 5G": [],
}


def row(m):
    def dec(x):
        return None if x is None else x.normalize()

    return (m.number, dec(m.value), m.bound, dec(m.lower), dec(m.upper), m.unit, m.kind)


@pytest.mark.parametrize("text", list(TABLE))
def test_mention_table(text):
    assert [row(m) for m in find_mentions(text)] == TABLE[text]


@pytest.mark.parametrize("text,precision", [
    ("814.62 亿", "1e6"), ("176 亿", "1e8"), ("6000 万", "1e4"), ("3 到 4 倍", "1"),
    ("百亿", "1e10"), ("2.4 倍", "0.1"), ("1500-2800 万", "1e4"), ("十几个", "1"), ("5 次", "1"),
    ("三千五百万", "1e6"), ("一万五", "1e3"), ("50 多亿", "1e8"),
])
def test_precision_is_one_unit_of_the_last_stated_digit(text, precision):
    [m] = find_mentions(text)
    assert m.precision == D(precision)


def test_offsets_span_the_number_and_the_whole_mention():
    text = "特斯拉,累计融资约 176 亿好意思元,总收入"
    [m] = find_mentions(text)
    assert text[m.num_start:m.num_end] == "176 亿"
    assert text[m.start:m.end] == m.text == "约 176 亿好意思元"


def test_line_numbers_count_from_one():
    text = "这行没有\n这行有 3 个\n\n这行 5 次"
    assert [(m.number, m.line) for m in find_mentions(text)] == [("3", 2), ("5", 4)]


def test_bound_word_does_not_reach_into_the_previous_mention():
    # 超 binds to 500 万; 2025 is a separate date with no bound.
    mentions = find_mentions("超 500 万 用户,2025 年")
    assert [(m.number, m.bound) for m in mentions] == [("500 万", "more-than"), ("2025", "exact")]


def test_records_for_programs_have_both_spans():
    from kb.consistency import mention_records

    [record] = mention_records(find_mentions("总营收 814.62 亿好意思元"))
    assert record == {
        "line": 1, "start": 4, "end": 16, "num_start": 4, "num_end": 12,
        "text": "814.62 亿好意思元", "number": "814.62 亿", "kind": "quantity",
        "value": D("81462000000"), "iso": None, "offset": None, "unit": "USD",
        "unit_inferred": False, "dimension": "currency", "scale": "亿", "bound": "exact",
        "lower": None, "upper": None, "precision": D("1000000"), "covered_by": None,
    }


# -- news forms (issue 11): each kind as the issue writes it, then varied examples of it ----------

def Q(number, value, unit=None, bound="exact", lower=None, upper=None, kind="quantity"):
    """One expected quantity (or duration) as (number, kind, value, bound, lower, upper, unit)."""
    def d(x):
        return None if x is None else D(x).normalize()

    return (number, kind, d(value), bound, d(lower), d(upper), unit)


def T(number, iso, bound="exact", kind="date"):
    """One expected date or cohort as (number, kind, iso, bound)."""
    return (number, kind, iso, bound)


def news_row(m):
    if m.kind in ("date", "cohort"):
        return (m.number, m.kind, m.iso, m.bound)
    if m.kind == "relative-date":  # as read with no published date: the offset, the part
        return (m.number, m.kind, f"{m.offset}{m.within}", m.bound)

    def d(x):
        return None if x is None else x.normalize()

    return (m.number, m.kind, d(m.value), m.bound, d(m.lower), d(m.upper), m.unit)


NEWS = {
    # dates: one mention, ISO value
    "2023年三季度营收": [T("2023年三季度", "2023-Q3")],
    "2022年6月份的数据": [T("2022年6月份", "2022-06")],
    "2023年底前": [T("2023年底", "2023-12")],
    "截至2024-03-15收盘": [T("2024-03-15", "2024-03-15")],
    "十月二十日召开": [T("十月二十日", "--10-20")],
    "一九九八年三月五日出生": [T("一九九八年三月五日", "1998-03-05")],
    "一九九O年三月五日": [T("一九九O年三月五日", "1990-03-05")],
    "二〇〇八年八月八日晚": [T("二〇〇八年八月八日", "2008-08-08")],
    "2023年上半年净利润": [T("2023年上半年", "2023-H1")],
    "下半年将推出": [T("下半年", "H2")],
    "2019 年 Q4 交付": [T("2019 年 Q4", "2019-Q4")],
    "2021/7/1 起施行": [T("2021/7/1", "2021-07-01")],
    "2020年第四季度以来": [T("2020年第四季度", "2020-Q4", bound="at-least")],
    "上世纪90年代": [T("90年代", "1990s")],
    "2025年初发布": [T("2025年初", "2025-01")],
    # weekdays are not quantities; 纽约's 约 is not a bound
    "周五收盘": [],
    "星期三上午": [],
    "礼拜天休息": [],
    "纽约20家门店": [Q("20", "20", "count")],
    "在纽约 3 家工厂": [Q("3", "3", "count")],
    # Chinese-numeral decimals and percentages
    "百分之三点七五": [Q("百分之三点七五", "3.75", "percent")],
    "报三千二百点五六点": [Q("三千二百点五六", "3200.56", "index_point")],
    "三点五亿元": [Q("三点五亿", "350000000", "CNY")],
    "千分之二点五": [Q("千分之二点五", "2.5", "permille")],
    "百分之零点八": [Q("百分之零点八", "0.8", "percent")],
    # bounds and qualifiers inside the span
    "超过百分之三以上": [Q("百分之三", "3", "percent", bound="at-least", lower="3")],
    "销量突破十万辆": [Q("十万", "100000", "count", bound="more-than", lower="100000")],
    "本科及以上学历占 70% 及以上": [Q("70", "70", "percent", bound="at-least", lower="70")],
    "气温在零下 5℃ 及以下": [Q("零下 5", "-5", "degC", bound="at-most", upper="-5")],
    "三年多": [Q("三", "3", "year", bound="more-than", lower="3", upper="4", kind="duration")],
    "5年多一点": [Q("5", "5", "year", bound="more-than", lower="5", upper="6", kind="duration")],
    "持续了两个多月": [Q("两", "2", "month", bound="more-than", lower="2", upper="3",
                         kind="duration")],
    "几十万人": [Q("几十万", "500000", "count", bound="range", lower="100000", upper="900000")],
    "一千多万": [Q("一千多万", "10000000", bound="more-than", lower="10000000", upper="20000000")],
    "不及五十名": [Q("五十", "50", "count", bound="less-than", upper="50")],
    "售价 2999 元起": [Q("2999", "2999", "CNY", bound="at-least", lower="2999")],
    # ranges: one mention
    "增长20%-25%": [Q("20%-25", "22.5", "percent", bound="range", lower="20", upper="25")],
    "5/6nm 工艺": [Q("5/6", "5.5e-9", "m", bound="range", lower="5e-9", upper="6e-9")],
    "3~5 年": [Q("3~5", "4", "year", bound="range", lower="3", upper="5", kind="duration")],
    "1/3 的用户": [Q("1", "1"), Q("3", "3")],  # a fraction, not a range
    # signs
    "同比-1.2%": [Q("-1.2", "-1.2", "percent")],
    "环比 -0.5‰": [Q("-0.5", "-0.5", "permille")],
    "负增长 3.1%": [Q("3.1", "3.1", "percent")],
    "增速为负 2.3%": [Q("负 2.3", "-2.3", "percent")],
    "+4.5% 的涨幅": [Q("+4.5", "4.5", "percent")],
    # units: spun units, ‰, 岁, 点, 个百分点, 个基点, prefixed units
    "约 300 万东谈主": [Q("300 万", "3000000", "count", bound="approximately")],
    "1300 多万东说念主": [Q("1300 多万", "13000000", "count", bound="more-than", lower="13000000",
                              upper="14000000")],
    "出生率 6.39‰": [Q("6.39", "6.39", "permille")],
    "今年 35 岁": [T("今年", "P0Y", kind="relative-date"), Q("35", "35", "year", kind="duration")],
    "六十五周岁以上": [Q("六十五", "65", "year", bound="at-least", lower="65", kind="duration")],
    "收于 3056 点": [Q("3056", "3056", "index_point")],
    "下午三点开会": [T("三", None)],
    "下降 0.25 个百分点": [Q("0.25", "0.25", "percentage_point")],
    "上调 25 个基点": [Q("25", "25", "basis_point")],
    "算力 10 PFLOPS": [Q("10", "1e16", "FLOPS")],
    "功率 5 千瓦": [Q("5", "5000", "W")],
    "四成受访者": [Q("四", "40", "percent")],
    "一半以上": [Q("一半", "50", "percent", bound="at-least", lower="50")],
    "两年半": [Q("两", "2.5", "year", kind="duration")],
    # cohorts
    "80后父母": [T("80后", "1980s", kind="cohort")],
    "95后员工": [T("95后", "1995/", kind="cohort")],
    "九零后": [T("九零后", "1990s", kind="cohort")],
    "3 天后": [Q("3", "3", "day", kind="duration")],
    # look-alikes: names with numerals are not quantities
    "骁龙888 处理器": [],
    "搭载骁龙 8 Gen 3": [],
    "富时一百指数": [],
    "沪深300指数": [],
    "标普 500 指数上涨 1%": [Q("1", "1", "percent")],
    "长征五号发射": [],
    "iPhone 15 Pro 售价": [],
    "百公里加速 3.9 秒": [Q("3.9", "3.9", "second", kind="duration")],
    "世界500强企业": [],
    "十四五规划": [],
    "双十一销售额": [],
    "二线城市房价": [],
    "五一假期出游": [],
    "成千上万的人": [],
    # more of each kind, as news writes them
    "2024年1-10月": [T("2024年1-10月", "2024-01/2024-10")],
    "1至10月": [T("1至10", "--01/--10")],
    "三季报显示": [T("三季报", "Q3")],
    "本月15日": [T("本月15日", "P0M-15", kind="relative-date")],
    "上午9时30分": [T("9时30分", "T09:30")],
    "三分之一的用户": [Q("三分之一", "0.3333", "ratio")],
    "4分之3": [Q("4分之3", "0.75", "ratio")],
    "一个多月": [Q("一", "1", "month", bound="more-than", lower="1", upper="2", kind="duration")],
    "下降了一个百分点": [Q("一", "1", "percentage_point")],
    "2.5亿人次": [Q("2.5亿", "250000000", "count")],
    "逾百万人": [Q("百万", "1000000", "count", bound="more-than", lower="1000000")],
    "千余人": [Q("千余", "1000", "count", bound="more-than", lower="1000", upper="2000")],
    "近百家": [Q("百", "100", "count", bound="approximately")],
    "数十亿美元": [Q("数十亿", "5500000000", "USD", bound="range", lower="2000000000",
                    upper="9000000000")],
    "一个人": [],
    "一点点": [],
    "两三天": [Q("两三", "2.5", "day", bound="range", lower="2", upper="3", kind="duration")],
    "三五年": [Q("三五", "4", "year", bound="range", lower="3", upper="5", kind="duration")],
    "一九三五年": [T("一九三五", "1935")],
    "二氧化碳排放约50万吨": [Q("50万", "5e8", "kg", bound="approximately")],
    "扫二维码": [],
    "十之八九": [],
    "2020-2025年": [T("2020-2025", "2020/2025")],
    "销量破百万台": [Q("百万", "1000000", "count", bound="more-than", lower="1000000")],
    "打破 3 项纪录": [Q("3", "3", "count")],
    "十来年": [Q("十", "10", "year", bound="approximately", kind="duration")],
    "20来个人": [Q("20", "20", "count", bound="approximately")],
    "1%至2%之间": [Q("1%至2", "1.5", "percent", bound="range", lower="1", upper="2")],
    "2023财年营收": [T("2023", "2023")],
    "前三季度营收": [T("前三季度", "Q1/Q3")],
    "2024年前三季度": [T("2024年前三季度", "2024-Q1/2024-Q3")],
    # other spinners' dialects: 操纵 for 左右, 跨越 for 超过
    "售价 500 元操纵": [Q("500", "500", "CNY", bound="approximately")],
    "营收跨越 300 亿元": [Q("300 亿", "3e10", "CNY", bound="more-than", lower="3e10")],
}


@pytest.mark.parametrize("text", list(NEWS))
def test_news_forms(text):
    got = [news_row(m) for m in find_mentions(text)]
    assert got == NEWS[text], f"{text}: got {got}"


# English news text: the same kinds of mention, written the English way
ENGLISH = {
    # units in words
    "revenue rose 6 percent": [Q("6", "6", "percent")],
    "a 2.5 per cent rise": [Q("2.5", "2.5", "percent")],
    "cut rates by 25 basis points": [Q("25", "25", "basis_point")],
    "up 0.5 percentage points": [Q("0.5", "0.5", "percentage_point")],
    "94.9 billion dollars": [Q("94.9 billion", "94900000000", "USD")],
    # numbers in words, before a scale word or percent; alone they are words
    "two billion active devices": [Q("two billion", "2000000000")],
    "Forty-five million people": [Q("Forty-five million", "45000000", "count")],
    "about three million customers": [Q("three million", "3000000", "count",
                                        bound="approximately")],
    "up five percent": [Q("five", "5", "percent")],
    "twenty-two per cent": [Q("twenty-two", "22", "percent")],
    "one of the best, two of them": [],
    "someone million": [],
    # currency signs with abbreviated scales, as English headlines write them
    "raised £3.2bn": [Q("3.2bn", "3200000000", "GBP")],
    "a $5m fine": [Q("5m", "5000000", "USD")],
    "a €250k grant": [Q("250k", "250000", "EUR")],
    "over $1.5b": [Q("1.5b", "1500000000", "USD", bound="more-than", lower="1500000000")],
    "£12 million": [Q("12 million", "12000000", "GBP")],
    "a 5m drop": [],  # no sign: 5m is not an amount of money (nor a length kb reads)
    "5 tonnes of steel": [Q("5", "5000", "kg")],
    "164,000 people": [Q("164,000", "164000", "count")],
    "sold 1.8 million vehicles": [Q("1.8 million", "1800000", "count")],
    "trained on 10,000 GPUs": [Q("10,000", "10000", "count")],  # any case: gpus, GPUs
    "waited 30 days": [Q("30", "30", "day", kind="duration")],
    "3 years ago": [T("3", "-P3Y", kind="relative-date")],
    # bound words before the amount (or its currency sign), and after it
    "about $46.2 billion": [Q("46.2 billion", "46200000000", "USD", bound="approximately")],
    "Roughly 164,000 people": [Q("164,000", "164000", "count", bound="approximately")],
    "nearly 40%": [Q("40", "40", "percent", bound="approximately")],
    "returned over $29 billion": [Q("29 billion", "29000000000", "USD", bound="more-than",
                                    lower="29000000000")],
    "more than 1,000 employees": [Q("1,000", "1000", "count", bound="more-than", lower="1000")],
    "at least 5 years": [Q("5", "5", "year", bound="at-least", lower="5", kind="duration")],
    "less than $5": [Q("5", "5", "USD", bound="less-than", upper="5")],
    "up to 300 km": [Q("300", "300000", "m", bound="at-most", upper="300000")],
    "50 stores or more": [Q("50", "50", "count", bound="at-least", lower="50")],
    "1.5 million or so": [Q("1.5 million", "1500000", bound="approximately")],
    # ranges: one mention, the scale and the currency sign shared
    "between 2 and 3 billion devices": [Q("2 and 3 billion", "2500000000", "count",
                                          bound="range", lower="2000000000",
                                          upper="3000000000")],
    "between $2 billion and $3 billion": [Q("2 billion and $3 billion", "2500000000", "USD",
                                            bound="range", lower="2000000000",
                                            upper="3000000000")],
    "2% to 3% growth": [Q("2% to 3", "2.5", "percent", bound="range", lower="2", upper="3")],
    "1 to 2 years": [Q("1 to 2", "1.5", "year", bound="range", lower="1", upper="2",
                       kind="duration")],
    # a change from one value to another is two mentions, not a range
    "rose from 5 to 10 percent": [Q("5", "5"), Q("10", "10", "percent")],
    "the ratio is 3 to 1": [Q("3", "3"), Q("1", "1")],
    # dates: one mention, ISO value
    "the quarter ended September 28, 2024": [T("September 28, 2024", "2024-09-28")],
    "on 28 September 2024": [T("28 September 2024", "2024-09-28")],
    "in Sept. 2023": [T("Sept. 2023", "2023-09")],
    "on May 5": [T("May 5", "--05-05")],
    "Q3 2024 results": [T("Q3 2024", "2024-Q3")],
    "the third quarter of 2024": [T("third quarter of 2024", "2024-Q3")],
    "the first half of 2025": [T("first half of 2025", "2025-H1")],
    "in 2024": [T("2024", "2024")],
    "fiscal 2023 revenue": [T("2023", "2023")],
    "by mid-2026": [T("2026", "2026")],
    "since 2020": [T("2020", "2020")],  # a date, and no bound: not "more than 2020"
    "from 2020 to 2024": [T("2020 to 2024", "2020/2024")],
    "sold 2024 units": [Q("2024", "2024", "count")],  # no word makes it a year
    "May 5G networks": [],
    # look-alikes: names written with numbers
    "Model 3 and Falcon 9 Block 5": [],
    "the S&P 500 rose 2%": [Q("2", "2", "percent")],
    "COVID-19 cut 5,000 jobs": [Q("5,000", "5000", "count")],
    "a Fortune 500 company": [],
}


@pytest.mark.parametrize("text", list(ENGLISH))
def test_english_forms(text):
    got = [news_row(m) for m in find_mentions(text)]
    assert got == ENGLISH[text], f"{text}: got {got}"


def test_an_english_bound_word_or_between_is_part_of_the_mention():
    text = "Apple returned over $29 billion and has between 2 and 3 billion active devices."
    assert [(m.text, m.number) for m in find_mentions(text)] == [
        ("over $29 billion", "29 billion"), ("between 2 and 3 billion", "2 and 3 billion")]
    # a bound word never reaches back into the previous mention
    assert [m.text for m in find_mentions("5 percent over 6 years")] == [
        "5 percent", "over 6 years"]


@pytest.mark.parametrize("text,unit,inferred", [
    ("去年该省GDP总量为5.6万亿,增长5%", "CNY", True),  # a money word in the clause
    ("营收 50 亿好意思元,净利 3 亿", "USD", True),  # the currency stated in the sentence
    ("领有 超 500 万 用户", None, False),  # a noun after it: it counts users
    ("人口 1400 万", None, False),  # no money word
])
def test_a_scaled_amount_in_a_money_clause_inherits_the_currency(text, unit, inferred):
    m = [m for m in find_mentions(text) if m.scale][-1]
    assert (m.unit, m.unit_inferred) == (unit, inferred), m


def test_every_mention_has_a_kind_dimension_and_scale():
    [money, share, date, cohort] = find_mentions("营收 3.2 万亿元,占 40%,2023年三季度,80后")
    assert (money.kind, money.unit, money.dimension, money.scale) == ("quantity", "CNY",
                                                                      "currency", "万亿")
    assert (share.unit, share.dimension, share.scale) == ("percent", "ratio", "")
    assert (date.kind, date.iso, date.unit, date.dimension) == ("date", "2023-Q3", None, None)
    assert (cohort.kind, cohort.iso) == ("cohort", "1980s")


def test_offsets_point_into_the_raw_spun_text():
    # found on the de-spun text (美元, 人), anchored in the raw text (好意思元, 东谈主)
    raw = "融资约 176 亿好意思元,员工 1300 多万东谈主,以及 5 东谈主"
    got = [(raw[m.start:m.end], raw[m.num_start:m.num_end], m.unit) for m in find_mentions(raw)]
    assert got == [("约 176 亿好意思元", "176 亿", "USD"),
                   ("1300 多万东谈主", "1300 多万", "count"), ("5 东谈主", "5", "count")]


def test_lookalikes_are_listed_with_a_reason():
    from kb.mentions import find_lookalikes

    text = "搭载骁龙888,富时一百指数,长征五号"
    assert [(t, r) for _, _, t, r in find_lookalikes(text)] == [
        ("骁龙888", "a chip model number, part of a product name"),
        ("富时一百", "an index name written with a number"),
        ("长征五号", "a rocket or spacecraft name")]


@pytest.mark.parametrize("text", [
    "", "-", "--1", "百分之", "2023年", "零下", "负", "第", "点点点", "1/", "5/6", "20%-", "〇〇后",
    "9" * 400, "一" * 300 + "万", "年月日", "Q3季度", "-" * 50 + "5",
])
def test_odd_input_gives_mentions_inside_the_text(text):
    for m in find_mentions(text):
        assert 0 <= m.start <= m.num_start < m.num_end <= m.end <= len(text), m
        assert m.kind in KINDS


# -- held-out score ------------------------------------------------------------------------------

def heldout_score(rows):
    """(expected found right, expected, found, found that match nothing): see the fixture."""
    expected = right = found = wrong = 0
    for row in rows:
        text, mentions = row["text"], find_mentions(row["text"])
        used: set[int] = set()
        for e in row["mentions"]:
            hit = next((i for i, m in enumerate(mentions) if i not in used
                        and _matches(m, e, text)), None)
            if hit is not None:
                used.add(hit)
            if not e.get("skip"):
                expected += 1
                right += hit is not None
        found += len(mentions)
        wrong += len(mentions) - len(used)
    return right, expected, found, wrong


def _matches(m, e, text):
    a = text.find(str(e["anchor"]))
    inside = m.start <= a and a + len(str(e["anchor"])) <= m.end
    if not (inside or a <= m.num_start < a + len(str(e["anchor"]))):
        return False
    if m.kind in ("date", "cohort"):
        value = m.iso
    elif m.kind == "relative-date":
        value = f"{m.offset}{m.within}"
    elif m.bound == "range":
        value = f"{m.lower.normalize():f}..{m.upper.normalize():f}"
    else:
        value = f"{m.value.normalize():f}"
    want = str(e["value"])
    if e["kind"] not in ("date", "cohort", "relative-date") and ".." not in want:
        want = f"{D(want).normalize():f}"
    return (m.kind, value, m.bound, m.unit) == (e["kind"], want, e["bound"], e["unit"])


def test_heldout_news_sentences_are_read_with_the_right_value_and_bound():
    from pathlib import Path

    import yaml

    rows = yaml.safe_load((Path(__file__).parent / "fixtures" / "mentions-heldout.yaml")
                          .read_text(encoding="utf-8"))
    right, expected, found, wrong = heldout_score(rows)
    assert right / expected >= 0.95 and wrong / found <= 0.05, (right, expected, found, wrong)


# -- de-spinning with an offset map -------------------------------------------------------------

def test_normalised_offsets_map_back_to_the_raw_text():
    from kb.despin import normalise

    raw = "开云官网约 300 万东谈主,营收 56 亿好意思元"
    norm = normalise(raw)
    assert norm.text == "约 300 万人,营收 56 亿美元"
    # every span of the standard text maps to the raw span that reads the same once de-spun
    for word in ("300 万人", "56 亿美元", "人", "美元", "约"):
        i = norm.text.index(word)
        a, b = norm.raw_start(i), norm.raw_end(i + len(word))
        assert normalise(raw[a:b]).text == word, (word, raw[a:b])
    assert [(s.spun, s.original, s.deleted) for s in norm.swaps] == [
        ("开云官网", "", True), ("东谈主", "人", False), ("好意思元", "美元", False)]


@pytest.mark.parametrize("raw,standard", [
    ("宁德期间出品", "宁德时代出品"),  # CATL
    ("在大选期间", "在大选期间"),  # a real "during"
    ("以干法电极为期间卖点", "以干法电极为技术卖点"),
    ("天然能一铲挖空", "虽然能一铲挖空"),
    ("这天然是有打击的", "这当然是有打击的"),
    ("天然气价格", "天然气价格"),
    ("不好意思,来晚了", "不好意思,来晚了"),
    ("省略 6000 万", "大约 6000 万"),
    ("省略了细节", "省略了细节"),  # omitted: not before a number
    ("１２３．５", "123.5"),  # full-width digits
    ("500元操纵", "500元左右"),
    ("操纵市场", "操纵市场"),  # to manipulate: not after a number
    ("跨越 300 亿", "超过 300 亿"),
    ("跨越式发展", "跨越式发展"),
    # a second spinner, seen with its original (docs/mentions.md, "Where the entries come from")
    ("信任有许多弹吉他的友人都同样", "相信有许多弹吉他的友人都同样"),
    ("我信任你", "我信任你"),  # trust: standard
    ("伴奏与声编配思绪", "伴奏和声编配思绪"),
    ("与声音有关", "与声音有关"),
    # an injected SEO title is deleted, the copied story kept
    ("科普一下hg118.app(2022已更新(今日/今日头条)\n2001年,李宏文",
     "科普一下hg118.app\n2001年,李宏文"),
])
def test_the_lexicon_context_rules(raw, standard):
    from kb.despin import normalise

    assert normalise(raw).text == standard


def test_a_bad_lexicon_entry_is_a_one_line_error():
    from kb.despin import parse_lexicon
    from kb.errors import KbError

    with pytest.raises(KbError) as exc:
        parse_lexicon([{"spun": "东谈主", "original": "人"}, {"spun": "x", "original": "y",
                                                           "after": "("}], "lex.yaml")
    assert str(exc.value) == ("lex.yaml: entry 2: after is not a valid regular expression "
                              "(missing ), unterminated subpattern at position 0); fix the pattern")


def test_kb_normalize_prints_the_text_or_the_map(tmp_path):
    import json

    path = tmp_path / "a.txt"
    path.write_text("员工 5 东谈主", encoding="utf-8")
    result = invoke("normalize", str(path))
    assert (result.exit_code, result.stdout) == (0, "员工 5 人")
    result = invoke("normalize", str(path), "--json")
    assert json.loads(result.stdout) == {"text": "员工 5 人", "swaps": [
        {"raw_start": 5, "raw_end": 8, "norm_start": 5, "norm_end": 6, "spun": "东谈主",
         "original": "人", "confidence": 1.0, "deleted": False}]}


# -- kb new ---------------------------------------------------------------------------------------

ARTICLE = ("新能源车企发布财报\n"
           "2023年三季度,公司营收约为 56.2 亿好意思元,同比增长-3.4%。\n"
           "搭载骁龙888芯片的车机售价 2999 元起。")


def _kb(*args, exit_code: int = 0):
    """kb ARGS: in this process if it should succeed, else the installed script."""
    args = tuple(str(a) for a in args)
    if exit_code == 0:
        return invoke(*args)
    result = run_kb(*args)
    assert result.exit_code == exit_code, result.output
    return result


def test_kb_new_writes_a_source_whose_drafts_kb_check_reports(mini, tmp_path):
    import hashlib

    from kb.yamlfile import parse_yaml

    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = _kb("new", "--claims", mini, article, "--id", "demo", "--title", "财报",
                 "--publisher", "示例网", "--url", "https://example.com/a", "--date",
                 "2024-11-01")
    assert result.exit_code == 0, result.output
    folder = mini / "sources" / "demo"
    assert sorted(p.name for p in folder.iterdir()) == ["claims.yaml", "ignored.yaml",
                                                        "source.yaml", "text.txt"]
    assert (folder / "text.txt").read_bytes() == article.read_bytes()
    source = parse_yaml((folder / "source.yaml").read_text(encoding="utf-8"))
    assert source["sha256"] == hashlib.sha256(article.read_bytes()).hexdigest()
    assert [source[k] for k in ("title", "publisher", "url", "published")] == [
        "财报", "示例网", "https://example.com/a", "2024-11-01"]
    drafts = parse_yaml((folder / "claims.yaml").read_text(encoding="utf-8"))
    got = [(d["quote"], ARTICLE[d["start"]:d["end"]], d["amount"], d["unit"], d["bound"],
            d.get("time")) for d in drafts]
    q3 = {"period": "2023-07/2023-09", "phrase": "2023年三季度"}
    assert got == [
        ("2023年三季度", "2023年三季度", 2023, "year", "exact", q3),
        ("约为 56.2 亿好意思元", "约为 56.2 亿好意思元", 5620000000, "USD", "approximately", q3),
        ("-3.4%", "-3.4%", -3.4, "percent", "exact", q3),
        ("2999 元起", "2999 元起", 2999, "CNY", "at-least", None)]
    ignored = parse_yaml((folder / "ignored.yaml").read_text(encoding="utf-8"))
    at = ARTICLE.index("骁龙888")
    assert ignored == [{"text": "骁龙888", "start": at, "end": at + 5,
                        "reason": "Look-alike: a chip model number, part of a product name."}]

    result = _kb("check", "--claims", mini, exit_code=1)
    claims_file = folder / "claims.yaml"
    todo = ("draft claim from kb new: fill in subject, property, statement, confidence, review, "
            "then delete the 'draft' line; or move its mention to ignored.yaml with a reason")
    lines = [line for line in result.stdout.splitlines() if "demo-" in line]
    assert lines == [f"{claims_file}:{n}: claim demo-{k:03d}: {todo}"
                     for k, n in ((1, 7), (2, 24), (3, 41), (4, 58))]
    assert result.exit_code == 1

    # a reviewer completes draft 2: its error goes, the others stay
    text = claims_file.read_text(encoding="utf-8")
    block = text.split("- id: demo-002\n")[1].split("\n\n")[0]
    done = (block.split("\n", 1)[1]
            .replace("statement: null", "statement: Revenue was about US$5.62 billion.")
            .replace("subject: null", "subject: tesla")
            .replace("property: null", "property: total-revenue")
            .replace("confidence: null", "confidence: 0.5")
            .replace("review: null", "review: {verdict: unverifiable, explanation: Not checked "
                     "yet., reviewer: tester, date: 2026-12-02}"))
    claims_file.write_text(text.replace(block, done), encoding="utf-8")
    result = _kb("check", "--claims", mini, exit_code=1)
    assert [line.split(": ")[1] for line in result.stdout.splitlines() if "demo-" in line] == [
        "claim demo-001", "claim demo-003", "claim demo-004"]


def test_kb_new_lists_the_look_alikes_it_recognised_as_ignored_mentions(mini, tmp_path):
    """Model numbers, index names, rockets, ranking lists: each an ignored mention with its
    reason, in the form the loader reads, so the draft loads."""
    from kb.load import load_lenient

    text = ("富时一百指数收涨,搭载天玑9300的手机与 iPhone 15 Pro 同台,长征五号发射成功,"
            "公司跻身世界500强。")
    article = tmp_path / "look.txt"
    article.write_text(text, encoding="utf-8")
    result = _kb("new", "--claims", mini, article, "--id", "look", "--date", "2024-05-01",
                 "--title", "看", "--publisher", "示例网")
    assert result.exit_code == 0, result.output
    collection, problems = load_lenient(mini)
    got = [(m.text, text[m.start:m.end], m.reason) for m in collection.ignored
           if m.source == "look"]
    assert got == [
        ("富时一百", "富时一百", "Look-alike: an index name written with a number."),
        ("天玑9300", "天玑9300", "Look-alike: a chip model number, part of a product name."),
        ("iPhone 15 Pro", "iPhone 15 Pro", "Look-alike: a phone model name."),
        ("长征五号", "长征五号", "Look-alike: a rocket or spacecraft name."),
        ("世界500强", "世界500强", "Look-alike: the name of a ranking list (世界500强)."),
    ], got
    assert "look" in collection.sources
    assert [str(p) for p in problems if "look" in str(p)] == []


ENGLISH_ARTICLE = (
    "Apple reported revenue of $94.9 billion for the quarter ended September 28, 2024, up 6 "
    "percent from a year ago. iPhone sales reached about $46.2 billion. The company returned "
    "over $29 billion to shareholders, and the iPhone 16 is priced from $799. Apple has between "
    "2 and 3 billion active devices.\n")


def test_kb_new_drafts_an_english_article_with_its_bounds_ranges_and_dates(mini, tmp_path):
    from kb.yamlfile import parse_yaml

    article = tmp_path / "apple.txt"
    article.write_text(ENGLISH_ARTICLE, encoding="utf-8")
    result = _kb("new", "--claims", mini, article, "--id", "apple-q4",
                 "--title", "Apple results", "--publisher", "Example", "--date", "2024-10-31")
    folder = mini / "sources" / "apple-q4"
    assert (result.exit_code, result.output) == (0, (
        f"kb new: wrote {folder}: 7 draft claim(s), 1 ignored mention(s); language en (read "
        "from the text; pass --language to set it)\n"))
    assert "language: \"en\"" in (folder / "source.yaml").read_text(encoding="utf-8")
    drafts = parse_yaml((folder / "claims.yaml").read_text(encoding="utf-8"))
    got = [(d["quote"], ENGLISH_ARTICLE[d["start"]:d["end"]] == d["quote"], d["amount"],
            d["unit"], d["bound"], d.get("lower"), d.get("upper"), d.get("time"))
           for d in drafts]
    # the date's sentence ends at its full stop: the next sentences state no date
    q4 = {"point": "2024-09-28", "phrase": "September 28, 2024"}
    assert got == [
        ("$94.9 billion", True, 94900000000, "USD", "exact", None, None, q4),
        ("September 28, 2024", True, 2024, "year", "exact", None, None, q4),
        ("6 percent", True, 6, "percent", "exact", None, None, q4),
        ("about $46.2 billion", True, 46200000000, "USD", "approximately", None, None, None),
        ("over $29 billion", True, 29000000000, "USD", "more-than", 29000000000, None, None),
        ("priced from $799", True, 799, "USD", "at-least", 799, None, None),
        ("between 2 and 3 billion", True, 2500000000, None, "range", 2000000000, 3000000000,
         None),
    ], got
    ignored = parse_yaml((folder / "ignored.yaml").read_text(encoding="utf-8"))
    at = ENGLISH_ARTICLE.index("iPhone 16")
    assert ignored == [{"text": "iPhone 16", "start": at, "end": at + 9,
                        "reason": "Look-alike: a phone model name."}]
    # every number is covered by a draft or the look-alike: kb check reports only the drafts
    result = _kb("check", "--claims", mini, exit_code=1)
    lines = [line for line in result.stdout.splitlines() if "apple-q4" in line]
    assert len(lines) == 7 and all("draft claim from kb new" in line for line in lines), lines


def test_kb_new_never_overwrites_a_source(mini, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    before = (mini / "sources" / "mini-article" / "text.txt").read_bytes()
    result = _kb("new", "--claims", mini, article, "--id", "mini-article", exit_code=1)
    assert result.exit_code == 1
    folder = mini / "sources" / "mini-article"
    assert result.output == (f"Error: {folder}: source 'mini-article' already exists; kb new "
                             "never overwrites a source, choose another id\n")
    assert (folder / "text.txt").read_bytes() == before
    assert not list((mini / "sources").glob(".*"))  # no staging folder left behind


@pytest.mark.parametrize("ident,content,extra,message", [
    ("Bad_Id", "x", (), "source id 'Bad_Id' is not a valid id; use lowercase letters, digits "
                        "and single hyphens, starting with a letter"),
    ("latin", b"\xff\xfe", (), "{path}: not UTF-8 text (invalid start byte); convert it to "
                                "UTF-8"),
    ("dated", "x", ("--date", "24/10/2025"), "--date '24/10/2025' is not a date; write "
                                              "2025-10-24 or 2025-10-24T03:14:00"),
    ("tagged", "x", ("--language", "en us"), "--language 'en us' is not a language tag like "
                                              "en, zh or pt-BR"),
])
def test_kb_new_refuses_bad_input_and_writes_nothing(mini, tmp_path, ident, content, extra,
                                                     message):
    article = tmp_path / "article.txt"
    if isinstance(content, bytes):
        article.write_bytes(content)
    else:
        article.write_text(content, encoding="utf-8")
    result = _kb("new", "--claims", mini, article, "--id", ident, *extra, exit_code=1)
    assert (result.exit_code, result.output) == (1, f"Error: {message.format(path=article)}\n")
    assert sorted(p.name for p in (mini / "sources").iterdir()) == ["mini-article"]


def test_kb_new_on_the_seed_prefills_what_the_curated_claims_state(tmp_path):
    """Every curated claim of the seed has a draft inside its quote with its amount, bound,
    precision and stated lower/upper (in the claim's unit)."""
    from fractions import Fraction
    from pathlib import Path

    from kb.load import load
    from kb.newsource import SourceInfo, new_source
    from kb.units import convert_factor
    from kb.yamlfile import parse_yaml

    seed = Path(__file__).resolve().parent.parent / "claims"
    (tmp_path / "c").mkdir()
    src = seed / "sources" / "tesla-dojo-commentary"
    made = new_source(tmp_path / "c", "seed", src / "text.txt", SourceInfo())
    assert made.language == "zh" and made.language_guessed  # read from its script
    folder = made.folder
    drafts = parse_yaml((folder / "claims.yaml").read_text(encoding="utf-8"))
    curated = load(seed).claims.values()

    def agrees(d, claim):
        q = claim.quantity
        if d["amount"] is None or not (claim.start <= d["start"] < claim.end):
            return False
        if d["unit"] in (None, "count", q.unit) or q.unit.startswith(f"{d['unit']}/"):
            # as the quote check reads them: a bare count (100 亿亿次) takes the claim's unit,
            # and 10 美元 is a claim in USD/kg ("每公斤 … 10 美元")
            factor = 1
        else:
            factor = convert_factor(d["unit"], q.unit)

        def conv(key):
            return None if d.get(key) is None else Fraction(str(d[key])) * factor

        def frac(x):
            return None if x is None else Fraction(x)

        # lower/upper only where the curated claim states them (an at-least claim may leave
        # its lower implicit)
        return ((conv("amount"), d["bound"], conv("precision"))
                == (Fraction(q.amount), q.bound, frac(q.precision))
                and (q.lower is None or conv("lower") == Fraction(q.lower))
                and (q.upper is None or conv("upper") == Fraction(q.upper)))

    missing = sorted(c.id for c in curated if not any(agrees(d, c) for d in drafts))
    assert missing == [], missing
    assert len(drafts) >= len(curated)


def test_kb_mentions_gives_a_date_its_iso_value(tmp_path):
    import json

    path = tmp_path / "a.txt"
    path.write_text("2023年三季度营收 5 亿元,80后占四成", encoding="utf-8")
    result = _kb("mentions", path, "--json")
    assert result.exit_code == 0, result.output
    rows = [(r["number"], r["kind"], r["value"], r["unit"]) for r in json.loads(result.stdout)]
    assert rows == [("2023年三季度", "date", "2023-Q3", None), ("5 亿", "quantity", 500000000,
                                                                "CNY"),
                    ("80后", "cohort", "1980s", None), ("四", "quantity", 40, "percent")]


# -- relative time words --------------------------------------------------------------------------

RELATIVE = {  # text: [(number, offset+within, resolved from 2025-10-24, bound)]
    "今年营收": [("今年", "P0Y", "2025", "exact")],
    "本年度预算": [("本年度", "P0Y", "2025", "exact")],
    "去年同期": [("去年", "-P1Y", "2024", "exact")],
    "客岁底试制得手": [("客岁底", "-P1Y-12", "2024-12", "exact")],  # spun 去年底
    "比上年增加": [("上年", "-P1Y", "2024", "exact")],
    "前年三季度": [("前年三季度", "-P2Y-Q3", "2023-Q3", "exact")],
    "大前年": [("大前年", "-P3Y", "2022", "exact")],
    "明年上半年": [("明年上半年", "P1Y-H1", "2026-H1", "exact")],
    "本年 6 月发布": [("本年 6 月", "P0Y-06", "2025-06", "exact")],
    "今年前三季度": [("今年前三季度", "P0Y-Q1/-Q3", "2025-Q1/2025-Q3", "exact")],
    "今年以来收益": [("今年", "P0Y", "2025", "at-least")],
    "上季度": [("上季度", "-P1Q", "2025-Q3", "exact")],
    "上月出货": [("上月", "-P1M", "2025-09", "exact")],
    "上个月": [("上个月", "-P1M", "2025-09", "exact")],
    "本月15日": [("本月15日", "P0M-15", "2025-10-15", "exact")],
    "下月上市": [("下月", "P1M", "2025-11", "exact")],
    "上周五": [("上周", "-P1W", "2025-W42", "exact")],
    "下周": [("下周", "P1W", "2025-W44", "exact")],
    "昨天": [("昨天", "-P1D", "2025-10-23", "exact")],
    "一个月前的财报会议": [("一", "-P1M", "2025-09", "exact")],
    "三年前": [("三", "-P3Y", "2022", "exact")],
    "3 天前": [("3", "-P3D", "2025-10-21", "exact")],
    # not relative to the text's date: anaphoric (thereafter, that year, the next year) or vague
    "尔后他离开了公司": [], "此后": [], "随后": [], "当年": [], "次年": [], "近日": [],
    "日前": [], "近年来": [],
    # the words inside other words
    "如今年轻人": [], "登上月球": [], "建成后年产值": [], "上周期": [], "今日头条": [],
    "过去年份": [],
}


@pytest.mark.parametrize("text", list(RELATIVE))
def test_relative_time_words_are_relative_dates(text):
    got = [(m.number, f"{m.offset}{m.within}", m.iso, m.bound)
           for m in find_mentions(text, "2025-10-24T03:14:00") if m.kind == "relative-date"]
    assert got == RELATIVE[text], f"{text}: got {got}"
    assert [m.iso for m in find_mentions(text) if m.kind == "relative-date"] == [
        None for _ in RELATIVE[text]]  # no published date, nothing to resolve from


@pytest.mark.parametrize("offset,within,published,iso", [
    ("-P1M", "", "2025-01-10", "2024-12"),
    ("-P1Q", "", "2025-02-01", "2024-Q4"),
    ("-P1W", "", "2026-01-05", "2026-W01"),
    ("-P1W", "", "2025-01-03", "2024-W52"),
    ("-P1D", "", "2024-03-01", "2024-02-29"),
    ("-P1Y", "-Q1/-Q3", "2025-10-24", "2024-Q1/2024-Q3"),
    ("-P1Y", "", "not a date", None),
])
def test_relative_dates_resolve_across_period_boundaries(offset, within, published, iso):
    from kb.mentions import resolve_relative

    assert resolve_relative(offset, within, published) == iso


def test_the_seed_covers_every_relative_time_word():
    """Each relative time word of the seed is a claim's time or an ignored mention with a
    reason: kb mentions --uncovered lists none of them."""
    import json

    result = _kb("mentions", "tesla-dojo-commentary", "--json")
    rows = [(r["number"], r["value"], r["covered_by"]) for r in json.loads(result.stdout)
            if r["kind"] == "relative-date"]
    assert [r for r in rows if not r[2]] == []
    assert sorted({(n, v) for n, v, _ in rows}) == [
        ("一", "2025-09"), ("客岁", "2024"), ("客岁底", "2024-12"), ("本年", "2025"),
        ("本年 3 月", "2025-03"), ("本年 6 月", "2025-06"), ("本年 7 月", "2025-07")]
    result = _kb("mentions", "tesla-dojo-commentary", "--uncovered")
    assert result.stdout.splitlines()[2:] == []


def test_kb_mentions_on_a_file_shows_a_relative_dates_offset(tmp_path):
    import json

    path = tmp_path / "a.txt"
    path.write_text("去年营收 5 亿元,本年上半年 3 亿元", encoding="utf-8")
    result = _kb("mentions", path, "--json")
    assert [(r["number"], r["kind"], r["value"], r["offset"]) for r in json.loads(result.stdout)
            if r["kind"] == "relative-date"] == [
        ("去年", "relative-date", "-P1Y", "-P1Y"),
        ("本年上半年", "relative-date", "P0Y-H1", "P0Y")]


def test_kb_new_resolves_relative_dates_from_the_published_date(mini, tmp_path):
    from kb.yamlfile import parse_yaml

    article = tmp_path / "rel.txt"
    article.write_text("去年营收 5 亿元。", encoding="utf-8")
    result = _kb("new", "--claims", mini, article, "--id", "rel", "--date", "2025-10-24")
    assert result.exit_code == 0, result.output
    text = (mini / "sources" / "rel" / "claims.yaml").read_text(encoding="utf-8")
    drafts = parse_yaml(text)
    assert [(d["quote"], d["amount"], d["unit"], d.get("time")) for d in drafts] == [
        ("去年", 2024, "year", {"period": "2024", "phrase": "去年"}),
        ("5 亿元", 500000000, "CNY", {"period": "2024", "phrase": "去年"})]
    assert "# relative-date 2024 (-P1Y from the published date)" in text
