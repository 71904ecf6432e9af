"""Shared check vocabulary (CheckResult, the Han-character pattern) and the two
article-level checks the Done-when of the translate issue names. The per-segment checks
live in qa.py."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.models import Article

# Han characters (and the rarer CJK blocks): prose left untranslated. Punctuation is not
# counted here; the translator normalises full-width punctuation itself.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")

# What a markdown renderer would take for raw HTML (CommonMark's tag, comment, declaration):
# inside a "formula" it is not LaTeX, so it is escaped like any other source HTML.
HTML_TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|!--|\?|![A-Za-z])")
# Characters that have no business in a written file: C0/C1 controls (but tab and newline),
# bidi overrides that can hide or reorder text.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Link targets a browser would run; shown as text, never as a link.
UNSAFE_LINK = re.compile(r"\]\((\s*(?:javascript|vbscript|data|file):)", re.IGNORECASE)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = ""


def formula_integrity(article: Article) -> CheckResult:
    """Every protected span of the source appears in the English, byte-identical, as often."""
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for seg in article.segments:
        for span in seg.spans:
            expected[span.text] += 1
        if not seg.translate:
            found.update(s.text for s in seg.spans)
    english = "\n".join(seg.output for seg in article.segments if seg.translate)
    for text in expected:
        found[text] += english.count(text)
    missing = [t for t in expected if found[t] < expected[t]]
    extra = [t for t in expected if found[t] > expected[t]]
    detail = "; ".join([f"missing {t!r}" for t in missing[:3]] + [f"repeated {t!r}" for t in extra[:3]])
    return CheckResult("formula_integrity", not missing and not extra, detail)


def english_of_article_residue(article: Article) -> CheckResult:
    """No Han characters in any English segment outside its protected spans."""
    bad = []
    for seg in article.segments:
        if not seg.translate or not seg.translation:
            continue
        text = seg.translation
        for span in seg.spans:
            text = text.replace(span.text, " ")
        if HAN.search(text):
            bad.append(seg.source[:30])
    return CheckResult("chinese_residue", not bad, "; ".join(bad[:3]))
