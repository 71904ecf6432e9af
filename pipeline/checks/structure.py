"""The structural checks of a translated segment: formulas, glossary terms, Chinese left,
length, sentence count, loops, emptiness. Thresholds in `QAConfig`; each check is declared once
with its reader words in pipeline/checks/registry.py."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.checks.result import CheckResult
from pipeline.document import Segment
from pipeline.text.han import HAN
from pipeline.text.sentences import count_en_sentences, count_zh_sentences


@dataclass(frozen=True)
class QAConfig:
    """Thresholds; docs/design.md measured typical English/Chinese ratios of 2.6-4.3 and a rule
    "fewer sentences or ratio < 2.3" catching 9 of 9 real drops with 1 false alarm."""

    min_length_ratio: float = 2.3
    max_length_ratio: float = 8.0
    min_chars_for_ratio: int = 15      # shorter sources give noisy ratios
    repeat_ngram: int = 4              # a run of this many words...
    repeat_count: int = 3              # ...seen this often is a loop


def chinese_chars(text: str) -> int:
    return len(HAN.findall(text))


def check_formulas(seg: Segment) -> CheckResult:
    english = seg.translation or ""
    expected = Counter(s.text for s in seg.spans)
    wrong = [t for t, n in expected.items() if english.count(t) != n]
    return CheckResult("formula_integrity", not wrong, "; ".join(f"{t[:40]!r}" for t in wrong[:3]))


def check_glossary(seg: Segment, glossary) -> CheckResult:
    if glossary is None or not seg.terms:
        return CheckResult("glossary_adherence", True)
    missing = glossary.missing(list(seg.terms), seg.translation or "")
    return CheckResult("glossary_adherence", not missing, ", ".join(f"{zh}={en}" for zh, en in missing))


def check_residue(zh: str, en: str) -> CheckResult:
    found = HAN.findall(en)
    return CheckResult("chinese_residue", not found, "".join(dict.fromkeys(found))[:20])


def check_length_ratio(zh: str, en: str, config: QAConfig) -> CheckResult:
    n_zh = chinese_chars(zh)
    if n_zh < config.min_chars_for_ratio:
        return CheckResult("length_ratio", True, "source too short to judge")
    ratio = len(en.strip()) / n_zh
    ok = config.min_length_ratio <= ratio <= config.max_length_ratio
    return CheckResult("length_ratio", ok, f"{ratio:.2f}")


def check_sentence_coverage(zh: str, en: str) -> CheckResult:
    if not zh.strip():  # only formulas or code: nothing for the English to cover
        return CheckResult("sentence_coverage", True, "no prose in the source")
    n_zh = count_zh_sentences(zh) or 1   # sentence ends only: a clause end is not a sentence
    n_en = count_en_sentences(en) or (1 if en.strip() else 0)
    return CheckResult("sentence_coverage", n_en >= n_zh, f"{n_en} English for {n_zh} Chinese sentence(s)")


def check_repetition(en: str, config: QAConfig) -> CheckResult:
    words = en.lower().split()
    n = config.repeat_ngram
    grams = Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    worst = max(grams.values(), default=0)
    looped = worst >= config.repeat_count or bool(re.search(r"(.{6,}?)\1{3,}", en))
    return CheckResult("repetition", not looped, f"a {n}-word run repeated {worst} times" if looped else "")


def check_not_empty(zh: str, en: str) -> CheckResult:
    ok = bool(en.strip()) or not zh.strip()  # a formula-only source has no prose to translate
    return CheckResult("not_empty", ok, "" if ok else "empty translation")


def structural_problems(zh: str, en: str, config: QAConfig) -> list[str]:
    """The checks a translator retries on (texts without their spans)."""
    results = [check_not_empty(zh, en), check_repetition(en, config)]
    coverage, ratio = check_sentence_coverage(zh, en), check_length_ratio(zh, en, config)
    if not coverage.ok and not ratio.ok:  # docs/design.md's drop rule needs both signals
        results.append(CheckResult("sentence_coverage", False, f"{coverage.detail}, ratio {ratio.detail}"))
    return [f"{r.name}: {r.detail}" for r in results if not r.ok]
