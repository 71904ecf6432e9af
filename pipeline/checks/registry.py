"""Every per-segment check, declared once: its name, what it reads, what its failure means to a
reader, what a retry asks the model (if the meaning retry runs it), and whether the reader is
warned. Everything else is derived from `CHECKS`: the checks `assess_segment` runs (in this
order, which is qa.json's), the meaning retry's checks and requests, the reader's words, the
checks kept out of the reader's warnings. Adding a check = one `Check(...)` here and its test
(docs/architecture.md: "Adding a check"); tests/test_check_registry.py fails a declaration missing a part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pipeline.checks import meaning, relations, structure
from pipeline.checks.meaning import MeaningConfig
from pipeline.checks.result import CheckResult
from pipeline.checks.structure import QAConfig
from pipeline.document import Segment

# structure: the answer's form (formulas, Chinese left, length, loops); meaning: what a small
# model gets wrong while the English stays fluent; relation: pairs and qualifiers of numbers;
# confidence: the model's own probabilities.
FAMILIES = ("structure", "meaning", "relation", "confidence")


@dataclass(frozen=True)
class Passage:
    """What a check reads: the prose of both sides (formulas taken out), and, when the whole
    segment is at hand, the segment itself (formulas, terms, confidence) and the glossary."""

    zh: str
    en: str
    segment: Segment | None = None
    glossary: Any = None
    qa: QAConfig = QAConfig()
    meaning: MeaningConfig = MeaningConfig()


@dataclass(frozen=True)
class Check:
    name: str                                   # the CheckResult's name, qa.json's key
    run: Callable[[Passage], CheckResult]
    family: str                                 # one of FAMILIES
    reader_words: str                           # what a failure means, for a reader of the file
    ask: Callable[[str], str] | None = None     # the meaning retry's request, given the detail;
                                                # None: the meaning retry does not run this check
    warns_reader: bool = True                   # False: kept in qa.json, no warning in the file


def _needs_segment(run: Callable[[Segment, Passage], CheckResult], name: str) -> Callable[[Passage], CheckResult]:
    """A check of the whole segment; on prose alone (the retry's re-check) it has nothing to say."""
    return lambda p: run(p.segment, p) if p.segment is not None else CheckResult(name, True)


CHECKS: tuple[Check, ...] = (
    Check("formula_integrity", _needs_segment(lambda s, p: structure.check_formulas(s), "formula_integrity"),
          "structure", "a formula did not come through unchanged"),
    # On the real-error set the glossary check was right 3 times of 8 (another good rendering of a
    # term): kept in qa.json and retried for, no warning (docs/quality.md: "Real errors").
    Check("glossary_adherence",
          _needs_segment(lambda s, p: structure.check_glossary(s, p.glossary), "glossary_adherence"),
          "structure", "a technical term is not in the glossary's English", warns_reader=False),
    Check("chinese_residue", lambda p: structure.check_residue(p.zh, p.en),
          "structure", "Chinese is left in the English"),
    Check("length_ratio", lambda p: structure.check_length_ratio(p.zh, p.en, p.qa),
          "structure", "the English is much shorter or longer than the original"),
    Check("sentence_coverage", lambda p: structure.check_sentence_coverage(p.zh, p.en),
          "structure", "a sentence of the original may be missing from the English"),
    Check("repetition", lambda p: structure.check_repetition(p.en, p.qa),
          "structure", "the English repeats itself"),
    Check("not_empty", lambda p: structure.check_not_empty(p.zh, p.en),
          "structure", "the English is empty"),
    Check("negation", lambda p: meaning.check_negation(p.zh, p.en, p.meaning), "meaning",
          "a negation (not / no / never) may have been added or lost",
          ask=lambda d: f"the negations do not match ({d}); give each Chinese negation a negation in the English "
                        f"(not, no, never, without, un-...) and add none"),
    Check("numbers", lambda p: meaning.check_numbers(p.zh, p.en, p.meaning), "meaning",
          "a number differs from the original",
          ask=lambda d: f"a number is wrong ({d}); give every number exactly as the Chinese states it"),
    Check("latin_tokens", lambda p: meaning.check_latin_tokens(p.zh, p.en, p.meaning), "meaning",
          "a name or term of the original is missing",
          ask=lambda d: f"these names were left out: {d}; keep every name and abbreviation as written"),
    Check("author_glosses", lambda p: meaning.check_author_glosses(p.zh, p.en, p.meaning), "meaning",
          "the English term the author gave is not used",
          ask=lambda d: f"use the author's own English term: {d}"),
    Check("sentence_kinds", lambda p: meaning.check_sentence_kinds(p.zh, p.en, p.meaning), "meaning",
          "a question or exclamation became a statement (or the reverse)",
          ask=lambda d: f"keep each question a question and each exclamation an exclamation ({d})"),
    Check("titles", lambda p: meaning.check_titles(p.zh, p.en, p.meaning), "meaning",
          "a quoted title of the original is missing",
          ask=lambda d: f"keep each title in 《》 as a quoted title ({d})"),
    Check("sentence_alignment", lambda p: meaning.check_sentence_alignment(p.zh, p.en, p.meaning), "meaning",
          "a sentence of the original may be missing from the English",
          ask=lambda d: f"a sentence was left out ({d}); translate every sentence"),
    Check("name_order", lambda p: meaning.check_name_order(p.zh, p.en, p.meaning), "meaning",
          "two names are in another order than in the original (who did what may be swapped)",
          ask=lambda d: f"these names are in the wrong order: {d}; keep who does what as in the Chinese"),
    Check("meta_text", lambda p: meaning.check_meta_text(p.zh, p.en, p.meaning), "meaning",
          "the English contains words about the translation task, not the article",
          ask=lambda d: "output only the translation, with no words about the task or the rules"),
    Check("low_confidence",
          _needs_segment(lambda s, p: meaning.check_confidence(s.confidence, p.meaning), "low_confidence"),
          "confidence", "the model was unsure of a word here: read this sentence against the original"),
    # Wrong on its only firing on the real-error set: no warning until the set says more.
    Check("opposites", lambda p: relations.check_opposites(p.zh, p.en), "relation",
          "the English may name the opposite of the original (e.g. the real part for the imaginary)",
          warns_reader=False),
    Check("qualifiers", lambda p: relations.check_qualifiers(p.zh, p.en), "relation",
          "a qualifier of a number (about / at most / at least / one of) may be lost"),
)

BY_NAME = {check.name: check for check in CHECKS}
# The checks the meaning retry runs again on an answer, and names in its request.
RETRIED = tuple(check for check in CHECKS if check.ask is not None)
READER_WORDS = {check.name: check.reader_words for check in CHECKS}
QUIET_CHECKS = frozenset(check.name for check in CHECKS if not check.warns_reader)


def run_checks(passage: Passage, checks: tuple[Check, ...] = CHECKS) -> list[CheckResult]:
    return [check.run(passage) for check in checks]


def meaning_problems(zh: str, en: str, config: MeaningConfig = MeaningConfig()) -> list[CheckResult]:
    """The failed checks of the meaning retry on a segment's prose (formulas taken out of both sides)."""
    return [r for r in run_checks(Passage(zh, en, meaning=config), RETRIED) if not r.ok]


def retry_request(problem: CheckResult) -> str:
    """What the model is told when its answer failed `problem`'s check."""
    return BY_NAME[problem.name].ask(problem.detail)
