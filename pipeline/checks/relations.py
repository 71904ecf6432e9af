"""Checks for the errors a reviewer finds on real posts that the other checks cannot see: the
English says the opposite member of a pair (the real part for the imaginary one, between for
within, the upper bound for the lower), or a number loses its qualifier (about, within, at
least...). Each looks at a pair or a number, never at one word alone. Measured on the labelled
set of the packaged model's real errors (tests/real_error_set.py, docs/quality.md: "Real errors")."""

from __future__ import annotations

import re

from pipeline.checks.result import CheckResult

# (Chinese side A, English for A, Chinese side B, English for B): a pair the model confuses. The
# check fires when the Chinese has only A and the English only B's word (or the reverse).
OPPOSITES = [
    ("实部", r"real part", "虚部", r"imaginary part"),
    ("上界|上确界", r"upper bound|supremum", "下界|下确界", r"lower bound|infimum"),
    ("上限", r"upper (?:limit|bound)|maximum|cap", "下限", r"lower (?:limit|bound)|minimum|floor"),
    ("块内|组内|类内|层内", r"within|intra-?|inside", "块间|组间|类间|层间", r"between|across|inter-?"),
    ("前者", r"former", "后者", r"latter"),
    ("充分条件|充分性", r"sufficient", "必要条件|必要性", r"necessary"),
    ("行向量", r"row vector", "列向量", r"column vector"),
    ("每行|每一行", r"\brows?\b", "每列|每一列", r"\bcolumns?\b"),
    ("左边|左侧|左乘|左端", r"\bleft\b", "右边|右侧|右乘|右端", r"\bright\b"),
    ("升序", r"ascending|increasing order", "降序", r"descending|decreasing order"),
    ("上三角", r"upper[- ]triangular", "下三角", r"lower[- ]triangular"),
    ("凸函数|凸优化|凸集", r"\bconvex\b", "凹函数|凹集", r"\bconcave\b"),
    ("正相关", r"positive(?:ly)? correlat", "负相关", r"negative(?:ly)? correlat"),
    ("编码器", r"encoder", "解码器", r"decoder"),
    ("训练集", r"training (?:set|data)", "测试集", r"test(?:ing)? (?:set|data)"),
    ("增大|增加|上升|提高|变大", r"increas|ris(?:e|es|ing)\b|grow|rais|higher|larger|bigger|more",
     "减小|减少|下降|降低|变小", r"decreas|reduc|declin|drop|fall|lower|smaller|less|fewer"),
    ("最大值|最大化", r"max|largest|greatest|highest", "最小值|最小化", r"min|smallest|least|lowest"),
]
_COMPILED = [(re.compile(za), re.compile(ea, re.IGNORECASE), re.compile(zb), re.compile(eb, re.IGNORECASE))
             for za, ea, zb, eb in OPPOSITES]


def check_opposites(zh: str, en: str, config=None) -> CheckResult:
    """A pair whose Chinese names one side and whose English names only the other."""
    swapped = []
    for zh_a, en_a, zh_b, en_b in _COMPILED:
        for (has, has_en), (other, other_en) in (((zh_a, en_a), (zh_b, en_b)), ((zh_b, en_b), (zh_a, en_a))):
            if has.search(zh) and not other.search(zh) and other_en.search(en) and not has_en.search(en):
                swapped.append(f"{has.search(zh).group()} read as {other_en.search(en).group()!r}")
    return CheckResult("opposites", not swapped, "; ".join(swapped))


_NUMBER = r"(?:\d+(?:\.\d+)?%?|[一二三四五六七八九十百千万亿两几]+)"
_GAP = r"[^\d，。；,.;]{0,4}?"   # a verb between the qualifier and its number: 至少需要 3
# A qualifier bound to a number in the Chinese, and the English words that keep it.
QUALIFIERS = [
    (rf"{_NUMBER}\s*(?:[^\W\d]{{0,3}})?左右|大约\s*{_NUMBER}|约\s*{_NUMBER}|近\s*{_NUMBER}|{_NUMBER}\s*上下",
     r"about|around|approximately|roughly|nearly|almost|some|~|≈|close to|or so", "about"),
    (rf"{_NUMBER}\s*(?:[^\W\d]{{0,3}})?以内|不超过{_GAP}{_NUMBER}|至多{_GAP}{_NUMBER}|最多{_GAP}{_NUMBER}",
     r"within|at most|no more than|not (?:more|exceed)|up to|under|below|less than|fewer than|maximum|or less|or fewer",
     "at most"),
    (rf"至少{_GAP}{_NUMBER}|不少于{_GAP}{_NUMBER}|最少{_GAP}{_NUMBER}|{_NUMBER}\s*(?:[^\W\d]{{0,3}})?以上|超过\s*{_NUMBER}",
     r"at least|no (?:less|fewer) than|more than|over|above|exceed|or more|minimum|upwards of|\+", "at least"),
    (r"[\u4e00-\u9fff]{2}之一", r"one of|among|some of|\ban? (?:\w+[ -]){0,3}(?:that|which|of)\b", "one of"),
]
_QUALIFIERS = [(re.compile(z), re.compile(rf"(?:{e})", re.IGNORECASE), name) for z, e, name in QUALIFIERS]


def check_qualifiers(zh: str, en: str, config=None) -> CheckResult:
    """A number qualified in the Chinese (30 左右, 以内, 至少) whose English has no word of the kind."""
    lost = [f"{m.group()} ({name})" for z, e, name in _QUALIFIERS for m in [z.search(zh)] if m and not e.search(en)]
    return CheckResult("qualifiers", not lost, "; ".join(lost))
