"""Running the checks on an article: each segment's failures become flags a reader sees (the
checks themselves are declared in pipeline/checks/registry.py), and the article's QA figures.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Callable

from pipeline.checks import meaning, registry, relations, structure
from pipeline.checks.meaning import MeaningConfig
from pipeline.checks.registry import QUIET_CHECKS, READER_WORDS, Passage, run_checks
from pipeline.checks.result import CheckResult
from pipeline.checks.structure import QAConfig, chinese_chars
from pipeline.document import Article, Segment
from pipeline.signature import code_signature
from pipeline.terms import consistency, term_table
from pipeline.text import numbers, sentences, words
from pipeline.text.spans import strip_restored, strip_spans


# What decides a flag: an output flagged by other checks cannot be compared by its flag count
# (output/writing.py). Derived from the checks' code (pipeline/signature.py).
CHECKS_VERSION = code_signature("checks", [structure, meaning, relations, registry, sys.modules[__name__],
                                           numbers, sentences, words])


def assess_segment(seg: Segment, glossary=None, config: QAConfig = QAConfig(),
                   meaning: MeaningConfig = MeaningConfig()) -> list[CheckResult]:
    """Every declared check (pipeline/checks/registry.py), in its order, on the segment."""
    zh = strip_spans(seg.source, seg.spans)
    en = strip_restored(seg.translation or "", seg.spans)
    return run_checks(Passage(zh, en, seg, glossary, config, meaning))


def flag_text(seg: Segment, result: CheckResult) -> str:
    """How a failed check reads in the file: the sentence it concerns (its opening words) and the
    problem in words a reader understands, the check's detail after it."""
    if result.name in READER_WORDS:
        # the sentence's words without its formulas: a formula cut short would show as raw TeX
        opening = " ".join(strip_spans(seg.source, seg.spans).split())
        opening = opening if len(opening) <= 24 else opening[:24] + "…"
        return f"“{opening}”: {READER_WORDS[result.name]}" + (f" ({result.detail})" if result.detail else "")
    return f"{result.name}: {result.detail}" if result.detail else result.name


def assess_article(article: Article, glossary=None, config: QAConfig = QAConfig(),
                   meaning: MeaningConfig = MeaningConfig(),
                   on_error: Callable[[Segment, Exception], None] | None = None) -> dict:
    """Run every check on every translated segment, flag the failures on the segment (so the
    bilingual file marks them) and return the article's QA figures: integer counts, which a
    run sums; percentages are made only where they are shown (`percentages`). With `on_error`,
    a segment whose checks raise (a bug met on an odd reply) is handed to it and counted
    unchecked, instead of stopping the article."""
    spans_total = spans_ok = terms_total = terms_ok = residue = 0
    failed_checks: Counter[str] = Counter()
    for seg in article.segments:
        if not seg.translate:
            continue
        try:
            seg.qa = assess_segment(seg, glossary, config, meaning) if not (seg.internal_error or seg.reviewed) else []
        except Exception as exc:
            if on_error is None:
                raise
            on_error(seg, exc)
        for result in seg.qa:
            if not result.ok:
                failed_checks[result.name] += 1
                if result.name in QUIET_CHECKS:
                    continue
                flag = flag_text(seg, result)
                if flag not in seg.flags:
                    seg.flags.append(flag)
        english = seg.translation or ""
        for text, n in Counter(s.text for s in seg.spans).items():
            spans_total += n
            spans_ok += n if english.count(text) == n else 0
        if glossary is not None:
            terms_total += len(seg.terms)
            terms_ok += len(seg.terms) - len(glossary.missing(list(seg.terms), english))
        residue += any(r.name == "chinese_residue" and not r.ok for r in seg.qa)
        if untranslated(seg) and not seg.internal_error and STILL_CHINESE not in seg.flags:
            seg.flags.append(STILL_CHINESE)
    table = term_table(article, glossary)
    consistent, recurring = consistency(table)
    for seg in article.segments:  # formulas kept verbatim outside the model count as intact
        if not seg.translate:
            spans_total += len(seg.spans)
            spans_ok += len(seg.spans)
    translated = [s for s in article.segments if s.translate]
    return {
        "article": article.label,
        "segments": len(translated),
        "flagged": sum(1 for s in article.segments if s.flags),
        "clean_segments": sum(1 for s in translated if not s.flags),
        "formula_spans": spans_total,   # per segment; the written file recounts from the source
        "formulas_kept": spans_ok,
        "glossary_terms": terms_total,
        "glossary_ok": terms_ok,
        "glossary_retries": sum(s.glossary_retries for s in translated),
        "terms_consistent": consistent,   # occurrences of recurring terms in their article's usual rendering
        "terms_recurring": recurring,
        "term_table": table,
        "residue_segments": residue,
        # kept in Chinese: by an internal error, or the model's answers (at least half its Chinese left)
        "untranslated_segments": sum(1 for s in translated if untranslated(s)),
        "internal_errors": sum(1 for s in article.segments if s.internal_error),
        "failed_checks": dict(failed_checks),
        **summary_fields(article),
    }


STILL_CHINESE = "not translated: the model's answers left this passage in Chinese; the original is shown"


def untranslated(seg: Segment) -> bool:
    """A segment a reader of the English gets in Chinese: an internal error kept its original,
    or at least half of its Chinese characters are still in its English."""
    if seg.internal_error:
        return True
    zh = chinese_chars(strip_spans(seg.source, seg.spans))
    return zh > 0 and 2 * chinese_chars(strip_restored(seg.translation or "", seg.spans)) >= zh


def summary_fields(article: Article) -> dict:
    """The summary's part of the QA figures (the summary is made after the checks)."""
    return {"summary": article.summary, "summary_flags": list(article.summary_flags),
            "summary_check": article.summary_check}


def percentages(qa: dict) -> dict:
    """The QA figures as shown to a reader: the counts plus the two percentages made from them."""
    return {**qa, "formula_integrity": pct(qa["formulas_kept"], qa["formula_spans"]),
            "glossary_adherence": pct(qa["glossary_ok"], qa["glossary_terms"]),
            "term_consistency": pct(qa.get("terms_consistent", 0), qa.get("terms_recurring", 0))}


def qa_line(qa: dict) -> str:
    lost = len(qa.get("conservation", []))
    return (f"{qa['clean_segments']}/{qa['segments']} segments clean; "
            f"formulas {qa['formulas_kept']} of {qa['formula_spans']} from the source; "
            f"glossary {pct(qa['glossary_ok'], qa['glossary_terms'])}%; residue {qa['residue_segments']}; "
            f"flagged {qa['flagged']}" + (f"; UNTRANSLATED: {qa['untranslated_segments']}"
                                           if qa.get("untranslated_segments") else "")
            + (f"; DIFFERS FROM SOURCE: {lost}" if lost else ""))


def segment_details(article: Article) -> list[dict]:
    return [{
        "index": i, "source": seg.source, "translation": seg.translation, "attempts": seg.attempts,
        "reviewed": seg.reviewed,
        "confidence": {"mean": seg.confidence.mean, "min": seg.confidence.minimum,
                       "surprise": seg.confidence.surprise} if seg.confidence else None,
        "terms": [list(t) for t in seg.terms],
        "suggested_terms": [list(t) for t in seg.suggested_terms], "flags": seg.flags, "notes": seg.notes,
        "checks": [{"name": r.name, "ok": r.ok, "detail": r.detail} for r in seg.qa],
    } for i, seg in enumerate(article.segments, 1) if seg.translate]


def pct(ok: int, total: int) -> float:
    return 100.0 if total == 0 else round(100.0 * ok / total, 1)
