"""The number parser: every form the articles use, with its value, bound, unit and kind."""

from __future__ import annotations

from decimal import Decimal

import pytest

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
    "20 多年天际豪赌": [M("20 多", "20", bound="more-than", lower="20", upper="30", unit="year")],
    "要 2 万多元": [
        M("2 万多", "20000", bound="more-than", lower="20000", upper="30000", unit="CNY"),
    ],
    "十多年": [M("十多", "10", bound="more-than", lower="10", upper="20", unit="year")],
    "不低于 165 亿好意思元": [
        M("165 亿", "1.65e10", bound="at-least", lower="1.65e10", unit="USD"),
    ],
    "至少整合了六大块业务": [M("六", "6", bound="at-least", lower="6")],
    "资格过上千次实验": [M("上千", "1000", bound="at-least", lower="1000", unit="count")],
    "50% 以上": [M("50", "50", bound="at-least", lower="50", unit="percent")],
    # less than / at most
    "按捺在 7000 元以内": [M("7000", "7000", bound="at-most", upper="7000", unit="CNY")],
    "不超过 10%": [M("10", "10", bound="at-most", upper="10", unit="percent")],
    "不到 5 年": [M("5", "5", bound="less-than", upper="5", unit="year")],
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
    "在运营五年之后": [M("五", "5", unit="year")],
    "看最中枢的两家": [M("两", "2", unit="count")],
    "只需要百万好意思元": [M("百万", "1e6", unit="USD")],
    "三千五百万": [M("三千五百万", "35000000")],
    "一万五": [M("一万五", "15000")],
    "一百零五": [M("一百零五", "105")],
    "曩昔一年内": [M("一", "1", unit="year")],
    "一个月前的财报会议": [M("一", "1", kind="date")],
    "在第三次辐射时": [M("第三", "3", kind="ordinal")],
    "第五代 FSD 芯片": [M("第五", "5", kind="ordinal")],
    "SpaceX 名列第一": [M("第一", "1", kind="ordinal")],
    # dates
    "收入最高的 2022 年": [M("2022", "2022", kind="date")],
    "本年 6 月 发布": [M("6", "6", kind="date")],
    "2023 年二季度": [
        M("2023", "2023", kind="date"),
        M("二", "2", kind="date"),
    ],
    "二〇二五年": [M("二〇二五", "2025", kind="date")],
    "发布日期:2025-10-24 03:14": [
        M("2025-10-24", "2025", kind="date"),
        M("03:14", "3", kind="date"),
    ],
    "用 10 年时刻": [M("10", "10", unit="year")],
    # section numbers glued to headings
    "01马 · 时刻责罚行家": [M("01", "1", kind="label")],
    "02爆炸齐不怕的马斯克": [M("02", "2", kind="label")],
    "0320 亿好意思元除外": [
        M("03", "3", kind="label"),
        M("20 亿", "2e9", unit="USD"),
    ],
    "猎鹰 9 号": [M("9", "9", kind="label")],
    # units written in Latin letters
    "一种 7nm 制程": [M("7", "7", unit="nm")],
    "(100 Exa-FLOPS)": [M("100", "100", unit="EFLOPS")],
    "低廉 50 好意思元 /KWh": [M("50", "50", unit="USD/kWh")],
    "150 吨货品": [M("150", "150", unit="t")],
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
        "value": D("81462000000"), "unit": "USD", "bound": "exact", "lower": None,
        "upper": None, "precision": D("1000000"), "covered_by": None,
    }
