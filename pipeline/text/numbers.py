"""The quantities a text states, as numbers a check can compare across languages: Arabic
digits (3, 1.5, 10,000), Chinese numerals with their scales (三, 十二, 两百, 3万, 1.5亿),
fractions and percentages (千分之一, 百分之五, 5%), ordinals (第三, third, 3rd) and vague
magnitudes (数百亿 "tens of billions", "hundreds of millions"). A number right after a Latin
letter is part of a name (VOC2012, DDR4), not a quantity; one before letters has a unit (7B,
25Gb/s); 64x64 is two numbers.

Each quantity is a `Quantity(value, vague)`: a vague one stands for its order of magnitude
(数百亿 and "tens of billions" are both 1e10). "One" is left out on both sides: 一 and "a",
"one" are articles as often as numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG_UNITS = {"万": 10**4, "亿": 10**8}
_ZH_NUMERAL = "零〇一二两三四五六七八九十百千万亿"

# Words made of numerals that are not quantities (十分 "very", 万一 "in case", 千万 "by all
# means", 一些 "some", 之一 "one of", 统一 "unify", 三角 "triangle", 二次 "quadratic", ...).
_ZH_NOT_QUANTITIES = re.compile(
    "十分|万一|千万(?![元人个])|一些|一般|一样|一致|一定|一起|一直|一旦|一下|一切|一方面|一边|一点|之一|统一|唯一|"
    "一一|进一步|同一|逐一|不一|万物|百分百|三角|二次|一次|两者|两边|一半|五花八门|二进制|十进制|"
    "二元|一元|二分|二叉|二值|三次|一对一|四舍五入|万万|合二为一|二选一|一石二鸟|"
    "七八|三言两语|一五一十|十全十美|千方百计|一目了然|一模一样|独一无二|万能|万象|一概|一向|一律|一同|一再|一并")

_ZH_QUANTITY = re.compile(
    rf"(?P<vague>数)?(?<![A-Za-wyz\d.])(?P<num>\d+(?:\.\d+)?|[{_ZH_NUMERAL}]+)(?P<scale>[十百千万亿]*)"
    rf"(?P<pct>%|％)?")
_ZH_FRACTION = re.compile(rf"(?P<den>[{_ZH_NUMERAL}\d]+)分之(?P<num>[{_ZH_NUMERAL}\d.]+)")

_EN_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_EN_WORDS.update({w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)})
_EN_ORDINALS = {w: i for i, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split())}
# A Roman numeral in a title's part number: "(IV)", "Part XII".
_EN_ROMAN = re.compile(r"(?:(?<=\()|(?<=Part )|(?<=part ))(?=[IVXL]{1,6}\b)(L?X{0,3})(IX|IV|V?I{0,3})\b")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
_EN_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_EN_MULTIPLES = {"zeros": 0, "both": 2, "twice": 2, "double": 2, "doubled": 2, "triple": 3, "tripled": 3, "half": 0.5, "dozen": 12,
                 "dozens": 10, "quarter": 0.25}
_EN_NUMBER = re.compile(
    r"(?<!(?-i:[A-Za-wyz\d.,]))(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?P<ord>st|nd|rd|th)?(?:\s*(?P<pct>%|percent))?"
    r"(?:[\s-]+(?P<scale>hundred|thousand|million|billion|trillion)s?)?(?!\d)", re.IGNORECASE)
_EN_VAGUE = re.compile(r"\b(?:(?P<lead>tens|hundreds|thousands)\s+of\s+)?(?P<scale>hundreds|thousands|millions|billions|trillions)\b"
                       r"|\b(?:several|a few)\s+(?P<scale2>hundred|thousand|million|billion|trillion)\b", re.IGNORECASE)
_EN_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Quantity:
    value: float
    vague: bool = False   # an order of magnitude ("tens of billions"), not an exact value
    word: bool = False    # written as a word ("two", "twice"): a translator may add one ("two papers")

    def matches(self, other: "Quantity") -> bool:
        if self.vague or other.vague:
            return _magnitude(self.value) == _magnitude(other.value)
        return abs(self.value - other.value) <= 1e-9 * max(1.0, abs(self.value))


def _magnitude(value: float) -> int:
    return len(str(int(abs(value)))) - 1 if value >= 1 else 0


def parse_zh_numeral(text: str) -> float | None:
    """三 -> 3, 十二 -> 12, 两百零五 -> 205, 三千万 -> 30,000,000, 1.5 -> 1.5; None if not a numeral."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_SMALL_UNITS:
            section += (1 if digit is None else digit) * _ZH_SMALL_UNITS[ch]
            digit = None
        elif ch in _ZH_BIG_UNITS:
            total = (total + section + (digit or 0)) * _ZH_BIG_UNITS[ch]
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0))


