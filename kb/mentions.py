"""Numeric mentions: every number a text states, with its value, unit, bound and offsets.

Used twice: to read the numbers in a claim's quote (which must agree with the claim's amount)
and to list every number in a source text (each must be covered by a claim or an ignored
mention).

What counts as a numeric mention
--------------------------------
1. Every number written with Arabic digits: 78, 814.62, 1,000, 60%, 7nm, 2025-10-24, 03:14.
   Not: digits inside an identifier that starts with a Latin letter or is glued to letters
   that are not a unit (A100, D1, H100, AI6, 5G).
2. A Chinese numeral when it expresses a quantity, an ordinal or a date: 三, 五年, 两家, 六大块,
   十几个, 上千次, 百亿, 百万, 千元, 第三次, 二季度. Not:
   - the numeral 一 on its own, which is usually the indefinite article or part of a word
     (一霎, 一部分, 一次次, 一个算力极强的…, 独一). It counts only as an ordinal (第一) or before a
     unit of time (一年内, 一个月前);
   - a bare 十/百/千/万/亿 unless a unit or measure word follows (千元, 十年) or 上/数 precedes
     (上千); 几 unless it is part of a numeral (十几, 几十);
   - a numeral before 号, which names a thing (猎鹰一号, 猎鹰九号), unless a month precedes it;
   - the words and idioms in NOT_NUMBERS (三星, 三元锂, 百孔千疮, 第一性, 十分, 万一, 未几 …).
3. A section number glued to the start of a line: a digit run at the start of a line that
   begins with 0 (01马, 02爆炸) is section 01, 02 (kind "label"); its first two digits are the
   section number and any digits after them start a new mention ("0320 亿" is section 03 and
   then "20 亿").

Each mention has a kind: "quantity" (amounts, counts, durations, ratios), "date" (a year
followed by 年, a month 1-12 followed by 月, a day, an ISO date, a clock time, a quarter, or a
span of time followed by 前/后), "ordinal" (第N) or "label" (section numbers, N 号).

Reading a mention
-----------------
- Scales are resolved: 万 1e4, 亿 1e8, 万亿 1e12, 亿亿 1e16, 千万 1e7, 百万 1e6, 十亿 1e9, also
  thousand/million/billion/trillion. "814.62 亿" → 81462000000.
- precision is the value of one unit in the last stated digit: 814.62 亿 → 1e6, 176 亿 → 1e8,
  6000 万 → 1e4, 3 到 4 倍 → 1, 百亿 → 1e10.
- unit: the unit the text writes after the number: 好意思元/美元 → USD, 元/人民币 → CNY,
  % → percent (60% has value 60), 倍 → ratio, 吨 → t, 公斤 → kg, nm, KWh → kWh, Exa-FLOPS →
  EFLOPS, 年 → year (a duration), measure words (个, 次, 块, 颗 …) → count; None when nothing
  follows. The value is in that unit ("100 Exa-FLOPS" has value 100, unit EFLOPS).
- bound, lower, upper (the bound kinds of kb.model):
  approximately  约 约合 大约 大概 省略 (spun 大约) 近 将近 接近 before; 左右 上下 险阻 (spun 上下)
                 前后 after
  more-than      超 超过 逾 多于 高于 before; 开外 有余 出头 after; N 多/余 ("50 多亿" = more than
                 5e9 and below 6e9: upper is one unit of the last non-zero digit above)
  at-least       不低于 不少于 至少 起码 最少 before; 以上 after; 上千/上万 (lower = the value)
  less-than      不到 不足 少于 低于 未满 before
  at-most        不超过 不高于 至多 最多 before; 以内 之内 以下 after
  range          "1500-2800 万", "3 到 4 倍", "200 亿到 300 亿" (a scale or unit written once
                 applies to both ends), 十几 (11-19), 数十 (20-90), 三四 (3-4),
                 "千元区间" (the bracket 1000-10000); value is the midpoint
  A multi-character bound word may stand up to four Chinese characters before the number
  ("至少整合了六大块"); 约/超/近/逾 must be next to it (spaces and 在/为/达/只须/仅 allowed).

Offsets are Unicode code points, end exclusive. `start`/`end` span the whole mention (bound
words, number, unit); `num_start`/`num_end` span the number itself (digits, scale words, 多,
range): that is the part a claim's quote or an ignored mention must cover.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from decimal import Decimal

KINDS = ("quantity", "date", "ordinal", "label")

_SP = r"[ \t\u00a0\u3000]*"

# Words containing numeral characters that are not numbers (names, idioms, adverbs).
NOT_NUMBERS = (
    "三星", "三元(?=锂|材料|电池|正极)", "三明治", "四川", "三亚", "三峡", "九州", "九寨沟", "十堰",
    "一霎", "独一", "唯一", "统一", "万一", "一一", "十分", "十足", "十字", "万分", "万万", "亿万",
    "千万(?=[别不要莫记])", "千千万万", "千百", "百孔千疮", "千疮百孔", "千方百计", "百般", "百姓",
    "百货", "百度", "百科", "千篇一律", "五花八门", "乱七八糟", "七上八下", "七嘴八舌", "三心二意",
    "四面八方", "四处", "九牛一毛", "一五一十", "数一数二", "独一无二", "一举两得", "两全其美",
    "两岸", "两会", "丢三落四", "五湖四海", "二手", "三维", "八卦", "不三不四", "三番五次", "万物",
    "万岁", "零部件", "零件", "零售", "零食", "零星", "第一性", "第三方", "[一二三四]是", "未几",
    "几乎",
)
_NOT_NUMBERS = re.compile("|".join(NOT_NUMBERS))

# Unit words after a number: (word, unit code). Longest first where one is a prefix of another.
_UNIT_WORDS = (
    ("好意思元", "USD"), ("美元", "USD"), ("美金", "USD"), ("元东谈主民币", "CNY"),
    ("元人民币", "CNY"), ("人民币", "CNY"), ("新台币", "TWD"), ("台币", "TWD"), ("韩元", "KRW"),
    ("日元", "JPY"),
    ("欧元", "EUR"), ("港元", "HKD"), ("港币", "HKD"), ("块钱", "CNY"), ("元", "CNY"),
    ("个百分点", "percent"), ("%", "percent"), ("％", "percent"), ("倍", "ratio"),
    ("千瓦时", "kWh"), ("千瓦", "kW"), ("吨", "t"), ("公斤", "kg"), ("千克", "kg"), ("克", "g"),
    ("公里", "km"), ("千米", "km"), ("纳米", "nm"), ("米", "m"),
    ("个月", "month"), ("个星期", "week"), ("个小时", "hour"), ("星期", "week"), ("小时", "hour"),
    ("分钟", "minute"), ("季度", "quarter"), ("年代", "decade"), ("年", "year"), ("月", "month"),
    ("天", "day"), ("日", "day"), ("号", "day"), ("周", "week"), ("秒", "second"),
    *((w, "count") for w in ("个", "颗", "次", "家", "块", "处", "台", "辆", "架", "枚", "名", "位",
                             "座", "条", "项", "款", "发", "人", "只", "张", "份", "件", "代")),
)
_UNIT_RE = re.compile(_SP + "(" + "|".join(re.escape(w) for w, _ in _UNIT_WORDS) + ")")
_UNIT_CODES = dict(_UNIT_WORDS)
_TIME_UNITS = ("year", "month", "week", "day", "hour", "minute", "second", "quarter")
_ASCII_UNITS = {
    "nm": "nm", "mm": "mm", "cm": "cm", "km": "km", "kg": "kg", "GB": "GB", "TB": "TB", "MB": "MB",
    "kW": "kW", "MW": "MW", "GW": "GW", "kWh": "kWh", "KWh": "kWh", "MWh": "MWh", "GWh": "GWh",
    "Hz": "Hz", "GHz": "GHz", "MHz": "MHz", "W": "W",
}
_SI_WORDS = {"Exa": "E", "Peta": "P", "Tera": "T", "Giga": "G", "Mega": "M", "Kilo": "k"}
_ASCII_UNIT_RE = re.compile(
    r"[ ]?(?P<flops>(?P<pre>Exa|Peta|Tera|Giga|Mega|Kilo|[EPTGMk])?-?FLOPS)(?![A-Za-z])"
    r"|(?P<word>[A-Za-z]+)(?![A-Za-z])")
_PER_RE = re.compile(_SP + r"/" + _SP + r"(?P<per>KWh|kWh|kg|t|km|GB|W)(?![A-Za-z])")

_SCALES = {"亿亿": 16, "万亿": 12, "千亿": 11, "百亿": 10, "十亿": 9, "千万": 7, "百万": 6,
           "十万": 5, "亿": 8, "万": 4, "千": 3, "百": 2, "thousand": 3, "million": 6,
           "billion": 9, "trillion": 12, "bn": 9}
_SCALE = (_SP + r"(?P<scale>亿亿|万亿|千亿|百亿|十亿|千万|百万|十万|亿|万|千(?![克米瓦])|百(?!分)"
          r"|(?:thousand|million|billion|trillion|bn)(?![A-Za-z]))")
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_ARABIC = re.compile(
    r"(?P<digits>" + _DIGITS + r")(?:" + _SP + r"(?P<more1>[多余]))?(?:" + _SCALE + r")?"
    r"(?P<more2>[多余])?")
_LETTERS = re.compile(r"[A-Za-z]")
_RANGE_SEP = re.compile(_SP + r"(?:-|–|—|~|～|到|至)" + _SP)
_ISO_DATE = re.compile(r"\d{4}([-/.])\d{1,2}\1\d{1,2}(?!\d)")
_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_CURRENCY_SIGNS = {"US$": "USD", "$": "USD", "¥": "CNY", "￥": "CNY", "€": "EUR", "HK$": "HKD",
                   "NT$": "TWD"}
_SIGN_RE = re.compile(r"(US\$|HK\$|NT\$|\$|¥|￥|€)" + _SP + r"(?=\d)")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = (("亿", 10**8), ("万", 10**4))
_CN_MAX_CHARS = 40  # 九千九百九十九万九千九百九十九亿九千九百九十九万九千九百九十九 has 39
_CN_CHARS = "".join(_CN_DIGITS) + "十百千万亿几"
_PAIR = re.compile("([一二三四五六七八])([二两三四五六七八九])")
_CN = re.compile(r"(?P<pre>第|上(?=[百千万亿])|数(?=[十百千万亿])|百分之)?"
                 r"(?P<cn>[" + _CN_CHARS + "]+)")
_MORE = re.compile(_SP + "[多余]")
# Where a number may start: a digit, a currency sign, a Chinese numeral or 第/上/数.
_CANDIDATE = re.compile("[0-9$¥￥€第上数" + _CN_CHARS + "]|US\\$|HK\\$|NT\\$")
_ORDINAL_ARABIC = re.compile(r"第" + _SP + r"(?=\d)")
_PERCENT_OF_ARABIC = re.compile(r"百分之" + _SP + r"(?=\d)")

_PREFIX_WORDS = {
    "approximately": ("约合", "大约", "大概", "约莫", "大致", "省略", "将近", "接近"),
    "more-than": ("超过", "超出", "多于", "高于"),
    "at-least": ("不低于", "不少于", "至少", "起码", "最少"),
    "less-than": ("不到", "不足", "少于", "低于", "未满"),
    "at-most": ("不超过", "不高于", "至多", "最多"),
}
_PREFIX_SINGLE = {"约": "approximately", "約": "approximately", "近": "approximately",
                  "超": "more-than", "逾": "more-than"}
# Words that make a single-character bound word part of another word (契约, 最近).
_SINGLE_BLOCKERS = {"约": "契节公条签预制邀相婚大", "近": "最附临将接靠", "超": "高"}
_FILLER = re.compile("(?:在|为|是|达|有|只须|只需|只有|仅)?" + _SP + "$")
_NO_GAP = ("多于", "高于", "少于", "低于")
_SUFFIX = re.compile(_SP + "(左右|上下|险阻|前后|以内|之内|以下|以上|开外|有余|出头|区间)")
_SUFFIX_BOUNDS = {"左右": "approximately", "上下": "approximately", "险阻": "approximately",
                  "前后": "approximately", "以内": "at-most", "之内": "at-most",
                  "以下": "at-most", "以上": "at-least", "开外": "more-than",
                  "有余": "more-than", "出头": "more-than"}
_BETWEEN = re.compile(_SP + "之间")
_RELATIVE = re.compile(_SP + "(?:以前|之前|前)")


@dataclass(frozen=True)
class Mention:
    """One number found in a text, read as a quantity."""

    start: int  # the whole mention: bound words, number, unit word
    end: int
    num_start: int  # the number itself: what a quote or an ignored mention must cover
    num_end: int
    text: str
    number: str
    kind: str  # quantity | date | ordinal | label
    value: Decimal  # in `unit`, scale words resolved; for a range the midpoint
    bound: str
    lower: Decimal | None
    upper: Decimal | None
    precision: Decimal
    unit: str | None
    unit_text: str = ""
    line: int = 0



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


def find_mentions(text: str) -> list[Mention]:
    """Every numeric mention in a text, in order (see the module docstring for the rules)."""
    blocked = _blocked_positions(text)
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    out: list[Mention] = []
    pos, floor = 0, 0
    while (candidate := _CANDIDATE.search(text, pos)) is not None:
        core, nxt = _core_at(text, candidate.start(), blocked)
        if core is None:
            pos = nxt
            continue
        mention = _decorate(text, core, floor)
        if mention is not None:
            line = bisect.bisect_right(newlines, mention.num_start - 1) + 1
            out.append(replace(mention, line=line))
            floor = mention.end
            pos = max(mention.end, core.num_end)
        else:
            pos = core.num_end
    return out


def _blocked_positions(text: str) -> set[int]:
    blocked: set[int] = set()
    for m in _NOT_NUMBERS.finditer(text):
        blocked.update(range(m.start(), m.end()))
    return blocked


# -- cores: the number itself ----------------------------------------------------------------------

def _core_at(text: str, pos: int, blocked: set[int]) -> tuple[_Core | None, int]:
    """The number starting at pos (or None) and where to look next."""
    ch = text[pos]
    if ch.isascii() and ch.isdigit():
        return _arabic_at(text, pos)
    if m := _SIGN_RE.match(text, pos):
        core, nxt = _arabic_at(text, m.end())
        if core is not None:
            core.unit, core.unit_text, core.start = _CURRENCY_SIGNS[m.group(1)], m.group(1), pos
        return core, nxt
    if m := _ORDINAL_ARABIC.match(text, pos):
        core, nxt = _arabic_at(text, m.end())
        if core is not None:
            core.num_start, core.kind = pos, "ordinal"
        return core, nxt
    if m := _PERCENT_OF_ARABIC.match(text, pos):
        core, nxt = _arabic_at(text, m.end())
        if core is not None:
            core.num_start, core.unit, core.unit_text = pos, "percent", "百分之"
        return core, nxt
    if pos not in blocked and (m := _CN.match(text, pos)):
        return _chinese(text, m, blocked), m.end()
    return None, pos + 1


def _arabic_at(text: str, pos: int) -> tuple[_Core | None, int]:
    prev = text[pos - 1] if pos else ""
    if prev.isascii() and (prev.isalpha() or prev == "_"):
        return None, _skip_identifier(text, pos)
    if _at_line_start(text, pos) and (sec := re.match(r"0\d", text[pos:pos + 2])) \
            and not re.match(r"[.:]", text[pos + 2:pos + 3]):
        value = Decimal(sec.group())
        return _Core(pos, pos + 2, value, Decimal(1), kind="label"), pos + 2
    for pattern, kind in ((_ISO_DATE, "date"), (_CLOCK, "date")):
        if m := pattern.match(text, pos):
            digits = re.findall(r"\d+", m.group())
            return _Core(pos, m.end(), Decimal(digits[0]), Decimal(1), kind=kind), m.end()
    first = _arabic_number(text, pos)
    if first is None:
        return None, _skip_identifier(text, pos)
    return _maybe_range(text, first, _arabic_number), first.num_end


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
                 integer_digits=0 if decimals or exp else len(digits))
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


def _maybe_range(text: str, first: _Core, parse) -> _Core:
    """'1500-2800 万', '3 到 4', '200 亿到 300 亿': a scale written once applies to both ends."""
    sep = _RANGE_SEP.match(text, first.num_end)
    if not sep or first.bound != "exact" or first.kind != "quantity":
        return first
    second = parse(text, sep.end())
    if second is None or second.bound != "exact" or second.kind != "quantity":
        return first
    lo, hi = first.value, second.value
    precision = max(first.precision, second.precision)
    if second.exp and not first.exp:
        scale = Decimal(10) ** second.exp
        lo, precision = lo * scale, max(first.precision * scale, second.precision)
    if lo >= hi:
        return first
    return _Core(first.num_start, second.num_end, (lo + hi) / 2, precision, bound="range",
                 lower=lo, upper=hi, exp=max(first.exp, second.exp), start=first.start,
                 unit=first.unit, unit_text=first.unit_text)


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
    more = _MORE.match(text, end)
    unit = _UNIT_RE.match(text, more.end() if more else end)
    word = unit.group(1) if unit else ""
    if word == "号" and not text[:start].rstrip().endswith("月"):
        return None  # 猎鹰九号: a name
    if cn == "一" and pre != "第" and not (_UNIT_CODES.get(word) in _TIME_UNITS and word != "号"):
        return None  # the indefinite or idiomatic 一
    if cn in "十百千万亿" and not pre and not unit:
        return None
    if set(cn) <= set("几"):
        return None
    core = _Core(start, end, Decimal(lo), Decimal(place))
    if pre == "第":
        core.kind = "ordinal"
    elif pre == "上":
        core.bound, core.lower = "at-least", core.value
    elif pre == "百分之":
        core.unit, core.unit_text = "percent", "百分之"
    if lo != hi:
        core.bound, core.lower, core.upper = "range", Decimal(lo), Decimal(hi)
        core.value = (core.lower + core.upper) / 2
        core.precision = Decimal(1) if place < 1 else Decimal(place)
    if more and core.bound == "exact" and not pre:
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
        if _CN_DIGITS[b] == _CN_DIGITS[a] + 1:
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
    return (_ASCII_UNITS[word], word, m.end()) if word in _ASCII_UNITS else None


def _decorate(text: str, core: _Core, floor: int) -> Mention | None:
    pos, unit, unit_text, kind = core.num_end, core.unit, core.unit_text, core.kind
    if unit is None:
        if m := _UNIT_RE.match(text, pos):
            unit_text, unit, pos = m.group(1), _UNIT_CODES[m.group(1)], m.end()
        elif a := _ascii_unit(text, pos):
            unit, unit_text, pos = a
    if unit and unit.isupper() and len(unit) == 3 and (per := _PER_RE.match(text, pos)):
        unit = f"{unit}/{_ASCII_UNITS.get(per.group('per'), per.group('per'))}"
        unit_text, pos = unit_text + per.group(), per.end()
    kind = _kind(text, core, kind, unit_text)
    if kind == "quantity" and unit in _TIME_UNITS and (rel := _RELATIVE.match(text, pos)):
        kind, pos = "date", rel.end()  # 一个月前: a time, relative to the text's date
    bound, lower, upper, value = core.bound, core.lower, core.upper, core.value
    if suffix := _SUFFIX.match(text, pos):
        word = suffix.group(1)
        if bound == "exact" and word == "区间":
            bound, lower, upper = "range", value, value * 10  # 千元区间: the 1000s bracket
            value = (lower + upper) / 2
        elif bound == "exact" and word != "区间":
            bound = _SUFFIX_BOUNDS[word]
        if bound != core.bound or word in _SUFFIX_BOUNDS:
            pos = suffix.end()
    if core.bound == "range" and (between := _BETWEEN.match(text, pos)):
        pos = between.end()
    start = core.start if core.start is not None else core.num_start
    if prefix := _prefix_bound(text, start, floor):
        prefix_bound, start = prefix
        if bound == "exact":
            bound = prefix_bound
    if bound in ("more-than", "at-least") and lower is None:
        lower = value
    if bound in ("less-than", "at-most") and upper is None:
        upper = value
    if kind != "quantity":
        unit = None
    return Mention(start, pos, core.num_start, core.num_end, text[start:pos],
                   text[core.num_start:core.num_end], kind, value, bound, lower, upper,
                   core.precision, unit, unit_text)


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
    return kind


def _cn_year(text: str, core: _Core) -> bool:
    number = text[core.num_start:core.num_end]
    return len(number) == 4 and all(ch in _CN_DIGITS for ch in number)


def _prefix_bound(text: str, pos: int, floor: int) -> tuple[str, int] | None:
    """The bound word before a number, nearest first and longest first: (bound, its start)."""
    for end in range(pos, max(floor, pos - 10) - 1, -1):
        gap = text[end:pos]
        for word, bound in _PREFIX_ORDER:
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
