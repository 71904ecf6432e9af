"""Meaning-level checks: what a small model gets wrong while the English stays fluent - a
flipped negation, a changed number, a dropped name, a lost question, the author's own English
term or a title left out. One small function each, on the prose of a segment (formulas taken
out); thresholds in `MeaningConfig`. Their precision and recall on a labelled error set are
measured by tests/meaning_set.py (docs/quality.md: "Meaning checks")."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import regex

from pipeline.checks.result import CheckResult
from pipeline.text.han import HAN, HAN_CLASS
from pipeline.text.numbers import en_quantities, zh_quantities
from pipeline.text.sentences import ZH_SENTENCE_END, split_en_sentences
from pipeline.text.words import AUTHOR_GLOSS


@dataclass(frozen=True)
class MeaningConfig:
    negation_tolerance: int = 0      # negations the English may lack or add before a flag
    latin_min_length: int = 2        # shorter Latin tokens (x, k) are variables, not names
    # Sentence alignment (tuned on the labelled set: 97% of dropped sentences, 2% false alarms)
    chars_per_han: float = 3.3       # English characters per Han character (docs/design.md: 2.6-4.3)
    merge_cost: float = 1.0          # per sentence merged into a neighbour's English
    unmatched_cost: float = 0.5      # a sentence with no partner
    min_han_unmatched: int = 8       # a shorter unmatched sentence (a fragment) is not flagged
    # Flag an answer whose mean token probability is below this (0: off). Measured AUC against
    # the worst quarter of dev lines by chrF: 0.71 (d2l), 0.72 (FLORES) - a weak signal (docs/quality.md).
    min_confidence: float = 0.0
    # Flag an answer one of whose tokens the model gave less than this probability (0: off). On
    # the labelled set of the model's real errors (tests/real_error_set.py) the lowest token
    # probability separates passages with a major or critical error from the rest with AUC 0.84;
    # 0.2 was chosen on the first half of the set's documents (docs/quality.md: "Real errors").
    min_token_probability: float = 0.2
    # Flag an answer whose surprise (Confidence.surprise: -ln p summed over the tokens below an
    # even chance) exceeds this (0: off): several doubtful words where no single one is below
    # 0.2. Chosen on the set's tuning documents (docs/quality.md: "Real errors").
    max_surprise: float = 5.0
    retry: bool = True               # one retry naming the problem (False: flag at once; the bench's A/B)


# -- negation ---------------------------------------------------------------------------------

# Chinese words built on a negating character that are not negations in English (不同
# "different", 不断 "continually", 无论 "no matter", 非常 "very", 分别 "respectively").
_ZH_NOT_NEGATION = (
    # A-not-A questions (是不是 "is it", 有没有 "is there", 会不会 "could it") ask, they do not deny
    r"([是会能有好对要可行])[不没]\1|"
    "无处不|美中不足|不愠不火|不例外|毫无疑问|不言而喻|不可思议|情不自禁|"
    "不同|不断|不仅|不只|不用说|不少|不久|不妨|不过|不然|不得不|不禁|不管|不论|不止|不外乎|毫不犹豫|不错|不得了|"
    "无论|无数|无穷|无限|无需|无须|非常|除非|莫非|无非|是非|未来|别人|别的|别处|分别|区别|特别|差别|类别|级别|识别|"
    "判别|个别|告别|否则|是否|能否|可否|与否|必不可少|不可或缺")
# Words built on one that English often renders as one prefixed word (无关 "unrelated", 非零
# "non-zero", 不变 "invariant", 未知 "unknown") - or as "not ...": they may account for an
# English negation, never count as a missing one.
_ZH_MAYBE_NEGATION = (
    "不一定|未必不|无关|无偏|无监督|无损|无界|无约束|无条件|无效|无理|无意|非线性|非负|非零|非凸|非平凡|非对称|"
    "非平稳|非参数|非正式|非\\d|未知|不变|不等式|不等|不动点|不确定|不可逆|不对称|不平衡|不连续|不稳定|不相关|"
    "不可导|不可|不足为|不二|不一|不如|难道不|没多久|没什么|没有什么")
_ZH_FALSE_FRIENDS = re.compile(f"{_ZH_NOT_NEGATION}|{_ZH_MAYBE_NEGATION}")
_ZH_MAYBE = re.compile(_ZH_MAYBE_NEGATION)
_ZH_NEGATION = re.compile("并不|并非|未必|无法|不能|不会|不是|没有|毫无|从不|从未|绝不|决不|不|没|未|无|非|别|勿|否")
# English negators; "not only" (不仅) and "no matter" (无论) are not negations.
_EN_NOT_NEGATION = re.compile(r"\bnot only\b|\bno matter\b|\bno longer\b(?=.*\bbut\b)|\bnothing but\b|\bnot just\b",
                              re.IGNORECASE)
_EN_NEGATION = re.compile(r"\b(?:not|no|never|none|nothing|nobody|neither|nor|without|cannot|nowhere|"
                          r"hardly|barely|lack|lacks|lacking|fail|fails|failed|rather than|instead of)\b|n't\b",
                          re.IGNORECASE)
# One English word with a negating prefix (unknown, non-zero, unlike, less than): what a
# Chinese false friend (未知, 非零, 不同, 不到) or a negated adjective (不合理) often becomes.
_EN_PREFIXED = re.compile(r"\b(?:(?:un|non)-?(?!der|til|it|ion|ique|iver|iform|less|ified|ify)[a-z]{3,}|less than|"
                          r"(?<!\ba )little|(?<!\ba )few|less|"
                          r"fewer than|in(?:sufficient|correct|valid|dependent|finite|evitabl[ey])|ir[a-z]{5,}|"
                          r"im(?:possible|proper|balanced))\b", re.IGNORECASE)


def zh_negations(zh: str) -> tuple[int, int]:
    """(negations, words built on a negating character that may or may not read as one)."""
    return len(zh_negation_cues(zh)), len(_ZH_MAYBE.findall(zh))


_HAN_AFTER = regex.compile(f"{HAN_CLASS}{{0,2}}")


def zh_negation_cues(zh: str) -> list[str]:
    """Each negation of the Chinese with the two characters after it (不除以, 没有用): what a
    reader or the model's retry can find it by."""
    plain = _ZH_FALSE_FRIENDS.sub(lambda m: " " * len(m.group()), zh)
    return [m.group() + _HAN_AFTER.match(zh, m.end()).group() for m in _ZH_NEGATION.finditer(plain)]