def _scale(scale: str) -> float:
    """The multiplier of a run of scale characters: 万 -> 1e4, 百亿 -> 1e10, 千万 -> 1e7."""
    value = 1.0
    for ch in scale:
        value *= {**_ZH_SMALL_UNITS, **_ZH_BIG_UNITS}[ch]
    return value


def zh_quantities(text: str) -> list[Quantity]:
    """The quantities Chinese prose states (formulas already taken out)."""
    found: list[Quantity] = []
    for m in _ZH_FRACTION.finditer(text):
        den, num = parse_zh_numeral(m.group("den")), parse_zh_numeral(m.group("num"))
        if den and num is not None:
            found.append(Quantity(num if den == 100 else num / den))   # 百分之五 is 5 (percent)
    text = _ZH_NOT_QUANTITIES.sub(" ", _ZH_FRACTION.sub(" ", text))
    for m in _ZH_QUANTITY.finditer(text):
        value = parse_zh_numeral(m.group("num"))   # a numeral run holds its own scale (三百万)
        if value is not None and m.group("scale"):   # digits then scale characters (3万, 1.5亿)
            value *= _scale(m.group("scale"))
        if value is None:
            continue
        if m.group("vague"):   # 数百亿 "tens of billions", 数亿 "hundreds of millions": magnitude 1e10, 1e8
            found.append(Quantity(value, True))
        elif value != 1:
            found.append(Quantity(value))
    return found


def en_quantities(text: str) -> list[Quantity]:
    """The quantities English prose states (formulas already taken out)."""
    found: list[Quantity] = []
    for m in _EN_VAGUE.finditer(text):
        if m.group("scale2"):
            found.append(Quantity(_EN_SCALES[m.group("scale2").lower()], True))
            continue
        unit = _EN_SCALES[m.group("scale").lower().rstrip("s")]
        lead = {"tens": 10, "hundreds": 100, "thousands": 1000}.get((m.group("lead") or "").lower(), 1)
        found.append(Quantity(unit * lead, True))
    text = _EN_VAGUE.sub(" ", text)
    for m in _EN_NUMBER.finditer(text):
        value = float(m.group("num").replace(",", ""))
        if m.group("scale"):
            value *= _EN_SCALES[m.group("scale").lower()]
        if value != 1:
            found.append(Quantity(value))
    words = [w.lower() for w in _EN_WORD.findall(_EN_NUMBER.sub(" ", text))]
    i = 0
    while i < len(words):
        w = words[i]
        value = _EN_WORDS.get(w, _EN_ORDINALS.get(w, _EN_MULTIPLES.get(w)))
        if value is not None and w not in ("one", "first"):
            if i + 1 < len(words) and words[i + 1] in _EN_SCALES and w in _EN_WORDS:
                value *= _EN_SCALES[words[i + 1]]
                i += 1
            found.append(Quantity(float(value), word=True))
        i += 1
    for m in _EN_ROMAN.finditer(text):
        numeral = m.group(1) + m.group(2)
        values = [_ROMAN_VALUES[c] for c in numeral]
        value = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
        if value > 1:   # "Part II" may stand for 下 ("the second part"): a word, not a stated number
            found.append(Quantity(float(value), word=True))
    return found
