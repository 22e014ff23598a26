"""Numeric mentions: every number a text states, with its value, unit, bound and offsets.

Used twice: to read the numbers in a claim's quote (which must agree with the claim's amount)
and to list every number in a source text (each must be covered by a claim or an ignored
mention). docs/mentions.md is the full reference; in short:

- The text is de-spun first (kb.despin: 东谈主 → 人, 好意思元 → 美元 …) and the mentions are
  read on the standard text, then anchored back to exact code-point offsets of the raw text.
- A mention is one phrase: bound words, the number (Arabic or Chinese numerals, scale words,
  多/余, a range), the unit. Dates are one mention with an ISO value (2023年三季度 → 2023-Q3,
  2022年6月份 → 2022-06, 一九九八年三月五日 → 1998-03-05, 上半年 → H1); cohorts (80后 → 1980s)
  likewise. Weekdays, idioms and look-alikes (骁龙888, 富时一百, 长征五号) are not mentions;
  `find_lookalikes` lists the look-alikes with their reason.
- Each mention has a kind (KINDS), a value in base units (1.2 EFLOPS → 1.2e18 FLOPS, 7nm →
  7e-9 m; a range's midpoint, with lower and upper), a bound (kb.model's bound kinds), the
  precision of its last stated digit, a unit with its dimension, the scale word as written,
  and whether the unit was inferred from the sentence (5.6万亿 in a GDP sentence → CNY).
- The forms are tables (units, scale words, bound words, look-alikes, not-numbers): a new form
  is usually a new row.

Offsets are Unicode code points, end exclusive. `start`/`end` span the whole mention (bound
words, number, unit); `num_start`/`num_end` span the number itself (digits, scale words, 多,
range): that is the part a claim's quote or an ignored mention must cover.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from .despin import normalise
from .mention import MEASURED_KINDS, Mention
from .units import CURRENCIES

_SP = r"[ \t\u00a0\u3000]*"

# Words containing numeral characters that are not numbers (names, idioms, adverbs, weekdays).
NOT_NUMBERS = (
    "三星", "三元(?=锂|材料|电池|正极)", "三明治", "四川", "三亚", "三峡", "九州", "九寨沟", "十堰",
    "一霎", "独一", "唯一", "统一", "万一", "一一", "十分", "十足", "十字", "万分", "万万", "亿万",
    "千万(?=[别不要莫记])", "千千万万", "千百", "百孔千疮", "千疮百孔", "千方百计", "百般", "百姓",
    "百货", "百度", "百科", "千篇一律", "五花八门", "乱七八糟", "七上八下", "七嘴八舌", "三心二意",
    "四面八方", "四处", "九牛一毛", "一五一十", "数一数二", "独一无二", "一举两得", "两全其美",
    "两岸", "两会", "丢三落四", "五湖四海", "二手", "三维", "八卦", "不三不四", "三番五次", "万物",
    "万岁", "零部件", "零件", "零售", "零食", "零星", "第一性", "第三方", "[一二三四]是", "未几",
    "几乎", "一些", "一样", "一起", "一直", "一定", "一般", "一旦", "一度", "一边", "一切", "一同",
    "一致", "一方面", "一带一路", "几何", "如一", "(?<![百千万]分)之一", "一体",
    "百公里(?=加速|油耗|电耗|能耗|耗)", "十之八九", "[一二三四五]氧化", "二维", "三角",
    "四季(?!度)", "五金", "八成(?=是|会|要|就)", "成千上万", "成百上千", "千家万户", "三农",
    "[一二三四五]线(?=城市|品牌|球员|员工|工人|人员)", "一线", "一把手",
    "(?:五一|六一|七一|八一|十一)(?=假|长假|小长假|黄金周|节|劳动节|儿童节|建党|建军|国庆|期间)",
    # weekdays are names of days, not quantities
    "(?:周|星期|礼拜)[一二三四五六日天末]",
)
_NOT_NUMBERS = re.compile("|".join(NOT_NUMBERS))

# Look-alikes: numerals that are part of a name (a product model, an index, a craft). They are
# not mentions; `find_lookalikes` lists them with the reason, for a source's ignored mentions.
LOOKALIKES = (
    (r"(?:骁龙|天玑|麒麟|锐龙|酷睿|猎户座|鲲鹏|昇腾|龙芯|飞腾)" + _SP
     + r"[0-9A-Za-z][0-9A-Za-z+]*(?:\s?(?:Gen|Pro|Max|Ultra|Plus)\s?\d*\+?)*",
     "a chip model number, part of a product name"),
    (r"(?:富时|标普|道琼斯|日经|沪深|中证|上证|深证|创业板|科创|纳斯达克|恒生科技|国证|罗素)"
     + _SP + r"(?:[0-9]+|[一二三四五六七八九十百千零〇]+)"
     + r"(?=" + _SP + r"(?:指数|成分|[^0-9%％点]|$))",
     "an index name written with a number"),
    (r"(?:长征|神舟|嫦娥|天舟|天宫|天问|猎鹰|风云|北斗)" + _SP
     + r"(?:[0-9]+|[一二三四五六七八九十]+)(?:" + _SP + r"号)?",
     "a rocket or spacecraft name"),
    # Without its prefix the list starts where a run of spaces and digits starts: tried at
    # every position inside a long run of digits, it took quadratic time.
    (r"(?:世界|中国|全球|财富|民企|制造业|服务业|(?<![ \t\u00a0\u3000\d]))" + _SP + r"\d+" + _SP
     + r"强(?!度|烈|大|化)",
     "the name of a ranking list (世界500强)"),
    (r"(?:二十|七)国集团|十[三四五]五(?=规划|期间|时期|计划|末|初)|双(?:十一|十二|11|12)",
     "a name written with a number (G20, the 14th five-year plan, Singles' Day)"),
    (r"(?:iPhone|Mate|Galaxy|小米|红米|荣耀|Pixel)" + _SP + r"[0-9]+(?:" + _SP
     + r"(?:Pro|Max|Ultra|Plus|S|e))*", "a phone model name"),
    # English names with numbers: products and craft, indexes, diseases, ranking lists
    (r"(?:Model|Falcon|Raptor|Dojo|Optimus(?: Gen)?|Boeing|Airbus|Windows|Android"
     r"|iOS|macOS|PlayStation|Xbox|Ryzen|Snapdragon|Dimensity|Exynos|Kirin|Apple M)[ ]?[0-9]+"
     r"(?:[ ]?(?:Gen|Pro|Max|Ultra|Plus|Heavy|Block)(?:[ ][0-9]+)?)*(?![0-9])",
     "a product or craft name written with a number (Model 3, Falcon 9)"),
    (r"(?:S&P|FTSE|Nasdaq|NASDAQ|Russell|Nikkei|DAX|CAC|Euro Stoxx|STOXX|Hang Seng"
     r"|CSI|Sensex|Nifty|KOSPI|ASX|TSX)[ ]?[0-9]+(?![0-9])",
     "a stock index's name (S&P 500, FTSE 100)"),
    (r"(?:COVID-19|Covid-19|covid-19|SARS-CoV-2)", "a disease's name (COVID-19)"),
    (r"(?:Fortune(?: Global)?|Forbes Global|Inc\.)[ ][0-9]+(?![0-9])",
     "the name of a ranking list (Fortune 500)"),
)
_LOOKALIKE = [(re.compile(p), reason) for p, reason in LOOKALIKES]
# The look-alikes a text of ASCII characters alone can hold. Every other one, and every
# NOT_NUMBERS word, needs a Chinese character (tests/test_perf_check.py proves it from the
# patterns), so such a text, most explanations and titles, skips them.
LATIN_LOOKALIKES = ("a phone model name",
                    "a product or craft name written with a number (Model 3, Falcon 9)",
                    "a stock index's name (S&P 500, FTSE 100)", "a disease's name (COVID-19)",
                    "the name of a ranking list (Fortune 500)")
_LATIN_LOOKALIKE = [(p, reason) for p, reason in _LOOKALIKE if reason in LATIN_LOOKALIKES]


def _leading_words(pattern: str) -> tuple[str, ...]:
    """What a match of pattern starts with, when it starts with a group of alternatives that
    each start with a word ((?:Model|Falcon|Optimus(?: Gen)?|...) gives Mod, Fal, Opt ...);
    else ("",), which every text holds."""
    if not pattern.startswith("(?:"):
        return ("",)
    depth, alternatives, word = 0, [], ""
    for ch in pattern[3:]:
        if depth == 0 and ch in "|)":
            alternatives.append(word)
            if ch == ")":
                break
            word = ""
            continue
        depth += (ch == "(") - (ch == ")")
        word += ch
    leads = [re.match(r"[^\\()\[\]?*+|.{}^$-]+", w) for w in alternatives]
    if not alternatives or not all(leads):
        return ("",)
    return tuple(lead.group()[:3] for lead in leads if lead)


# Most ASCII texts (explanations, quotes of filings) hold none of their words, and are then
# not scanned at all.
_LATIN_HINT = re.compile("|".join(sorted({
    re.escape(w) for p, _ in _LATIN_LOOKALIKE for w in _leading_words(p.pattern)})))

# Relative time words: a time counted from the text's own date (去年 = the year before the one
# it was published in). (words, unit, offset, not_after, not_before): the regexes say which
# neighbours make the word part of another (如今年轻人, 登上月球, 十来年, 上周期). Anaphoric words
# (当年, 次年, 同期, 尔后/此后/随后 "thereafter") count from a date the text narrates, not from
# its own date, and vague ones (近日, 日前, 近年, 目前) state no period: neither is a mention.
RELATIVE_WORDS = (
    ("今年度|本年度|今年|本年", "year", 0, "[如至迄]", "[轻纪龄华头]"),
    ("去年度|上年度|去年|上年", "year", -1, "[过除失回抹减马赶]", "[轻纪龄华头]"),
    ("大前年", "year", -3, "", ""),
    ("前年", "year", -2, "[年前]", "[轻纪龄]"),
    ("明年度|明年|来年", "year", 1, "", "[轻纪龄]"),
    ("后年", "year", 2, "[年前先成完建投竣产]", "[轻纪龄产均]"),  # 建成后年产值: 后 + 年产值
    ("本季度|这个季度|这一季度", "quarter", 0, "", ""),
    ("上季度|上个季度|上一季度", "quarter", -1, "", ""),
    ("下季度|下个季度|下一季度", "quarter", 1, "", ""),
    ("本月份|本月|这个月", "month", 0, "", "[球亮光台]"),
    ("上月份|上个月|上月", "month", -1, "[登奔飞爬送]", "[球亮光台]"),
    ("下月份|下个月|下月", "month", 1, "", "[球亮光台]"),
    ("本周|这周|这个星期|本星期", "week", 0, "", "[期围边岁年]"),
    ("上周|上个星期|上星期|上个礼拜", "week", -1, "", "[期围边岁年]"),
    ("下周|下个星期|下星期|下个礼拜", "week", 1, "", "[期围边岁年]"),
    ("今天|今日", "day", 0, "", "头条"),
    ("昨天|昨日", "day", -1, "", ""),
    ("前天", "day", -2, "[年月周]", "津"),
    ("明天", "day", 1, "", ""),
)
_RELATIVE_WORDS = [
    (re.compile(("(?<!" + no_after + ")" if no_after else "") + "(?:" + words + ")"
                + ("(?!" + no_before + ")" if no_before else "")), unit, offset)
    for words, unit, offset, no_after, no_before in RELATIVE_WORDS]
_RELATIVE_START = "|".join("(?:" + w + ")" for w, *_ in RELATIVE_WORDS)
# The characters a relative time word starts with: elsewhere none of the patterns can match.
_RELATIVE_FIRST = frozenset(w[0] for words, *_ in RELATIVE_WORDS for w in words.split("|"))
# A part of the year after a relative year word: 今年上半年, 去年底, 本年 6 月, 今年三季度.
_WITHIN_YEAR = re.compile(
    _SP + r"(?:(?:第" + _SP + r")?(?P<q>[一二三四1-4])" + _SP + r"(?:季度|季)"
    r"|前(?P<fq>[一二三1-3])" + _SP + r"(?:个)?季度"
    r"|(?P<h>[上下])半年|(?P<e>底|末|初|年中)(?!期|国|级|学|文|心|央|间|旬)"
    r"|(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])" + _SP + r"月份?(?:" + _SP
    + r"(?P<d>3[01]|[12]\d|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?"
    r"|[一二三四五六七八九])" + _SP + r"[日号])?)")
_WITHIN_MONTH = re.compile(
    _SP + r"(?P<d>3[01]|[12]\d|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?"
    r"|[一二三四五六七八九])" + _SP + r"[日号]")
_ISO_DURATION = {"year": "Y", "quarter": "Q", "month": "M", "week": "W", "day": "D"}

# Unit words after a number: (word, unit code). Longest first where one is a prefix of another.
_UNIT_WORDS = (
    ("美元", "USD"), ("美金", "USD"), ("元人民币", "CNY"), ("人民币", "CNY"),
    ("新台币", "TWD"), ("台币", "TWD"), ("韩元", "KRW"), ("日元", "JPY"),
    ("欧元", "EUR"), ("港元", "HKD"), ("港币", "HKD"), ("块钱", "CNY"), ("元", "CNY"),
    ("个百分点", "percentage_point"), ("百分点", "percentage_point"), ("个基点", "basis_point"),
    ("基点", "basis_point"), ("个点", "percentage_point"),
    ("%", "percent"), ("％", "percent"), ("‰", "permille"), ("倍", "ratio"),
    ("千瓦时", "kWh"), ("度电", "kWh"), ("千瓦", "kW"), ("兆瓦", "MW"), ("吉瓦", "GW"),
    ("吨", "t"), ("公斤", "kg"), ("千克", "kg"), ("克", "g"),
    ("公里", "km"), ("千米", "km"), ("纳米", "nm"), ("厘米", "cm"), ("毫米", "mm"), ("米", "m"),
    ("个月", "month"), ("个星期", "week"), ("个小时", "hour"), ("星期", "week"), ("小时", "hour"),
    ("分钟", "minute"), ("季度", "quarter"), ("年代", "decade"), ("周岁", "age"), ("岁", "age"),
    ("年", "year"), ("月", "month"), ("天", "day"), ("日", "day"), ("号", "day"), ("周", "week"),
    ("秒", "second"), ("成", "tenth"), ("点", "point"), ("摄氏度", "degC"), ("℃", "degC"),
    ("人次", "count"), ("万人次", "count"),
    *((w, "count") for w in ("个", "颗", "次", "家", "块", "处", "台", "辆", "架", "枚", "名", "位",
                             "座", "条", "项", "款", "发", "人", "只", "张", "份", "件", "代", "股",
                             "户", "所", "套", "部", "种", "例", "起", "批", "笔", "艘", "场",
                             "轮", "届", "桶", "亩", "箱", "篇", "间")),
)
_UNIT_RE = re.compile(_SP + "(" + "|".join(re.escape(w) for w, _ in _UNIT_WORDS) + ")"
                      + "(?!员|本|为|功|立|交|果|绩|都|长|熟|型|品|绩|击|面|名|子)")
_UNIT_CODES = dict(_UNIT_WORDS)
_TIME_UNITS = ("year", "month", "week", "day", "hour", "minute", "second", "quarter")
_ASCII_UNITS = {
    "nm": "nm", "mm": "mm", "cm": "cm", "km": "km", "kg": "kg", "GB": "GB", "TB": "TB", "MB": "MB",
    "kW": "kW", "MW": "MW", "GW": "GW", "kWh": "kWh", "KWh": "kWh", "MWh": "MWh", "GWh": "GWh",
    "Hz": "Hz", "GHz": "GHz", "MHz": "MHz", "W": "W", "Wh": "Wh", "mAh": "mAh",
}
# Prefixed units are read into their base unit: (base, power of ten).
BASE_UNITS = {
    "EFLOPS": ("FLOPS", 18), "PFLOPS": ("FLOPS", 15), "TFLOPS": ("FLOPS", 12),
    "GFLOPS": ("FLOPS", 9), "MFLOPS": ("FLOPS", 6), "kFLOPS": ("FLOPS", 3),
    "nm": ("m", -9), "mm": ("m", -3), "cm": ("m", -2), "km": ("m", 3),
    "kW": ("W", 3), "MW": ("W", 6), "GW": ("W", 9), "MWh": ("kWh", 3), "GWh": ("kWh", 6),
    "GHz": ("Hz", 9), "MHz": ("Hz", 6), "TB": ("B", 12), "GB": ("B", 9), "MB": ("B", 6),
    "g": ("kg", -3), "t": ("kg", 3),
}
# What each unit measures (a unit per unit, USD/kWh, joins the two with '/').
DIMENSIONS = {
    **dict.fromkeys(CURRENCIES, "currency"),
    "percent": "ratio", "permille": "ratio", "ratio": "ratio",
    "percentage_point": "ratio difference", "basis_point": "ratio difference",
    "count": "count", "index_point": "index level", "FLOPS": "computing rate",
    "m": "length", "kg": "mass", "W": "power", "kWh": "energy", "Wh": "energy", "Hz": "frequency",
    "B": "information", "mAh": "charge", "degC": "temperature",
    **{u: "time" for u in ("year", "month", "week", "day", "hour", "minute", "second",
                           "quarter", "decade")},
}
_SI_WORDS = {"Exa": "E", "Peta": "P", "Tera": "T", "Giga": "G", "Mega": "M", "Kilo": "k"}
_ASCII_UNIT_RE = re.compile(
    r"[ ]?(?P<flops>(?P<pre>Exa|Peta|Tera|Giga|Mega|Kilo|[EPTGMk])?-?FLOPS)(?![A-Za-z])"
    r"|[ ]?(?P<word>[A-Za-z]+)(?![A-Za-z])")
_PER_RE = re.compile(_SP + r"/" + _SP + r"(?P<per>KWh|kWh|kg|t|km|GB|W|Wh)(?![A-Za-z])")

_SCALES = {"亿亿": 16, "万亿": 12, "千亿": 11, "百亿": 10, "十亿": 9, "千万": 7, "百万": 6,
           "十万": 5, "亿": 8, "万": 4, "千": 3, "百": 2, "thousand": 3, "million": 6,
           "billion": 9, "trillion": 12, "bn": 9}
_SCALE = (_SP + r"(?P<scale>亿亿|万亿|千亿|百亿|十亿|千万|百万|十万|亿|万|千(?![克米瓦])|百(?!分)"
          r"|(?:thousand|million|billion|trillion|bn)(?![A-Za-z]))")
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_ARABIC = re.compile(
    r"(?P<digits>" + _DIGITS + r")(?:" + _SP + r"(?P<more1>[多余]))?(?:" + _SCALE + r")?"
    r"(?P<more2>[多余](?!万|亿))?")
_LETTERS = re.compile(r"[A-Za-z]")
_RANGE_SEP = re.compile(_SP + r"(?:-|–|—|~|～|〜|到|至)" + _SP)
_SLASH_SEP = re.compile(_SP + r"/" + _SP)
_ISO_DATE = re.compile(r"(?P<y>\d{4})([-/.])(?P<m>\d{1,2})\2(?P<d>\d{1,2})(?!\d)")
_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_CN_CLOCK = re.compile(r"(?P<h>[01]?\d|2[0-4])[ ]?时(?:[ ]?(?P<mi>[0-5]?\d)[ ]?分)?"
                       r"(?![间代期候刻])")
_CURRENCY_SIGNS = {"US$": "USD", "$": "USD", "¥": "CNY", "￥": "CNY", "€": "EUR", "£": "GBP",
                   "HK$": "HKD",
                   "NT$": "TWD"}
_SIGN_RE = re.compile(r"(US\$|HK\$|NT\$|\$|¥|￥|€|£)" + _SP + r"(?=\d)")
# After a currency sign, English news abbreviates its scale words: $5m, £3.2bn, €250k.
_ABBREVIATED = re.compile(r"(?P<digits>" + _DIGITS + r")(?P<abbr>mn|m|bn|b|tn|trn|k)(?![A-Za-z])")
_ABBREVIATIONS = {"k": 3, "m": 6, "mn": 6, "b": 9, "bn": 9, "tn": 12, "trn": 12}
_MINUS_RE = re.compile(r"(?:[-−﹣]|(?:负|零下)" + _SP
                       + r")(?=[0-9零〇一二两三四五六七八九十百千万亿]|百分之)")
_PLUS_RE = re.compile(r"[+＋](?=\d)")

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = (("亿", 10**8), ("万", 10**4))
_CN_MAX_CHARS = 40  # 九千九百九十九万九千九百九十九亿九千九百九十九万九千九百九十九 has 39
_CN_CHARS = "".join(_CN_DIGITS) + "十百千万亿几"
_PAIR = re.compile("([一二两三四五六七八])([二两三四五六七八九])")
_CN = re.compile(r"(?P<pre>第|上(?=[百千万亿])|数(?=[十百千万亿])|百分之|千分之)?"
                 r"(?P<cn>[" + _CN_CHARS + r"]+)"
                 r"(?:点(?P<frac>[零〇一二三四五六七八九]+)(?![十百千])(?P<fscale>万亿|亿|万)?)?")
_MORE = re.compile(_SP + "[多余](?!少)")
_MORE_SCALE = re.compile(_SP + "[多余](万亿|亿|万)")
_ORDINAL_ARABIC = re.compile(r"第" + _SP + r"(?=\d)")
_PERCENT_OF_ARABIC = re.compile(r"(百分之|千分之)" + _SP + r"(?=\d)")
_FRACTION = re.compile(r"(?P<den>\d+|[一二两三四五六七八九十]+)" + _SP + r"分之" + _SP
                       + r"(?P<num>\d+|[一二两三四五六七八九十]+)")
_HALF = re.compile(r"(?P<pre>过|一)?半(?=(?P<unit>年|个月|个小时|小时|天|个世纪)?)")

_PREFIX_WORDS = {
    "approximately": ("约合", "大约", "大概", "约莫", "大致", "将近", "接近", "约为", "左右为"),
    "more-than": ("超过", "超出", "多于", "高于", "突破", "超越"),
    "at-least": ("不低于", "不少于", "至少", "起码", "最少"),
    "less-than": ("不到", "不足", "不及", "不满", "少于", "低于", "未满", "未达"),
    "at-most": ("不超过", "不高于", "至多", "最多"),
}
_PREFIX_SINGLE = {"约": "approximately", "約": "approximately", "近": "approximately",
                  "超": "more-than", "逾": "more-than", "破": "more-than"}
# Words that make a single-character bound word part of another word (契约, 纽约, 最近).
_SINGLE_BLOCKERS = {"约": "契节公条签预制邀相婚大纽履违特合和隐简集规", "近": "最附临将接靠",
                    "超": "高", "破": "打攻突击爆残"}
_FILLER = re.compile("(?:在|为|是|达|有|只需|只要|只有|仅|每桶|每股|每吨)?" + _SP + "$")
_NO_GAP = ("多于", "高于", "少于", "低于")
_SUFFIX = re.compile(_SP + "(左右|上下|前后|及以内|以内|之内|及以下|以下|及以上|以上|开外|有余|出头"
                     "|区间|以来)")
_SUFFIX_BOUNDS = {"左右": "approximately", "上下": "approximately",
                  "前后": "approximately", "以内": "at-most", "之内": "at-most",
                  "及以内": "at-most", "以下": "at-most", "及以下": "at-most", "以上": "at-least",
                  "及以上": "at-least", "开外": "more-than", "有余": "more-than",
                  "出头": "more-than", "以来": "at-least"}


# -- English forms: the same kinds of mention in English news text ----------------------------

def _english_key(words: str) -> str:
    """English words as the keys of the English tables spell them: lower case, single spaces."""
    return " ".join(words.lower().split())


# English nouns after a number that say it counts things (singular and plural).
_COUNT_NOUNS = (
    "person", "persons", "people", "employee", "employees", "worker", "workers", "user", "users",
    "customer", "customers", "subscriber", "subscribers", "vehicle", "vehicles", "car", "cars",
    "truck", "trucks", "unit", "units", "device", "devices", "phone", "phones", "smartphone",
    "smartphones", "share", "shares", "job", "jobs", "store", "stores", "shop", "shops",
    "company", "companies", "firm", "firms", "household", "households", "home", "homes",
    "visitor", "visitors", "vote", "votes", "resident", "residents", "student", "students",
    "patient", "patients", "death", "deaths", "case", "cases", "flight", "flights", "launch",
    "launches", "satellite", "satellites", "rocket", "rockets", "engine", "engines", "chip",
    "chips", "gpu", "gpus", "server", "servers", "robot", "robots", "factory", "factories",
    "plant", "plants", "country", "countries", "city", "cities", "member", "members", "order",
    "orders", "delivery", "deliveries", "passenger", "passengers")
# Unit words after a number, case-insensitive (Latin unit symbols are _ASCII_UNITS).
ENGLISH_UNITS = {
    "percent": "percent", "per cent": "percent", "pct": "percent",
    "percentage point": "percentage_point", "percentage points": "percentage_point",
    "basis point": "basis_point", "basis points": "basis_point", "bps": "basis_point",
    "dollar": "USD", "dollars": "USD", "yuan": "CNY", "renminbi": "CNY", "euro": "EUR",
    "euros": "EUR", "yen": "JPY",
    "tonne": "t", "tonnes": "t", "kilogram": "kg", "kilograms": "kg", "gram": "g",
    "grams": "g", "kilometre": "km", "kilometres": "km", "kilometer": "km", "kilometers": "km",
    "metre": "m", "metres": "m", "meter": "m", "meters": "m", "kilowatt": "kW",
    "kilowatts": "kW", "megawatt": "MW", "megawatts": "MW", "gigawatt": "GW",
    "gigawatts": "GW",
    **{f"{word}{plural}": word for word in (*_TIME_UNITS, "decade") for plural in ("", "s")},
    # nouns that say a number counts things, as 人, 辆, 个 do in Chinese
    **dict.fromkeys(_COUNT_NOUNS, "count"),
}
assert all(w == _english_key(w) for w in ENGLISH_UNITS), "ENGLISH_UNITS keys are lower case"
# The units of two words, read by a pattern once their first word is seen (the others are
# looked up as one word).
_ENGLISH_UNIT_PAIRS = re.compile(
    r"[ \u00a0]?(?P<word>" + "|".join(sorted((w.replace(" ", "[ \u00a0]") for w in ENGLISH_UNITS
                                              if " " in w), key=len, reverse=True))
    + r")(?![A-Za-z])", re.IGNORECASE)
_FIRST_OF_PAIRS = frozenset(w.split()[0] for w in ENGLISH_UNITS if " " in w)
# Bound words before a number (or before its currency sign), case-insensitive, whole words.
ENGLISH_PREFIX_WORDS = {
    "approximately": ("about", "approximately", "approx.", "around", "roughly", "nearly",
                      "almost", "some", "circa", "close to", "an estimated", "estimated"),
    "more-than": ("more than", "over", "above", "exceeding", "in excess of", "upwards of",
                  "greater than", "higher than", "just over", "well over"),
    "at-least": ("at least", "no less than", "no fewer than", "not less than", "a minimum of",
                 "starting at", "starting from", "priced from"),
    "less-than": ("less than", "fewer than", "under", "below", "lower than", "just under"),
    "at-most": ("at most", "up to", "no more than", "not more than", "a maximum of",
                "as many as", "as much as", "as high as"),
}
_ENGLISH_PREFIX_BOUND = {w: b for b, words in ENGLISH_PREFIX_WORDS.items() for w in words}
_ENGLISH_REACH = 24  # characters before a number where its English bound word may start
# Bound words after a number and its unit.
ENGLISH_SUFFIX_WORDS = {
    "or more": "at-least", "or above": "at-least", "or higher": "at-least",
    "or less": "at-most", "or fewer": "at-most", "or below": "at-most", "or lower": "at-most",
    "or so": "approximately",
}
_ENGLISH_SUFFIX = re.compile(
    r"[ \u00a0]+(?P<word>" + "|".join(w.replace(" ", "[ \u00a0]+") for w in ENGLISH_SUFFIX_WORDS)
    + r")(?![A-Za-z])", re.IGNORECASE)


def _words_before(words: tuple[str, ...], joiner: str = "[ \u00a0]+") -> re.Pattern:
    """A pattern for one of words ending right before a position: search it with that
    position as endpos (through _english_before, which first looks up _LAST_WORDS)."""
    return re.compile(r"(?<![A-Za-z])(?P<word>" + "|".join(
        re.escape(w).replace(r"\ ", "[ \u00a0]+") for w in sorted(words, key=len, reverse=True))
        + r")" + joiner + r"\Z", re.IGNORECASE)


def _last_words(words: tuple[str, ...] | dict[str, str]) -> frozenset[str]:
    """The last word of each phrase, lower-cased: where one of them may end."""
    return frozenset(w.split()[-1].lower() for w in words)


_ENGLISH_BETWEEN = _words_before(("between",))
_ENGLISH_FROM = _words_before(("from",))
_ENGLISH_PREFIX = _words_before(tuple(_ENGLISH_PREFIX_BOUND))
# "2 to 3 billion", "between 2 and 3 billion": an English range separator.
_ENGLISH_RANGE_SEP = re.compile(r"[ \u00a0]+(?P<word>to|and)[ \u00a0]+", re.IGNORECASE)
# A bare four-digit year in English text: after one of these words ("in 2024", "fiscal 2024").
ENGLISH_YEAR_WORDS = ("in", "since", "by", "of", "from", "until", "till", "through", "during",
                      "before", "after", "year", "fiscal", "fy", "early", "late", "mid",
                      "end of", "start of", "spring", "summer", "autumn", "fall", "winter")
_ENGLISH_YEAR_BEFORE = _words_before(ENGLISH_YEAR_WORDS, "[ \u00a0-]+")
_MONTHS = {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
           "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
           "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
           "nov": 11, "december": 12, "dec": 12}
_MONTH_ABBREVIATIONS = ("sept", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct",
                        "nov", "dec")
_MONTH_NAME = (r"(?P<mon>(?:" + "|".join(m.capitalize() for m in _MONTHS
                                        if m not in _MONTH_ABBREVIATIONS)
               + r"|(?:" + "|".join(m.capitalize() for m in _MONTH_ABBREVIATIONS)
               + r")\.?)(?![a-z]))")
_EN_DAY = r"(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d:A-Za-z])"
_EN_YEAR = r"(?P<y>1[89]\d\d|20\d\d)(?!\d)(?![,.]\d)"
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
# Numbers in words, read only before a scale word or percent (two billion, five percent):
# alone, "one" and "two" are more often words than figures.
_ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
NUMBER_WORDS = {**{w: n for n, w in enumerate(_ONES, 1)},
                **{w: 10 * n for n, w in enumerate(_TENS, 2)}}
_WORD_NUMBER = (r"(?:" + "|".join(f"{t}-{o}" for t in _TENS for o in _ONES[:9]) + "|"
                + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")")
# The words after which such a number is read.
_AFTER_NUMBER_WORDS = ("hundred", "thousand", "million", "billion", "trillion", "percent",
                       "per cent")
_WORD_BEFORE = re.compile(r"([A-Za-z]+(?:-[A-Za-z]+)?)[ \u00a0]+\Z")
_NUMBER_IN_WORDS = re.compile(
    r"(?i:(?P<n>" + _WORD_NUMBER + r"))(?![A-Za-z-])" + r"(?:[ \u00a0]+(?P<scale>(?i:hundred|"
    r"thousand|million|billion|trillion))(?![A-Za-z]))?")
_ORDINAL = r"[Ff]irst|[Ss]econd|[Tt]hird|[Ff]ourth"  # spelt out: (?i:) slowed every scan
# Dates as English writes them, each one mention: September 28, 2024; September 2024;
# September 28; Q3 2024; the third quarter of 2024; the first half of 2024 (from a word) ...
_ENGLISH_DATE = re.compile(
    _MONTH_NAME + r"(?:[ \u00a0]+" + _EN_DAY + r")?(?:,?[ \u00a0]+" + _EN_YEAR + r")?"
    r"|(?P<qh>[QH])(?P<n>[1-4])[ \u00a0]+" + _EN_YEAR.replace("?P<y>", "?P<y3>")
    + r"|(?P<ord>" + _ORDINAL + r")[ \u00a0]+(?P<part>[Qq]uarter|[Hh]alf)"
    r"(?:[ \u00a0]+of)?[ \u00a0]+" + _EN_YEAR.replace("?P<y>", "?P<y4>"))
# ... and 28 September 2024 (from a digit: tried apart, as most digits start no date).
_ENGLISH_DMY = re.compile(
    _EN_DAY.replace("?P<d>", "?P<dd>") + r"[ \u00a0]+" + _MONTH_NAME.replace("?P<mon>", "?P<mon2>")
    + r"(?:,?[ \u00a0]+" + _EN_YEAR.replace("?P<y>", "?P<y2>") + r")?")

# Where a number may start: a relative time word, a digit, a sign, a Chinese numeral or
# 第/上/数/半/负/前 (前三季度). English phrases that start with a word are found from their
# digits, or apart (_number_words): letters in this pattern, tried at every position of a
# text, made the whole finder 40% slower.
_CANDIDATE = re.compile(_RELATIVE_START + "|零下|前(?=[一二三1-3]个?季度)"
                        + "|[0-9$¥￥€£第上下数半过负+＋−﹣\\-" + _CN_CHARS + "]|US\\$|HK\\$|NT\\$")
# The words an English date may start with before its first digits (September 28, Sept. 2023,
# Q3 2024, the third quarter of 2024): looked for from the digits, back to the date's start.
_DATE_LEAD = re.compile(
    r"(?<![A-Za-z])(?:" + _MONTH_NAME.replace("?P<mon>", "?:") + r"|(?<![0-9])[QH][1-4]"
    r"|(?:" + _ORDINAL + r")[ \u00a0]+(?:[Qq]uarter|[Hh]alf)(?:[ \u00a0]+of)?),?[ \u00a0]+\Z")
_PRICE_FROM = re.compile("起(?![来飞始步初码见])")
_TIME_MORE = re.compile("多(?:一点|一些|点)?(?!少)")
_BETWEEN = re.compile(_SP + "之间")
_RELATIVE = re.compile(_SP + "(?:以前|之前|前)|[ \u00a0]+ago(?![A-Za-z])")
_COHORT = re.compile(r"(?P<d>\d{2}|[〇零一二三四五六七八九]{2})" + _SP + r"后(?![面来续期者台端])")
_CLAUSE_END = re.compile(r"[。！？!?；;\n,，、]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_MONEY_WORD_REACH = 30  # characters before an amount where a money word makes it money
_INFERRED_SCALES = ("万", "亿", "万亿", "千亿", "百亿", "十亿", "千万", "百万")
_MONEY_WORDS = re.compile("营收|收入|利润|融资|估值|市值|投资|资产|销售额|成交额|金额|资金|"
                          "GDP|产值|总额|价格|售价|成本|花费|支出|预算|财政|税收|营业额|净利|亏损|"
                          "薪|工资|增加值|开支|市场规模|补贴|罚款|存款|贷款|负债|现金")


@dataclass
class _Core:
    num_start: int
    num_end: int
    value: Decimal
    precision: Decimal
    kind: str = "quantity"
    bound: str = "exact"
    lower: Decimal | None = None
    upper: Decimal | None = None
    unit: str | None = None
    unit_text: str = ""
    start: int | None = None  # where a currency sign starts the mention
    exp: int = 0  # the power of ten of the scale word (亿 → 8)
    integer_digits: int = 0  # digits before the point of an unscaled whole number (years)
    iso: str | None = None
    scale: str = ""
    done: bool = False  # the core already holds its unit and bound words (dates)
    end: int | None = None  # where a done core's whole mention ends, when past num_end
    offset: str | None = None
    within: str = ""


def find_mentions(text: str, published: str | None = None) -> list[Mention]:
    """Every numeric mention in a text, in order, with offsets into the text as given.

    The text is de-spun first (kb.despin); the mentions are read on the standard text and
    their offsets mapped back to the raw text. Given the text's date (published: 2025-10-24,
    a time may follow), relative dates (去年, 上月, 三年前) resolve to ISO dates.
    """
    norm = normalise(text, delete=False)
    found = _find(norm.text)
    newlines = [m.start() for m in _NEWLINE.finditer(text)] if found else []
    out = []
    for m in found:
        start, end = norm.raw_start(m.start), norm.raw_end(m.end)
        num_start, num_end = norm.raw_start(m.num_start), norm.raw_end(m.num_end)
        line = bisect.bisect_right(newlines, num_start - 1) + 1
        iso = m.iso
        if m.kind == "relative-date" and published:
            iso = resolve_relative(m.offset, m.within, published)
        out.append(_moved(m, start=start, end=end, num_start=num_start, num_end=num_end,
                          text=text[start:end], number=text[num_start:num_end], line=line,
                          iso=iso))
    return out


_NEWLINE = re.compile("\n")


def _moved(m: Mention, **changes) -> Mention:
    """dataclasses.replace(m, **changes), less the frozen __init__'s setattr per field: that
    copy, once per mention, was a tenth of the mention reader's time. Mention checks nothing
    on construction, so skipping its __init__ loses nothing."""
    new = object.__new__(Mention)
    new.__dict__.update(m.__dict__, **changes)
    return new


def resolve_relative(offset: str | None, within: str, published: str) -> str | None:
    """The ISO date a relative date names, counted from the text's date: -P1Y from 2025-10-24
    is 2024, -P1M 2025-09, -P1W 2025-W42, -P1Q 2025-Q3; None for hours or a bad date."""
    m = re.fullmatch(r"(-?)P(\d+)([YQMWD])", offset or "")
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return None
    if m is None:
        return None
    k = int(m.group(2)) * (-1 if m.group(1) else 1)
    unit = m.group(3)
    if unit == "Y":
        # within may be a span of the year: -Q1/-Q3 → 2025-Q1/2025-Q3
        return "/".join(f"{day.year + k:04d}{part}" for part in within.split("/"))
    if unit in "QM":
        months = day.year * 12 + day.month - 1 + (3 * k if unit == "Q" else k)
        year, month = divmod(months, 12)
        if unit == "Q":
            return f"{year:04d}-Q{month // 3 + 1}"
        return f"{year:04d}-{month + 1:02d}{within}"
    when = day + timedelta(days=7 * k if unit == "W" else k)
    if unit == "W":
        iso = when.isocalendar()
        return f"{iso[0]:04d}-W{iso[1]:02d}"
    return when.isoformat()


def find_lookalikes(text: str) -> list[tuple[int, int, str, str]]:
    """Numerals that are part of a name, as (start, end, text, reason): not mentions."""
    out: list[tuple[int, int, str, str]] = []
    if text.isascii() and not _LATIN_HINT.search(text):
        return out
    for pattern, reason in _LATIN_LOOKALIKE if text.isascii() else _LOOKALIKE:
        for m in pattern.finditer(text):
            # A name starts a word (a Model 3, not remodel 3): checked here, as a look-behind
            # in the patterns made every scan of a text try each position.
            before = text[m.start() - 1] if m.start() else " "
            if re.search(r"[0-9" + _CN_CHARS + "]", m.group()) \
                    and not (before.isascii() and before.isalpha()):
                out.append((m.start(), m.end(), m.group(), reason))
    return sorted(out)


def _find(text: str) -> list[Mention]:
    blocked = _blocked_positions(text)
    out: list[Mention] = []
    pos, floor = 0, 0
    words = _number_words(text)  # numbers in words start here: usually nowhere
    while (candidate := _CANDIDATE.search(text, pos)) is not None or words:
        at = candidate.start() if candidate is not None else len(text)
        if words:
            at = _next_word(at, pos, words)
            if at == len(text):
                break  # no candidate left, and the words were all passed
        if at in blocked:
            pos = at + 1
            continue
        core, nxt = _core_at(text, at, blocked)
        if core is None:
            pos = max(nxt, at + 1)
            continue
        mention = _decorate(text, core, floor)
        if mention is not None:
            out.append(mention)
            floor = mention.end
            pos = max(mention.end, core.num_end)
        else:
            pos = core.num_end
    return _infer_currency(text, out)


def _number_words(text: str) -> list[int]:
    """Where a number in English words (two billion) starts, in reverse order for popping."""
    lower = text.lower()
    found = set()  # in nearly every text each word's first search, in C, finds nothing
    for word in _AFTER_NUMBER_WORDS:
        at = lower.find(word)
        while at >= 0:
            end = at + len(word)
            if not (lower[end:end + 1].isalpha() and lower[end:end + 1].isascii()) \
                    and (m := _WORD_BEFORE.search(text, max(0, at - 24), at)) \
                    and all(part in NUMBER_WORDS for part in m.group(1).lower().split("-")):
                before = text[m.start() - 1] if m.start() else " "
                if not (before.isascii() and before.isalpha()):
                    found.add(m.start())
            at = lower.find(word, end)
    return sorted(found, reverse=True)


def _next_word(at: int, pos: int, words: list[int]) -> int:
    """at, or the start of a number in words between pos and at (words: _number_words,
    consumed as the scan passes them)."""
    while words and words[-1] < pos:
        words.pop()
    return words[-1] if words and words[-1] < at else at


def _blocked_positions(text: str) -> set[int]:
    blocked: set[int] = set()
    for m in () if text.isascii() else _NOT_NUMBERS.finditer(text):
        blocked.update(range(m.start(), m.end()))
    for start, end, _, _ in find_lookalikes(text):
        blocked.update(range(start, end))
    return blocked


def _infer_currency(text: str, mentions: list[Mention]) -> list[Mention]:
    """A scaled amount with no unit in a money clause takes the sentence's currency.

    '5.6万亿' after 'GDP总量为' is CNY (inferred); '500 万 用户' counts users: a noun right after
    the amount says what it counts, so no currency is inferred. A currency stated in the same
    clause wins over one elsewhere in the sentence.
    """
    clauses = [e.start() for e in _CLAUSE_END.finditer(text)]
    sentences = [e.start() for e in _SENTENCE_END.finditer(text)]
    money = [o for o in mentions if o.unit and DIMENSIONS.get(o.unit) == "currency"]
    money_at = [o.num_start for o in money]
    out = []
    for m in mentions:
        if m.kind == "quantity" and m.unit is None and m.scale in _INFERRED_SCALES:
            a, b = _around(clauses, m, len(text))
            sa, sb = _around(sentences, m, len(text))
            after = text[m.end:m.end + 8].lstrip(" \t\u00a0\u3000")[:1]
            noun_follows = "\u4e00" <= after <= "\u9fff" and after != "的"
            # the first currency stated in the clause, else the first in the sentence
            in_clause = bisect.bisect_left(money_at, a)
            in_sentence = bisect.bisect_left(money_at, sa)
            unit = (money[in_clause].unit if in_clause < len(money) and money_at[in_clause] < b
                    else money[in_sentence].unit if in_sentence < len(money)
                    and money_at[in_sentence] < sb else None)
            window = max(a, m.num_start - _MONEY_WORD_REACH)
            if not noun_follows and (unit or _MONEY_WORDS.search(text, window, m.num_start)):
                m = replace(m, unit=unit or "CNY", dimension="currency", unit_inferred=True)
        out.append(m)
    return out


def _around(ends: list[int], m: Mention, size: int) -> tuple[int, int]:
    """The clause or sentence holding a mention, as (start, end), given where they end."""
    k = bisect.bisect_left(ends, m.num_start)
    a = ends[k - 1] + 1 if k else 0
    k = bisect.bisect_left(ends, m.num_end)
    return a, ends[k] if k < len(ends) else size


# -- cores: the number itself ----------------------------------------------------------------------

def _core_at(text: str, pos: int, blocked: set[int]) -> tuple[_Core | None, int]:
    """The number starting at pos (or None) and where to look next."""
    if (rel := _relative_at(text, pos)) is not None:
        return rel, rel.end or rel.num_end
    if (when := _date_at(text, pos)) is not None:
        return when, when.num_end
    if m := _COHORT.match(text, pos):
        return _cohort(text, m, pos)
    if (m := _FRACTION.match(text, pos)) and (core := _fraction(m)) is not None:
        return core, m.end()
    ch = text[pos]
    if ch.isascii() and ch.isdigit():
        return _arabic_at(text, pos)
    if m := _SIGN_RE.match(text, pos):
        core, nxt = _abbreviated(text, m.end()) or _arabic_at(text, m.end(), m.group(1))
        if core is not None:
            core.unit, core.unit_text, core.start = _CURRENCY_SIGNS[m.group(1)], m.group(1), pos
        return core, nxt
    if (m := _MINUS_RE.match(text, pos) or _PLUS_RE.match(text, pos)) and _sign_ok(text, pos):
        core, nxt = _core_at(text, m.end(), blocked)
        if core is not None and core.kind == "quantity" and core.bound in ("exact", "range"):
            if m.group() != "+" and m.group() != "＋":
                _negate(core)
            core.num_start = pos
            return core, nxt
        return None, pos + 1
    if m := _ORDINAL_ARABIC.match(text, pos):
        core, nxt = _arabic_at(text, m.end())
        if core is not None:
            core.num_start, core.kind = pos, "ordinal"
        return core, nxt
    if m := _PERCENT_OF_ARABIC.match(text, pos):
        core, nxt = _arabic_at(text, m.end())
        if core is not None:
            core.num_start, core.unit_text = pos, m.group(1)
            core.unit = "percent" if m.group(1) == "百分之" else "permille"
        return core, nxt
    if m := _HALF.match(text, pos):
        return _half(text, m)
    if ch.isascii() and ch.isalpha() and (m := _NUMBER_IN_WORDS.match(text, pos)):
        return _in_words(m), m.end()
    if pos not in blocked and (m := _CN.match(text, pos)):
        return _chinese(text, m, blocked), m.end()
    return None, pos + 1


def _sign_ok(text: str, pos: int) -> bool:
    """A minus sign, not a hyphen between two things (a range, an identifier)."""
    prev = text[pos - 1] if pos else " "
    return not (prev.isalnum() and prev.isascii()) and prev not in "%％‰)-_" \
        and not ("\u4e00" <= prev <= "\u9fff" and text[pos] in "-−﹣"
                 and prev in _CN_CHARS + "元倍")


def _negate(core: _Core) -> None:
    core.value = -core.value
    if core.bound == "range" and core.lower is not None and core.upper is not None:
        core.lower, core.upper = -core.upper, -core.lower


def _cohort(text: str, m: re.Match, pos: int) -> tuple[_Core | None, int]:
    prev = text[pos - 1] if pos else " "
    if prev.isdigit() or prev in _CN_CHARS or (prev.isascii() and prev.isalpha()):
        return None, m.end()
    d = m.group("d")
    if not d.isdigit():
        d = "".join(str(_CN_DIGITS[ch]) for ch in d)
    year = int(d) + (2000 if int(d) < 30 else 1900)
    iso = f"{year}s" if year % 10 == 0 else f"{year}/"
    core = _Core(pos, m.start() + len(m.group("d")), Decimal(year), Decimal(1), kind="cohort",
                 iso=iso, done=True)
    core.start = pos
    core.unit_text = "后"
    core.num_end = m.end()
    return core, m.end()


def _fraction(m: re.Match) -> _Core | None:
    """三分之一, 4分之3: a ratio (1/3), its precision one unit of the last decimal shown."""
    try:
        den = int(m.group("den")) if m.group("den").isdigit() else _cn_parse(m.group("den"), 1)[0]
        num = int(m.group("num")) if m.group("num").isdigit() else _cn_parse(m.group("num"), 1)[0]
    except ValueError:
        return None
    if den == 0 or num > den:
        return None
    value = (Decimal(num) / Decimal(den)).quantize(Decimal("0.0001"))
    return _Core(m.start(), m.end(), value, Decimal("0.0001"), unit="ratio", unit_text="分之")


def _half(text: str, m: re.Match) -> tuple[_Core | None, int]:
    """半年 (0.5 year), 一半 (50 percent), 过半 (more than 50 percent)."""
    pre = m.group("pre")
    if pre:
        core = _Core(m.start(), m.end(), Decimal(50), Decimal(1), unit="percent", unit_text="半")
        if pre == "过":
            core.bound, core.lower = "more-than", Decimal(50)
        if pre == "一" and m.group("unit"):
            core = _Core(m.start(), m.end(), Decimal("0.5"), Decimal("0.1"))
        return core, m.end()
    if m.group("unit"):
        return _Core(m.start(), m.end(), Decimal("0.5"), Decimal("0.1")), m.end()
    return None, m.end()


# -- dates -----------------------------------------------------------------------------------------

def _relative_at(text: str, pos: int) -> _Core | None:
    """A relative time word (去年, 上个月, 本周), with the part of the year it names (去年底)."""
    if text[pos] not in _RELATIVE_FIRST:
        return None  # most candidates are digits: trying the patterns was a tenth of the reader
    prev = text[pos - 1] if pos else " "
    if prev.isdigit() or prev in _CN_CHARS:
        return None  # 十来年, 三年前年底
    for pattern, unit, offset in _RELATIVE_WORDS:
        m = pattern.match(text, pos)
        if m is None:
            continue
        end, within = m.end(), ""
        if unit == "year" and (w := _WITHIN_YEAR.match(text, end)):
            end, within = w.end(), _within(w)
        elif unit == "month" and (w := _WITHIN_MONTH.match(text, end)):
            end, within = w.end(), f"-{_cn_int(w.group('d')):02d}"  # 本月15日
        core = _Core(pos, end, Decimal(offset), Decimal(1), kind="relative-date", done=True,
                     offset=_duration(offset, unit), within=within)
        if since := re.compile(_SP + "以来").match(text, end):
            core.bound, core.lower, core.end = "at-least", core.value, since.end()
        return core
    return None


def _within(w: re.Match) -> str:
    """The part of a year a match of _WITHIN_YEAR names, as an ISO suffix: -Q3, -H1, -06-15."""
    if w.group("q"):
        return f"-Q{_cn_int(w.group('q'))}"
    if w.group("fq"):
        return f"-Q1/-Q{_cn_int(w.group('fq'))}"  # 今年前三季度: Q1 to Q3 of this year
    if w.group("h"):
        return "-H1" if w.group("h") == "上" else "-H2"
    if w.group("e"):
        return f"-{_YEAR_END[w.group('e')[-1]]}"
    out = f"-{_cn_int(w.group('m')):02d}"
    return out + f"-{_cn_int(w.group('d')):02d}" if w.group("d") else out


def _duration(count: int | Decimal, unit: str) -> str | None:
    """A signed ISO 8601 duration: (-1, year) → -P1Y; None for units below a day."""
    if unit not in _ISO_DURATION:
        return None
    n = int(count)
    return f"{'-' if n < 0 else ''}P{abs(n)}{_ISO_DURATION[unit]}"


_CN_D = "[〇零○O一二三四五六七八九]"
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_DAY = (r"(?:3[01]|[12]\d|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?"
        r"|[一二三四五六七八九])")
_QUARTER = r"(?:第" + _SP + r")?(?P<q>[一二三四1-4])" + _SP + r"(?:季度|季)"
_DATE = re.compile(
    r"(?:(?P<y>\d{4}|" + _CN_D + r"{4})" + _SP + r"(?:财年|年)" + _SP + r"(?:" + _QUARTER
    + r"|前(?P<fq>[一二三1-3])" + _SP + r"(?:个)?季度"
    + r"|(?P<h>[上下])半年|(?P<m>" + _MONTH + r")" + _SP + r"月份?(?:" + _SP + r"(?P<d>" + _DAY
    + r")" + _SP + r"[日号])?|(?P<mr>" + _MONTH + r")" + _SP + r"(?:-|–|—|~|～|至|到)" + _SP
    + r"(?P<mr2>" + _MONTH + r")" + _SP + r"月份?|(?P<e>底|末|初|中)(?!期|国|级|学|文|心|央|间|旬)"
    + r"|(?P<qq>Q[1-4]))?"
    r"|(?P<m2>" + _MONTH + r")(?:" + _SP + r"(?:-|–|—|~|～|至|到)" + _SP + r"(?P<m3>" + _MONTH
    + r"))?" + _SP + r"月份?(?:" + _SP + r"(?P<d2>" + _DAY + r")" + _SP + r"[日号])?"
    r"|(?P<q2>(?:第" + _SP + r")?[一二三四1-4])" + _SP + r"(?:季度|季报)"
    r"|(?P<h2>[上下])半年"
    r"|前(?P<fq2>[一二三1-3])" + _SP + r"(?:个)?季度)"
    r"(?P<since>" + _SP + r"以来)?")
_DECADE = re.compile(r"(?P<d>\d{2}|\d{4}|" + _CN_D + r"{2})" + _SP + r"年代")
_YEAR_END = {"底": "12", "末": "12", "初": "01", "中": "06"}


def _cn_int(s: str) -> int:
    """A month or day in Chinese numerals (十二, 二十一) or digits."""
    if s.isdigit():
        return int(s)
    value, _ = _cn_parse(s, 1)
    return value


def _year(s: str) -> int:
    if s.isdigit():
        return int(s)
    return int("".join(str(_CN_DIGITS.get(ch, 0)) for ch in s))


def _date_at(text: str, pos: int) -> _Core | None:
    """A calendar date written as one phrase: 2023年三季度, 2022年6月份, 十月二十日, 上半年."""
    prev = text[pos - 1] if pos else " "
    if prev.isdigit() or prev in _CN_CHARS or prev in "第前后":
        return None
    if prev in (" ", ",", "\u00a0") and _may_hold_english_dates(text) \
            and _date_lead_word(text, pos) \
            and (lead := _DATE_LEAD.search(text, max(0, pos - 32), pos)) \
            and (m := _ENGLISH_DATE.match(text, lead.start())) and m.end() > pos:
        return _english_date(m)  # September 28, 2024 from its 28: the date starts before
    if _may_hold_english_dates(text) and _month_follows(text, pos) \
            and (m := _ENGLISH_DMY.match(text, pos)):
        return _english_date(m)
    if m := _ISO_DATE.match(text, pos):
        y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return _date_core(pos, m.end(), Decimal(y), f"{y:04d}-{mo:02d}-{d:02d}")
        return None
    if m := _DECADE.match(text, pos):
        digits = m.group("d") if m.group("d").isdigit() else str(_year(m.group("d")))
        year = int(digits)
        year += 0 if len(digits) == 4 else 2000 if year < 30 else 1900
        return _date_core(pos, m.end(), Decimal(year), f"{year}s")
    m = _DATE.match(text, pos)
    if not m or m.end() == pos:
        return None
    g = m.groupdict()
    if g["y"] is not None:
        year = _year(g["y"])
        if not g["y"].isdigit() and "O" in g["y"] and not re.fullmatch(_CN_D + "{4}", g["y"]):
            return None
        iso = f"{year:04d}"
        if g["q"] or g["qq"]:
            q = g["q"] or g["qq"][1]
            iso += f"-Q{_cn_int(q)}"
        elif g["fq"]:
            iso = f"{iso}-Q1/{iso}-Q{_cn_int(g['fq'])}"
        elif g["h"]:
            iso += "-H1" if g["h"] == "上" else "-H2"
        elif g["m"]:
            iso += f"-{_cn_int(g['m']):02d}"
            if g["d"]:
                iso += f"-{_cn_int(g['d']):02d}"
        elif g["mr"]:
            iso = f"{iso}-{_cn_int(g['mr']):02d}/{iso}-{_cn_int(g['mr2']):02d}"
        elif g["e"]:
            iso += f"-{_YEAR_END[g['e']]}"
        value = Decimal(year)
    elif g["m2"]:
        if m.start("m2") != pos:
            return None
        month = _cn_int(g["m2"])
        if re.match("个|多", text[m.end("m2"):m.end("m2") + 1]):
            return None
        iso, value = f"--{month:02d}", Decimal(month)
        if g["m3"]:
            iso += f"/--{_cn_int(g['m3']):02d}"
        elif g["d2"]:
            iso += f"-{_cn_int(g['d2']):02d}"
        elif not g["m2"].isdigit() and len(g["m2"]) == 1 and g["m2"] not in "一二三四五六七八九":
            return None
    elif g["q2"]:
        q = _cn_int(g["q2"].lstrip("第").strip())
        iso, value = f"Q{q}", Decimal(q)
    elif g["fq2"]:
        iso, value = f"Q1/Q{_cn_int(g['fq2'])}", Decimal(_cn_int(g["fq2"]))
    elif g["h2"]:
        iso, value = ("H1" if g["h2"] == "上" else "H2"), Decimal(1 if g["h2"] == "上" else 2)
    else:
        return None
    end = m.start("since") if g["since"] else m.end()
    core = _date_core(pos, end, value, iso)
    if g["y"] and len(iso) == 4:
        core.num_end = m.end("y")  # 2022 年: the number is the year, 年 is its unit word
    elif g["m2"] and not g["d2"]:
        core.num_end = m.end("m3") if g["m3"] else m.end("m2")
    core.start, core.num_start = pos, pos
    if g["since"]:
        core.num_end = min(core.num_end, end)
        core.end = m.end()
        core.bound, core.lower = "at-least", value
        core.unit_text = "以来"
    return core


@lru_cache(maxsize=8)
def _may_hold_english_dates(text: str) -> bool:
    """Whether a text holds a month's name, Q1 to H2, quarter or half, found by one scan:
    most texts (Chinese, or an English explanation with no date) hold none, and their numbers
    then skip the English date tests."""
    return _DATE_HINT.search(text) is not None


_DATE_HINT = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)|[QH][1-4]"
                        r"|[Qq]uarter|[Hh]alf")


def _date_lead_word(text: str, pos: int) -> bool:
    """Whether the word before the number at pos (past spaces and a comma) may end the start
    of an English date: a month (Sept.), Q3 or H1, quarter, half or of. Most words are none,
    and _DATE_LEAD is then not searched."""
    i = pos
    while i > 0 and text[i - 1] in " ,\u00a0":
        i -= 1
    j = i - 1 if i > 0 and text[i - 1] == "." else i
    while j > 0 and text[j - 1].isascii() and text[j - 1].isalnum():
        j -= 1
    word = text[j:i].rstrip(".").lower()
    return word in _MONTHS or word in _DATE_LEAD_WORDS


_DATE_LEAD_WORDS = frozenset(("q1", "q2", "q3", "q4", "h1", "h2", "quarter", "half", "of"))


def _month_follows(text: str, pos: int) -> bool:
    """Whether a capitalised word follows the one or two digits at pos (and st, nd, rd or th),
    as a month does in 28 September 2024: most numbers are followed by none."""
    k = pos + 1 + (text[pos + 1:pos + 2].isdigit())
    if text[k:k + 2] in ("st", "nd", "rd", "th"):
        k += 2
    return text[k:k + 1] in (" ", "\u00a0") and text[k + 1:k + 2].isupper() \
        and text[k + 1:k + 2].isascii()


def _english_date(m: re.Match) -> _Core | None:
    """A date as English writes it (a match of _ENGLISH_DATE or _ENGLISH_DMY): one mention
    with its ISO value."""
    g: dict[str, str] = {k: v for k, v in m.groupdict().items() if v is not None}
    if "qh" in g or "ord" in g:
        year = int(g.get("y3") or g["y4"])
        n = int(g["n"]) if "qh" in g else _ORDINAL_WORDS[g["ord"].lower()]
        half = g.get("qh") == "H" or g.get("part", "").lower() == "half"
        if half and n > 2:
            return None
        iso = f"{year:04d}-{'H' if half else 'Q'}{n}"
        return _date_core(m.start(), m.end(), Decimal(year), iso)
    month = _MONTHS[(g.get("mon") or g["mon2"]).rstrip(".").lower()]
    day, year_text = g.get("d") or g.get("dd"), g.get("y") or g.get("y2")
    if day is None and year_text is None:
        return None  # "May 5G": the month alone names no date
    iso = f"{int(year_text):04d}-{month:02d}" if year_text else f"--{month:02d}"
    if day is not None:
        iso += f"-{int(day):02d}"
    return _date_core(m.start(), m.end(), Decimal(year_text or month), iso)


def _date_core(start: int, end: int, value: Decimal, iso: str) -> _Core:
    return _Core(start, end, value, Decimal(1), kind="date", iso=iso, done=True, end=end)


# -- Arabic digits -----------------------------------------------------------------------------

def _arabic_at(text: str, pos: int, sign: str = "") -> tuple[_Core | None, int]:
    """The number in Arabic digits at pos (sign: the currency sign written before it, which the
    second end of a range may repeat: $2 billion to $3 billion) and where to look next."""
    prev = text[pos - 1] if pos else ""
    if prev.isascii() and (prev.isalpha() or prev == "_"):
        return None, _skip_identifier(text, pos)
    if _at_line_start(text, pos) and (sec := re.match(r"0\d", text[pos:pos + 2])) \
            and not re.match(r"[.:后]", text[pos + 2:pos + 3]):
        value = Decimal(sec.group())
        return _Core(pos, pos + 2, value, Decimal(1), kind="label"), pos + 2
    if m := _CLOCK.match(text, pos):
        digits = re.findall(r"\d+", m.group())
        return _Core(pos, m.end(), Decimal(digits[0]), Decimal(1), kind="date",
                     iso="T" + m.group()), m.end()
    if m := _CN_CLOCK.match(text, pos):  # 9时30分
        iso = f"T{int(m.group('h')):02d}" + (f":{int(m.group('mi')):02d}" if m.group("mi") else "")
        return _date_core(pos, m.end(), Decimal(m.group("h")), iso), m.end()
    first = _arabic_number(text, pos)
    if first is None:
        return None, _skip_identifier(text, pos)
    return _maybe_range(text, first, _arabic_number, sign), first.num_end


def _in_words(m: re.Match) -> _Core:
    """A number written in English words before its scale word (two billion, forty-five
    million) or percent: precision one unit of the scale, as for 两亿."""
    n = sum(NUMBER_WORDS[part] for part in m.group("n").lower().split("-"))
    scale = m.group("scale") or ""
    exp = _SCALES.get(scale.lower(), 2 if scale else 0)  # hundred is no scale word of _SCALES
    unit = Decimal(10) ** exp
    return _Core(m.start(), m.end(), n * unit, unit, exp=exp, scale=scale)


def _abbreviated(text: str, pos: int) -> tuple[_Core, int] | None:
    """An amount with an abbreviated scale (the 5m of $5m, 3.2bn of £3.2bn), or None."""
    m = _ABBREVIATED.match(text, pos)
    if m is None:
        return None
    digits = m.group("digits").replace(",", "")
    exp = _ABBREVIATIONS[m.group("abbr")]
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    scale = Decimal(10) ** exp
    return _Core(pos, m.end(), Decimal(digits) * scale, Decimal(10) ** -decimals * scale,
                 exp=exp, scale=m.group("abbr")), m.end()


def _at_line_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t\u3000":
        i -= 1
    return i < 0 or text[i] == "\n"


def _skip_identifier(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isascii() and (text[pos].isalnum() or text[pos] == "_"):
        pos += 1
    return pos


def _arabic_number(text: str, pos: int) -> _Core | None:
    m = _ARABIC.match(text, pos)
    if not m:
        return None
    end = m.end()
    if _LETTERS.match(text, end) and not m.group("scale") and not _ascii_unit(text, end):
        return None  # 5G, 4K: a name, not a number
    digits = m.group("digits").replace(",", "")
    exp = _SCALES[m.group("scale")] if m.group("scale") else 0
    scale = Decimal(10) ** exp
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    value = Decimal(digits) * scale
    precision = Decimal(10) ** -decimals * scale
    core = _Core(pos, end, value, precision, exp=exp,
                 integer_digits=0 if decimals or exp else len(digits),
                 scale=m.group("scale") or "")
    if m.group("more1") or m.group("more2"):
        _more(core, Decimal(digits), scale, decimals)
    return core


def _more(core: _Core, number: Decimal, scale: Decimal, decimals: int) -> None:
    """N 多/余: more than N, below N plus one unit of its last non-zero digit."""
    if decimals:
        step = Decimal(10) ** -decimals
    else:
        whole = str(int(number))
        step = Decimal(10) ** (len(whole) - len(whole.rstrip("0")))
    core.bound, core.lower = "more-than", core.value
    core.upper = (number + step) * scale


_RANGE_UNIT = re.compile(r"%|％|‰|[A-Za-z]+|元|美元|倍|亿元|万元")


def _maybe_range(text: str, first: _Core, parse, sign: str = "") -> _Core:
    """'1500-2800 万', '3 到 4', '200 亿到 300 亿', '20%-25%', '5/6nm': one range."""
    if first.bound != "exact" or first.kind != "quantity":
        return first
    after = first.num_end
    unit = _RANGE_UNIT.match(text, after)
    if unit and unit.group().isalpha() and unit.group().isascii() \
            and not _ascii_unit(text, after):
        unit = None
    sep = _RANGE_SEP.match(text, unit.end() if unit else after) \
        or _english_range_sep(text, first, unit.end() if unit else after, sign)
    slash = None if sep else _SLASH_SEP.match(text, after)
    if unit and not sep:
        return first
    sep = sep or slash
    if not sep:
        return first
    second_at = sep.end()
    if sign and text.startswith(sign, second_at):
        second_at += len(sign)  # $2 billion to $3 billion
    second = parse(text, second_at)
    if second is None or second.bound != "exact" or second.kind != "quantity":
        return first
    if unit and not text.startswith(unit.group(), second.num_end):
        return first  # 20%-25: the second end must carry the same unit
    if slash and not (_ascii_unit(text, second.num_end) or _UNIT_RE.match(text, second.num_end)):
        return first  # 1/3 alone is a fraction, not a range
    lo, hi = first.value, second.value
    precision = max(first.precision, second.precision)
    if second.exp and not first.exp:
        scale = Decimal(10) ** second.exp
        lo, precision = lo * scale, max(first.precision * scale, second.precision)
    if lo >= hi:
        return first
    return _Core(first.num_start, second.num_end, (lo + hi) / 2, precision, bound="range",
                 lower=lo, upper=hi, exp=max(first.exp, second.exp), start=first.start,
                 unit=first.unit, unit_text=first.unit_text, scale=second.scale or first.scale)


def _english_range_sep(text: str, first: _Core, pos: int, sign: str) -> re.Match | None:
    """' to ' or ' and ' joining the two ends of an English range: 'between 2 and 3 billion',
    '2 to 3 percent'; not 'from 5 to 10', a change from one value to another (unless both are
    years: from 2020 to 2024)."""
    word = pos
    while text[word:word + 1] in (" ", "\u00a0"):
        word += 1
    if word == pos or text[word:word + 1] not in ("t", "T", "a", "A"):
        return None  # the usual case, without a regex
    sep = _ENGLISH_RANGE_SEP.match(text, pos)
    if sep is None:
        return None
    start = first.num_start - len(sign)
    if sep.group("word").lower() == "and":
        return sep if _english_before(_ENGLISH_BETWEEN, text, start) else None
    if not _english_before(_ENGLISH_FROM, text, start):
        return sep
    after = _ARABIC.match(text, sep.end())
    return sep if after and _YEAR_LIKE(text[first.num_start:first.num_end]) \
        and _YEAR_LIKE(after.group()) else None


_YEAR_LIKE = re.compile(r"1[89]\d\d|20\d\d").fullmatch


# -- Chinese numerals ------------------------------------------------------------------------------

def _chinese(text: str, m: re.Match, blocked: set[int]) -> _Core | None:
    pre, cn = m.group("pre") or "", m.group("cn")
    start = m.start()
    # A numeral stops where a blocked word (百孔千疮) begins.
    for i in range(m.start("cn"), m.end("cn")):
        if i in blocked:
            cn = text[m.start("cn"):i]
            break
    end = m.start("cn") + len(cn)
    if not cn:
        return None
    # 数十 = "several tens": 20-90
    parsed = _cn_value("几" + cn, few=(2, 9)) if pre == "数" else _cn_value(cn, few=(1, 9))
    if parsed is None:
        return None
    lo, hi, place = parsed
    frac = m.group("frac") if end == m.end("cn") else None
    if frac and lo == hi:
        end = m.end()
        digits = "".join(str(_CN_DIGITS[ch]) for ch in frac)
        mult = Decimal(10) ** (12 if m.group("fscale") == "万亿" else
                               8 if m.group("fscale") == "亿" else
                               4 if m.group("fscale") == "万" else 0)
        value = (Decimal(lo) + Decimal("0." + digits)) * mult
        core = _Core(start, end, value, Decimal(10) ** -len(digits) * mult,
                     scale=m.group("fscale") or "")
        if pre in ("百分之", "千分之"):
            core.unit = "percent" if pre == "百分之" else "permille"
            core.unit_text = pre
        return core
    more = _MORE.match(text, end)
    if more and lo == hi and (big := _MORE_SCALE.match(text, end)):  # 一千多万: 1000 多 万
        mult = 10 ** _SCALES[big.group(1)]
        core = _Core(start, big.end(), Decimal(lo * mult), Decimal(place * mult),
                     bound="more-than", lower=Decimal(lo * mult),
                     upper=Decimal((lo + place) * mult), scale=big.group(1))
        return core
    unit = _UNIT_RE.match(text, more.end() if more else end)
    if not unit and not more and text.startswith("来", end):
        unit = _UNIT_RE.match(text, end + 1)  # 十来年: about ten years
    word = unit.group(1) if unit else ""
    if word == "号" and not text[:start].rstrip().endswith("月"):
        return None  # 猎鹰九号: a name
    code = _UNIT_CODES.get(word)
    if _MONTHS_MORE.match(text, end):
        code = "month"  # 一个多月
    if cn == "一" and pre != "第" and code in (None, "count", "point", "day") \
            and not (code == "day" and word != "号"):
        return None  # the indefinite or idiomatic 一 (一个, 一点, 一号), or 一 before a noun
    if cn in "十百千万亿" and not pre and not unit:
        return None
    if set(cn) <= set("几"):
        return None
    big = re.search("(万亿|亿|万|千|百)$", cn)
    core = _Core(start, end, Decimal(lo), Decimal(place), scale=big.group() if big else "")
    if pre == "第":
        core.kind = "ordinal"
    elif pre == "上":
        core.bound, core.lower = "at-least", core.value
    elif pre in ("百分之", "千分之"):
        core.unit = "percent" if pre == "百分之" else "permille"
        core.unit_text = pre
    if lo != hi:
        core.bound, core.lower, core.upper = "range", Decimal(lo), Decimal(hi)
        core.value = (core.lower + core.upper) / 2
        core.precision = Decimal(1) if place < 1 else Decimal(place)
    if more and core.bound == "exact" and pre not in ("第", "上"):
        core.num_end = more.end()
        core.bound, core.lower, core.upper = "more-than", core.value, core.value + place
    if core.bound == "exact" and not pre:
        return _maybe_range(text, core, _cn_single)
    return core


def _cn_single(text: str, pos: int) -> _Core | None:
    m = _CN.match(text, pos)
    if not m or m.group("pre"):
        return None
    parsed = _cn_value(m.group("cn"), few=(1, 9))
    if parsed is None or parsed[0] != parsed[1]:
        return None
    return _Core(pos, m.end(), Decimal(parsed[0]), Decimal(parsed[2]))


def _cn_value(cn: str, few: tuple[int, int]) -> tuple[int, int, int] | None:
    """(lowest, highest, place) of a Chinese numeral; 几 stands for a digit in `few`.

    Two neighbouring digits (三四, 一两, 三四万) are a range: 3-4, 1-2, 30000-40000.
    """
    if len(cn) > _CN_MAX_CHARS:  # not a numeral but a run of them (亿亿亿…): parsing recurses
        return None
    low_text, high_text = cn, cn
    if pair := _PAIR.search(cn):
        a, b = pair.group(1), pair.group(2)
        # 三四, 两三, 七八十: neighbours; 三五 (three to five) is the one customary wider pair
        if _CN_DIGITS[b] == _CN_DIGITS[a] + 1 or a + b == "三五":
            low_text = cn[:pair.start()] + a + cn[pair.end():]
            high_text = cn[:pair.start()] + b + cn[pair.end():]
    try:
        lo, place = _cn_parse(low_text, few[0])
        hi, _ = _cn_parse(high_text, few[1])
    except ValueError:
        return None
    return lo, hi, place


def _cn_parse(s: str, few: int) -> tuple[int, int]:
    """(value, place of the last stated digit); ValueError if s is not a well-formed numeral."""
    if not s:
        raise ValueError("empty")
    for big, mult in _CN_BIG:
        i = s.rfind(big)
        if i < 0:
            continue
        left, right = s[:i], s[i + 1:]
        lv, lp = _cn_parse(left, few) if left else (1, 1)
        value, place = lv * mult, lp * mult
        if right:
            if len(right) == 1 and right in _CN_DIGITS and left and right not in "零〇":
                # 一万五 = 15000: a lone digit after a scale counts in the next lower place
                rv, rp = _CN_DIGITS[right] * mult // 10, mult // 10
            else:
                rv, rp = _cn_parse(right.lstrip("零〇"), few) if right.strip("零〇") else (0, place)
            if rv >= mult:
                raise ValueError("malformed")
            value, place = value + rv, min(place, rp)
        return value, place
    if all(ch in _CN_DIGITS or ch == "几" for ch in s):
        digits = [few if ch == "几" else _CN_DIGITS[ch] for ch in s]
        if len(digits) == 1:
            return digits[0], 1
        return int("".join(map(str, digits))), 1
    total, digit, last_unit, zero, place = 0, None, None, False, 1
    for ch in s:
        if ch in "零〇":
            zero = True
        elif ch in _CN_DIGITS or ch == "几":
            if digit is not None:
                raise ValueError("two digits in a row")
            digit = few if ch == "几" else _CN_DIGITS[ch]
        else:
            unit = _CN_SMALL[ch]
            if last_unit is not None and unit >= last_unit:
                raise ValueError("units out of order")
            total += (1 if digit is None else digit) * unit
            digit, last_unit, zero, place = None, unit, False, unit
    if digit is not None:
        if last_unit and not zero:
            total, place = total + digit * last_unit // 10, last_unit // 10
        else:
            total, place = total + digit, 1
    return total, place


# -- decoration: unit, bound words and kind around the number -----------------------------------

def _ascii_unit(text: str, pos: int) -> tuple[str, str, int] | None:
    """A Latin-letter unit right after a number (7nm, 100 Exa-FLOPS), or None."""
    m = _ASCII_UNIT_RE.match(text, pos)
    if not m:
        return None
    if m.group("flops"):
        prefix = m.group("pre") or ""
        return _SI_WORDS.get(prefix, prefix) + "FLOPS", m.group("flops"), m.end()
    word = m.group("word")
    if word in _ASCII_UNITS:
        return _ASCII_UNITS[word], word, m.end()
    lower = word.lower()
    if lower in _FIRST_OF_PAIRS and (pair := _ENGLISH_UNIT_PAIRS.match(text, pos)):
        return ENGLISH_UNITS[_english_key(pair.group("word"))], pair.group("word"), pair.end()
    if lower in ENGLISH_UNITS:
        return ENGLISH_UNITS[lower], word, m.end()
    return None


_MONTHS_MORE = re.compile(_SP + "个多(月|小时|星期)")
_CLOCK_BEFORE = re.compile("(?:上午|下午|晚上|凌晨|早上|中午|傍晚|晚|早)" + _SP + "$")
_CLOCK_AFTER = re.compile("钟|半|整|[0-9一二三四五六七八九十]+分")


def _decorate(text: str, core: _Core, floor: int) -> Mention | None:
    if core.done:
        return _mention(text, core, core.num_start, core.end or core.num_end, core.kind, core.value,
                        core.bound, core.lower, core.upper, core.precision, None, core.unit_text)
    pos, unit, unit_text, kind = core.num_end, core.unit, core.unit_text, core.kind
    bound, lower, upper, value = core.bound, core.lower, core.upper, core.value
    precision = core.precision
    if unit is None and bound == "exact" and text.startswith("来", pos) \
            and _UNIT_RE.match(text, pos + 1):
        bound, pos = "approximately", pos + 1  # 十来年, 20来个: about
    if unit is None:
        if m := _MONTHS_MORE.match(text, pos):
            unit_text, unit, pos = m.group(), _UNIT_CODES[m.group(1)], m.end()
            if bound == "exact":
                bound, lower, upper = "more-than", value, value + 1
        elif m := _UNIT_RE.match(text, pos):
            unit_text, unit, pos = m.group(1), _UNIT_CODES[m.group(1)], m.end()
        elif a := _ascii_unit(text, pos):
            unit, unit_text, pos = a
    if unit == "point":
        unit = _point_unit(text, core)
        if unit == "date":
            kind, unit = "date", None
    if unit == "tenth":  # 四成: four tenths, 40 percent
        unit, value, precision = "percent", value * 10, precision * 10
        lower, upper = (None if x is None else x * 10 for x in (lower, upper))
    if unit and unit.isupper() and len(unit) == 3 and (per := _PER_RE.match(text, pos)):
        unit = f"{unit}/{_ASCII_UNITS.get(per.group('per'), per.group('per'))}"
        unit_text, pos = unit_text + per.group(), per.end()
    kind = _kind(text, core, kind, unit_text)
    offset = None
    if kind == "quantity" and unit in _TIME_UNITS and (rel := _RELATIVE.match(text, pos)) \
            and bound == "exact":
        # 一个月前: a time counted back from the text's date
        kind, pos, value = "relative-date", rel.end(), -value
        offset = _duration(value, unit) if value == value.to_integral_value() else None
    if kind == "quantity" and unit in (*_TIME_UNITS, "age"):
        kind = "duration"
        unit = "year" if unit == "age" else unit
        if text.startswith("半", pos):  # 两年半: and a half
            value, pos = value + Decimal("0.5"), pos + 1
            precision = min(precision, Decimal("0.1"))
        elif bound == "exact" and (more := _TIME_MORE.match(text, pos)):  # 三年多, 5年多一点
            bound, lower, upper, pos = "more-than", value, value + precision, more.end()
    if suffix := _SUFFIX.match(text, pos):
        word = suffix.group(1)
        if bound == "exact" and word == "区间":
            bound, lower, upper = "range", value, value * 10  # 千元区间: the 1000s bracket
            value = (lower + upper) / 2
        elif bound == "exact" and word != "区间":
            bound = _SUFFIX_BOUNDS[word]
        if bound != core.bound or word in _SUFFIX_BOUNDS:
            pos = suffix.end()
    elif unit in DIMENSIONS and DIMENSIONS[unit] == "currency" and bound == "exact" \
            and (frm := _PRICE_FROM.match(text, pos)):
        bound, pos = "at-least", frm.end()  # 3999元起: from 3999 up
    elif bound == "exact" and text[pos + 1:pos + 3] in ("or", "Or", "OR") \
            and (en := _ENGLISH_SUFFIX.match(text, pos)):
        bound, pos = ENGLISH_SUFFIX_WORDS[_english_key(en.group("word"))], en.end()  # 5 or more
    if core.bound == "range" and (between := _BETWEEN.match(text, pos)):
        pos = between.end()
    start = core.start if core.start is not None else core.num_start
    if prefix := _prefix_bound(text, start, floor) or _english_prefix(text, start, floor, kind):
        prefix_bound, start = prefix
        if bound == "exact":
            bound = prefix_bound
    elif core.bound == "range" and (between := _english_before(_ENGLISH_BETWEEN, text, start)):
        start = max(floor, between.start())  # between 2 and 3 billion: one phrase
    if bound in ("more-than", "at-least") and lower is None:
        lower = value
    if bound in ("less-than", "at-most") and upper is None:
        upper = value
    if bound == "range" and lower is not None and upper is not None \
            and 1000 <= lower < upper <= 2200 and lower == int(lower) and upper == int(upper) \
            and (unit_text == "年" or _english_years(text, core, unit_text)):
        kind, core.iso, value = "date", f"{int(lower)}/{int(upper)}", lower  # 2020-2025年
        bound, lower, upper = "exact", None, None
    if kind == "date" and core.iso is None:
        # a bare year read as one from its English context (_kind): in 2024
        core.iso = _unit_date_iso(unit_text, value) if unit_text else f"{int(value):04d}"
    if kind not in MEASURED_KINDS:
        unit = None
    if unit in BASE_UNITS:  # 1.2 EFLOPS is 1.2e18 FLOPS
        unit, exp = BASE_UNITS[unit]
        factor = Decimal(10) ** exp
        value, precision = value * factor, precision * factor
        lower, upper = (None if x is None else x * factor for x in (lower, upper))
    mention = _mention(text, core, start, pos, kind, value, bound, lower, upper, precision, unit,
                       unit_text)
    return replace(mention, offset=offset) if offset else mention


def _mention(text: str, core: _Core, start: int, end: int, kind: str, value: Decimal,
             bound: str, lower: Decimal | None, upper: Decimal | None, precision: Decimal,
             unit: str | None, unit_text: str) -> Mention:
    dim = None
    if unit:
        dim = "/".join(DIMENSIONS.get(u, u) for u in unit.split("/"))
    return Mention(start, end, core.num_start, core.num_end, text[start:end],
                   text[core.num_start:core.num_end], kind, value, bound, lower, upper,
                   precision, unit, unit_text, iso=core.iso, scale=core.scale, dimension=dim,
                   offset=core.offset, within=core.within)


def _unit_date_iso(unit_text: str, value: Decimal) -> str | None:
    """2022 年 → 2022, 6 月 → --06, 15 日 → ---15 (ISO 8601 with the unknown parts left out)."""
    if value != value.to_integral_value():
        return None
    n = int(value)
    return {"年": f"{n:04d}", "月": f"--{n:02d}", "日": f"---{n:02d}",
            "号": f"---{n:02d}"}.get(unit_text)


def _point_unit(text: str, core: _Core) -> str:
    """点 after a number: index points (3056点), a clock hour (下午三点) or a count (两点建议)."""
    whole = core.value == core.value.to_integral_value()
    if whole and 0 <= core.value <= 24:
        if _CLOCK_BEFORE.search(text, max(0, core.num_start - 3), core.num_start) \
                or _CLOCK_AFTER.match(text, core.num_end + 1):
            return "date"
        if core.value < 10:
            return "count"
    return "index_point"


def _kind(text: str, core: _Core, kind: str, unit_text: str) -> str:
    """Dates and labels are told apart from quantities by the word after the number."""
    if kind != "quantity":
        return kind
    whole = core.bound in ("exact", "range") and core.value == core.value.to_integral_value()
    value = int(core.value) if whole else -1
    if unit_text in ("季度", "年代"):
        return "date"
    if unit_text == "年" and (core.integer_digits == 4 or _cn_year(text, core)):
        return "date"  # 2022 年, 二〇二五年: a calendar year, not a duration
    if unit_text == "月" and 1 <= value <= 12:
        return "date"
    if unit_text in ("日", "号") and 1 <= value <= 31:
        if unit_text == "日" or text[:core.num_start].rstrip().endswith("月"):
            return "date"
        return "label"  # 猎鹰 9 号: a designation
    if core.bound == "exact" and 1800 <= value <= 2100 and _english_years(text, core, unit_text):
        return "date"  # in 2024, fiscal 2023: a calendar year
    return kind


def _english_years(text: str, core: _Core, unit_text: str) -> bool:
    """Whether a number with no unit is one year, or a range of years, by the English word
    before it (in 2024, between 2020 and 2024, fiscal 2023): four plain digits from 1800 to
    2100 at each end."""
    if unit_text or core.unit is not None:
        return False
    ends = [core.value] if core.bound == "exact" else [core.lower, core.upper]
    if not all(e is not None and e == int(e) and 1800 <= e <= 2100 for e in ends):
        return False
    if not all(len(n) == 4 and n.isdigit() for n in _YEAR_SPLIT.split(
            text[core.num_start:core.num_end].strip())):
        return False
    return bool(_english_before(_ENGLISH_YEAR_BEFORE, text, core.num_start)
                or (core.bound == "range"
                    and _english_before(_ENGLISH_BETWEEN, text, core.num_start)))


# The last word of each, for a test without a regex where most numbers fail it.
_LAST_WORDS = {_ENGLISH_YEAR_BEFORE: _last_words(ENGLISH_YEAR_WORDS),
               _ENGLISH_BETWEEN: frozenset(("between",)), _ENGLISH_FROM: frozenset(("from",)),
               _ENGLISH_PREFIX: _last_words(_ENGLISH_PREFIX_BOUND)}


_YEAR_SPLIT = re.compile(r"[ \u00a0]*(?:-|–|—|~|\bto\b|\band\b)[ \u00a0]*", re.IGNORECASE)


def _english_before(pattern: re.Pattern, text: str, pos: int,
                    floor: int = 0) -> re.Match | None:
    """One of the English words of pattern (_words_before) ending right before pos (past
    spaces, or a hyphen: mid-2026), or None. The word that ends there is looked up
    first: for most numbers it is none of them, and no regex runs."""
    if text[pos - 1:pos] == " " and text[pos - 2:pos - 1].isalpha():
        # one space after a word, as nearly always: the word by rfind, in C
        word = text[text.rfind(" ", max(floor, pos - _ENGLISH_REACH), pos - 1) + 1:pos - 1]
        if word.lower().lstrip("(\"'“‘") not in _LAST_WORDS[pattern]:
            return None
    else:
        i = pos
        while i > floor and text[i - 1] in " \u00a0-":
            i -= 1
        j = i - 1 if i > floor and text[i - 1] == "." else i  # approx.
        while j > floor and text[j - 1].isascii() and text[j - 1].isalpha():
            j -= 1
        if i == pos or text[j:i].lower() not in _LAST_WORDS[pattern]:
            return None
    return pattern.search(text, max(floor, pos - _ENGLISH_REACH), pos)


def _english_prefix(text: str, pos: int, floor: int, kind: str) -> tuple[str, int] | None:
    """The English bound word before an amount (about, more than, up to): (bound, its start)."""
    if kind not in MEASURED_KINDS or text[pos - 1:pos] not in (" ", "\u00a0"):
        return None  # a date takes no bound: "since 2020" is the date 2020
    m = _english_before(_ENGLISH_PREFIX, text, pos, floor)
    return (_ENGLISH_PREFIX_BOUND[_english_key(m.group("word"))], m.start()) if m else None


def _cn_year(text: str, core: _Core) -> bool:
    number = text[core.num_start:core.num_end]
    return len(number) == 4 and all(ch in _CN_DIGITS for ch in number)


def _prefix_bound(text: str, pos: int, floor: int) -> tuple[str, int] | None:
    """The bound word before a number, nearest first and longest first: (bound, its start)."""
    for end in range(pos, max(floor, pos - 10) - 1, -1):
        if end <= floor:  # no word fits between floor and end
            continue
        gap = text[end:pos]
        # Only the words ending in the character before end can end there (a fifth of a check's
        # time went to trying all of them at every position).
        for word, bound in _PREFIX_BY_LAST.get(text[end - 1], ()):
            begin = end - len(word)
            if begin < floor or text[begin:end] != word:
                continue
            if _gap_ok(text, begin, word, gap):
                return bound, begin
    return None


def _gap_ok(text: str, begin: int, word: str, gap: str) -> bool:
    if len(word) == 1:
        if begin and text[begin - 1] in _SINGLE_BLOCKERS.get(word, ""):
            return False
        return bool(_FILLER.fullmatch(gap))
    core = gap.rstrip(" \t\u00a0\u3000")
    if word in _NO_GAP:
        return not core
    return len(core) <= 4 and all("\u4e00" <= ch <= "\u9fff" and ch not in _CN_CHARS
                                  and ch != "的" for ch in core)


_PREFIX_ORDER = sorted(
    [(w, b) for b, words in _PREFIX_WORDS.items() for w in words] + list(_PREFIX_SINGLE.items()),
    key=lambda wb: -len(wb[0]))
_PREFIX_BY_LAST: dict[str, list[tuple[str, str]]] = {}
for _word, _bound in _PREFIX_ORDER:  # longest first within each last character, as above
    _PREFIX_BY_LAST.setdefault(_word[-1], []).append((_word, _bound))