def en_negations(en: str) -> tuple[int, int]:
    """(negations, prefixed words that may render a Chinese negation)."""
    plain = _EN_NOT_NEGATION.sub(" ", en)
    return len(_EN_NEGATION.findall(plain)), len(_EN_PREFIXED.findall(plain))


def check_negation(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """Negations on one side that the other cannot account for - a flip adds or drops one.
    A side's words that may or may not read as negations (false friends, prefixed words)
    can account for the other side's negations, never count against them."""
    # A title is quoted as written ("... without Training"): its words are not the author's.
    zh, en = _ZH_QUOTED.sub(" ", zh), _EN_TITLE_QUOTED.sub(" ", en)
    (n_zh, soft_zh), (n_en, soft_en) = zh_negations(zh), en_negations(en)
    # A false friend and a prefixed word pair up (非零 / non-zero); only the unpaired ones can
    # account for a negation on the other side.
    lost = n_zh - (n_en + max(0, soft_en - soft_zh))    # the English lacks a negation the Chinese has
    added = n_en - (n_zh + max(0, soft_zh - soft_en))   # the English has one the Chinese does not
    ok = lost <= config.negation_tolerance and added <= config.negation_tolerance
    if ok:
        return CheckResult("negation", True)
    cues = "、".join(zh_negation_cues(zh)[:4])
    said = (f"the Chinese negates {n_zh} time(s) ({cues})" if n_zh else "the Chinese has no negation")
    return CheckResult("negation", False, f"{said}, the English {n_en} time(s)")


# -- numbers ----------------------------------------------------------------------------------

def check_numbers(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """Every quantity of the Chinese stated in the English, and no other written in digits
    (a translator may well write "two papers" for 《A》《B》)."""
    zh_q, en_q = zh_quantities(zh), en_quantities(en)
    missing = [q for q in zh_q if not any(q.matches(o) for o in en_q)]
    added = [q for q in en_q if not q.word and not any(q.matches(o) for o in zh_q)]
    if not missing and not added:
        return CheckResult("numbers", True)
    said = [f"{_show(q)} not in the English" for q in missing] + [f"{_show(q)} not in the Chinese" for q in added]
    return CheckResult("numbers", False, "; ".join(said[:3]))


def _show(q) -> str:
    """7,000,000,000 as "7 billion (7,000,000,000)": the scale is what a translation gets wrong."""
    value = int(q.value) if q.value == int(q.value) else q.value
    shown = f"{value:,}" if isinstance(value, int) else str(value)
    for scale, word in ((10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million")):
        if isinstance(value, int) and value >= scale:
            shown = f"{value / scale:g} {word} ({shown})"
            break
    return f"~{shown}" if q.vague else shown


# -- Latin tokens: names, acronyms, identifiers, the author's own English terms ---------------

_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.'][A-Za-z0-9]+)*")


def latin_tokens(zh: str, config: MeaningConfig = MeaningConfig()) -> list[str]:
    """Names, acronyms and identifiers: Latin tokens with a capital or a digit (GAN, Muon, 7B).
    An all-lower-case word in Chinese prose (debug, mask, token) is English the translation
    may inflect or rephrase."""
    return [t for t in dict.fromkeys(_LATIN.findall(zh))
            if len(t) >= config.latin_min_length and any(c.isupper() or c.isdigit() for c in t)]


def check_latin_tokens(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """Every name, acronym and identifier of the Chinese prose (TARFLOW, GAN, Muon) is in the
    English as written (case aside)."""
    english = en.lower()
    missing = [t for t in latin_tokens(zh, config)
               if not re.search(rf"(?<![a-z0-9]){re.escape(t.lower())}(?:e?s)?(?![a-z0-9])", english)]   # LLM(s)
    return CheckResult("latin_tokens", not missing, ", ".join(missing[:5]))


def check_author_glosses(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """The English the author gave for a term - 梯度裁剪(Gradient Clipping) - is the English used."""
    english = " ".join(en.lower().split())
    missing = [g for g in dict.fromkeys(AUTHOR_GLOSS.findall(zh)) if " ".join(g.lower().split()) not in english]
    return CheckResult("author_glosses", not missing, ", ".join(missing[:3]))


# -- sentence kinds and titles ----------------------------------------------------------------

def check_sentence_kinds(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """A question stays a question, an exclamation an exclamation (and none appear)."""
    problems = []
    for name, zh_marks, en_mark in (("question", "？?", "?"), ("exclamation", "！!", "!")):
        n_zh = sum(zh.count(m) for m in zh_marks)
        n_en = en.count(en_mark)
        if (n_zh > 0) != (n_en > 0):
            problems.append(f"{n_zh} {name} mark(s) in the Chinese, {n_en} in the English")
    return CheckResult("sentence_kinds", not problems, "; ".join(problems))


_TITLE = re.compile(r"《([^》]+)》")
_EN_QUOTED = re.compile(r'"[^"]+"|“[^”]+”|\*[^*]+\*|_[^_]+_|《[^》]+》')
_ZH_QUOTED = re.compile(r"《[^》]+》|“[^”]+”")
_EN_TITLE_QUOTED = re.compile(r'"[^"]+"|“[^”]+”')


def check_titles(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """Each quoted title (《…》) of the Chinese is a quoted or emphasised title in the English."""
    n_zh, n_en = len(_TITLE.findall(zh)), len(_EN_QUOTED.findall(en))
    ok = n_en >= n_zh
    return CheckResult("titles", ok, "" if ok else f"{n_zh} title(s) in 《》, {n_en} quoted in the English")


# -- sentence coverage by alignment -------------------------------------------------------------

_MOVES = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 0), (0, 1))


def align_sentences(zh_lengths: list[int], en_lengths: list[int], config: MeaningConfig) -> list[tuple[int, int, int]]:
    """Gale-Church-style alignment of sentences by length: (Chinese sentences, English
    sentences, Han characters) per step, in order. A step (1, 0) is a Chinese sentence with
    no English. Costs: how far the English length is from `chars_per_han` times the Chinese,
    a penalty per sentence merged, and a fixed cost for a sentence left unmatched."""
    n, m = len(zh_lengths), len(en_lengths)
    best = {(0, 0): (0.0, None)}
    for i in range(n + 1):
        for j in range(m + 1):
            if (i, j) not in best:
                continue
            for di, dj in _MOVES:
                if i + di > n or j + dj > m:
                    continue
                if di == 0 or dj == 0:
                    step = config.unmatched_cost
                else:
                    zh_len, en_len = sum(zh_lengths[i:i + di]), sum(en_lengths[j:j + dj])
                    step = abs(math.log((en_len + 8) / (config.chars_per_han * zh_len + 8))) \
                        + config.merge_cost * (di + dj - 2)
                cost = best[(i, j)][0] + step
                if (i + di, j + dj) not in best or cost < best[(i + di, j + dj)][0]:
                    best[(i + di, j + dj)] = (cost, (i, j))
    steps, at = [], (n, m)
    while at != (0, 0):
        prev = best[at][1]
        steps.append((at[0] - prev[0], at[1] - prev[1], sum(zh_lengths[prev[0]:at[0]])))
        at = prev
    return steps[::-1]


def check_sentence_alignment(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """Every Chinese sentence has English: the sentences aligned by length, none of at least
    `min_han_unmatched` Han characters left without a partner (a dropped sentence)."""
    zh_sents = [s for s in ZH_SENTENCE_END.split(zh) if s.strip()] if ZH_SENTENCE_END.search(zh) else [zh]
    en_sents = split_en_sentences(en)
    if len(zh_sents) < 2 or not en_sents:
        return CheckResult("sentence_alignment", True)
    steps = align_sentences([len(HAN.findall(s)) for s in zh_sents], [len(s) for s in en_sents], config)
    lost = [han for di, dj, han in steps if dj == 0 and han >= config.min_han_unmatched]
    return CheckResult("sentence_alignment", not lost,
                       f"a Chinese sentence of {lost[0]} characters has no English" if lost else "")


def check_name_order(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """Names keep their order ("A beats B" must not become "B beats A"): the names of the
    Chinese found in the English appear there in the same order. Only names - Chinese puts
    common nouns in another order than English often enough to make them useless here."""
    zh = _TITLE.sub(lambda m: " " * len(m.group()), zh)   # a title's words are quoted, not actors
    en = _EN_QUOTED.sub(lambda m: " " * len(m.group()), en)
    found = []
    for token in latin_tokens(zh, config):
        m = re.search(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", en)
        if m:
            found.append((zh.find(token), m.start(), token))
    found.sort()
    # "A的B" is "B of A" in English: a possessive between two names reverses them rightly.
    swapped = [(a[2], b[2]) for a, b in zip(found, found[1:])
               if a[1] > b[1] and "的" not in zh[a[0] + len(a[2]):b[0]]]
    return CheckResult("name_order", not swapped, ", ".join(f"{a} / {b}" for a, b in swapped[:2]))


# The model talking about its task instead of translating: the retry instruction echoed back,
# lead-ins, notes on what it assumed (seen in this project's outputs).
_META = re.compile(
    r"previous answer|was rejected|follow(?:ing)? (?:every|all|the|your) (?:specified |given )?rules?|"
    r"here(?: is|'s| are) the (?:english )?translations?|"
    r"(?:^|\(|\s)note:|translat(?:ed|ion) (?:text|is|as follows)|the (?:chinese|original|given|source) text|"
    r"\bplaceholders?\b|\bmarkers?\b|i have assumed|not provided in|as an ai\b|in the (?:given|provided) (?:text|context)",
    re.IGNORECASE)


def meta_text(en: str) -> str | None:
    """The first words of the English that speak about the task, if any."""
    m = _META.search(en)
    return en[max(0, m.start() - 10):m.end() + 20].strip() if m else None


def check_meta_text(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """No words about the task (the request's instructions, lead-ins, notes) in the English."""
    found = meta_text(en) if not _META.search(zh) else None
    return CheckResult("meta_text", found is None, found or "")


def check_confidence(confidence, config: MeaningConfig = MeaningConfig()) -> CheckResult:
    """The model's own confidence in the answer kept (mean token probability), if asked for."""
    if confidence is None:   # a backend that cannot say
        return CheckResult("low_confidence", True)
    low = []
    if confidence.mean < config.min_confidence:
        low.append(f"mean token probability {confidence.mean}")
    if confidence.minimum < config.min_token_probability:
        low.append(f"lowest token probability {confidence.minimum}")
    if config.max_surprise and confidence.surprise is not None and confidence.surprise > config.max_surprise:
        low.append(f"surprise {confidence.surprise}")
    return CheckResult("low_confidence", not low, "; ".join(low))
